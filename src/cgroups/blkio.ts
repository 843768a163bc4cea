// The block I/O controller: v1 blkio (weights in the CFQ/BFQ files, whichever the kernel has, and
// throttling), v2 io (io.bfq.weight or io.weight, io.max).
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import type { LinuxBlockIO, LinuxThrottleDevice } from '../spec/types.ts';
import { TdrunError } from '../errors.ts';
import { readCgroupFile, writeCgroupFile } from './fs.ts';
import { type BlkioEntry, type BlkioStats, ifPresent, nonEmptyList, nz } from './stats.ts';

const P = '/linux/resources/blockIO';

/** blkio.weight (CFQ) on old kernels, blkio.bfq.weight with BFQ; neither with mq-deadline/none.
 *  The per-device files are the same names with "_device". */
function weightFile(dir: string, leaf: boolean, setting: string, perDevice = false): string {
  const names = (leaf ? ['blkio.leaf_weight'] : ['blkio.weight', 'blkio.bfq.weight']).map((n) => (perDevice ? `${n}_device` : n));
  const found = names.find((n) => existsSync(posix.join(dir, n)));
  if (!found) throw new TdrunError(setting, `this kernel has no ${names.join(' or ')} (no CFQ/BFQ I/O scheduler)`);
  return found;
}

export function applyBlkioV1(dir: string, io: LinuxBlockIO | undefined): void {
  if (!io) return;
  if (io.weight !== undefined && io.weight !== 0) {
    writeCgroupFile(dir, weightFile(dir, false, `${P}/weight`), String(io.weight), `${P}/weight`);
  }
  if (io.leafWeight !== undefined && io.leafWeight !== 0) {
    writeCgroupFile(dir, weightFile(dir, true, `${P}/leafWeight`), String(io.leafWeight), `${P}/leafWeight`);
  }
  (io.weightDevice ?? []).forEach((d, i) => {
    const setting = `${P}/weightDevice/${i}`;
    if (d.weight !== undefined) {
      writeCgroupFile(dir, weightFile(dir, false, setting, true), `${d.major}:${d.minor} ${d.weight}`, setting);
    }
    if (d.leafWeight !== undefined) {
      writeCgroupFile(dir, weightFile(dir, true, setting, true), `${d.major}:${d.minor} ${d.leafWeight}`, setting);
    }
  });
  const throttle = (list: LinuxThrottleDevice[] | undefined, field: string, file: string) =>
    (list ?? []).forEach((d, i) => writeCgroupFile(dir, file, `${d.major}:${d.minor} ${d.rate}`, `${P}/${field}/${i}`));
  throttle(io.throttleReadBpsDevice, 'throttleReadBpsDevice', 'blkio.throttle.read_bps_device');
  throttle(io.throttleWriteBpsDevice, 'throttleWriteBpsDevice', 'blkio.throttle.write_bps_device');
  throttle(io.throttleReadIOPSDevice, 'throttleReadIOPSDevice', 'blkio.throttle.read_iops_device');
  throttle(io.throttleWriteIOPSDevice, 'throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device');
}

/**
 * The spec's blkio weight [10, 1000] onto io.weight [1, 10000], the linear map runc and crun use.
 * io.bfq.weight takes the spec's range as it is.
 */
export function blkioWeightToIoWeight(weight: number): number {
  return Math.floor(1 + ((weight - 10) * 9999) / 990);
}

