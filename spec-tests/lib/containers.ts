// Common container set-ups for the suites.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeBundle, type Bundle, type Config } from './bundle.ts';
import { Runtime, waitFor } from './runtime.ts';

/** A bind mount of a host directory <bundle>/out at /out (read-write), for the container to report. */
export function addOut(c: Config, b: { dir: string }): string {
  const out = join(b.dir, 'out');
  mkdirSync(out, { recursive: true });
  c.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
  return out;
}

/** create (not start) a container running `args`; returns the bundle. */
export async function createContainer(rt: Runtime, args: string[], edit?: (c: Config, b: { dir: string; rootfs: string }) => void, name = 'c'): Promise<Bundle> {
  const id = rt.id(name);
  const bundle = makeBundle(rt, id, (c, b) => {
    c.process.args = args;
    edit?.(c, b);
  });
  await rt.ok(['create', '-b', bundle.dir, id]);
  return bundle;
}

/** create + start a container that sleeps until killed. */
export async function startSleeper(rt: Runtime, edit?: (c: Config, b: { dir: string; rootfs: string }) => void, name = 's'): Promise<Bundle> {
  const bundle = await createContainer(rt, ['/probe', 'sleep', '600'], edit, name);
  await rt.ok(['start', bundle.id]);
  return bundle;
}

export async function waitStatus(rt: Runtime, id: string, status: string, timeoutMs = 5000): Promise<string> {
  let last = '';
  await waitFor(async () => {
    const r = await rt.run(['state', id]);
    last = r.code === 0 ? JSON.parse(r.stdout).status : `error: ${r.stderr.trim()}`;
    return last === status;
  }, timeoutMs, 50);
  return last;
}

/** The content of `path` once a complete line is in it (the shell creates the file before writing). */
export async function waitFile(path: string, timeoutMs = 5000): Promise<string | null> {
  const read = () => (existsSync(path) ? readFileSync(path, 'utf8') : null);
  await waitFor(() => read()?.endsWith('\n'), timeoutMs);
  return read();
}
