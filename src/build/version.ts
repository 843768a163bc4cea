// What `tdrun --version` prints, in runc's shape (dockerd parses it for `docker info`): the
// version, the git commit the build was made from, the runtime-spec version and, as runc prints
// it, the libseccomp linked into tdrun-init (asked of the helper the native build just made). Computed once by the
// build and baked into the bundle, so the call itself reads nothing.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SPEC_VERSION } from '../spec/default-config.ts';

/** The commit checked out in `dir`, or "unknown" outside a git checkout (a tarball, no git). */
export function gitCommit(dir: string): string {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--verify', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

/** The libseccomp version tdrun-init was linked with, or null before the native build. */
function libseccompVersion(initHelper: string): string | null {
  try {
    return (JSON.parse(execFileSync(initHelper, ['features'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { libseccomp: string }).libseccomp;
  } catch {
    return null;
  }
}

export function versionText(root: string): string {
  const { version } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };
  const seccomp = libseccompVersion(resolve(root, 'build/Release/tdrun-init'));
  return `tdrun version ${version}\ncommit: ${gitCommit(root)}\nspec: ${SPEC_VERSION}\n${seccomp ? `libseccomp: ${seccomp}\n` : ''}`;
}