export function applyBlkioV2(dir: string, io: LinuxBlockIO | undefined): void {
  if (!io) return;
  const bfq = existsSync(`${dir}/io.bfq.weight`);
  const weightFile = (setting: string) => {
    if (bfq) return { file: 'io.bfq.weight', convert: (w: number) => w };
    if (existsSync(`${dir}/io.weight`)) return { file: 'io.weight', convert: blkioWeightToIoWeight };
    throw new TdrunError(setting, 'this kernel has no io.bfq.weight or io.weight (no BFQ scheduler, no io.cost)');
  };
  if (io.weight !== undefined && io.weight !== 0) {
    const { file, convert } = weightFile(`${P}/weight`);
    writeCgroupFile(dir, file, String(convert(io.weight)), `${P}/weight: ${io.weight}`);
  }
  if (io.leafWeight !== undefined && io.leafWeight !== 0) {
    throw new TdrunError(`${P}/leafWeight`, 'cgroup v2 has no leaf weight (a cgroup with children has no tasks of its own)');
  }
  (io.weightDevice ?? []).forEach((d, i) => {
    const setting = `${P}/weightDevice/${i}`;
    if (d.leafWeight !== undefined) throw new TdrunError(`${setting}/leafWeight`, 'cgroup v2 has no leaf weight');
    if (d.weight === undefined) return;
    const { file, convert } = weightFile(setting);
    writeCgroupFile(dir, file, `${d.major}:${d.minor} ${convert(d.weight)}`, setting);
  });
  const throttle = (list: LinuxThrottleDevice[] | undefined, field: string, key: string) =>
    (list ?? []).forEach((d, i) => writeCgroupFile(dir, 'io.max', `${d.major}:${d.minor} ${key}=${d.rate}`, `${P}/${field}/${i}`));
  throttle(io.throttleReadBpsDevice, 'throttleReadBpsDevice', 'rbps');
  throttle(io.throttleWriteBpsDevice, 'throttleWriteBpsDevice', 'wbps');
  throttle(io.throttleReadIOPSDevice, 'throttleReadIOPSDevice', 'riops');
  throttle(io.throttleWriteIOPSDevice, 'throttleWriteIOPSDevice', 'wiops');
}

/** "8:0 Read 4096" lines (the "Total" line of the whole cgroup has no device: left out, as runc). */
function parseBlkioV1(text: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const [device, op, value] = line.split(' ');
    if (value === undefined || !device.includes(':')) continue;
    const [major, minor] = device.split(':').map(BigInt);
    out.push({ major: nz(major), minor: nz(minor), op, value: nz(BigInt(value)) });
  }
  return out;
}

export function blkioStatsV1(dir: string): BlkioStats {
  // the scheduler's counters when there is one (BFQ's, or CFQ's on old kernels), else the
  // throttling layer's, which sees every I/O
  const read = (name: string) =>
    parseBlkioV1(
      ifPresent(() => readCgroupFile(dir, `blkio.bfq.${name}`)) ??
        ifPresent(() => readCgroupFile(dir, `blkio.${name}`)) ??
        readCgroupFile(dir, `blkio.throttle.${name}`),
    );
  return {
    ioServiceBytesRecursive: nonEmptyList(read('io_service_bytes_recursive')),
    ioServicedRecursive: nonEmptyList(read('io_serviced_recursive')),
  };
}

/** io.stat: "8:0 rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=..", as runc maps it. */
export function parseIoStat(text: string): BlkioStats {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const [device, ...pairs] = line.trim().split(' ');
    if (!device?.includes(':')) continue;
    const [major, minor] = device.split(':').map(BigInt);
    const entry = (op: string, value: bigint | undefined): BlkioEntry => ({ major: nz(major), minor: nz(minor), op, value: nz(value ?? 0n) });
    const kv = Object.fromEntries(pairs.map((p) => p.split('=')).map(([k, v]) => [k, BigInt(v)]));
    bytes.push(entry('Read', kv.rbytes), entry('Write', kv.wbytes));
    ios.push(entry('Read', kv.rios), entry('Write', kv.wios));
  }
  return { ioServiceBytesRecursive: nonEmptyList(bytes), ioServicedRecursive: nonEmptyList(ios) };
}

export function blkioStatsV2(dir: string): BlkioStats {
  return parseIoStat(readCgroupFile(dir, 'io.stat'));
}
