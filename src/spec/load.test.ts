import { stdio } from '../stdio.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkConfig, checkProcess, loadConfig } from './load.ts';
import { defaultSpec } from './default-config.ts';
import { features } from './features.ts';
import { knownMountOptions } from './mount-options.ts';

let dir: string;

// the validator comes from the schema as it is now: spec-tests/lib/global-setup.ts writes it
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tdrun-load-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bundleWith(text: string): string {
  const b = mkdtempSync(join(dir, 'b-'));
  writeFileSync(join(b, 'config.json'), text);
  return b;
}

function config(patch: (c: any) => void = () => {}): any {
  const c: any = defaultSpec({ rootless: false });
  patch(c);
  return c;
}

function loadError(text: string): string {
  try {
    loadConfig(bundleWith(text));
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
}

describe('loadConfig', () => {
  it('loads the default spec', () => {
    const spec = loadConfig(bundleWith(JSON.stringify(config())));
    expect(spec.process?.args).toEqual(['sh']);
  });

  it('says what is wrong with the file itself', () => {
    expect(() => loadConfig(join(dir, 'nope'))).toThrow(`open ${join(dir, 'nope', 'config.json')}: no such file or directory`);
    writeFileSync(join(dir, 'file'), '');
    expect(() => loadConfig(join(dir, 'file'))).toThrow(`open ${join(dir, 'file', 'config.json')}: not a directory`);
    expect(loadError('{"ociVersion": ')).toMatch(/^config\.json: invalid JSON: /);
    expect(loadError('null')).toBe('config.json: must be an object');
    expect(loadError('[]')).toBe('config.json: must be an object');
    expect(loadError('{}')).toBe("config.json: must have required property 'ociVersion'");
  });

  it('names the JSON pointer of the first schema error', () => {
    const c = config((c) => (c.linux.resources = { memory: { limit: 1.5 } }));
    expect(loadError(JSON.stringify(c))).toBe('config.json /linux/resources/memory/limit: must be integer');
    const uid = config((c) => (c.process.user.uid = -1));
    expect(loadError(JSON.stringify(uid))).toBe('config.json /process/user/uid: must be >= 0');
    const ns = config((c) => c.linux.namespaces.push({ type: 'bogus' }));
    expect(loadError(JSON.stringify(ns))).toBe(`config.json /linux/namespaces/${ns.linux.namespaces.length - 1}/type: must be equal to one of the allowed values`);
    const prop = config((c) => (c.linux.rootfsPropagation = 'everywhere'));
    expect(loadError(JSON.stringify(prop))).toMatch(/^config\.json \/linux\/rootfsPropagation: must be equal/);
    const env = config((c) => c.process.env.push('NOEQUALS'));
    expect(loadError(JSON.stringify(env))).toMatch(/^config\.json \/process\/env\/2: must match pattern/);
  });

  it('ignores unknown properties everywhere', () => {
    const c = config((c) => {
      c.future = { x: 1 };
      c.process.futureField = true;
      c.linux.resources.futureController = {};
      c.mounts[0].extra = 'x';
      c.windows = { layerFolders: [] };
    });
    expect(() => loadConfig(bundleWith(JSON.stringify(c)))).not.toThrow();
  });

  it('reports the first rule error with its pointer', () => {
    const c = config((c) => (c.linux.intelRdt = { closID: '../x' }));
    expect(loadError(JSON.stringify(c))).toBe('config.json /linux/intelRdt/closID: "../x" is not a resctrl group name');
    const v = config((c) => (c.ociVersion = '2.0.0'));
    expect(loadError(JSON.stringify(v))).toMatch(/^config\.json \/ociVersion: version 2\.0\.0 is not supported/);
  });

  it('a bad seccomp action is one line naming its JSON pointer', () => {
    const c = config((c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOPE' }] }));
    expect(loadError(JSON.stringify(c))).toMatch(/^config\.json \/linux\/seccomp\/syscalls\/0\/action: must be equal to one of the allowed values$/);
  });

  it("leaves linux.seccomp out of the schema check only when its cached program says it passed before", () => {
    // a schema error in the profile, and a rule error (seccompProfile) only in the second
    const badSchema = config((c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: 'mkdir', action: 'SCMP_ACT_ERRNO' }] }));
    const badRule = config((c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY' }));
    const asked: unknown[] = [];
    const cached = (hit: boolean) => (profile: object) => (asked.push(profile), hit);
    expect(() => checkConfig(badSchema, undefined, 'config.json', cached(false))).toThrow('config.json /linux/seccomp/syscalls/0/names:');
    expect(asked).toEqual([badSchema.linux.seccomp]);
    expect(checkConfig(badSchema, undefined, 'config.json', cached(true)).linux!.seccomp).toBe(badSchema.linux.seccomp);
    // the cross-field rules run on a hit too (and their warnings are printed)
    expect(() => checkConfig(badRule, undefined, 'config.json', cached(true))).toThrow('config.json /linux/seccomp/defaultAction:');
    // what is not an object is never looked up
    asked.length = 0;
    expect(() => checkConfig(config((c) => (c.linux.seccomp = 'x')), undefined, 'config.json', cached(true))).toThrow('/linux/seccomp');
    expect(asked).toEqual([]);
  });

  it('prints warnings and goes on', () => {
    const write = vi.spyOn(stdio, 'err').mockImplementation(() => {});
    try {
      const c = config((c) => c.mounts.push({ destination: 'data', type: 'tmpfs', source: 'tmpfs' }));
      loadConfig(bundleWith(JSON.stringify(c)));
      expect(write).toHaveBeenCalledWith(expect.stringContaining('warning: config.json /mounts/7/destination: "data" is relative'));
    } finally {
      write.mockRestore();
    }
  });

  it('checks --no-pivot against the rootfs propagation', () => {
    const c = config((c) => (c.linux.rootfsPropagation = 'private'));
    expect(() => checkConfig(c, { noPivot: true })).toThrow('config.json /linux/rootfsPropagation:');
    expect(() => checkConfig(c, { noPivot: false })).not.toThrow();
  });
});

describe('checkProcess (exec --process)', () => {
  it('uses pointers below the process', () => {
    expect(() => checkProcess({ cwd: '/', args: ['sh'], user: { uid: 'x', gid: 0 } }, 'p.json')).toThrow(
      'p.json /user/uid: must be integer',
    );
    expect(() => checkProcess({ cwd: '/', args: [] }, 'p.json')).toThrow('p.json /args: must not be empty');
    expect(() => checkProcess(null, 'p.json')).toThrow('p.json: must be an object');
    expect(checkProcess({ cwd: '/', args: ['sh'] }, 'p.json').args).toEqual(['sh']);
  });
});

describe('defaultSpec', () => {
  it('passes the schema and the rules, rootful and rootless', () => {
    expect(() => checkConfig(defaultSpec({ rootless: false }))).not.toThrow();
    const rootless = checkConfig(defaultSpec({ rootless: true }));
    expect(rootless.linux?.namespaces?.map((n) => n.type)).toContain('user');
    expect(rootless.linux?.namespaces?.map((n) => n.type)).not.toContain('network');
    expect(rootless.linux?.uidMappings?.[0].hostID).toBe(process.geteuid!());
    expect(rootless.linux?.resources).toBeUndefined();
    expect(rootless.mounts?.find((m) => m.destination === '/sys')?.options).toContain('rbind');
  });
});

describe('features', () => {
  it('lists what the plan compiler accepts and denies what tdrun lacks', () => {
    const f: any = features();
    expect(f.ociVersionMax).toBe('1.3.0');
    expect(f.mountOptions).toEqual(knownMountOptions());
    expect(f.mountOptions).toEqual(expect.arrayContaining(['idmap', 'ridmap']));
    expect(f.linux.mountExtensions.idmap.enabled).toBe(true);
    expect(f.linux.seccomp.enabled).toBe(true);
    expect(f.linux.seccomp.actions).toContain('SCMP_ACT_NOTIFY');
    expect(f.linux.seccomp.archs).toContain('SCMP_ARCH_X86_64');
    expect(f.linux.seccomp.supportedFlags).toContain('SECCOMP_FILTER_FLAG_TSYNC');
    expect(f.annotations['io.github.seccomp.libseccomp.version']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(f.linux.capabilities).toContain('CAP_CHECKPOINT_RESTORE');
  });
});
