// The walk of a bundle's root filesystem for the rootfs rules (src/audit/rules.ts). It never
// follows a symlink (lstat and directory entries only, so nothing outside the rootfs is read),
// stays on the rootfs's own filesystem (a host filesystem mounted inside is not the image's), and
// stops at a number of entries, a time and a number of bytes read, saying so.
import { closeSync, lstatSync, openSync, readSync, readdirSync, constants, type Stats } from 'node:fs';
import { ROOTFS_RULES, type Hit, type RootfsEntry, type RootfsScan } from './rules.ts';

export interface ScanLimits {
  entries: number;
  ms: number;
  /** bytes read from files in all */
  bytes: number;
}

export const DEFAULT_LIMITS: ScanLimits = { entries: 200_000, ms: 10_000, bytes: 64 << 20 };

// private keys and credential files are small; reading larger files would not find more of them
const HEAD_MAX_FILE = 64 << 10;
const HEAD_BYTES = 4096;
const PASSWD_MAX = 1 << 20;

function typeOf(st: Stats): RootfsEntry['type'] {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  return st.isSymbolicLink() ? 'link' : 'other';
}

/** Reads the start of a regular file without following a symlink swapped in since the lstat. */
function readHead(hostPath: string, bytes: number): string | null {
  let fd: number;
  try {
    fd = openSync(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.toString('latin1', 0, n);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** rule id -> its hits */
export function scanRootfs(rootfs: string, limits: ScanLimits = DEFAULT_LIMITS): Map<string, Hit[]> {
  const hits = new Map<string, Hit[]>(ROOTFS_RULES.map((r) => [r.id, []]));
  const scan: RootfsScan = { passwd: null, truncated: null };
  const deadline = Date.now() + limits.ms;
  let entries = 0;
  let bytesLeft = limits.bytes;
  const top = lstatSync(rootfs);
  // depth-first with an explicit stack: deep trees cannot overflow the JS stack
  const stack: string[] = [''];
  while (stack.length > 0 && scan.truncated === null) {
    const rel = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(rootfs + (rel || '/'));
    } catch {
      continue;
    }
    for (const name of names) {
      if (++entries > limits.entries) scan.truncated = `stopped after ${limits.entries} entries`;
      else if (Date.now() > deadline) scan.truncated = `stopped after ${limits.ms} ms`;
      if (scan.truncated !== null) break;
      const path = `${rel}/${name}`;
      const hostPath = rootfs + path;
      let st: Stats;
      try {
        st = lstatSync(hostPath);
      } catch {
        continue;
      }
      const type = typeOf(st);
      const small = type === 'file' && st.size <= HEAD_MAX_FILE;
      let head: string | null | undefined;
      const entry: RootfsEntry = {
        path,
        type,
        mode: st.mode,
        size: st.size,
        head() {
          if (head === undefined) {
            head = small && bytesLeft > 0 ? readHead(hostPath, HEAD_BYTES) : null;
            if (head !== null) bytesLeft -= head.length;
            else if (small && bytesLeft <= 0) scan.truncated ??= `read ${limits.bytes} bytes of files`;
          }
          return head;
        },
      };
      for (const rule of ROOTFS_RULES) {
        const hit = rule.entry?.(entry);
        if (hit) hits.get(rule.id)!.push(hit);
      }
      if (path === '/etc/passwd' && type === 'file') scan.passwd = readHead(hostPath, PASSWD_MAX);
      if (type === 'dir' && st.dev === top.dev) stack.push(path);
    }
  }
  for (const rule of ROOTFS_RULES) hits.get(rule.id)!.push(...(rule.whole?.(scan) ?? []));
  return hits;
}
