// The config.json schema compiled to standalone code by the build (src/build/validator.ts), found
// through package.json's "imports"; esbuild bundles it into dist/tdrun.cjs.
declare module '#config-validator' {
  const validate: ((data: unknown) => boolean) & {
    errors?: { instancePath: string; message?: string }[] | null;
  };
  export = validate;
}
