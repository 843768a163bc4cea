// schema.ts (what loadConfig accepts) and types.ts (what the code reads after it) are two
// descriptions of one config.json. Neither can be derived from the other without losing what
// each says best (the schema's ranges and error wording, the types' unions and doc comments), so
// this test holds them together: it walks the schema object and the Spec type (read by the
// TypeScript compiler) side by side, and every object must have the same property names, the
// same required ones, maps and arrays the same values, and leaves of the same kind.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { configSchema } from './schema.ts';

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  enum?: unknown[];
  oneOf?: Schema[];
  anyOf?: Schema[];
};

const typesFile = fileURLToPath(new URL('./types.ts', import.meta.url));
const program = ts.createProgram([typesFile], { strict: true, noEmit: true });
const checker = program.getTypeChecker();

function specType(): ts.Type {
  const file = program.getSourceFile(typesFile)!;
  const spec = file.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'Spec')!;
  return checker.getTypeAtLocation(spec);
}

function resolveRef(s: Schema): Schema {
  if (!s.$ref) return s;
  const name = s.$ref.replace('#/definitions/', '') as keyof typeof configSchema.definitions;
  return resolveRef(configSchema.definitions[name] as Schema);
}

/** The kind of a leaf as the schema says it ("string", "number", "boolean"), or null. */
function schemaKind(s: Schema): string | null {
  if (s.enum) return typeof s.enum[0] === 'string' ? 'string' : typeof s.enum[0] === 'number' ? 'number' : null;
  const t = Array.isArray(s.type) ? s.type.filter((x) => x !== 'null') : s.type ? [s.type] : [];
  const kinds = new Set(t.map((x) => (x === 'integer' ? 'number' : x)));
  return kinds.size === 1 ? [...kinds][0] : null;
}

function typeKind(t: ts.Type): string | null {
  const parts = t.isUnion() ? t.types : [t];
  const kinds = new Set(
    parts.map((p) =>
      p.flags & ts.TypeFlags.StringLike ? 'string' : p.flags & ts.TypeFlags.NumberLike ? 'number' : p.flags & ts.TypeFlags.BooleanLike ? 'boolean' : 'other',
    ),
  );
  return kinds.size === 1 ? [...kinds][0] : null;
}

/** Every place where the two disagree, as "pointer: what". */
function differences(schema: Schema, type: ts.Type, pointer: string): string[] {
  const s = resolveRef(schema);
  const t = checker.getNonNullableType(type);
  if (s.properties) {
    const out: string[] = [];
    const props = new Map(checker.getPropertiesOfType(t).map((p) => [p.name, p]));
    const names = new Set([...Object.keys(s.properties), ...props.keys()]);
    for (const name of names) {
      const at = `${pointer}/${name}`;
      const prop = props.get(name);
      const sub = s.properties[name];
      if (!prop) out.push(`${at}: in the schema, not in types.ts`);
      else if (!sub) out.push(`${at}: in types.ts, not in the schema`);
      else {
        const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
        const required = (s.required ?? []).includes(name);
        if (optional === required) out.push(`${at}: ${required ? 'required' : 'optional'} in the schema, not in types.ts`);
        out.push(...differences(sub, checker.getTypeOfSymbol(prop), at));
      }
    }
    return out;
  }
  if (s.items) {
    const element = checker.isArrayType(t) ? checker.getTypeArguments(t as ts.TypeReference)[0] : undefined;
    return element ? differences(s.items, element, `${pointer}/0`) : [`${pointer}: an array in the schema, not in types.ts`];
  }
  if (typeof s.additionalProperties === 'object') {
    const value = checker.getIndexTypeOfType(t, ts.IndexKind.String);
    return value ? differences(s.additionalProperties, value, `${pointer}/*`) : [`${pointer}: a map in the schema, not in types.ts`];
  }
  const kind = schemaKind(s);
  if (kind && typeKind(t) !== kind) return [`${pointer}: ${kind} in the schema, ${checker.typeToString(t)} in types.ts`];
  return [];
}

describe('schema.ts and types.ts', () => {
  it('describe the same config.json, field by field', () => {
    expect(differences(configSchema as Schema, specType(), '')).toEqual([]);
  });

  it('the walk finds a difference when there is one', () => {
    const changed = structuredClone(configSchema) as Schema;
    changed.properties!.root.properties!.extra = { type: 'string' };
    changed.properties!.root.required = [];
    changed.properties!.linux.properties!.resources.properties!.pids.properties!.limit = { type: 'string' };
    expect(differences(changed, specType(), '')).toEqual([
      '/root/path: optional in the schema, not in types.ts',
      '/root/extra: in the schema, not in types.ts',
      '/linux/resources/pids/limit: string in the schema, number in types.ts',
    ]);
  });
});
