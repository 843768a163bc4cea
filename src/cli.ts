// tdrun's entry point (bundled into dist/tdrun.cjs). runc-compatible command line.
// Startup cost matters (engines call create/start/state/kill/delete all the time), so the shapes
// engines send and `--version` are recognised by a small scanner (commands/argv.ts) without
// loading yargs; everything else, including every malformed call, goes through the full yargs
// tree, which is strict about unknown flags and commands. Command modules load lazily.
import { v8CacheDir } from './paths.ts';
import { defaultStateRoot, resolveRootless } from './rootless.ts';
import {
  attachDashValues,
  commandName,
  fastParse,
  helpRequest,
  protectExecCommand,
  scanGlobals,
  unknownFlag,
  type Globals,
} from './commands/argv.ts';
import { TdrunError, describe } from './errors.ts';
import { debug, reportError, setupLog } from './log.ts';
import { exitProcess, stdio } from './stdio.ts';
import { markThinCall } from './code-cache.ts';

/** `--version`: baked in by src/build/build.ts (src/build/version.ts) */
declare const TDRUN_VERSION_TEXT: string;

type Handler = (args: any) => unknown;
type Loader = () => Promise<{ command: Handler }>;

const LOADERS: Record<string, Loader> = {
  create: () => import('./commands/create.ts'),
  start: () => import('./commands/start.ts'),
  run: () => import('./commands/run.ts'),
  state: () => import('./commands/state.ts'),
  kill: () => import('./commands/kill.ts'),
  delete: () => import('./commands/delete.ts'),
  list: () => import('./commands/list.ts'),
  spec: () => import('./commands/spec.ts'),
  features: () => import('./commands/features.ts'),
  exec: () => import('./commands/exec.ts'),
  ps: () => import('./commands/ps.ts'),
  pause: () => import('./commands/pause.ts'),
  resume: () => import('./commands/resume.ts'),
  update: () => import('./commands/update.ts'),
  audit: () => import('./commands/audit.ts'),
  info: () => import('./commands/info.ts'),
};

/** Runs one command and exits with its status; every failure becomes one runc-style line. */
async function dispatch(op: string, id: string | undefined, globals: Globals, args: Record<string, unknown>): Promise<never> {
  setupLog({ file: globals.log, format: globals.logFormat, debug: globals.debug });
  let code = 0;
  try {
    if (!['auto', 'true', 'false'].includes(globals.rootless))
      throw new TdrunError(`--rootless ${globals.rootless}`, 'must be auto, true or false');
    if (globals.systemdCgroup) throw new TdrunError('--systemd-cgroup', 'the systemd cgroup driver is not supported by tdrun');
    const mod = await LOADERS[op]();
    debug(`${op}: command loaded`);
    // commands that keep no state do not need a state root (nor a caller's XDG_RUNTIME_DIR)
    const stateless = op === 'spec' || op === 'features' || op === 'info' || (op === 'audit' && id === undefined);
    const root = globals.root ?? (stateless ? '' : defaultStateRoot());
    const result = await mod.command({ ...args, root, rootless: resolveRootless(globals.rootless) });
    if (typeof result === 'number') code = result;
  } catch (err) {
    reportError(op, id, describe(err));
    // runc's exec fails with 255, which engines tell from the exit status of the process itself
    code = op === 'exec' ? 255 : 1;
  }
  // `run`/`exec` hold stdin and tty handles open; exit instead of waiting for them to close
  exitProcess(code);
}

function usageError(argv: string[], msg: string): never {
  // engines read the reason from --log: honour it when the global flags themselves were fine
  const globals = scanGlobals(argv)?.globals;
  setupLog({ file: globals?.log, format: globals?.logFormat ?? 'text', debug: false });
  reportError('usage', undefined, msg.replace(/\s*\n\s*/g, ' '));
  process.exit(1);
}

