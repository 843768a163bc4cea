// The wire protocol between tdrun and tdrun-init; mirrors addon/init/protocol.h (read it for the
// message sequence; src/protocol.test.ts holds the two to the same numbers). A 12-byte header
// { u32 type; i32 value; u32 length } then the payload.
import { readSync } from 'node:fs';
import { writeAll } from './files.ts';
import { native } from './native.ts';

export const enum Msg {
  Plan = 1,
  NeedIdMaps = 2,
  IdMapsDone = 3,
  ChildPid = 4,
  RunRuntimeHooks = 5,
  RuntimeHooksDone = 6,
  Ready = 7,
  Error = 8,
  Warning = 9,
  CgroupsReady = 10,
}

export interface Message {
  type: Msg;
  value: number;
  payload: Buffer;
}

const HEADER_BYTES = 12;

function encodeMessage(type: Msg, value = 0, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(type, 0);
  header.writeInt32LE(value, 4);
  header.writeUInt32LE(body.length, 8);
  return Buffer.concat([header, body]);
}

/** `fds`: sent with the message (only the Plan carries one: plan.seccomp.cache's). */
export function sendMessage(fd: number, type: Msg, value = 0, payload: Buffer | string = Buffer.alloc(0), fds: number[] = []): void {
  if (fds.length) native().sendWithFds(fd, encodeMessage(type, value, payload), fds);
  else writeAll(fd, encodeMessage(type, value, payload));
}

function readFully(fd: number, length: number): Buffer | null {
  const buf = Buffer.alloc(length);
  let off = 0;
  while (off < length) {
    let n: number;
    try {
      n = readSync(fd, buf, off, length - off, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET') n = 0;
      else throw err;
    }
    if (n === 0) {
      if (off === 0) return null;
      throw new Error('truncated message from tdrun-init');
    }
    off += n;
  }
  return buf;
}

/** Blocking read of one message; null when the peer closed its end (e.g. execve with CLOEXEC). */
export function receiveMessage(fd: number): Message | null {
  const header = readFully(fd, HEADER_BYTES);
  if (!header) return null;
  const type = header.readUInt32LE(0) as Msg;
  const value = header.readInt32LE(4);
  const length = header.readUInt32LE(8);
  const payload = length ? readFully(fd, length) : Buffer.alloc(0);
  if (!payload) throw new Error('truncated message from tdrun-init');
  return { type, value, payload };
}
