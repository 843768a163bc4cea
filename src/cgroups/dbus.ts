// A D-Bus connection over a unix socket: SASL EXTERNAL authentication with our uid, Hello on a
// message bus, method calls matched to their replies by serial, errors as TdrunError, signals to
// the listeners. Written here rather than taken from npm: the systemd driver needs five method
// calls and one signal, and the D-Bus packages on npm (dbus-next, dbus-native) bring their own
// dependency trees and an XML parser for introspection that tdrun would never use.
import type { Socket } from 'node:net';
import { TdrunError } from '../errors.ts';
import { debug } from '../log.ts';
import { type DBusValue, type Message, MessageType, decodeMessage, encodeMessage, messageLength } from './dbus-wire.ts';

export class DBusError extends TdrunError {
  constructor(
    /** e.g. org.freedesktop.systemd1.NoSuchUnit */
    readonly name: string,
    readonly text: string,
  ) {
    super(text ? `${text} (${name})` : name);
  }
}

export interface CallOptions {
  destination?: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: DBusValue[];
}

/** SASL's EXTERNAL identity is the uid as a decimal string, hex-encoded ("0" -> "30"). */
export function externalAuthLine(uid: number): string {
  return `AUTH EXTERNAL ${Buffer.from(String(uid), 'ascii').toString('hex')}\r\n`;
}

export class DBusConnection {
  private serial = 0;
  private pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private inbox: Buffer = Buffer.alloc(0);
  private closedWith: Error | null = null;
  private readonly signalListeners = new Set<(m: Message) => void>();

  private constructor(
    private readonly socket: Socket,
    /** what error messages call the peer: the socket's path */
    readonly address: string,
    /** how long a call waits for its reply: a peer that never answers must not hang tdrun */
    private readonly timeoutMs: number,
  ) {}

  /**
   * Connects and authenticates. `bus`: the socket is a message bus (dbus-daemon), which wants a
   * Hello first; systemd's private socket is a direct peer-to-peer connection and has none.
   * `timeoutMs` bounds the connection and each call.
   */
  static async open(path: string, bus: boolean, timeoutMs: number): Promise<DBusConnection> {
    // loaded here, not at the top: every command that reaches the cgroup manager (state, kill...)
    // would otherwise load node:net and what it needs, ~10 ms of Node's internal modules per call
    const { createConnection } = await import('node:net');
    const socket = createConnection(path);
    const conn = new DBusConnection(socket, path, timeoutMs);
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      await conn.authenticate();
      socket.on('data', (chunk) => conn.received(chunk));
      socket.on('error', (err) => conn.fail(err));
      socket.on('close', () => conn.fail(new Error('connection closed')));
      if (bus) await conn.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' });
      return conn;
    } catch (err) {
      socket.destroy();
      throw new TdrunError(`connect to D-Bus at ${path}`, err instanceof Error ? err.message : String(err));
    } finally {
      clearTimeout(timer);
    }
  }

  private async authenticate(): Promise<void> {
    const socket = this.socket;
    const line = await new Promise<string>((resolve, reject) => {
      let got = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        const end = got.indexOf('\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.off('close', onClose);
        // the server says nothing after OK until BEGIN: no message bytes can follow in this chunk
        resolve(got.subarray(0, end).toString('ascii'));
      };
      const onClose = () => reject(new Error('closed during authentication'));
      socket.on('data', onData);
      socket.once('close', onClose);
      socket.once('error', reject);
      // the nul byte first, then the uid this process runs as (the peer checks it with SO_PEERCRED)
      socket.write(Buffer.concat([Buffer.of(0), Buffer.from(externalAuthLine(process.getuid?.() ?? 0), 'ascii')]));
    });
    if (!line.startsWith('OK ')) throw new Error(`authentication refused: ${line}`);
    socket.write('BEGIN\r\n');
  }

  private received(chunk: Buffer): void {
    this.inbox = this.inbox.length === 0 ? chunk : Buffer.concat([this.inbox, chunk]);
    for (;;) {
      let size: number | null;
      let message: Message;
      try {
        size = messageLength(this.inbox);
        if (size === null || this.inbox.length < size) return;
        message = decodeMessage(this.inbox.subarray(0, size));
      } catch (err) {
        this.socket.destroy();
        this.fail(err as Error);
        return;
      }
      this.inbox = this.inbox.subarray(size);
      this.dispatch(message);
    }
  }

  private dispatch(m: Message): void {
    debug(`D-Bus ${this.address}: got message type ${m.type} ${m.member ?? m.errorName ?? ''} (reply to ${m.replySerial ?? '-'})`);
    if (m.type === MessageType.Signal) {
      for (const listener of this.signalListeners) listener(m);
      return;
    }
    if (m.type !== MessageType.MethodReturn && m.type !== MessageType.Error) return;
    const waiter = m.replySerial === undefined ? undefined : this.pending.get(m.replySerial);
    if (!waiter) return;
    this.pending.delete(m.replySerial!);
    if (m.type === MessageType.Error) waiter.reject(new DBusError(m.errorName ?? 'unnamed error', typeof m.body[0] === 'string' ? m.body[0] : ''));
    else waiter.resolve(m);
  }

  private fail(err: Error): void {
    this.closedWith ??= err;
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }

  /** Calls a method and returns the reply's body; a D-Bus error reply throws DBusError. */
  async call(opts: CallOptions): Promise<DBusValue[]> {
    if (this.closedWith) throw new TdrunError(`D-Bus at ${this.address}`, this.closedWith.message);
    const serial = ++this.serial;
    const bytes = encodeMessage({
      type: MessageType.MethodCall,
      flags: 0,
      serial,
      path: opts.path,
      interface: opts.interface,
      member: opts.member,
      destination: opts.destination,
      signature: opts.signature ?? '',
      body: opts.body,
    });
    let timer: NodeJS.Timeout | undefined;
    const reply = new Promise<Message>((resolve, reject) => {
      this.pending.set(serial, { resolve, reject });
      timer = setTimeout(() => {
        this.pending.delete(serial);
        reject(new TdrunError(`D-Bus call ${opts.member} at ${this.address}`, `no reply within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
    });
    this.socket.write(bytes);
    debug(`D-Bus ${this.address}: called ${opts.member} (serial ${serial})`);
    try {
      return (await reply).body;
    } finally {
      clearTimeout(timer);
    }
  }

  onSignal(listener: (m: Message) => void): () => void {
    this.signalListeners.add(listener);
    return () => this.signalListeners.delete(listener);
  }

  close(): void {
    this.closedWith ??= new Error('connection closed');
    this.socket.destroy();
  }
}