async function parseFull(argv: string[]): Promise<void> {
  // help runs none of its command (a -h that is really an exec argument only costs the cache)
  if (argv.includes('--help') || argv.includes('-h')) markThinCall();
  // yargs is outside the bundle's code cache (src/launcher.ts); Node's compile cache serves it
  try {
    process.getBuiltinModule('node:module').enableCompileCache(v8CacheDir);
  } catch {
    // only a speed-up
  }
  const { default: yargs } = await import('yargs/yargs');
  const globalsOf = (a: Record<string, unknown>): Globals => ({
    root: a.root as string | undefined,
    log: a.log as string | undefined,
    logFormat: a.logFormat as Globals['logFormat'],
    debug: a.debug as boolean,
    systemdCgroup: a.systemdCgroup as boolean,
    rootless: (a.rootless ?? 'auto') as Globals['rootless'],
  });
  const go = (op: string) => (a: Record<string, unknown>) =>
    dispatch(op, a.containerId as string | undefined, globalsOf(a), { ...a, id: a.containerId });
  const id = (y: any) => y.positional('container-id', { type: 'string', describe: 'the container id' });
  const createFlags = (y: any) =>
    id(y)
      .option('bundle', { alias: 'b', type: 'string', describe: 'path to the bundle directory (default: the current directory)' })
      .option('console-socket', { type: 'string', describe: 'AF_UNIX socket that receives the pty master' })
      .option('pid-file', { type: 'string', describe: 'file to write the init pid to' })
      .option('preserve-fds', { type: 'number', default: 0, describe: 'pass N more fds (3..3+N-1) to the container' })
      .option('no-pivot', { type: 'boolean', default: false, describe: 'move the rootfs and chroot instead of pivot_root' })
      .option('no-new-keyring', { type: 'boolean', default: false, describe: 'keep the caller\'s session keyring instead of a new one' });

  const protectedArgv = protectExecCommand(attachDashValues(argv));
  const name = commandName(protectedArgv);
  if (name !== undefined && !Object.hasOwn(LOADERS, name)) usageError(argv, `unknown command "${name}"`);
  const unknown = unknownFlag(protectedArgv);
  if (unknown) usageError(argv, `unknown flag: ${unknown}`);
  await yargs(protectedArgv)
    .scriptName('tdrun')
    .usage('$0 [global options] command [command options] [arguments...]')
    .parserConfiguration({ 'populate--': true, 'boolean-negation': false, 'greedy-arrays': false })
    .option('root', { type: 'string', describe: 'directory for container state (default: /run/tdrun, $XDG_RUNTIME_DIR/tdrun when rootless)' })
    .option('log', { type: 'string', describe: 'log file (default: stderr only)' })
    .option('log-format', { choices: ['text', 'json'], default: 'text', describe: 'log file format' })
    .option('debug', { type: 'boolean', default: false, describe: 'debug output' })
    .option('systemd-cgroup', { type: 'boolean', default: false, describe: 'systemd cgroup driver (not supported)' })
    // no `choices` and no default: `spec --rootless` reuses the name as a flag (value ""), so
    // dispatch checks the value and defaults it
    .option('rootless', { type: 'string', describe: 'rootless container handling: auto (default), true or false' })
    .version(false)
    .option('version', { alias: 'v', type: 'boolean', describe: 'print the version' })
    .help('help')
    .alias('help', 'h')
    .command('create <container-id>', 'create a container', createFlags, go('create'))
    .command('start <container-id>', 'start the process of a created container', id, go('start'))
    .command(
      'run <container-id>',
      'create and run a container',
      (y: any) =>
        createFlags(y)
          .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'return once the container runs' })
          .option('keep', { type: 'boolean', default: false, describe: 'do not delete the container after it exits' }),
      go('run'),
    )
    .command('state <container-id>', 'output the state of a container', id, go('state'))
    .command(
      'kill <container-id> [signal]',
      'send a signal (default SIGTERM) to the init process',
      (y: any) =>
        id(y)
          .positional('signal', { type: 'string', describe: 'signal name or number' })
          .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'signal every process of the container' }),
      go('kill'),
    )
    .command(
      'delete <container-id>',
      'delete a container and its resources',
      (y: any) => id(y).option('force', { alias: 'f', type: 'boolean', default: false, describe: 'kill it first if it runs' }),
      go('delete'),
    )
    .command(
      'list',
      'list the containers under --root',
      (y: any) =>
        y
          .option('format', { alias: 'f', choices: ['table', 'json'], default: 'table' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'ids only' }),
      go('list'),
    )
    .command(
      'spec',
      'write a starting config.json',
      (y: any) =>
        y
          .option('bundle', { alias: 'b', type: 'string', describe: 'bundle directory' })
          .option('rootless', { type: 'string', describe: 'a config for a rootless container (user namespace, your own uid and gid mapped)' }),
      // `--rootless` here is runc's flag for a rootless config: any value but "false" asks for it
      (a: Record<string, unknown>) =>
        dispatch('spec', undefined, { ...globalsOf(a), rootless: 'auto' }, {
          bundle: a.bundle,
          rootlessSpec: a.rootless !== undefined && a.rootless !== 'false',
        }),
    )
    .command('features', 'show the supported features', (y: any) => y, go('features'))
    .command(
      'exec <container-id> [command..]',
      'run one more process in a container',
      (y: any) =>
        id(y)
          .positional('command', { type: 'string', array: true, describe: 'the program and its arguments' })
          .option('process', { alias: 'p', type: 'string', describe: 'process.json: the whole process (instead of a command and flags)' })
          .option('console-socket', { type: 'string', describe: 'AF_UNIX socket that receives the pty master' })
          .option('pid-file', { type: 'string', describe: 'file to write the process pid to' })
          .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'return once the process runs' })
          .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'give the process a terminal' })
          .option('cwd', { type: 'string', describe: 'working directory in the container' })
          .option('env', { alias: 'e', type: 'string', array: true, default: [], describe: 'KEY=VALUE added to the environment (repeatable)' })
          .option('user', { alias: 'u', type: 'string', describe: 'uid[:gid]' })
          .option('additional-gids', { alias: 'g', type: 'string', array: true, default: [], describe: 'more gids (repeatable)' })
          .option('cap', { alias: 'c', type: 'string', array: true, default: [], describe: 'a capability added to the process (repeatable)' })
          .option('no-new-privs', { type: 'boolean', default: false, describe: 'set no_new_privs' })
          .option('preserve-fds', { type: 'number', default: 0, describe: 'pass N more fds (3..3+N-1) to the process' })
          .option('ignore-paused', { type: 'boolean', default: false, describe: 'exec even if the container is paused' })
          .option('apparmor', { type: 'string', describe: 'AppArmor profile (not supported)' })
          .option('process-label', { type: 'string', describe: 'SELinux label (not supported)' })
          .option('cgroup', { type: 'string', array: true, describe: 'a sub-cgroup to run in (not supported yet)' }),
      (a: Record<string, unknown>) =>
        go('exec')({ ...a, command: [...((a.command as string[]) ?? []), ...((a['--'] as string[]) ?? [])].map(String) }),
    )
    .command(
      'ps <container-id>',
      'list the processes of a container',
      (y: any) => id(y).option('format', { alias: 'f', choices: ['table', 'json'], default: 'table' }),
      go('ps'),
    )
    .command('pause <container-id>', 'freeze every process of a container', id, go('pause'))
    .command('resume <container-id>', 'thaw a paused container', id, go('resume'))
    .command(
      'update <container-id>',
      'change the resource limits of a container',
      (y: any) =>
        id(y).option('resources', {
          alias: 'r',
          type: 'string',
          demandOption: true,
          describe: "LinuxResources JSON file, or '-' for standard input",
        }),
      go('update'),
    )
    .command(
      'audit [container-id]',
      'report how safe a bundle, or a running container, is',
      (y: any) =>
        id(y)
          .option('bundle', { alias: 'b', type: 'string', describe: 'bundle directory (default: the current directory)' })
          .option('format', { choices: ['text', 'json'], default: 'text' })
          .option('fail-on', { choices: ['high', 'medium', 'low', 'none'], default: 'high', describe: 'exit 2 when a finding is this severe or more' }),
      go('audit'),
    )
    .command(
      'info',
      'show the host as tdrun sees it and what it supports here',
      (y: any) => y.option('format', { choices: ['text', 'json'], default: 'text' }),
      go('info'),
    )
    .middleware((a: Record<string, unknown>) => {
      if (a.version) {
        stdio.out(TDRUN_VERSION_TEXT);
        process.exit(0);
      }
    }, true)
    .epilogue("'tdrun help COMMAND' or 'tdrun COMMAND --help' shows a command's flags")
    .demandCommand(1, 'no command given')
    .strict()
    .wrap(null)
    .fail((msg: string | null, err: Error | undefined) => {
      if (err) throw err;
      usageError(argv, msg ?? 'invalid arguments');
    })
    .parseAsync();
}

async function main(argv: string[]): Promise<void> {
  const help = helpRequest(argv);
  if (help) return parseFull(help);
  const scanned = scanGlobals(argv);
  if (scanned && (scanned.rest[0] === '--version' || scanned.rest[0] === '-v') && scanned.rest.length === 1) {
    stdio.out(TDRUN_VERSION_TEXT);
    exitProcess(0);
  }
  const fast = scanned && fastParse(scanned.rest);
  if (scanned && fast) await dispatch(fast.op, fast.args.id as string, scanned.globals, fast.args);
  await parseFull(argv);
}

main(process.argv.slice(2)).catch((err) => {
  reportError('tdrun', undefined, describe(err));
  process.exit(1);
});
