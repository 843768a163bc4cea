// The D-Bus wire format against byte sequences worked out by hand from the D-Bus specification's
// marshalling rules, and the client against a real dbus-daemon.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DBusValue, MessageType, Reader, Writer, decodeMessage, encodeMessage, messageLength, splitSignature } from './dbus-wire.ts';
import { DBusConnection, DBusError, externalAuthLine } from './dbus.ts';

function marshal(parts: [string, DBusValue][]): string {
  const w = new Writer();
  for (const [type, value] of parts) w.write(type, value);
  return w.result().toString('hex');
}

const hex = (...chunks: string[]) => chunks.join('').replace(/\s+/g, '');
const ascii = (s: string) => Buffer.from(s, 'ascii').toString('hex');

describe('D-Bus marshalling (specification rules)', () => {
  it('a string is a uint32 byte count, the bytes and a nul', () => {
    expect(marshal([['s', 'foo']])).toBe(hex('03000000', ascii('foo'), '00'));
  });

  it('a uint64 after a byte starts on the next 8-byte boundary, counted from the message start', () => {
    expect(marshal([['y', 1], ['t', 2n]])).toBe(hex('01 00000000000000', '0200000000000000'));
  });

  it('a signature is a one-byte length, ASCII and a nul; a boolean a 4-byte 0 or 1', () => {
    expect(marshal([['g', 'a(sv)'], ['b', true]])).toBe(hex('05', ascii('a(sv)'), '00', '00', '01000000'));
  });

  it("an array's length excludes the padding before its first 8-aligned element", () => {
    // length 20 at 0; pad to 8; struct at 8: "Delegate" (4 + 8 + 1 = 13 bytes, to 21), variant
    // signature "b" (3 bytes, to 24), the boolean (to 28): 28 - 8 = 20
    expect(marshal([['a(sv)', [['Delegate', { signature: 'b', value: true }]]]])).toBe(
      hex('14000000', '00000000', '08000000', ascii('Delegate'), '00', '01', ascii('b'), '00', '01000000'),
    );
  });

  it('an empty array of structs still pads to its element alignment', () => {
    expect(marshal([['a(sa(sv))', []]])).toBe(hex('00000000', '00000000'));
  });

  it('a uint32 array inside a variant (the PIDs property)', () => {
    // "PIDs" at 8 (to 17), signature "au" (4 bytes, to 21), pad to 24, length 8, two uint32
    expect(marshal([['a(sv)', [['PIDs', { signature: 'au', value: [7, 258] }]]]])).toBe(
      hex('1c000000', '00000000', '04000000', ascii('PIDs'), '00', '02', ascii('au'), '00', '000000', '08000000', '07000000', '02010000'),
    );
  });

  it("the bus's Hello call is the well-known 128 bytes (header fields array of 0x6d bytes)", () => {
    const hello = encodeMessage({
      type: MessageType.MethodCall,
      flags: 0,
      serial: 1,
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'Hello',
      destination: 'org.freedesktop.DBus',
      signature: '',
    });
    const expected = Buffer.from(
      'l\x01\x00\x01\x00\x00\x00\x00\x01\x00\x00\x00m\x00\x00\x00' +
        '\x01\x01o\x00\x15\x00\x00\x00/org/freedesktop/DBus\x00\x00\x00' +
        '\x02\x01s\x00\x14\x00\x00\x00org.freedesktop.DBus\x00\x00\x00\x00' +
        '\x03\x01s\x00\x05\x00\x00\x00Hello\x00\x00\x00' +
        '\x06\x01s\x00\x14\x00\x00\x00org.freedesktop.DBus\x00\x00\x00\x00',
      'latin1',
    );
    expect(hello.toString('hex')).toBe(expected.toString('hex'));
    expect(messageLength(hello)).toBe(128);
  });

  it('reads a big-endian reply (a peer may use either byte order)', () => {
    // method return, serial 9, one header field REPLY_SERIAL = 7, no body
    const bytes = Buffer.from(hex('42 02 00 01', '00000000', '00000009', '00000008', '05 01 75 00', '00000007'), 'hex');
    expect(messageLength(bytes)).toBe(24);
    const m = decodeMessage(bytes);
    expect(m).toMatchObject({ type: MessageType.MethodReturn, serial: 9, replySerial: 7, signature: '', body: [] });
  });

  it("StartTransientUnit's call decodes to what was encoded", () => {
    const body: DBusValue[] = [
      'runc-c1.scope',
      'replace',
      [
        ['Slice', { signature: 's', value: 'system.slice' }],
        ['Delegate', { signature: 'b', value: true }],
        ['PIDs', { signature: 'au', value: [1234] }],
        ['MemoryMax', { signature: 't', value: 2n ** 64n - 1n }],
        ['AllowedCPUs', { signature: 'ay', value: [0x0f, 0x01] }],
      ],
      [],
    ];
    const bytes = encodeMessage({ type: MessageType.MethodCall, flags: 0, serial: 5, path: '/org/freedesktop/systemd1', member: 'StartTransientUnit', signature: 'ssa(sv)a(sa(sv))', body });
    const m = decodeMessage(bytes);
    expect(m.body).toEqual(body);
    expect(m.signature).toBe('ssa(sv)a(sa(sv))');
  });

  it('refuses truncated and overlong input instead of reading past it', () => {
    const r = new Reader(Buffer.from('05000000616263', 'hex'), true);
    expect(() => r.read('s')).toThrow(/truncated/);
    const arr = new Reader(Buffer.from('ffffff00', 'hex'), true);
    expect(() => arr.read('ay')).toThrow(/truncated/);
    expect(() => new Writer().write('u', -1)).toThrow(/not a value of type u/);
    expect(() => splitSignature('a(sv')).toThrow(/closing/);
  });

  it('AUTH EXTERNAL sends the uid as hex-encoded decimal digits', () => {
    expect(externalAuthLine(0)).toBe('AUTH EXTERNAL 30\r\n');
    expect(externalAuthLine(1000)).toBe('AUTH EXTERNAL 31303030\r\n');
  });
});

