// What more than one command handler needs.
import type { Globals } from './flags.ts';
import { resolveRootless } from '../rootless.ts';
import type { Args } from './table.ts';

/** create's flags as createContainer's options: `run` takes them too. */
export function createOptions(args: Args<'create'>, globals: Globals) {
  return {
    root: globals.root,
    id: args.id,
    bundle: args.bundle ?? process.cwd(),
    consoleSocket: args.consoleSocket || null,
    pidFile: args.pidFile || null,
    preserveFds: args.preserveFds,
    noPivot: args.noPivot,
    noNewKeyring: args.noNewKeyring,
    rootless: resolveRootless(globals.rootless),
    systemdCgroup: globals.systemdCgroup,
  };
}
