// Rootless mode: whether tdrun runs without host root (runc's --rootless auto|true|false), and
// the state root such a caller gets by default.
import { readFileSync, statSync } from 'node:fs';
import { DEFAULT_ROOT } from './paths.ts';
import { TdrunError, describe } from './errors.ts';

export type RootlessFlag = 'auto' | 'true' | 'false';

/** True when /proc/self/uid_map (text given) maps no id to the parent namespace's uid 0: a root
 *  there has none of host root's powers. */
export function uidMapLacksHostRoot(uidMap: string): boolean {
  for (const line of uidMap.split('\n')) {
    const [, outside, size] = line.trim().split(/\s+/).map(Number);
    if (Number.isInteger(outside) && Number.isInteger(size) && outside === 0 && size > 0) return false;
  }
  return true;
}

/** runc's rule for `auto`: rootless when the euid is not 0, or when it is 0 in a user namespace
 *  that does not map the host's root (rootlesskit, `unshare -r`, a rootless podman's own
 *  namespace). A nested namespace's map names its parent's ids, so a root-mapped nested one
 *  counts as root, as in runc. */
export function resolveRootless(flag: RootlessFlag, euid = process.geteuid?.() ?? 0, readUidMap = ownUidMap): boolean {
  if (flag !== 'auto') return flag === 'true';
  if (euid !== 0) return true;
  return uidMapLacksHostRoot(readUidMap());
}

/** Whether this process lacks the host root's powers (what `auto` decides by): rootless and
 *  lacking them, tdrun cannot attach device rules (v1 devices cgroup or v2 BPF program) at all. */
export function lacksHostRoot(): boolean {
  return resolveRootless('auto');
}

function ownUidMap(): string {
  try {
    return readFileSync('/proc/self/uid_map', 'utf8');
  } catch {
    return '0 0 4294967295';
  }
}

/**
 * The state root when --root is not given: `$XDG_RUNTIME_DIR/tdrun` (runc:
 * `$XDG_RUNTIME_DIR/runc`) for a caller who cannot write /run, /run/tdrun for root. runc's rule
 * for who that is: any euid but 0, and root in a user namespace unless $USER says "root" (rootless
 * podman runs the runtime as root of its own namespace, with the user's runtime dir). A non-root
 * caller whose runtime dir is unset or someone else's gets an error: state there could be read or
 * replaced by its owner, and /run is not theirs.
 */
export function defaultStateRoot(euid = process.geteuid?.() ?? 0, env: NodeJS.ProcessEnv = process.env, readUidMap = ownUidMap): string {
  const dir = env.XDG_RUNTIME_DIR;
  if (euid === 0) {
    const inUserNs = readUidMap().trim().split(/\s+/).join(' ') !== '0 0 4294967295';
    return dir && inUserNs && env.USER !== 'root' ? `${dir}/tdrun` : DEFAULT_ROOT;
  }
  const why = 'a non-root user needs it for the default state root (or pass --root DIR)';
  if (!dir) throw new TdrunError('XDG_RUNTIME_DIR is not set', why);
  if (!dir.startsWith('/')) throw new TdrunError(`XDG_RUNTIME_DIR ${dir}`, `is not an absolute path; ${why}`);
  let owner: number;
  try {
    owner = statSync(dir).uid;
  } catch (err) {
    throw new TdrunError(`XDG_RUNTIME_DIR ${dir}`, `${describe(err)}; ${why}`);
  }
  if (owner !== euid) throw new TdrunError(`XDG_RUNTIME_DIR ${dir}`, `is owned by uid ${owner}, not by uid ${euid}; ${why}`);
  return `${dir}/tdrun`;
}