describe('D-Bus client against a real dbus-daemon', () => {
  let daemon: ChildProcess | undefined;
  let dir = '';
  let socket = '';
  let skipReason: string | undefined;

  beforeAll(async () => {
    if (spawnSync('dbus-daemon', ['--version']).status !== 0) {
      // CI starts from a fresh machine: install it as the other suites install what they need
      const got = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'dbus-daemon'], { encoding: 'utf8' });
      if (got.status !== 0) return void (skipReason = `no dbus-daemon and apt-get install dbus-daemon failed: ${got.stderr.trim()}`);
    }
    dir = mkdtempSync(join(tmpdir(), 'tdrun-dbus-'));
    socket = join(dir, 'bus');
    daemon = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', `--address=unix:path=${socket}`, '--print-address'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      daemon!.stdout!.once('data', () => resolve());
      daemon!.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)));
    });
  });

  afterAll(() => {
    daemon?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates, says Hello, gets a method reply and an error reply', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const conn = await DBusConnection.open(socket, true, 10_000);
    try {
      const bus = { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus' };
      const [id] = await conn.call({ ...bus, member: 'GetId' });
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      const [names] = await conn.call({ ...bus, member: 'ListNames' });
      expect(names).toContain('org.freedesktop.DBus');
      // a method with arguments, and a D-Bus error that names itself
      const err = await conn.call({ ...bus, member: 'GetNameOwner', signature: 's', body: ['org.example.nobody'] }).catch((e) => e);
      expect(err).toBeInstanceOf(DBusError);
      expect((err as DBusError).name).toBe('org.freedesktop.DBus.Error.NameHasNoOwner');
    } finally {
      conn.close();
    }
  });

  it('delivers the signals it subscribed to', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const watcher = await DBusConnection.open(socket, true, 10_000);
    const other = await DBusConnection.open(socket, true, 10_000);
    try {
      const bus = { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus' };
      await watcher.call({ ...bus, member: 'AddMatch', signature: 's', body: ["type='signal',member='NameOwnerChanged',arg0='org.example.tdrun'"] });
      const seen = new Promise<DBusValue[]>((resolve) => watcher.onSignal((m) => m.member === 'NameOwnerChanged' && resolve(m.body)));
      const [reply] = await other.call({ ...bus, member: 'RequestName', signature: 'su', body: ['org.example.tdrun', 0] });
      expect(reply).toBe(1); // DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER
      const [name, oldOwner, newOwner] = await seen;
      expect([name, oldOwner]).toEqual(['org.example.tdrun', '']);
      expect(newOwner).toMatch(/^:1\.\d+$/);
    } finally {
      watcher.close();
      other.close();
    }
  });
});

describe('D-Bus client against a peer that stops answering', () => {
  it('a call without a reply fails after the timeout instead of hanging (delete must not hang on systemd)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdrun-dbus-'));
    // accepts EXTERNAL authentication, as systemd's private socket does, then reads and never answers
    const server = createServer((s) => {
      s.on('data', (d) => {
        if (d.includes('AUTH EXTERNAL')) s.write('OK 0123456789abcdef0123456789abcdef\r\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(join(dir, 'peer'), resolve));
    try {
      const conn = await DBusConnection.open(join(dir, 'peer'), false, 300);
      const started = Date.now();
      const err = await conn.call({ path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager', member: 'Subscribe' }).catch((e) => e);
      conn.close();
      expect(String(err)).toMatch(/D-Bus call Subscribe at .*: no reply within 0.3 s/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
