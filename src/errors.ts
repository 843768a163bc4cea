// One error type and one formatter, so every command prints failures the same way:
// `tdrun: <op> <id>: <what>: <why>` (see log.ts reportError).
import { getSystemErrorMessage } from 'node:util';
import { errnoNumbers } from './os-tables.ts';

export class TdrunError extends Error {
  readonly what: string;
  readonly why?: string;

  constructor(what: string, why?: string) {
    super(why ? `${what}: ${why}` : what);
    this.name = 'TdrunError';
    this.what = what;
    this.why = why;
  }
}

// glibc's strerror texts for errno 1..133 (x86_64 Linux), first letter lowered: what runc (Go)
// prints. libuv's getSystemErrorMessage differs for many (EBUSY "resource busy or locked",
// EEXIST "file already exists", ECHILD unknown), so engines and users would see other words.
const STRERROR: readonly string[] = [
  '',
  'operation not permitted',
  'no such file or directory',
  'no such process',
  'interrupted system call',
  'input/output error',
  'no such device or address',
  'argument list too long',
  'exec format error',
  'bad file descriptor',
  'no child processes',
  'resource temporarily unavailable',
  'cannot allocate memory',
  'permission denied',
  'bad address',
  'block device required',
  'device or resource busy',
  'file exists',
  'invalid cross-device link',
  'no such device',
  'not a directory',
  'is a directory',
  'invalid argument',
  'too many open files in system',
  'too many open files',
  'inappropriate ioctl for device',
  'text file busy',
  'file too large',
  'no space left on device',
  'illegal seek',
  'read-only file system',
  'too many links',
  'broken pipe',
  'numerical argument out of domain',
  'numerical result out of range',
  'resource deadlock avoided',
  'file name too long',
  'no locks available',
  'function not implemented',
  'directory not empty',
  'too many levels of symbolic links',
  '',
  'no message of desired type',
  'identifier removed',
  'channel number out of range',
  'level 2 not synchronized',
  'level 3 halted',
  'level 3 reset',
  'link number out of range',
  'protocol driver not attached',
  'no CSI structure available',
  'level 2 halted',
  'invalid exchange',
  'invalid request descriptor',
  'exchange full',
  'no anode',
  'invalid request code',
  'invalid slot',
  '',
  'bad font file format',
  'device not a stream',
  'no data available',
  'timer expired',
  'out of streams resources',
  'machine is not on the network',
  'package not installed',
  'object is remote',
  'link has been severed',
  'advertise error',
  'srmount error',
  'communication error on send',
  'protocol error',
  'multihop attempted',
  'rFS specific error',
  'bad message',
  'value too large for defined data type',
  'name not unique on network',
  'file descriptor in bad state',
  'remote address changed',
  'can not access a needed shared library',
  'accessing a corrupted shared library',
  '.lib section in a.out corrupted',
  'attempting to link in too many shared libraries',
  'cannot exec a shared library directly',
  'invalid or incomplete multibyte or wide character',
  'interrupted system call should be restarted',
  'streams pipe error',
  'too many users',
  'socket operation on non-socket',
  'destination address required',
  'message too long',
  'protocol wrong type for socket',
  'protocol not available',
  'protocol not supported',
  'socket type not supported',
  'operation not supported',
  'protocol family not supported',
  'address family not supported by protocol',
  'address already in use',
  'cannot assign requested address',
  'network is down',
  'network is unreachable',
  'network dropped connection on reset',
  'software caused connection abort',
  'connection reset by peer',
  'no buffer space available',
  'transport endpoint is already connected',
  'transport endpoint is not connected',
  'cannot send after transport endpoint shutdown',
  'too many references: cannot splice',
  'connection timed out',
  'connection refused',
  'host is down',
  'no route to host',
  'operation already in progress',
  'operation now in progress',
  'stale file handle',
  'structure needs cleaning',
  'not a XENIX named type file',
  'no XENIX semaphores available',
  'is a named type file',
  'remote I/O error',
  'disk quota exceeded',
  'no medium found',
  'wrong medium type',
  'operation canceled',
  'required key not available',
  'key has expired',
  'key has been revoked',
  'key was rejected by service',
  'owner died',
  'state not recoverable',
  'operation not possible due to RF-kill',
  'memory page has hardware error',
];

/** Lowercase strerror, like Go's syscall.Errno.Error() that runc prints. */
export function errnoText(errno: number | string): string {
  let n: number | undefined;
  if (typeof errno === 'number') n = Math.abs(errno);
  else n = errnoNumbers()[errno];
  if (n === undefined || !Number.isInteger(n) || n === 0) return String(errno);
  if (STRERROR[n]) return STRERROR[n];
  let text: string;
  try {
    // getSystemErrorMessage wants Node's negative error numbers
    text = getSystemErrorMessage(-n);
  } catch {
    return `errno ${n}`;
  }
  if (!text || /^Unknown system error/.test(text)) return `errno ${n}`;
  return text.charAt(0).toLowerCase() + text.slice(1);
}

interface SystemErrorLike {
  code?: unknown;
  errno?: unknown;
  syscall?: unknown;
  path?: unknown;
  dest?: unknown;
  message?: unknown;
}

/** One line for any thrown value. */
export function describe(err: unknown): string {
  if (err instanceof TdrunError) return err.message;
  if (err && typeof err === 'object') {
    const e = err as SystemErrorLike;
    const code = typeof e.code === 'string' ? e.code : undefined;
    const known = code !== undefined && errnoNumbers()[code] !== undefined;
    if (known || typeof e.errno === 'number') {
      const why = known ? errnoText(code!) : errnoText(e.errno as number);
      const parts: string[] = [];
      if (typeof e.syscall === 'string') parts.push(e.syscall);
      if (typeof e.path === 'string') parts.push(e.path);
      if (typeof e.dest === 'string') parts.push(`-> ${e.dest}`);
      if (parts.length > 0) return `${parts.join(' ')}: ${why}`;
      if (typeof e.message === 'string' && e.message && !e.message.startsWith(code ?? '\0'))
        return `${e.message}: ${why}`;
      return why;
    }
    if (err instanceof Error) return err.message || err.name;
  }
  return String(err);
}
