import { describe, expect, it } from 'vitest';
import { attachDashValues, commandName, commandWord, fastParse, helpRequest, protectExecCommand, scanGlobals, unknownFlag } from './argv.ts';

describe('scanGlobals', () => {
  it('reads both --x=v and --x v spellings, in any order', () => {
    const s = scanGlobals(['--log-format=json', '--log', '/tmp/l.json', '--root', '/run/x', '--debug', 'state', 'c1']);
    expect(s?.globals).toMatchObject({ root: '/run/x', log: '/tmp/l.json', logFormat: 'json', debug: true });
    expect(s?.rest).toEqual(['state', 'c1']);
  });
  it('defaults the root to /run/tdrun', () => {
    expect(scanGlobals(['state', 'c1'])?.globals.root).toBeUndefined();
  });
  it('gives up (so yargs reports) on unknown or malformed global flags', () => {
    expect(scanGlobals(['--bogus', 'state', 'c1'])).toBeNull();
    expect(scanGlobals(['--log-format', 'xml', 'state', 'c1'])).toBeNull();
    expect(scanGlobals(['--rootless', 'maybe', 'state', 'c1'])).toBeNull();
    expect(scanGlobals(['--root'])).toBeNull();
  });
});

describe('commandWord', () => {
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

describe('fastParse', () => {
  it('parses the shapes engines send', () => {
    expect(fastParse(['state', 'c1'])).toEqual({ op: 'state', args: { id: 'c1' } });
    expect(fastParse(['kill', 'c1', '9'])).toEqual({ op: 'kill', args: { id: 'c1', signal: '9', all: false } });
    expect(fastParse(['kill', '--all', 'c1', '9'])).toEqual({ op: 'kill', args: { id: 'c1', signal: '9', all: true } });
    expect(fastParse(['delete', '--force', 'c1'])).toEqual({ op: 'delete', args: { id: 'c1', force: true } });
    expect(fastParse(['delete', 'c1', '-f'])).toEqual({ op: 'delete', args: { id: 'c1', force: true } });
  });
  it('parses exec: flags, the id, then the command with its own flags', () => {
    const base = { env: [], additionalGids: [], cap: [], preserveFds: 0, detach: false, tty: false, noNewPrivs: false, ignorePaused: false };
    expect(fastParse(['exec', 'c1', 'sh', '-c', 'echo hi'])).toEqual({ op: 'exec', args: { ...base, id: 'c1', command: ['sh', '-c', 'echo hi'] } });
    expect(fastParse(['exec', 'c1', '--', 'ls', '--', '-l'])).toEqual({ op: 'exec', args: { ...base, id: 'c1', command: ['ls', '--', '-l'] } });
    expect(fastParse(['exec', '-e', 'A=1', '--env=B=2', '--user=1:1', '-t', '--pid-file', 'p', '-c', 'CAP_KILL', 'c1', 'ls'])).toEqual({
      op: 'exec',
      args: { ...base, env: ['A=1', 'B=2'], user: '1:1', tty: true, pidFile: 'p', cap: ['CAP_KILL'], id: 'c1', command: ['ls'] },
    });
    expect(fastParse(['exec', 'c1'])).toEqual({ op: 'exec', args: { ...base, id: 'c1', command: [] } });
  });
  it('leaves everything else to yargs', () => {
    expect(fastParse(['state'])).toBeNull();
    expect(fastParse(['state', 'a', 'b'])).toBeNull();
    expect(fastParse(['state', '--help', 'c1'])).toBeNull();
    expect(fastParse(['kill', '--bogus', 'c1'])).toBeNull();
    expect(fastParse(['exec', '-dt', 'c1', 'ls'])).toBeNull();
    expect(fastParse(['exec', '--bogus', 'c1', 'ls'])).toBeNull();
    expect(fastParse(['exec', '--env'])).toBeNull();
    expect(fastParse(['exec', '-d'])).toBeNull();
    expect(fastParse([])).toBeNull();
  });
});

describe('protectExecCommand', () => {
  it('puts -- after the container id so the command keeps its flags', () => {
    expect(protectExecCommand(['exec', 'c1', 'sh', '-c', 'echo hi'])).toEqual(['exec', 'c1', '--', 'sh', '-c', 'echo hi']);
    expect(protectExecCommand(['--root', '/r', 'exec', '-e', 'A=1', '--user=1:1', '-t', 'c1', 'ls', '-l'])).toEqual([
      '--root', '/r', 'exec', '-e', 'A=1', '--user=1:1', '-t', 'c1', '--', 'ls', '-l',
    ]);
  });
  it('keeps engine calls and explicit -- as they are', () => {
    const podman = ['--log-format=json', '--log', 'l', 'exec', '--pid-file', 'p', '--process', 'j', '--detach', 'c1'];
    expect(protectExecCommand(podman)).toEqual([...podman, '--']);
    expect(protectExecCommand(['exec', 'c1', '--', 'ls'])).toEqual(['exec', 'c1', '--', 'ls']);
    expect(protectExecCommand(['state', 'c1'])).toEqual(['state', 'c1']);
  });
});

describe('fastParse with value flags', () => {
  it('takes ps --format json and list -f json -q', () => {
    expect(fastParse(['ps', '--format', 'json', 'c1'])).toEqual({ op: 'ps', args: { id: 'c1', format: 'json' } });
    expect(fastParse(['ps', '--format=json', 'c1'])).toEqual({ op: 'ps', args: { id: 'c1', format: 'json' } });
    expect(fastParse(['ps', 'c1'])).toEqual({ op: 'ps', args: { id: 'c1', format: 'table' } });
    expect(fastParse(['list', '-f', 'json', '-q'])).toEqual({ op: 'list', args: { format: 'json', quiet: true } });
    expect(fastParse(['list'])).toEqual({ op: 'list', args: { format: 'table', quiet: false } });
  });
  it('leaves bad values and stray arguments to yargs', () => {
    expect(fastParse(['ps', '--format', 'xml', 'c1'])).toBeNull();
    expect(fastParse(['ps', '--format'])).toBeNull();
    expect(fastParse(['list', 'extra'])).toBeNull();
    expect(fastParse(['delete', '--force=1', 'c1'])).toBeNull();
  });
  it('stops the global scan at --version', () => {
    expect(scanGlobals(['--root', '/r', '--version'])?.rest).toEqual(['--version']);
  });
});

describe('unknownFlag', () => {
  it('names a flag the command does not take', () => {
    expect(unknownFlag(['state', '--no-such-flag', 'x'])).toBe('--no-such-flag');
    expect(unknownFlag(['--bogus', 'state', 'x'])).toBe('--bogus');
    expect(unknownFlag(['state', '--force', 'x'])).toBe('--force');
    expect(unknownFlag(['exec', '--bogus', 'x', '--', 'sh', '--also'])).toBe('--bogus');
  });
  it('accepts what engines send', () => {
    expect(unknownFlag(['--log-format=json', '--log', 'l', 'create', '--bundle', 'b', '--pid-file', 'p', '--console-socket', 's', 'c1'])).toBeNull();
    expect(unknownFlag(['--root', 'r', 'exec', '--process', 'j', '--console-socket', 's', '--detach', '--pid-file', 'p', 'c1', '--'])).toBeNull();
    expect(unknownFlag(['kill', '--all', 'c1', '9'])).toBeNull();
    expect(unknownFlag(['delete', '--force', 'c1'])).toBeNull();
    expect(unknownFlag(['update', '--resources', '-', 'c1'])).toBeNull();
    expect(unknownFlag(['spec', '--rootless', '-b', 'x'])).toBeNull();
    expect(unknownFlag(['exec', '-e', 'A=1', 'c1', '--', 'ls', '-l'])).toBeNull();
  });
  it('takes the short flag of update -r - once its "-" is attached (the help documents it)', () => {
    expect(unknownFlag(attachDashValues(['update', '-r', '-', 'c1']))).toBeNull();
    expect(unknownFlag(['update', '-x=-', 'c1'])).toBe('-x');
  });
});

describe('commandName and helpRequest', () => {
  it('finds the command after the global flags and their values', () => {
    expect(commandName(['--root', '/r', '--log=l', '--debug', 'events', 'x'])).toBe('events');
    expect(commandName(['--root', '/r'])).toBeUndefined();
  });
  it('turns a bare call and `help [COMMAND]` into --help, as runc has them', () => {
    expect(helpRequest([])).toEqual(['--help']);
    expect(helpRequest(['--root', '/r'])).toEqual(['--root', '/r', '--help']);
    expect(helpRequest(['help'])).toEqual(['--help']);
    expect(helpRequest(['--root', '/r', 'help', 'exec'])).toEqual(['--root', '/r', 'exec', '--help']);
  });
  it('leaves every other call alone', () => {
    expect(helpRequest(['state', 'c1'])).toBeNull();
    expect(helpRequest(['--version'])).toBeNull();
    expect(helpRequest(['--help'])).toBeNull();
    expect(helpRequest(['exec', 'c1', 'help'])).toBeNull();
  });
});

describe('fastParse of create and run', () => {
  it('takes the engine shapes of create', () => {
    expect(fastParse(['create', '--bundle', '/b', '--pid-file', '/p', '--console-socket', '/s', 'c1'])).toEqual({
      op: 'create',
      args: { id: 'c1', bundle: '/b', pidFile: '/p', consoleSocket: '/s', noPivot: false, noNewKeyring: false },
    });
    expect(fastParse(['run', '-d', '--bundle=/b', '--keep', 'c1'])).toEqual({
      op: 'run',
      args: { id: 'c1', bundle: '/b', detach: true, keep: true, noPivot: false, noNewKeyring: false },
    });
  });
  it('leaves odd shapes to yargs', () => {
    expect(fastParse(['create', '--bundle'])).toBeNull();
    expect(fastParse(['create', '--detach', 'c1'])).toBeNull();
    expect(fastParse(['run', 'c1', 'c2'])).toBeNull();
  });
});

describe('attachDashValues', () => {
  it('joins a lone "-" to the value flag before it, after global flags with values', () => {
    expect(attachDashValues(['--root', '/r', 'update', '--resources', '-', 'c1'])).toEqual(['--root', '/r', 'update', '--resources=-', 'c1']);
    expect(attachDashValues(['update', '-r', '-', 'c1'])).toEqual(['update', '-r=-', 'c1']);
    expect(attachDashValues(['update', '--resources', 'f.json', 'c1'])).toEqual(['update', '--resources', 'f.json', 'c1']);
    expect(attachDashValues(['exec', 'c1', '--', 'cat', '-'])).toEqual(['exec', 'c1', '--', 'cat', '-']);
  });
});

describe('audit and info', () => {
  it('fastParse takes a bundle audit, an audit of a container and info', () => {
    expect(fastParse(['audit'])).toEqual({ op: 'audit', args: { format: 'text', failOn: 'high' } });
    expect(fastParse(['audit', '-b', '/b', '--format=json', '--fail-on', 'medium'])).toEqual({
      op: 'audit',
      args: { bundle: '/b', format: 'json', failOn: 'medium' },
    });
    expect(fastParse(['audit', 'c1'])).toEqual({ op: 'audit', args: { id: 'c1', format: 'text', failOn: 'high' } });
    expect(fastParse(['info', '--format', 'json'])).toEqual({ op: 'info', args: { format: 'json' } });
  });
  it('leaves bad values and stray arguments to yargs; unknownFlag names strangers', () => {
    expect(fastParse(['audit', '--fail-on', 'critical'])).toBeNull();
    expect(fastParse(['audit', '--format', 'table'])).toBeNull();
    expect(fastParse(['audit', 'c1', 'c2'])).toBeNull();
    expect(fastParse(['info', 'extra'])).toBeNull();
    expect(unknownFlag(['audit', '-b', 'x', '--fail-on=low', '--format', 'json'])).toBeNull();
    expect(unknownFlag(['audit', '--quiet'])).toBe('--quiet');
    expect(unknownFlag(['info', '--format', 'json'])).toBeNull();
    expect(unknownFlag(['info', '-b', 'x'])).toBe('-b');
  });
});
