import { describe, expect, it } from 'vitest';
import { listTable, userName } from './list.ts';
import { runcState } from './state.ts';
import type { ContainerRecord } from '../state/store.ts';

const record: ContainerRecord = {
  ociVersion: '1.3.0',
  id: 'c1',
  pid: 4242,
  bundle: '/b',
  rootfs: '/b/rootfs',
  created: '2026-01-01T00:00:00.000Z',
  initStartTime: 1,
  execFifo: '/run/tdrun/c1/exec.fifo',
  cgroup: { paths: {} },
  namespaces: [],
};

describe('state and list output (runc shapes)', () => {
  it('prints runtime.md fields plus rootfs, created, owner ("" in state, as runc); pid 0 once stopped', () => {
    expect(runcState(record, 'running')).toEqual({
      ociVersion: '1.3.0', id: 'c1', pid: 4242, status: 'running', bundle: '/b', rootfs: '/b/rootfs',
      created: '2026-01-01T00:00:00.000Z', owner: '',
    });
    expect(runcState(record, 'stopped').pid).toBe(0);
    expect(runcState({ ...record, annotations: { a: 'b' } }, 'created').annotations).toEqual({ a: 'b' });
  });
  it('lays out the table like runc tabwriter (min width 12, padding 3)', () => {
    const table = listTable([runcState(record, 'running', 'root')]);
    const [head, row] = table.split('\n');
    expect(head).toBe('ID          PID         STATUS      BUNDLE      CREATED                    OWNER');
    expect(row).toBe('c1          4242        running     /b          2026-01-01T00:00:00.000Z   root');
    expect(listTable([])).toBe('ID          PID         STATUS      BUNDLE      CREATED     OWNER\n');
  });
  it('names the owner from /etc/passwd, or #uid as runc does', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/sh\nbin:x:2:2::/:/usr/sbin/nologin\n';
    expect(userName(0, passwd)).toBe('root');
    expect(userName(2, passwd)).toBe('bin');
    expect(userName(1000, passwd)).toBe('#1000');
  });
});
