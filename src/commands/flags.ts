// The kinds of flags, the global flags, and what the launcher reads of them. Each command's own
// flags are in commands/table.ts; README "Adding a command or a flag" says how the two fit.
interface FlagBase {
  describe: string;
  /** the one-letter spelling (`-b` for `--bundle`) */
  short?: string;
  /** what the help calls the value (`--bundle DIR`); VALUE when not given */
  value?: string;
}
/** A flag's kind decides how it is parsed and the type its handler sees. */
export type Flag =
  /** `--x`, or `--x=true|false` */
  | (FlagBase & { type: 'boolean' })
  | (FlagBase & { type: 'string'; choices?: readonly string[]; default?: string; required?: true })
  /** a non-negative integer */
  | (FlagBase & { type: 'count'; default: number })
  /** repeatable: every occurrence adds one value */
  | (FlagBase & { type: 'strings' });
export type Flags = Readonly<Record<string, Flag>>;

/** Global flags: before the command (as runc has them) or among its flags; a command's flag of
 *  the same name wins there (`spec --rootless`). */
export const GLOBAL_FLAGS = {
  // no default here: it depends on the caller (src/rootless.ts), and cli.ts resolves it
  root: { type: 'string', value: 'DIR', describe: 'directory for container state (default: /run/tdrun; $XDG_RUNTIME_DIR/tdrun rootless)' },
  log: { type: 'string', value: 'FILE', describe: 'log file (default: stderr only)' },
  'log-format': { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'log file format' },
  debug: { type: 'boolean', describe: 'each step on stderr, with the milliseconds since the start' },
  'systemd-cgroup': { type: 'boolean', describe: 'put containers in transient systemd scopes (cgroupsPath "slice:prefix:name")' },
  rootless: { type: 'string', choices: ['auto', 'true', 'false'], default: 'auto', describe: 'rootless container handling' },
} as const satisfies Flags;

// A handler's argument types, derived from its flags' entries.
type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
type ValueOf<F> = F extends { type: 'boolean' }
  ? boolean
  : F extends { type: 'count' }
    ? number
    : F extends { type: 'strings' }
      ? string[]
      : F extends { choices: readonly (infer C)[] }
        ? C
        : string;
/** a flag the parser always sets: it has a default, or is required */
type AlwaysSet<F> = F extends { type: 'boolean' | 'count' | 'strings' } ? true : F extends { default: string } | { required: true } ? true : false;
export type FlagArgs<Fs> = { [K in keyof Fs & string as AlwaysSet<Fs[K]> extends true ? Camel<K> : never]: ValueOf<Fs[K]> } & {
  [K in keyof Fs & string as AlwaysSet<Fs[K]> extends true ? never : Camel<K>]?: ValueOf<Fs[K]>;
};
export type Flat<T> = { [K in keyof T]: T[K] };

/** The global flags, parsed. */
export type ParsedGlobals = Flat<FlagArgs<typeof GLOBAL_FLAGS>>;
/** The global flags as a handler gets them: --root given or resolved for the caller. */
export type Globals = Flat<Omit<ParsedGlobals, 'root'> & { root: string }>;

/** `pid-file` -> `pidFile`: a flag's argument name. */
export function argName(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The flag a spelling names among `flags` (`--pid-file`, `-b`), with its argument name. */
export function lookup(flags: Flags, spelling: string): { key: string; flag: Flag } | undefined {
  if (spelling.startsWith('--')) {
    const name = spelling.slice(2);
    return Object.hasOwn(flags, name) ? { key: argName(name), flag: flags[name] } : undefined;
  }
  for (const [name, flag] of Object.entries(flags)) if (`-${flag.short}` === spelling) return { key: argName(name), flag };
  return undefined;
}

/** The command name of a call (`run`, `state`...), or null when the call is unusual: the
 *  launcher names the bundle's code cache after it and sets the V8 flags of create, run and exec by it. */
export function commandWord(argv: string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-')) return /^[a-z]{1,16}$/.test(arg) ? arg : null;
    const eq = arg.indexOf('=');
    const global = lookup(GLOBAL_FLAGS, eq > 0 ? arg.slice(0, eq) : arg);
    if (!global) return null;
    if (global.flag.type !== 'boolean' && eq < 0) i++;
  }
  return null;
}
