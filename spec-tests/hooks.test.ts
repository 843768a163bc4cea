// config.md#posix-platform-hooks, the way tdrun runs a hook, held the same for both of its
// implementations: src/hooks.ts (prestart, here; createRuntime, poststart, poststop alike) and
// tdrun-init's addon/init/hooks.cc (createContainer, here; startContainer alike). Each case
// runs against both and expects the same words; addon/init/hooks.h describes the behaviour.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBundle } from './lib/bundle.ts';
import { projectRoot, Runtime, skipReason } from './lib/runtime.ts';
import { OUTPUT_GRACE_MS, OUTPUT_LIMIT } from '../src/hooks.ts';

const why = skipReason();
const rt = new Runtime('hooks');
afterAll(() => rt.cleanup());

// prestart runs in the runtime's namespaces, createContainer in the container's: /bin/sh is the
// host's dash for one and the rootfs's busybox for the other, and both serve these scripts
const SIDES = [
  { kind: 'prestart', by: 'src/hooks.ts' },
  { kind: 'createContainer', by: 'tdrun-init' },
] as const;

async function createWithHook(kind: string, hook: Record<string, unknown>): Promise<{ code: number | null; error: string; ms: number }> {
  const id = rt.id(kind.toLowerCase());
  const b = makeBundle(rt, id, (c) => (c.hooks = { [kind]: [hook] }));
  const t0 = Date.now();
  const r = await rt.run(['create', '-b', b.dir, id]);
  const ms = Date.now() - t0;
  if (r.code === 0) await rt.ok(['delete', '-f', id]);
  const prefix = `tdrun: create ${id}: `;
  const line = r.stderr.split('\n').find((l) => l.startsWith(prefix)) ?? r.stderr;
  return { code: r.code, error: line.slice(prefix.length), ms };
}

const sh = (script: string, more: Record<string, unknown> = {}) => ({ path: '/bin/sh', args: ['sh', '-c', script], ...more });

describe.skipIf(!!why)('hooks: one behaviour on both sides', () => {
  it('the numbers of src/hooks.ts are those of addon/init/hooks.h', () => {
    const header = readFileSync(join(projectRoot, 'addon/init/hooks.h'), 'utf8');
    expect(Number(/kOutputLimit = (\d+);/.exec(header)?.[1])).toBe(OUTPUT_LIMIT);
    expect(Number(/kOutputGraceMs = (\d+);/.exec(header)?.[1])).toBe(OUTPUT_GRACE_MS);
  });

  describe.each(SIDES)('$kind hooks ($by)', ({ kind }) => {
    it('a failure names the exit status and the output, stdout and stderr, on one line', async () => {
      const r = await createWithHook(kind, sh('echo "  out one"; echo err two >&2; echo; exit 3'));
      expect(r.code).toBe(1);
      expect(r.error).toBe(`${kind} hook /bin/sh: exit status 3, output: out one / err two`);
    });

    it(`keeps the first ${OUTPUT_LIMIT} bytes of the output`, async () => {
      const r = await createWithHook(kind, sh('i=0; while [ $i -lt 300 ]; do printf abcdefghij; i=$((i+1)); done; exit 1'));
      const out = r.error.split(', output: ')[1];
      expect(out).toBe('abcdefghij'.repeat(OUTPUT_LIMIT / 10 + 1).slice(0, OUTPUT_LIMIT));
    });

    it('a hook killed by a signal says which', async () => {
      const r = await createWithHook(kind, sh('kill -9 $$'));
      expect(r.error).toBe(`${kind} hook /bin/sh: killed by signal 9`);
    });

    it('a hook past its timeout is killed, with what it wrote', async () => {
      const r = await createWithHook(kind, sh('echo waiting; exec sleep 30', { timeout: 1 }));
      expect(r.error).toBe(`${kind} hook /bin/sh: timed out after 1s, output: waiting`);
      expect(r.ms).toBeLessThan(15_000);
    });

    it('its exit decides, not a process it left holding its output', async () => {
      const ok = await createWithHook(kind, sh('sleep 30 & echo started'));
      expect(ok.code, ok.error).toBe(0);
      expect(ok.ms).toBeLessThan(15_000);
      const failed = await createWithHook(kind, sh('sleep 30 & echo started; exit 2'));
      expect(failed.error).toBe(`${kind} hook /bin/sh: exit status 2, output: started`);
      expect(failed.ms).toBeLessThan(15_000);
    });

    it('a hook that cannot be executed is named with the reason', async () => {
      const r = await createWithHook(kind, { path: '/no/such/hook' });
      expect(r.error).toBe(`${kind} hook /no/such/hook: no such file or directory`);
    });
  });
});
