// RFC 3339 timestamps (state's `created`, JSON log lines) in UTC with milliseconds, as
// Date#toISOString writes them. toISOString's first call in a process makes V8 look up the
// host's time zone through ICU (/etc/localtime, zoneinfo: a measurable part of every create); the getUTC*
// fields do not need it.
export function isoTimestamp(d: Date = new Date()): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}Z`
  );
}
