// The user namespace's uid/gid maps, written by tdrun for the new init. Root (on the host or of
// the user namespace tdrun runs in, as under rootless podman) writes any map of ids it has. An
// unprivileged caller may write only a one-line map of its own id itself (and for gids only after
// denying setgroups); anything else goes through the setuid newuidmap/newgidmap (shadow's uidmap
// package), which allow the ranges /etc/subuid and /etc/subgid give the caller, as runc and crun do.
import { writeFileSync } from 'node:fs';
import type { IDMapping, Spec } from '../spec/types.ts';
import { TdrunError } from '../errors.ts';
import { mapLines } from '../plan.ts';

/** The caller may write this map itself without privilege: one line, of its own id. */
export function isOwnIdOnly(mappings: IDMapping[], ownId: number): boolean {
  return mappings.length === 1 && mappings[0].hostID === ownId && mappings[0].size === 1;
}

function runHelper(helper: 'newuidmap' | 'newgidmap', pid: number, mappings: IDMapping[]): void {
  const args = [String(pid), ...mappings.flatMap((m) => [m.containerID, m.hostID, m.size].map(String))];
  try {
    // loaded only here: every create would otherwise load node:child_process for the rare range map
    const { execFileSync } = process.getBuiltinModule('node:child_process');
    execFileSync(helper, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const file = helper === 'newuidmap' ? '/etc/subuid' : '/etc/subgid';
    const why =
      e.code === 'ENOENT'
        ? `${helper} is not installed (Debian's uidmap package); without it only your own id can be mapped`
        : `${(e.stderr ?? '').trim().split('\n').pop() || String(err)} (a range must be yours in ${file})`;
    throw new TdrunError(`${helper === 'newuidmap' ? 'uid' : 'gid'} map ${args.slice(1).join(' ')}`, why);
  }
}

export function writeIdMaps(pid: number, spec: Spec): void {
  const uids = spec.linux?.uidMappings ?? [];
  const gids = spec.linux?.gidMappings ?? [];
  const euid = process.geteuid?.() ?? 0;
  const egid = process.getegid?.() ?? 0;
  if (euid === 0) {
    if (uids.length > 0) writeFileSync(`/proc/${pid}/uid_map`, mapLines(uids));
    if (gids.length > 0) writeFileSync(`/proc/${pid}/gid_map`, mapLines(gids));
    return;
  }
  if (uids.length > 0) {
    if (isOwnIdOnly(uids, euid)) writeFileSync(`/proc/${pid}/uid_map`, mapLines(uids));
    else runHelper('newuidmap', pid, uids);
  }
  if (gids.length > 0) {
    if (isOwnIdOnly(gids, egid)) {
      // the kernel's condition for an unprivileged gid map: setgroups can no longer drop a
      // group that denies access (user_namespaces(7))
      writeFileSync(`/proc/${pid}/setgroups`, 'deny');
      writeFileSync(`/proc/${pid}/gid_map`, mapLines(gids));
    } else runHelper('newgidmap', pid, gids);
  }
}
