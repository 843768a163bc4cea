// The D-Bus wire format (the D-Bus specification, "Message Protocol"): values marshalled by their
// type signature, and whole messages (a fixed header, the header fields as a(yv), the body). Only
// what the systemd driver needs to talk to systemd's manager: no unix fds, no introspection.
import { TdrunError } from '../errors.ts';

/** A variant carries its own signature. */
export interface Variant {
  signature: string;
  value: DBusValue;
}

/**
 * JS shapes of D-Bus values: strings for s/o/g, numbers for the integer types up to 32 bits and
 * for d, bigint (or a safe integer number, when writing) for x/t, booleans for b, arrays for
 * arrays, structs (their fields in order) and dict entries ([key, value]).
 */
export type DBusValue = string | number | bigint | boolean | Variant | DBusValue[];

export const enum MessageType {
  MethodCall = 1,
  MethodReturn = 2,
  Error = 3,
  Signal = 4,
}

/** Header field codes. */
const enum Field {
  Path = 1,
  Interface = 2,
  Member = 3,
  ErrorName = 4,
  ReplySerial = 5,
  Destination = 6,
  Sender = 7,
  Signature = 8,
}

export interface Message {
  type: MessageType;
  /** NO_REPLY_EXPECTED = 1, NO_AUTO_START = 2 */
  flags: number;
  serial: number;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  sender?: string;
  /** the body's signature; "" for no body */
  signature: string;
  body: DBusValue[];
}

const MAX_MESSAGE = 128 * 1024 * 1024;

/** Where the single complete type that starts at `start` of `sig` ends (exclusive). */
function completeTypeEnd(sig: string, start: number): number {
  const c = sig[start];
  if (c === undefined) throw new TdrunError(`D-Bus signature ${JSON.stringify(sig)}`, 'ends in the middle of a type');
  if ('ybnqiuxtdsogvh'.includes(c)) return start + 1;
  if (c === 'a') return completeTypeEnd(sig, start + 1);
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    let i = start + 1;
    while (sig[i] !== close) {
      if (i >= sig.length) throw new TdrunError(`D-Bus signature ${JSON.stringify(sig)}`, `no closing ${close}`);
      i = completeTypeEnd(sig, i);
    }
    return i + 1;
  }
  throw new TdrunError(`D-Bus signature ${JSON.stringify(sig)}`, `unknown type code ${JSON.stringify(c)}`);
}

/** A signature split into its complete types: "sa(sv)u" -> ["s", "a(sv)", "u"]. */
export function splitSignature(sig: string): string[] {
  const types: string[] = [];
  for (let i = 0; i < sig.length; ) {
    const end = completeTypeEnd(sig, i);
    types.push(sig.slice(i, end));
    i = end;
  }
  return types;
}

function alignmentOf(type: string): number {
  switch (type[0]) {
    case 'y':
    case 'g':
    case 'v':
      return 1;
    case 'n':
    case 'q':
      return 2;
    case 'x':
    case 't':
    case 'd':
    case '(':
    case '{':
      return 8;
    default:
      return 4;
  }
}

/** The fields of a struct or dict entry type: "(sv)" -> ["s", "v"]. */
function innerTypes(type: string): string[] {
  return splitSignature(type.slice(1, -1));
}

function wrongValue(type: string, value: unknown): TdrunError {
  return new TdrunError(`D-Bus marshalling`, `${JSON.stringify(value)} is not a value of type ${type}`);
}

