import { describe, expect, it } from 'vitest';
import { compileConfigValidator, trimErrorObjects } from './validator.ts';

describe('config validator build', () => {
  it('keeps only instancePath and message in the error objects', () => {
    const code = compileConfigValidator();
    expect(code).not.toMatch(/schemaPath:|keyword:|params:/);
    const module = { exports: undefined as unknown };
    new Function('module', code)(module);
    const validate = module.exports as ((d: unknown) => boolean) & { errors?: object[] };
    expect(validate({ ociVersion: '1.0.0', process: { cwd: '/', args: 'x' } })).toBe(false);
    expect(validate.errors?.[0]).toEqual({ instancePath: '/process/args', message: 'must be array' });
  });

  it('fails the build on an error object shape it cannot trim', () => {
    expect(() => trimErrorObjects('e={instancePath,params:{a:{b:1}},message:"m"}')).toThrow('cannot trim (params:)');
  });
});
