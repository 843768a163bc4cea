// `tdrun exec [flags] ID [--] COMMAND [ARG...]` or `tdrun exec --process process.json ID`.
// Without --process the container's process from create time is the base, as in runc.
import { resolve } from 'node:path';
import { TdrunError } from '../errors.ts';
import { processProblems } from '../spec/rules.ts';
import type { Process } from '../spec/types.ts';
import type { ContainerRecord } from '../state/store.ts';
import { execProcess } from '../container/exec.ts';
import type { Globals } from './flags.ts';
import type { Args } from './table.ts';

type ExecArgs = Args<'exec'>;

function parseId(flag: string, raw: string | number): number {
  const n = Number(raw);
  if (String(raw).trim() === '' || !Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new TdrunError(`--${flag} ${raw}`, 'must be a number between 0 and 4294967295');
  return n;
}

/** The process built from flags: the config's process (warned about at create) with the flags'
 *  values in it, checked by the rules an exec's process.json goes through; only an error stops it. */
function checkFlagsProcess(process: Process): Process {
  const error = processProblems(process).find((p) => !p.warning);
  if (error) throw new TdrunError(`process ${error.pointer}`, error.message);
  return process;
}

function processFromFlags(args: ExecArgs, record: ContainerRecord): Process {
  const base = record.process;
  if (!base) throw new TdrunError('container record', 'has no process to start from; give --process');
  const proc: Process = structuredClone(base);
  proc.args = args.command;
  proc.terminal = args.tty;
  delete proc.consoleSize;
  if (args.env.length) proc.env = [...(proc.env ?? []), ...args.env];
  if (args.cwd) proc.cwd = args.cwd;
  const user = { ...(proc.user ?? { uid: 0, gid: 0 }) };
  if (args.user) {
    const [uid, gid, ...rest] = args.user.split(':');
    if (rest.length) throw new TdrunError(`--user ${args.user}`, 'must be uid[:gid]');
    user.uid = parseId('user', uid);
    if (gid !== undefined) user.gid = parseId('user', gid);
  }
  if (args.additionalGids.length) user.additionalGids = args.additionalGids.map((g) => parseId('additional-gids', g));
  proc.user = user;
  if (args.cap.length) {
    const caps = proc.capabilities ?? {};
    for (const cap of args.cap) {
      for (const set of ['bounding', 'effective', 'permitted'] as const) caps[set] = [...(caps[set] ?? []), cap];
      // ambient needs the cap inheritable too; only the config can grant that (as runc does)
      if (caps.inheritable) caps.ambient = [...(caps.ambient ?? []), cap];
    }
    proc.capabilities = caps;
  }
  if (args.noNewPrivs) proc.noNewPrivileges = true;
  if (args.apparmor) proc.apparmorProfile = args.apparmor;
  if (args.processLabel) proc.selinuxLabel = args.processLabel;
  return proc;
}

export async function command(args: ExecArgs, globals: Globals): Promise<number> {
  if (args.cgroup.length) throw new TdrunError('--cgroup', 'not supported by tdrun yet');
  if (args.process && args.command.length) throw new TdrunError('exec', 'give either --process or a command, not both');
  if (!args.process && args.command.length === 0) throw new TdrunError('exec args cannot be empty');
  let processOf: (record: ContainerRecord) => Process;
  let terminal: boolean;
  if (args.process) {
    const path = resolve(args.process);
    const { checkProcess, readJson } = await import('../spec/load.ts');
    const raw = readJson(path, path);
    // the console is set up before the file is checked (container/exec.ts says why)
    terminal = (raw as { terminal?: unknown }).terminal === true;
    processOf = () => checkProcess(raw, path);
  } else {
    terminal = args.tty;
    processOf = (record) => checkFlagsProcess(processFromFlags(args, record));
  }
  return execProcess({
    root: globals.root,
    id: args.id,
    terminal,
    processOf,
    consoleSocket: args.consoleSocket ? resolve(args.consoleSocket) : null,
    pidFile: args.pidFile || null,
    detach: args.detach,
    preserveFds: args.preserveFds,
    ignorePaused: args.ignorePaused,
  });
}
