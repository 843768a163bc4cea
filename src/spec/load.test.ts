import { stdio } from '../stdio.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkConfig, checkProcess, loadConfig } from './load.ts';
import { defaultSpec } from './default-config.ts';
import { features } from './features.ts';
import { knownMountOptions } from './mount-options.ts';
import { native } from '../native.ts';

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

  it("leaves linux.seccomp out of the checks only when its cached program says it passed before", () => {
    // a schema error in the profile, and a rule error (seccompProfile) in the second
    const badSchema = config((c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: 'mkdir', action: 'SCMP_ACT_ERRNO' }] }));
    const badRule = config((c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY' }));
    const asked: string[] = [];
    const cached = (hit: boolean) => (profileText: string) => (asked.push(profileText), hit);
    expect(() => loadConfig(bundleWith(JSON.stringify(badSchema)), undefined, cached(false))).toThrow('config.json /linux/seccomp/syscalls/0/names:');
    expect(asked).toEqual([JSON.stringify(badSchema.linux.seccomp)]);
    expect(loadConfig(bundleWith(JSON.stringify(badSchema)), undefined, cached(true)).linux!.seccomp).toEqual(badSchema.linux.seccomp);
    expect(() => loadConfig(bundleWith(JSON.stringify(badRule)), undefined, cached(false))).toThrow('config.json /linux/seccomp/defaultAction:');
    expect(() => loadConfig(bundleWith(JSON.stringify(badRule)), undefined, cached(true))).not.toThrow();
    // what is not an object is never looked up
    asked.length = 0;
    expect(() => loadConfig(bundleWith(JSON.stringify(config((c) => (c.linux.seccomp = 'x')))), undefined, cached(true))).toThrow('/linux/seccomp');
    expect(asked).toEqual([]);
  });

  it('on a hit parses the syscalls only when they are read, and still warns of a listener that gets nothing', () => {
    const write = vi.spyOn(stdio, 'err').mockImplementation(() => {});
    try {
      const syscalls = [{ names: ['mkdir'], action: 'SCMP_ACT_ALLOW' }];
      const c = config((c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls }));
      const seccomp = loadConfig(bundleWith(JSON.stringify(c)), undefined, () => true).linux!.seccomp!;
      const descriptor = Object.getOwnPropertyDescriptor(seccomp, 'syscalls')!;
      expect(descriptor.get).toBeDefined();
      expect(seccomp.syscalls).toEqual(syscalls);
      expect(seccomp.syscalls).toBe(seccomp.syscalls);
      expect(JSON.parse(JSON.stringify(seccomp))).toEqual(c.linux.seccomp);
      // a miss parses them with the rest
      const missed = loadConfig(bundleWith(JSON.stringify(c)), undefined, () => false).linux!.seccomp!;
      expect(Object.getOwnPropertyDescriptor(missed, 'syscalls')!.get).toBeUndefined();
      // with a listener and nothing that notifies: the same warning on a hit as on a miss
      const listening = config((c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', listenerPath: '/run/l.sock', syscalls }));
      for (const hit of [false, true]) {
        write.mockClear();
        loadConfig(bundleWith(JSON.stringify(listening)), undefined, () => hit);
        expect(write).toHaveBeenCalledWith(expect.stringContaining('config.json /linux/seccomp/listenerPath: no syscall has the action SCMP_ACT_NOTIFY'));
      }
    } finally {
      write.mockRestore();
    }
  });

  it("hands the seccomp lookup the profile's text as config.json has it, serialized only where it cannot be cut out", () => {
    const texts: string[] = [];
    const lookup = (profileText: string) => (texts.push(profileText), false);
    const c = config((c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ALLOW' }] }));
    loadConfig(bundleWith(JSON.stringify(c, null, '\t')), undefined, lookup);
    expect(texts[0]).toBe(JSON.stringify(c.linux.seccomp, null, '\t').replaceAll('\n', '\n\t\t'));
    // an escaped key could spell "seccomp": serialized from what JSON.parse made
    const escaped = JSON.stringify(c).replace('"defaultAction"', '"default\\u0041ction"');
    loadConfig(bundleWith(escaped.replace('"seccomp"', '"secc\\u006fmp"')), undefined, lookup);
    expect(texts[1]).toBe(JSON.stringify(JSON.parse(escaped).linux.seccomp));
  });

  it("jsonMemberSpans cuts out exactly the value JSON.parse reads, over generated texts", () => {
    // a tiny deterministic generator: objects with duplicate and escaped keys, odd whitespace,
    // escapes and non-ASCII in strings; and the same texts cut short or with a byte changed
    let seed = 15;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const space = () => [' ', '\n', '\t', '\r', ''][random(5)].repeat(random(3));
    const stringText = (s: string) =>
      JSON.stringify(s).replace(/[a-z]/g, (ch) => (random(8) === 0 ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : ch));
    // the path's keys most often where they count, and their values most often objects
    const keysAt = (depth: number) => [['linux', 'linux', 'process', 'seccomp'], ['seccomp', 'seccomp', 'linux', 'x'], ['syscalls', 'syscalls', 'names', 'x']][Math.min(depth, 2)];
    const valueText = (depth: number): string => {
      switch (depth > 3 ? random(4) : random(7)) {
        case 0: return stringText(['SCMP_ACT_ERRNO', 'é"\\{}[]', '\u{1F600}', ''][random(4)]);
        case 1: return String([0, -1, 2.5e3, -0.125, 1e-7][random(5)]);
        case 2: return ['true', 'false', 'null'][random(3)];
        case 3: return '{}';
        case 4: return `[${space()}${Array.from({ length: random(3) }, () => valueText(depth + 1)).join(`${space()},${space()}`)}${space()}]`;
        default: return objectText(depth + 1);
      }
    };
    const objectText = (depth: number): string => {
      const members = Array.from({ length: random(5) }, () => {
        const keys = keysAt(depth);
        const key = keys[random(keys.length)];
        const value = depth < 2 && random(3) > 0 ? objectText(depth + 1) : valueText(depth);
        return `${random(10) === 0 ? stringText(key) : JSON.stringify(key)}${space()}:${space()}${value}`;
      });
      return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
    };
    // what JSON.parse holds at each level of the path, or undefined
    const path = ['linux', 'seccomp', 'syscalls'];
    const levels = (parsed: unknown): unknown[] => {
      const out: unknown[] = [];
      let at = parsed;
      for (const key of path) {
        const has = typeof at === 'object' && at !== null && !Array.isArray(at) && Object.hasOwn(at, key);
        at = has ? (at as Record<string, unknown>)[key] : undefined;
        out.push(at);
      }
      return out;
    };
    let answered = 0;
    let deepest = 0;
    let refused = 0;
    for (let i = 0; i < 6000; i++) {
      let text = `${space()}${objectText(0)}${space()}`;
      if (i % 3 === 2) {
        const at = random(text.length);
        text = random(2) ? text.slice(0, at) : text.slice(0, at) + '",{}:x\\'[random(7)] + text.slice(at + 1);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const spans = native().jsonMemberSpans(text, path);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        expect(spans, text).toBeNull();
        refused++;
        continue;
      }
      if (spans === null) continue; // an escaped key on the way: the caller serializes instead
      levels(parsed).forEach((want, level) => {
        const span = spans[level];
        if (want === undefined) expect(span, `${text} level ${level}`).toBeNull();
        else expect(span && JSON.parse(text.slice(span[0], span[1])), `${text} level ${level}`).toEqual(want);
      });
      if (spans[1]) answered++;
      if (spans[2]) deepest++;
    }
    // texts with the members got answers at each level, and the broken ones were tried
    expect(answered).toBeGreaterThan(200);
    expect(deepest).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(1000);
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
