// Freezing: v1 freezer.state, v2 cgroup.freeze. Both are asynchronous in the kernel, so we poll
// until the state settles.
import { TdrunError } from '../errors.ts';
import { readCgroupFile, sleepMs, writeCgroupFile } from './fs.ts';

const SETTLE_POLLS = 1000;

function v1State(dir: string): string {
  return readCgroupFile(dir, 'freezer.state').trim();
}

function v2Frozen(dir: string): boolean {
  return /^frozen 1$/m.test(readCgroupFile(dir, 'cgroup.events'));
}

export function setFrozen(dir: string, v2: boolean, frozen: boolean): void {
  for (let i = 0; i < SETTLE_POLLS; i++) {
    // v1: writing FROZEN again nudges tasks that were in uninterruptible sleep on the first try
    if (v2) {
      if (i === 0) writeCgroupFile(dir, 'cgroup.freeze', frozen ? '1' : '0');
      if (v2Frozen(dir) === frozen) return;
    } else {
      if (i % 10 === 0) writeCgroupFile(dir, 'freezer.state', frozen ? 'FROZEN' : 'THAWED');
      if (v1State(dir) === (frozen ? 'FROZEN' : 'THAWED')) return;
    }
    sleepMs(i < 10 ? 1 : 10);
  }
  if (frozen) {
    // a half-frozen container is worse than a running one
    if (v2) writeCgroupFile(dir, 'cgroup.freeze', '0');
    else writeCgroupFile(dir, 'freezer.state', 'THAWED');
  }
  throw new TdrunError(`${frozen ? 'freeze' : 'thaw'} ${dir}`, 'the cgroup did not settle in time');
}

export function readFrozen(dir: string, v2: boolean): boolean {
  return v2 ? v2Frozen(dir) : v1State(dir) === 'FROZEN';
}
