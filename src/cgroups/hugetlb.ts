// The hugetlb controller, one set of files per huge page size: v1 hugetlb.<size>.limit_in_bytes,
// v2 hugetlb.<size>.max. Where the kernel has them (5.7+), the reservation limits
// (hugetlb.<size>.rsvd.*) get the same value, as runc does: a limit on faulted pages alone lets a
// process reserve pages it then cannot fault in (SIGBUS instead of a failed mmap).
import { readdirSync } from 'node:fs';
import type { LinuxHugepageLimit } from '../spec/types.ts';
import { TdrunError } from '../errors.ts';
import { writeCgroupFile } from './fs.ts';
import { type HugetlbStats, ifPresent, nz, readCounter, readKeyedCounters } from './stats.ts';

/** The page sizes the kernel has files for, in its spelling ("2MB", "1GB"). */
function pageSizes(dir: string, v2: boolean): string[] {
  const suffix = v2 ? '.max' : '.limit_in_bytes';
  return readdirSync(dir)
    .filter((f) => f.startsWith('hugetlb.') && f.endsWith(suffix) && !f.includes('.rsvd.'))
    .map((f) => f.slice('hugetlb.'.length, -suffix.length))
    .sort();
}

export function applyHugetlb(dir: string, v2: boolean, limit: LinuxHugepageLimit, setting: string): void {
  const size = limit.pageSize;
  const sizes = pageSizes(dir, v2);
  if (!sizes.includes(size)) {
    throw new TdrunError(`${setting}/pageSize: ${JSON.stringify(size)}`, `this kernel has huge pages of ${sizes.join(', ') || 'no size'} (spelled as there)`);
  }
  const [file, rsvd] = v2 ? [`hugetlb.${size}.max`, `hugetlb.${size}.rsvd.max`] : [`hugetlb.${size}.limit_in_bytes`, `hugetlb.${size}.rsvd.limit_in_bytes`];
  writeCgroupFile(dir, file, String(limit.limit), `${setting}/limit`);
  if (readdirSync(dir).includes(rsvd)) writeCgroupFile(dir, rsvd, String(limit.limit), `${setting}/limit`);
}

export function hugetlbStats(dir: string, v2: boolean): Record<string, HugetlbStats> {
  const out: Record<string, HugetlbStats> = {};
  for (const size of pageSizes(dir, v2)) {
    if (v2) {
      // runc's v2 stats: usage and the count of refused allocations; v2 keeps no peak
      const events = ifPresent(() => readKeyedCounters(dir, `hugetlb.${size}.events`)) ?? {};
      out[size] = { usage: nz(readCounter(dir, `hugetlb.${size}.current`)), failcnt: events.max ?? 0n };
    } else {
      out[size] = {
        usage: nz(readCounter(dir, `hugetlb.${size}.usage_in_bytes`)),
        max: nz(readCounter(dir, `hugetlb.${size}.max_usage_in_bytes`)),
        failcnt: readCounter(dir, `hugetlb.${size}.failcnt`),
      };
    }
  }
  return out;
}
