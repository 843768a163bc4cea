// tdrun's entry point (bundled into dist/tdrun.cjs). runc-compatible command line, parsed by
// commands/argv.ts from the tables of commands/table.ts. Command modules load lazily: a call
// evaluates only its own command's code.
import { parseArgv, type Call } from './commands/argv.ts';
import type { Globals } from './commands/flags.ts';
import { defaultStateRoot } from './rootless.ts';
import type { Args, CommandName } from './commands/table.ts';
import { describe } from './errors.ts';
import { debug, reportError, setupLog } from './log.ts';
import { exitProcess, stdio } from './stdio.ts';
import { markThinCall } from './code-cache.ts';

/** `--version`: baked in by src/build/build.ts (src/build/version.ts) */
declare const TDRUN_VERSION_TEXT: string;

type Handler<C extends CommandName> = (args: Args<C>, globals: Globals) => unknown;
/** One module per command; the type checks each handler against its table entry. */
const LOADERS: { [C in CommandName]: () => Promise<{ command: Handler<C> }> } = {
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
  events: () => import('./commands/events.ts'),
  audit: () => import('./commands/audit.ts'),
  info: () => import('./commands/info.ts'),
};

async function runHandler<C extends CommandName>(name: C, args: Args<C>, globals: Globals): Promise<unknown> {
  const mod = await LOADERS[name]();
  debug(`${name}: command loaded`);
  return mod.command(args, globals);
}

/** Runs one command and exits with its status; every failure becomes one runc-style line. */
async function dispatch(call: Call): Promise<never> {
  const parsed = call.globals;
  setupLog({ file: parsed.log, format: parsed.logFormat, debug: parsed.debug });
  const id = 'id' in call.args ? call.args.id : undefined;
  let code = 0;
  try {
    // commands that keep no state need no state root (nor a rootless caller's XDG_RUNTIME_DIR)
    const stateless = call.name === 'spec' || call.name === 'features' || call.name === 'info' || (call.name === 'audit' && id === undefined);
    const globals: Globals = { ...parsed, root: parsed.root ?? (stateless ? '' : defaultStateRoot()) };
    const result = await runHandler(call.name, call.args as Args<typeof call.name>, globals);
    if (typeof result === 'number') code = result;
  } catch (err) {
    reportError(call.name, id, describe(err));
    // runc's exec fails with 255, which engines tell from the exit status of the process itself
    code = call.name === 'exec' ? 255 : 1;
  }
  // `run`/`exec` hold stdin and tty handles open; exit instead of waiting for them to close
  exitProcess(code);
}

async function main(argv: string[]): Promise<void> {
  const parsed = parseArgv(argv);
  switch (parsed.kind) {
    case 'command':
      return dispatch(parsed);
    case 'version':
      stdio.out(TDRUN_VERSION_TEXT);
      return exitProcess(0);
    case 'help':
      // help runs none of its command: its code cache would miss most of it
      markThinCall();
      stdio.out(await (await import('./commands/help.ts')).helpText(parsed.command));
      return exitProcess(0);
    case 'usage':
      // engines read the reason from --log
      setupLog({ file: parsed.globals.log, format: parsed.globals.logFormat, debug: false });
      reportError('usage', undefined, parsed.message);
      return exitProcess(1);
  }
}

main(process.argv.slice(2)).catch((err) => {
  reportError('tdrun', undefined, describe(err));
  process.exit(1);
});
