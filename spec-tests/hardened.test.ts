// `tdrun spec --hardened`: a config that starts safe and runs a busybox rootfs as it is written.
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Runtime, skipReason, templateRootfs } from './lib/runtime.ts';

const why = skipReason();
const rt = new Runtime('hardened');
afterAll(() => rt.cleanup());

/** A bundle with the template rootfs (busybox, /etc/passwd with root and nobody) and the config
 *  `tdrun spec` writes with `flags`. */
async function specBundle(name: string, flags: string[], passwd?: string): Promise<{ dir: string; config: any }> {
  const dir = join(rt.bundles, rt.id(name));
  mkdirSync(dir, { recursive: true });
  cpSync(templateRootfs, join(dir, 'rootfs'), { recursive: true, verbatimSymlinks: true });
  if (passwd !== undefined) writeFileSync(join(dir, 'rootfs/etc/passwd'), passwd);
  await rt.ok(['spec', '-b', dir, ...flags]);
  return { dir, config: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) };
}

// a user namespace needs no capability at all: only the seccomp filter keeps a process from one
const ATTACK = 'id -u; unshare -U true && echo userns-$((1+1))-created; exit 3\n';

describe.skipIf(!!why)('tdrun spec --hardened', () => {
  it('the config: seccomp deny-list, engine capabilities, pids limit, noNewPrivileges, read-only rootfs, the rootfs\'s nobody; audit finds nothing high', async () => {
    const { config, dir } = await specBundle('cfg', ['--hardened']);
    const audit = JSON.parse((await rt.run(['audit', '--format', 'json', '--fail-on', 'none', '-b', dir])).stdout);
    // what is left is the workload's to choose (memory and cpu limits) or the host's (an LSM)
    expect(audit.findings.map((f: { id: string }) => f.id)).toEqual(['TD401', 'TD107', 'TD403']);
    expect(config.process.user).toEqual({ uid: 65534, gid: 65534 });
    expect(config.process.noNewPrivileges).toBe(true);
    expect(config.root).toEqual({ path: 'rootfs', readonly: true });
    expect(config.process.capabilities.bounding).toContain('CAP_CHOWN');
    expect(config.process.capabilities.bounding).not.toContain('CAP_NET_RAW');
    expect(config.process.capabilities.bounding).not.toContain('CAP_SYS_ADMIN');
    expect(config.linux.resources.pids).toEqual({ limit: 2048 });
    expect(config.linux.seccomp.defaultAction).toBe('SCMP_ACT_ALLOW');
    expect(config.linux.seccomp.syscalls[0].names).toEqual(expect.arrayContaining(['mount', 'unshare', 'setns', 'keyctl', 'bpf', 'ptrace', 'kexec_load']));
  });

  it('runs busybox as written (terminal, sh) as nobody, and the filter stops a user namespace that the unhardened config allows', async () => {
    const hardened = await specBundle('run', ['--hardened']);
    const r = await rt.runOnTerminal(['run', '-b', hardened.dir, rt.id('h')], ATTACK);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toContain('65534');
    expect(r.stdout).toContain('Operation not permitted');
    expect(r.stdout).not.toContain('userns-2-created');
    // the attack works against the same config without its filter, and against plain `tdrun spec`
    delete hardened.config.linux.seccomp;
    writeFileSync(join(hardened.dir, 'config.json'), JSON.stringify(hardened.config));
    const open = await rt.runOnTerminal(['run', '-b', hardened.dir, rt.id('h-open')], ATTACK);
    expect(open.stdout).toContain('userns-2-created');
    const plain = await specBundle('plain', []);
    const p = await rt.runOnTerminal(['run', '-b', plain.dir, rt.id('plain')], ATTACK);
    expect(p.stdout).toContain('userns-2-created');
  });

  it('a rootfs without a non-root user in /etc/passwd (or none at all) keeps uid 0, with a warning', async () => {
    const onlyRoot = await specBundle('rootonly', ['--hardened'], 'root:x:0:0:root:/root:/bin/sh\n');
    expect(onlyRoot.config.process.user).toEqual({ uid: 0, gid: 0 });
    const dir = join(rt.bundles, rt.id('norootfs'));
    mkdirSync(dir, { recursive: true });
    const r = await rt.ok(['spec', '-b', dir, '--hardened']);
    expect(r.stderr).toContain(`tdrun: warning: --hardened: ${dir}/rootfs/etc/passwd has no non-root user: the process runs as root`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('an /etc/passwd that is a symlink out of the rootfs is not read (the host\'s users are not the container\'s)', async () => {
    const dir = join(rt.bundles, rt.id('link'));
    mkdirSync(join(dir, 'rootfs/etc'), { recursive: true });
    symlinkSync('/etc/passwd', join(dir, 'rootfs/etc/passwd'));
    await rt.ok(['spec', '-b', dir, '--hardened']);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).process.user).toEqual({ uid: 0, gid: 0 });
  });
});
