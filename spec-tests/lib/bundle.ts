// Bundles for the spec-tests: a busybox-static rootfs with the probe at /probe, and a config.json
// that starts from `tdrun spec` output.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { probePath, Runtime, tdrunBin, templateRootfs, workDir, type Result } from './runtime.ts';

export type Config = Record<string, any>;

const BUSYBOX = '/bin/busybox';

/** Builds spec-tests/.work/template/rootfs once (global setup): busybox applets as symlinks
 *  created here (not by running busybox --install, which would need a chroot), plus /probe. */
export function buildTemplate(): void {
  const staging = resolve(workDir, `template.tmp-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const rootfs = join(staging, 'rootfs');
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'var', 'run'])
    mkdirSync(join(rootfs, d), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  copyFileSync(BUSYBOX, join(rootfs, 'bin/busybox'));
  chmodSync(join(rootfs, 'bin/busybox'), 0o755);
  const applets = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    const target = join(rootfs, applet);
    if (existsSync(target)) continue;
    mkdirSync(resolve(target, '..'), { recursive: true });
    symlinkSync('/bin/busybox', target);
  }
  copyFileSync(probePath, join(rootfs, 'probe'));
  chmodSync(join(rootfs, 'probe'), 0o755);
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(rootfs, 'etc/hostname'), 'template\n');
  rmSync(resolve(templateRootfs, '..'), { recursive: true, force: true });
  renameSync(staging, resolve(templateRootfs, '..'));
}

let cachedSpec: Config | undefined;

/** `tdrun spec` output, produced once per test file. */
export function specOutput(): Config {
  if (!cachedSpec) {
    const dir = mkdtempSync(join(workDir, 'spec-'));
    try {
      execFileSync(tdrunBin, ['spec', '-b', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      cachedSpec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Config;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return structuredClone(cachedSpec);
}

/** The default test config: `tdrun spec` with args ["/probe"] and no terminal. */
export function baseConfig(): Config {
  const c = specOutput();
  c.process.args = ['/probe'];
  c.process.terminal = false;
  c.root = { path: 'rootfs', readonly: c.root?.readonly ?? true };
  return c;
}

export interface Bundle {
  id: string;
  dir: string;
  rootfs: string;
  config: Config;
  /** rewrites config.json from `config` */
  write(): void;
}

/** A fresh bundle directory (copy of the template rootfs) for container `id`. */
export function makeBundle(rt: Runtime, id: string, edit?: (c: Config, b: { dir: string; rootfs: string }) => void, base?: Config): Bundle {
  const dir = resolve(rt.bundles, id);
  const rootfs = join(dir, 'rootfs');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(templateRootfs, rootfs, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  const config = base ?? baseConfig();
  edit?.(config, { dir, rootfs });
  const bundle: Bundle = {
    id,
    dir,
    rootfs,
    config,
    write() {
      writeFileSync(join(dir, 'config.json'), JSON.stringify(bundle.config, null, 2));
    },
  };
  bundle.write();
  return bundle;
}

export interface ProbeRun {
  bundle: Bundle;
  result: Result;
  /** the probe's JSON (throws with tdrun's stderr when the run failed) */
  json: any;
}

/** `tdrun run` of a bundle whose process is the probe (args after /probe given), parsing its JSON. */
export async function runProbe(rt: Runtime, edit?: (c: Config, b: { dir: string; rootfs: string }) => void, probeArgs: string[] = []): Promise<ProbeRun> {
  const id = rt.id('probe');
  const bundle = makeBundle(rt, id, (c, b) => {
    c.process.args = ['/probe', ...probeArgs];
    edit?.(c, b);
  });
  const result = await rt.run(['run', '-b', bundle.dir, id]);
  let json: any;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    throw new Error(`probe in ${id} printed no JSON (exit ${result.code ?? result.signal})\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
  return { bundle, result, json };
}

/** Parses a /proc/self/status capability mask into capability numbers. */
export function capNumbers(hex: string): number[] {
  const v = BigInt(`0x${hex}`);
  const out: number[] = [];
  for (let i = 0; i < 64; i++) if ((v >> BigInt(i)) & 1n) out.push(i);
  return out;
}

export const CAP = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_RAW: 13,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_ADMIN: 21,
  CAP_MKNOD: 27,
  CAP_AUDIT_WRITE: 29,
  CAP_SETFCAP: 31,
} as const;
