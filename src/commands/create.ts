// `tdrun create [--bundle DIR] [--console-socket S] [--pid-file F] [--preserve-fds N] [--no-pivot]
// [--no-new-keyring] ID`
import { createContainer } from '../container/create.ts';
import { parseNonNegative, type GlobalArgs } from './common.ts';

export interface CreateArgs extends GlobalArgs {
  id: string;
  bundle?: string;
  consoleSocket?: string;
  pidFile?: string;
  preserveFds?: number | string;
  noPivot: boolean;
  /** keep the caller's session keyring instead of a new one named after the container */
  noNewKeyring: boolean;
}

export function createOptions(args: CreateArgs) {
  return {
    root: args.root,
    id: args.id,
    bundle: args.bundle ?? process.cwd(),
    consoleSocket: args.consoleSocket || null,
    pidFile: args.pidFile || null,
    preserveFds: parseNonNegative('preserve-fds', args.preserveFds),
    noPivot: args.noPivot,
    noNewKeyring: args.noNewKeyring,
    rootless: args.rootless,
    systemdCgroup: args.systemdCgroup,
  };
}

export async function command(args: CreateArgs): Promise<void> {
  await createContainer({ ...createOptions(args), ownConsole: false, startAtOnce: false });
}
