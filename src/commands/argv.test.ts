import { describe, expect, expectTypeOf, it } from 'vitest';
import { parseArgv, type Parsed } from './argv.ts';
import { helpText } from './help.ts';
import { commandWord, GLOBAL_FLAGS, type ParsedGlobals } from './flags.ts';
import { COMMANDS, type Args } from './table.ts';

const GLOBALS: ParsedGlobals = { logFormat: 'text', debug: false, systemdCgroup: false, rootless: 'auto' };

function call(argv: string[]): { name: string; args: Record<string, unknown>; globals: ParsedGlobals } {
  const parsed = parseArgv(argv);
  if (parsed.kind !== 'command') throw new Error(`${argv.join(' ')}: ${JSON.stringify(parsed)}`);
  return parsed;
}
function usage(argv: string[]): string {
  const parsed: Parsed = parseArgv(argv);
  if (parsed.kind !== 'usage') throw new Error(`${argv.join(' ')}: not a usage error: ${JSON.stringify(parsed)}`);
  return parsed.message;
}

describe('global flags', () => {
  it('reads --x=v and --x v, before the command or among its flags', () => {
    const c = call(['--log-format=json', '--log', '/tmp/l.json', '--root', '/run/x', '--debug', 'state', 'c1']);
    expect(c.globals).toEqual({ ...GLOBALS, root: '/run/x', log: '/tmp/l.json', logFormat: 'json', debug: true });
    expect(call(['state', '--root', '/r', 'c1']).globals.root).toBe('/r');
    expect(call(['state', 'c1']).globals).toEqual(GLOBALS);
  });
  it('checks the values of flags with choices', () => {
    expect(usage(['--log-format', 'xml', 'state', 'c1'])).toBe('--log-format xml: must be one of text, json');
    expect(usage(['--rootless', 'maybe', 'state', 'c1'])).toBe('--rootless maybe: must be one of auto, true, false');
    expect(usage(['--root'])).toBe('--root needs a value');
  });
  it("spec's own --rootless (runc's boolean) wins over the global of that name", () => {
    expect(call(['spec', '--rootless', '-b', 'x']).args).toEqual({ bundle: 'x', rootless: true, hardened: false });
    expect(call(['--rootless', 'true', 'spec']).args).toEqual({ rootless: false, hardened: false });
    expect(call(['--rootless', 'true', 'spec']).globals.rootless).toBe('true');
  });
});

describe('commandWord (the launcher picks the code cache by it)', () => {
  it('names the command after the global flags', () => {
    expect(commandWord(['--root', '/r', '--log=/l', 'run', '--bundle', 'b', 'x'])).toBe('run');
    expect(commandWord(['state', 'x'])).toBe('state');
  });
  it('is null for calls without a plain command word', () => {
    expect(commandWord(['--version'])).toBeNull();
    expect(commandWord([])).toBeNull();
    expect(commandWord(['--bogus', 'run'])).toBeNull();
    expect(commandWord(['../../x'])).toBeNull();
  });
});

