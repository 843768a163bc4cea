// `delete`: remove a stopped container (or with --force any container, killing it first).
// Safe to run twice at once: the per-id lock serialises, and the second finds nothing.
import { existsSync } from 'node:fs';
import { TdrunError } from '../errors.ts';
import { containerDir, readRecord, removeContainerDir, type ContainerRecord } from '../state/store.ts';
import { lockContainer } from '../state/lock.ts';
import { requireStatus } from '../state/transitions.ts';
import type { ContainerStatus } from '../spec/types.ts';
import { listPids, removeCgroups, thaw } from '../cgroups/index.ts';
import { warn } from '../log.ts';
import { runHooksWarnOnly } from '../hooks.ts';
import { leaveIntelRdt } from './intel-rdt.ts';
import { containerPids } from './members.ts';
import { moveNetDevicesOut } from './net-devices.ts';
import { waitGone } from '../processes.ts';
import { hookState } from './state.ts';

async function killEverything(record: ContainerRecord, status: ContainerStatus, pids: number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  // a frozen task dies of SIGKILL only once thawed
  if (status === 'paused') thaw(record.cgroup);
  if (!(await waitGone(pids))) throw new TdrunError('processes of the container did not exit after SIGKILL');
}

/** False when --force found no container of that id (not an error, and nothing done). */
export async function deleteContainer(root: string, id: string, force: boolean): Promise<boolean> {
  const missing = (): false => {
    if (!force) throw new TdrunError('container does not exist');
    return false;
  };
  if (!existsSync(containerDir(root, id))) return missing();
  const lock = lockContainer(root, id);
  try {
    let record: ContainerRecord;
    try {
      record = readRecord(root, id);
    } catch (err) {
      if (!existsSync(containerDir(root, id))) return missing();
      // a directory without a readable record: only --force may clear it away
      if (!force) throw err;
      removeContainerDir(root, id);
      return true;
    }
    const status = requireStatus(force ? 'delete --force' : 'delete', record);
    const pids = containerPids(record, status !== 'stopped');
    if (status !== 'stopped' || pids.length > 0) await killEverything(record, status, pids);
    if (record.netDevices) moveNetDevicesOut(record.netDevices);
    if (record.intelRdt) leaveIntelRdt(record.intelRdt);
    // processes that containerPids left alone: the cgroup is shared with something else and stays
    const others = listPids(record.cgroup).filter((pid) => !pids.includes(pid));
    if (others.length > 0) warn(`the container's cgroup is kept: it still holds pid ${others.join(', ')}`);
    else removeCgroups(record.cgroup);
    removeContainerDir(root, id);
    // runtime-spec: poststop hooks run after the container is deleted, before delete returns
    await runHooksWarnOnly('poststop', record.hooks?.poststop, hookState(record, 'stopped'));
    return true;
  } finally {
    lock.release();
  }
}
