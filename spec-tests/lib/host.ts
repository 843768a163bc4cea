// What the host sees: cgroup hierarchies, processes, mounts. Used to prove that a failed or
// deleted container left nothing behind.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

interface MountLine {
  mountpoint: string;
  fstype: string;
  superOptions: string[];
}

function hostMounts(): MountLine[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const f = l.split(' ');
      const dash = f.indexOf('-', 6);
      return {
        mountpoint: f[4].replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))),
        fstype: f[dash + 1],
        superOptions: (f[dash + 3] ?? '').split(','),
      };
    });
}

/** Mount points of every cgroup hierarchy (v1 and the unified one). */
export function cgroupMounts(): { mountpoint: string; controllers: string[] }[] {
  const seen = new Set<string>();
  const out: { mountpoint: string; controllers: string[] }[] = [];
  for (const m of hostMounts()) {
    if (m.fstype !== 'cgroup' && m.fstype !== 'cgroup2') continue;
    if (seen.has(m.mountpoint)) continue;
    seen.add(m.mountpoint);
    const controllers = m.fstype === 'cgroup2' ? ['unified'] : m.superOptions.filter((o) => !['rw', 'ro', 'relatime', 'nosuid', 'nodev', 'noexec', 'xattr'].includes(o) && !o.startsWith('release_agent'));
    out.push({ mountpoint: m.mountpoint, controllers });
  }
  return out;
}

/** The cgroup v1 mount point carrying `controller` (e.g. "devices"), if any. */
export function v1Mount(controller: string): string | undefined {
  return cgroupMounts().find((m) => m.controllers.includes(controller))?.mountpoint;
}

/** Directories named `path` (absolute cgroup path) that exist in any hierarchy. */
export function existingCgroupDirs(path: string): string[] {
  return cgroupMounts()
    .map((m) => join(m.mountpoint, path))
    .filter((d) => existsSync(d));
}

/** Host pids whose /proc/<pid>/cgroup names `path` (or a child of it) in any hierarchy. */
export function pidsInCgroup(path: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${e}/cgroup`, 'utf8');
    } catch {
      continue;
    }
    if (text.split('\n').some((l) => {
      const p = l.split(':').slice(2).join(':');
      return p === path || p.startsWith(`${path}/`);
    })) out.push(Number(e));
  }
  return out;
}

/** Host mount points at or below `dir`. */
export function mountsUnder(dir: string): string[] {
  return hostMounts()
    .map((m) => m.mountpoint)
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
}

export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export function nsOf(pid: number | 'self', type: string): string {
  return readlinkSync(`/proc/${pid}/ns/${type}`);
}

/** Host pids whose executable is `exe`. */
export function pidsWithExe(exe: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readlinkSync(`/proc/${e}/exe`) === exe) out.push(Number(e));
    } catch {
      // kernel threads and processes that exit meanwhile have no exe
    }
  }
  return out;
}