describe('the shapes engines send', () => {
  it('state, kill, delete', () => {
    expect(call(['state', 'c1']).args).toEqual({ id: 'c1' });
    expect(call(['kill', 'c1', '9']).args).toEqual({ id: 'c1', signal: '9', all: false });
    expect(call(['kill', '--all', 'c1', '9']).args).toEqual({ id: 'c1', signal: '9', all: true });
    expect(call(['kill', 'c1']).args).toEqual({ id: 'c1', all: false });
    expect(call(['delete', '--force', 'c1']).args).toEqual({ id: 'c1', force: true });
    expect(call(['delete', 'c1', '-f']).args).toEqual({ id: 'c1', force: true });
  });
  it('create and run', () => {
    const base = { noPivot: false, noNewKeyring: false, preserveFds: 0 };
    expect(call(['--log-format=json', 'create', '--bundle', '/b', '--pid-file', '/p', '--console-socket', '/s', 'c1']).args).toEqual({
      ...base, id: 'c1', bundle: '/b', pidFile: '/p', consoleSocket: '/s',
    });
    expect(call(['run', '-d', '--bundle=/b', '--keep', '--preserve-fds', '2', 'c1']).args).toEqual({
      ...base, id: 'c1', bundle: '/b', detach: true, keep: true, preserveFds: 2,
    });
  });
  it('exec: flags, the id, then the command with its own flags', () => {
    const base = { env: [], additionalGids: [], cap: [], cgroup: [], preserveFds: 0, detach: false, tty: false, noNewPrivs: false, ignorePaused: false };
    expect(call(['exec', 'c1', 'sh', '-c', 'echo hi']).args).toEqual({ ...base, id: 'c1', command: ['sh', '-c', 'echo hi'] });
    expect(call(['exec', 'c1', '--', 'ls', '--', '-l']).args).toEqual({ ...base, id: 'c1', command: ['ls', '--', '-l'] });
    expect(call(['exec', 'c1', 'sh', '--help']).args).toEqual({ ...base, id: 'c1', command: ['sh', '--help'] });
    expect(call(['exec', '-e', 'A=1', '--env=B=2', '--user=1:1', '-t', '--pid-file', 'p', '-c', 'CAP_KILL', 'c1', 'ls']).args).toEqual({
      ...base, env: ['A=1', 'B=2'], user: '1:1', tty: true, pidFile: 'p', cap: ['CAP_KILL'], id: 'c1', command: ['ls'],
    });
    expect(call(['exec', '--process', 'j', '--console-socket', 's', '--detach', '--pid-file', 'p', 'c1']).args).toEqual({
      ...base, process: 'j', consoleSocket: 's', detach: true, pidFile: 'p', id: 'c1', command: [],
    });
    expect(call(['exec', '-dt', 'c1', 'ls']).args).toEqual({ ...base, detach: true, tty: true, id: 'c1', command: ['ls'] });
    expect(call(['exec', '-dp', 'j', 'c1']).args).toEqual({ ...base, detach: true, process: 'j', id: 'c1', command: [] });
  });
  it('update -r - and --resources - (docker: the JSON on stdin)', () => {
    expect(call(['update', '-r', '-', 'c1']).args).toEqual({ id: 'c1', resources: '-' });
    expect(call(['--root', '/r', 'update', '--resources', '-', 'c1']).args).toEqual({ id: 'c1', resources: '-' });
    expect(call(['update', '-r=-', 'c1']).args).toEqual({ id: 'c1', resources: '-' });
    // runc's limit flags instead of a file; a value may start with "-" (-1: unlimited)
    expect(call(['update', '--memory', '-1', '--pids-limit', '5', 'c1']).args).toEqual({ id: 'c1', memory: '-1', pidsLimit: '5' });
    expect(call(['update', '--l3-cache-schema', 'L3:0=f', '--mem-bw-schema=MB:0=20', 'c1']).args).toEqual({ id: 'c1', l3CacheSchema: 'L3:0=f', memBwSchema: 'MB:0=20' });
  });

  it("ps ID [ps options]: everything after the id is ps(1)'s; events' flags", () => {
    expect(call(['ps', 'c1', '-o', 'pid,comm']).args).toEqual({ id: 'c1', format: 'table', psOptions: ['-o', 'pid,comm'] });
    expect(call(['ps', '-f', 'json', 'c1']).args).toEqual({ id: 'c1', format: 'json', psOptions: [] });
    expect(call(['events', '--stats', 'c1']).args).toEqual({ id: 'c1', stats: true, interval: '5s' });
  });
  it('ps, list, audit, info with their formats', () => {
    expect(call(['ps', '--format', 'json', 'c1']).args).toEqual({ id: 'c1', format: 'json', psOptions: [] });
    expect(call(['ps', 'c1']).args).toEqual({ id: 'c1', format: 'table', psOptions: [] });
    expect(call(['list', '-f', 'json', '-q']).args).toEqual({ format: 'json', quiet: true });
    expect(call(['audit']).args).toEqual({ format: 'text', failOn: 'high' });
    expect(call(['audit', '-b', '/b', '--format=json', '--fail-on', 'medium']).args).toEqual({ bundle: '/b', format: 'json', failOn: 'medium' });
    expect(call(['audit', 'c1']).args).toEqual({ id: 'c1', format: 'text', failOn: 'high' });
    expect(call(['info', '--format', 'json']).args).toEqual({ format: 'json' });
  });
});

