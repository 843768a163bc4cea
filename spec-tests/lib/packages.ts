// Debian packages the suites need beyond what bin/quickstart installs (the engines, uidmap for
// the rootless user's id ranges, iproute2): installed when missing, as CI's machine may be new.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The path of a command in the usual directories, or null. */
export function which(cmd: string): string | null {
  for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return null;
}

/** apt-get installs `packages` unless every one of `commands` is there already; null, or why
 *  they cannot be had. Waits for a dpkg lock that another suite holds. */
export function ensurePackages(packages: string[], commands: string[]): string | null {
  if (commands.every((c) => which(c))) return null;
  if (process.getuid?.() !== 0) return `${packages.join(' ')}: installing needs root`;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=600', ...packages], {
      env,
      stdio: 'pipe',
      timeout: 900_000,
    });
  try {
    try {
      install();
    } catch {
      execFileSync('apt-get', ['update', '-qq', '-o', 'DPkg::Lock::Timeout=600'], { env, stdio: 'pipe', timeout: 300_000 });
      install();
    }
  } catch (err) {
    return `apt-get install ${packages.join(' ')} failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim().split('\n').at(-1)}`;
  }
  const missing = commands.filter((c) => !which(c));
  return missing.length ? `still missing after apt-get install: ${missing.join(', ')}` : null;
}
