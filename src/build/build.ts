// Build step for the JavaScript side (run by `npm run build:js` with the Node 24 of the `node`
// package, which runs TypeScript directly):
//   1. compile the config.json schema into standalone validator code (no ajv at run time),
//   2. bundle src/cli.ts, the validator with it, into a CommonJS file, dist/tdrun.cjs (commands
//      stay lazily evaluated), and yargs, which only `--help` needs (src/commands/help.ts), into
//      dist/yargs.cjs beside it,
//   3. bundle src/launcher.ts into bin/tdrun, whose shebang names that Node 24 by absolute path,
//      so engines can call tdrun by path with a minimal environment and no PATH lookup of `node`.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeConfigValidator } from './validator.ts';
import { versionText } from './version.ts';
import { LAUNCHER_NODE_FLAG, v8CacheDir } from '../paths.ts';

const root = resolve(import.meta.dirname, '../..');
const nodeBinary = resolve(root, 'node_modules/node/bin/node');

// bundled into dist/tdrun.cjs below (`#config-validator`), so its compiled code lands in the
// code cache of the commands that validate
writeConfigValidator();

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minifySyntax: true,
  // V8 parses the source again for every function missing from the code cache and for the
  // source positions of a stack trace, and every call reads the whole file: fewer bytes made every
  // call faster (bench/README.md). Short names too: tdrun's errors are one line and never a stack
  // trace; one read with its names comes from a build with minifyIdentifiers off.
  minifyWhitespace: true,
  minifyIdentifiers: true,
  legalComments: 'none',
  logLevel: 'warning',
} as const;

// yargs with its helpers (~185 KB) is more than half of what the bundle would be; in a file of
// its own, the calls that never show help do not read, hash and deserialize it.
await build({
  ...common,
  stdin: { contents: "module.exports = require('yargs/yargs');", resolveDir: root, loader: 'js' },
  outfile: resolve(root, 'dist/yargs.cjs'),
});

// Node's built-ins through process.getBuiltinModule rather than require(): require() goes through
// the CommonJS loader (resolution, its diagnostics channels), whose code runs cold in every call
// (bench/README.md has what it costs).
function builtinsWithoutRequire(code: string): string {
  return code.replace(/\brequire\("(node:[a-z_/]+)"\)/g, 'process.getBuiltinModule("$1")');
}

const bundlePath = resolve(root, 'dist/tdrun.cjs');
await build({
  ...common,
  entryPoints: [resolve(root, 'src/cli.ts')],
  outfile: bundlePath,
  define: { 'import.meta.dirname': '__dirname', TDRUN_VERSION_TEXT: JSON.stringify(versionText(root)) },
  plugins: [
    {
      // The launcher runs the bundle as a vm.Script, which has no dynamic import callback, so
      // every import() of something outside the bundle (yargs beside it, Node's built-ins loaded
      // lazily) becomes a require() that esbuild wraps in a promise.
      name: 'import-as-require',
      setup(b) {
        b.onResolve({ filter: /^yargs\/yargs$/ }, () => ({ path: 'yargs.cjs', namespace: 'require' }));
        b.onResolve({ filter: /^node:/ }, (args) =>
          args.kind === 'dynamic-import' ? { path: args.path, namespace: 'require' } : undefined,
        );
        // dist/yargs.cjs by absolute path: the launcher hands the bundle its own require(), which
        // resolves relative paths from bin/
        b.onLoad({ filter: /.*/, namespace: 'require' }, (args) => ({
          contents: args.path.startsWith('node:')
            ? `module.exports = require(${JSON.stringify(args.path)});`
            : `module.exports = require(__dirname + ${JSON.stringify(`/${args.path}`)});`,
        }));
        b.onResolve({ filter: /.*/, namespace: 'require' }, (args) => ({ path: args.path, external: true }));
      },
    },
  ],
});

// The bundle is stored inside the CommonJS wrapper the launcher runs it in (src/launcher.ts), so
// the launcher need not copy 340 KB of source into a wrapped string in every call.
writeFileSync(
  bundlePath,
  `(function (exports, require, module, __filename, __dirname) {${builtinsWithoutRequire(readFileSync(bundlePath, 'utf8'))}\n})`,
);

// bin/tdrun: src/launcher.ts behind a shebang that names our Node 24 by absolute path.
// --no-rehash-snapshot: by default V8 draws a fresh hash secret at every start and rehashes the
// strings of Node's startup snapshot with it, in every call (mostly a primality test in
// HashSeed::InitializeRoots; bench/README.md has the cost). Without it the seed baked into the snapshot is kept. The random
// seed defends against hash flooding by whoever controls the keys of parsed input; tdrun parses
// only what root gives it (config.json, its own state, the command line), and a caller who could
// flood it could as well hand it a config that takes as long in other ways.
// the code caches of an earlier bundle can never be used again (src/launcher.ts)
mkdirSync(v8CacheDir, { recursive: true });
for (const name of readdirSync(v8CacheDir)) {
  if (name.endsWith('.bin')) rmSync(resolve(v8CacheDir, name), { force: true });
}
const launcherTmp = resolve(root, `bin/tdrun.tmp-${process.pid}`);
mkdirSync(resolve(root, 'bin'), { recursive: true });
await build({
  ...common,
  entryPoints: [resolve(root, 'src/launcher.ts')],
  outfile: launcherTmp,
  banner: { js: `#!${nodeBinary} ${LAUNCHER_NODE_FLAG}` },
  define: {
    'import.meta.dirname': '__dirname',
    TDRUN_BUNDLE: JSON.stringify(resolve(root, 'dist/tdrun.cjs')),
  },
});
writeFileSync(launcherTmp, builtinsWithoutRequire(readFileSync(launcherTmp, 'utf8')));
chmodSync(launcherTmp, 0o755);
renameSync(launcherTmp, resolve(root, 'bin/tdrun'));