describe('usage errors are one line naming what is wrong', () => {
  it('unknown flags and commands', () => {
    expect(usage(['state', '--no-such-flag', 'x'])).toBe('unknown flag: --no-such-flag');
    expect(usage(['--bogus', 'state', 'x'])).toBe('unknown flag: --bogus');
    expect(usage(['state', '--force', 'x'])).toBe('unknown flag: --force');
    expect(usage(['--bundle', 'x', 'create', 'c1'])).toBe('unknown flag: --bundle');
    expect(usage(['exec', '--bogus', 'x', '--', 'sh', '--also'])).toBe('unknown flag: --bogus');
    expect(usage(['exec', '-dx', 'c1'])).toBe('unknown flag: -x');
    expect(usage(['info', '-b', 'x'])).toBe('unknown flag: -b');
    expect(usage(['checkpoint', 'x'])).toBe('unknown command "checkpoint"');
  });
  it('values and arguments', () => {
    expect(usage(['ps', '--format', 'xml', 'c1'])).toBe('--format xml: must be one of table, json');
    expect(usage(['audit', '--fail-on', 'critical'])).toBe('--fail-on critical: must be one of high, medium, low, none');
    expect(usage(['create', '--preserve-fds', '-1', 'c1'])).toBe('--preserve-fds -1: must be a non-negative integer');
    expect(usage(['delete', '--force=1', 'c1'])).toBe('--force=1: must be true or false');
    expect(usage(['exec', '-pd', 'j', 'c1'])).toBe('-p takes a value: it cannot be bundled before other flags');
    expect(usage(['state'])).toBe('state: missing container-id');
    expect(usage(['state', 'a', 'b'])).toBe('state: unexpected argument "b"');
    expect(usage(['list', 'extra'])).toBe('list: unexpected argument "extra"');
    expect(usage(['exec', '--env'])).toBe('--env needs a value');
  });
});

describe('help and version', () => {
  it('a bare call, --help and `help [COMMAND]` ask for help (runc), anywhere before a command takes its arguments', () => {
    expect(parseArgv([])).toEqual({ kind: 'help', globals: GLOBALS });
    expect(parseArgv(['--root', '/r'])).toEqual({ kind: 'help', globals: { ...GLOBALS, root: '/r' } });
    expect(parseArgv(['help'])).toEqual({ kind: 'help', globals: GLOBALS });
    expect(parseArgv(['--root', '/r', 'help', 'exec'])).toMatchObject({ kind: 'help', command: 'exec' });
    expect(parseArgv(['state', '--help', 'c1'])).toMatchObject({ kind: 'help', command: 'state' });
    expect(parseArgv(['exec', '-h', '--bogus'])).toMatchObject({ kind: 'help', command: 'exec' });
  });
  it('--version, -v', () => {
    expect(parseArgv(['--root', '/r', '--version'])).toMatchObject({ kind: 'version' });
    expect(parseArgv(['-v'])).toMatchObject({ kind: 'version' });
  });
  it('the help (yargs, from the same table) describes every flag of every command, its spellings and value, and the globals', async () => {
    for (const name of Object.keys(COMMANDS) as (keyof typeof COMMANDS)[]) {
      const text = await helpText(name);
      for (const [flag, spec] of Object.entries(COMMANDS[name].flags)) {
        const line = text.split('\n').find((l) => new RegExp(`--${flag}\\b`).test(l));
        expect(line, `${name} --${flag}`).toContain(spec.describe);
        if ('short' in spec) expect(line).toContain(`-${spec.short}, --${flag}`);
      }
      for (const flag of Object.keys(GLOBAL_FLAGS)) expect(text, `${name}: global --${flag}`).toContain(`--${flag}`);
    }
    expect(await helpText('exec')).toMatch(/^tdrun exec <container-id> \[command\.\.\]\n/);
    expect(await helpText('audit')).toMatch(/--fail-on .*\[choices: "high", "medium", "low", "none"\] \[default: "high"\]/);
    expect(await helpText()).toMatch(/^tdrun \[global options\] command/);
    expect(await helpText()).toContain('tdrun kill <container-id> [signal]');
  });
});

describe('handler argument types come from the table', () => {
  it('types flags by kind, default and requirement', () => {
    expectTypeOf<Args<'exec'>['env']>().toEqualTypeOf<string[]>();
    expectTypeOf<Args<'exec'>['command']>().toEqualTypeOf<string[]>();
    expectTypeOf<Args<'exec'>['user']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Args<'run'>['preserveFds']>().toEqualTypeOf<number>();
    expectTypeOf<Args<'ps'>['format']>().toEqualTypeOf<'table' | 'json'>();
    expectTypeOf<Args<'update'>['resources']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Args<'update'>['l3CacheSchema']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Args<'kill'>['signal']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Args<'audit'>['id']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ParsedGlobals['rootless']>().toEqualTypeOf<'auto' | 'true' | 'false'>();
    expectTypeOf<ParsedGlobals['log']>().toEqualTypeOf<string | undefined>();
  });
});
