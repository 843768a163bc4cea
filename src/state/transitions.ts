// Which statuses each operation accepts, and what it says of the others: every operation asks
// here, and nowhere else. The wording is runc's, which engines and people match on.
import { TdrunError } from '../errors.ts';
import type { ContainerStatus } from '../spec/types.ts';
import { currentStatus } from './lifecycle.ts';
import type { ContainerRecord } from './store.ts';

/** true: accepted; otherwise why not */
type Verdict = true | string | ((id: string, status: ContainerStatus) => string);

const notStopped = (id: string, status: ContainerStatus): string => `cannot delete container ${id} that is not stopped: ${status}`;
const NOT_RUNNING = 'container not running';
const BEING_CREATED = 'container is still being created';

const TRANSITIONS = {
  start: {
    creating: 'cannot start a container in the creating state',
    created: true,
    running: 'cannot start an already running container',
    paused: 'cannot start a container in the paused state',
    stopped: 'cannot start a container that has stopped',
  },
  // A created (never started) one too, as runc: containerd's shim deletes a task that failed to
  // start with a plain delete (runtime.md would have it refused)
  delete: { creating: notStopped, created: true, running: notStopped, paused: notStopped, stopped: true },
  'delete --force': { creating: true, created: true, running: true, paused: true, stopped: true },
  pause: { creating: NOT_RUNNING, created: true, running: true, paused: NOT_RUNNING, stopped: NOT_RUNNING },
  resume: {
    creating: 'container not paused',
    created: 'container not paused',
    running: 'container not paused',
    paused: true,
    stopped: 'container not paused',
  },
  kill: { creating: BEING_CREATED, created: true, running: true, paused: true, stopped: NOT_RUNNING },
  // --all of a stopped one signals what outlived its init, and is no error: containerd's shim
  // sends `kill --all ID 9` after the init exited, and runc exits 0 for it
  'kill --all': { creating: BEING_CREATED, created: true, running: true, paused: true, stopped: true },
  exec: {
    creating: 'cannot exec in a container that is being created',
    created: true,
    running: true,
    paused: 'cannot exec in a paused container',
    stopped: 'cannot exec in a stopped container',
  },
  'exec --ignore-paused': {
    creating: 'cannot exec in a container that is being created',
    created: true,
    running: true,
    paused: true,
    stopped: 'cannot exec in a stopped container',
  },
  update: {
    creating: 'cannot update a container in the creating state',
    created: true,
    running: true,
    paused: true,
    stopped: 'cannot update a container in the stopped state',
  },
} as const satisfies Record<string, Record<ContainerStatus, Verdict>>;

export type Operation = keyof typeof TRANSITIONS;

/** The refusal of `op` in `status`, or null when it is accepted. */
export function refusal(op: Operation, id: string, status: ContainerStatus): string | null {
  const verdict: Verdict = TRANSITIONS[op][status];
  if (verdict === true) return null;
  return typeof verdict === 'string' ? verdict : verdict(id, status);
}

/** The container's status, when `op` accepts it; throws the refusal otherwise. */
export function requireStatus(op: Operation, record: ContainerRecord): ContainerStatus {
  return requireStatusOf(op, record.id, currentStatus(record));
}

/** `status` when `op` accepts it; throws the refusal otherwise (for a status learned otherwise). */
export function requireStatusOf(op: Operation, id: string, status: ContainerStatus): ContainerStatus {
  const refused = refusal(op, id, status);
  if (refused !== null) throw new TdrunError(refused);
  return status;
}

/** What start needs besides the status: config.md, process is REQUIRED when start is called
 *  (`run` starts at once, so it asks at create). */
export function noProcessToStart(): TdrunError {
  return new TdrunError('config.json /process', 'is required to start a container');
}