/** Marshals little-endian; offsets (for alignment) count from the start of the message. */
export class Writer {
  private buf = Buffer.alloc(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.reserve(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  private bytes(b: Buffer): void {
    this.reserve(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }

  uint32At(offset: number, value: number): void {
    this.buf.writeUInt32LE(value, offset);
  }

  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }

  write(type: string, value: DBusValue): void {
    const c = type[0];
    this.align(alignmentOf(type));
    switch (c) {
      case 'y':
      case 'n':
      case 'q':
      case 'i':
      case 'u':
      case 'd': {
        if (typeof value !== 'number') throw wrongValue(type, value);
        const size = c === 'y' ? 1 : c === 'n' || c === 'q' ? 2 : c === 'd' ? 8 : 4;
        this.reserve(size);
        try {
          if (c === 'y') this.buf.writeUInt8(value, this.length);
          else if (c === 'n') this.buf.writeInt16LE(value, this.length);
          else if (c === 'q') this.buf.writeUInt16LE(value, this.length);
          else if (c === 'i') this.buf.writeInt32LE(value, this.length);
          else if (c === 'u') this.buf.writeUInt32LE(value, this.length);
          else this.buf.writeDoubleLE(value, this.length);
        } catch {
          throw wrongValue(type, value);
        }
        this.length += size;
        return;
      }
      case 'x':
      case 't': {
        if (typeof value !== 'bigint' && !(typeof value === 'number' && Number.isSafeInteger(value))) throw wrongValue(type, value);
        this.reserve(8);
        try {
          if (c === 'x') this.buf.writeBigInt64LE(BigInt(value), this.length);
          else this.buf.writeBigUInt64LE(BigInt(value), this.length);
        } catch {
          throw wrongValue(type, value);
        }
        this.length += 8;
        return;
      }
      case 'b':
        if (typeof value !== 'boolean') throw wrongValue(type, value);
        this.reserve(4);
        this.buf.writeUInt32LE(value ? 1 : 0, this.length);
        this.length += 4;
        return;
      case 's':
      case 'o': {
        if (typeof value !== 'string') throw wrongValue(type, value);
        const b = Buffer.from(value, 'utf8');
        this.reserve(4);
        this.buf.writeUInt32LE(b.length, this.length);
        this.length += 4;
        this.bytes(b);
        this.bytes(Buffer.of(0));
        return;
      }
      case 'g': {
        if (typeof value !== 'string' || value.length > 255) throw wrongValue(type, value);
        splitSignature(value);
        this.bytes(Buffer.of(value.length));
        this.bytes(Buffer.from(value + '\0', 'ascii'));
        return;
      }
      case 'v': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw wrongValue(type, value);
        if (splitSignature(value.signature).length !== 1) throw wrongValue(type, value);
        this.write('g', value.signature);
        this.write(value.signature, value.value);
        return;
      }
      case 'a': {
        if (!Array.isArray(value)) throw wrongValue(type, value);
        const element = type.slice(1);
        this.reserve(4);
        const lengthAt = this.length;
        this.length += 4;
        // the padding to the first element is not part of the array's length
        this.align(alignmentOf(element));
        const start = this.length;
        for (const item of value) this.write(element, item);
        this.uint32At(lengthAt, this.length - start);
        return;
      }
      case '(':
      case '{': {
        const fields = innerTypes(type);
        if (!Array.isArray(value) || value.length !== fields.length) throw wrongValue(type, value);
        fields.forEach((t, i) => this.write(t, value[i]));
        return;
      }
      default:
        throw new TdrunError('D-Bus marshalling', `type ${type} is not supported`);
    }
  }
}

/** Unmarshals either byte order; offsets count from the start of the message. */
export class Reader {
  offset: number;

  constructor(
    private readonly buf: Buffer,
    private readonly littleEndian: boolean,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.offset = start;
  }

  private need(n: number): void {
    if (this.offset + n > this.end) throw new TdrunError('D-Bus message', 'truncated');
  }

  align(n: number): void {
    this.offset += (n - (this.offset % n)) % n;
    if (this.offset > this.end) throw new TdrunError('D-Bus message', 'truncated');
  }

