// The runtime.md state of a container, in runc's JSON shape (plus its rootfs, created, owner).
import type { ContainerStatus, State } from '../spec/types.ts';
import type { ContainerRecord } from '../state/store.ts';
import { currentStatus } from '../state/lifecycle.ts';

export interface RuncState {
  ociVersion: string;
  id: string;
  pid: number;
  status: ContainerStatus;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

/** `owner` is what runc prints: "" in `state`, the state directory's owner in `list`. */
export function runcState(record: ContainerRecord, status: ContainerStatus = currentStatus(record), owner = ''): RuncState {
  return {
    ociVersion: record.ociVersion,
    id: record.id,
    // runc reports pid 0 once the init is gone
    pid: status === 'stopped' ? 0 : record.pid,
    status,
    bundle: record.bundle,
    rootfs: record.rootfs,
    created: record.created,
    owner,
    ...(record.annotations && Object.keys(record.annotations).length ? { annotations: record.annotations } : {}),
  };
}

/** The state hooks read on stdin. */
export function hookState(record: ContainerRecord, status: ContainerStatus): State {
  return {
    ociVersion: record.ociVersion,
    id: record.id,
    status,
    ...(status !== 'stopped' ? { pid: record.pid } : {}),
    bundle: record.bundle,
    ...(record.annotations ? { annotations: record.annotations } : {}),
  };
}