  read(type: string): DBusValue {
    const c = type[0];
    const le = this.littleEndian;
    this.align(alignmentOf(type));
    const take = <T>(size: number, get: (at: number) => T): T => {
      this.need(size);
      const v = get(this.offset);
      this.offset += size;
      return v;
    };
    switch (c) {
      case 'y':
        return take(1, (at) => this.buf.readUInt8(at));
      case 'n':
        return take(2, (at) => (le ? this.buf.readInt16LE(at) : this.buf.readInt16BE(at)));
      case 'q':
        return take(2, (at) => (le ? this.buf.readUInt16LE(at) : this.buf.readUInt16BE(at)));
      case 'i':
        return take(4, (at) => (le ? this.buf.readInt32LE(at) : this.buf.readInt32BE(at)));
      case 'u':
      case 'h':
        return take(4, (at) => (le ? this.buf.readUInt32LE(at) : this.buf.readUInt32BE(at)));
      case 'b': {
        const v = take(4, (at) => (le ? this.buf.readUInt32LE(at) : this.buf.readUInt32BE(at)));
        if (v > 1) throw new TdrunError('D-Bus message', `boolean ${v} is neither 0 nor 1`);
        return v === 1;
      }
      case 'x':
        return take(8, (at) => (le ? this.buf.readBigInt64LE(at) : this.buf.readBigInt64BE(at)));
      case 't':
        return take(8, (at) => (le ? this.buf.readBigUInt64LE(at) : this.buf.readBigUInt64BE(at)));
      case 'd':
        return take(8, (at) => (le ? this.buf.readDoubleLE(at) : this.buf.readDoubleBE(at)));
      case 's':
      case 'o': {
        const n = this.read('u') as number;
        this.need(n + 1);
        const s = this.buf.toString('utf8', this.offset, this.offset + n);
        this.offset += n + 1;
        return s;
      }
      case 'g': {
        const n = this.read('y') as number;
        this.need(n + 1);
        const s = this.buf.toString('ascii', this.offset, this.offset + n);
        this.offset += n + 1;
        return s;
      }
      case 'v': {
        const signature = this.read('g') as string;
        if (splitSignature(signature).length !== 1) throw new TdrunError('D-Bus message', `variant signature ${JSON.stringify(signature)}`);
        return { signature, value: this.read(signature) };
      }
      case 'a': {
        const n = this.read('u') as number;
        const element = type.slice(1);
        this.align(alignmentOf(element));
        const stop = this.offset + n;
        if (stop > this.end) throw new TdrunError('D-Bus message', 'truncated');
        const items: DBusValue[] = [];
        while (this.offset < stop) items.push(this.read(element));
        if (this.offset !== stop) throw new TdrunError('D-Bus message', 'array elements overrun its length');
        return items;
      }
      case '(':
      case '{':
        return innerTypes(type).map((t) => this.read(t));
      default:
        throw new TdrunError('D-Bus message', `type ${type} is not supported`);
    }
  }
}

/** The whole message, header and body, as the wire carries it. */
export function encodeMessage(m: Omit<Message, 'body'> & { body?: DBusValue[] }): Buffer {
  const types = splitSignature(m.signature);
  const body = m.body ?? [];
  if (types.length !== body.length) throw new TdrunError('D-Bus marshalling', `signature ${m.signature} needs ${types.length} values, got ${body.length}`);
  const fields: [number, Variant][] = [];
  const add = (code: Field, signature: string, value: string | number | undefined) => {
    if (value !== undefined) fields.push([code, { signature, value }]);
  };
  add(Field.Path, 'o', m.path);
  add(Field.Interface, 's', m.interface);
  add(Field.Member, 's', m.member);
  add(Field.ErrorName, 's', m.errorName);
  add(Field.ReplySerial, 'u', m.replySerial);
  add(Field.Destination, 's', m.destination);
  add(Field.Sender, 's', m.sender);
  if (m.signature !== '') add(Field.Signature, 'g', m.signature);

  const w = new Writer();
  w.write('y', 'l'.charCodeAt(0));
  w.write('y', m.type);
  w.write('y', m.flags);
  w.write('y', 1);
  w.write('u', 0); // body length, filled in below
  w.write('u', m.serial);
  w.write('a(yv)', fields);
  w.align(8);
  const bodyStart = w.length;
  types.forEach((t, i) => w.write(t, body[i]));
  w.uint32At(4, w.length - bodyStart);
  return w.result();
}

/** The size of the message at the start of `buf` once its first 16 bytes are there, else null. */
export function messageLength(buf: Buffer): number | null {
  if (buf.length < 16) return null;
  const le = endianOf(buf[0]);
  const bodyLength = le ? buf.readUInt32LE(4) : buf.readUInt32BE(4);
  const fieldsLength = le ? buf.readUInt32LE(12) : buf.readUInt32BE(12);
  const total = 16 + fieldsLength + ((8 - (fieldsLength % 8)) % 8) + bodyLength;
  if (total > MAX_MESSAGE) throw new TdrunError('D-Bus message', `${total} bytes is over the protocol's limit`);
  return total;
}

function endianOf(byte: number): boolean {
  if (byte === 0x6c) return true; // 'l'
  if (byte === 0x42) return false; // 'B'
  throw new TdrunError('D-Bus message', `bad byte order mark 0x${byte.toString(16)}`);
}

export function decodeMessage(buf: Buffer): Message {
  const le = endianOf(buf[0]);
  const r = new Reader(buf, le);
  r.offset = 1;
  const type = r.read('y') as MessageType;
  const flags = r.read('y') as number;
  const version = r.read('y') as number;
  if (version !== 1) throw new TdrunError('D-Bus message', `protocol version ${version}`);
  const bodyLength = r.read('u') as number;
  const serial = r.read('u') as number;
  const fields = r.read('a(yv)') as [number, Variant][];
  r.align(8);
  if (r.offset + bodyLength !== buf.length) throw new TdrunError('D-Bus message', 'body length does not match');
  const m: Message = { type, flags, serial, signature: '', body: [] };
  for (const [code, { value }] of fields) {
    if (code === Field.Path) m.path = value as string;
    else if (code === Field.Interface) m.interface = value as string;
    else if (code === Field.Member) m.member = value as string;
    else if (code === Field.ErrorName) m.errorName = value as string;
    else if (code === Field.ReplySerial) m.replySerial = value as number;
    else if (code === Field.Destination) m.destination = value as string;
    else if (code === Field.Sender) m.sender = value as string;
    else if (code === Field.Signature) m.signature = value as string;
  }
  const body = new Reader(buf, le, r.offset, buf.length);
  m.body = splitSignature(m.signature).map((t) => body.read(t));
  if (body.offset !== buf.length) throw new TdrunError('D-Bus message', 'bytes left after the body');
  return m;
}
