// The v1 blkio controller: weights (CFQ/BFQ files, whichever the kernel has) and throttling.
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import type { LinuxBlockIO, LinuxThrottleDevice } from '../spec/types.ts';
import { TdrunError } from '../errors.ts';
import { writeCgroupFile } from './fs.ts';

const P = '/linux/resources/blockIO';

/** blkio.weight (CFQ) on old kernels, blkio.bfq.weight with BFQ; neither with mq-deadline/none. */
function weightFile(dir: string, leaf: boolean, setting: string): string {
  const names = leaf ? ['blkio.leaf_weight'] : ['blkio.weight', 'blkio.bfq.weight'];
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
      writeCgroupFile(dir, weightFile(dir, false, setting), `${d.major}:${d.minor} ${d.weight}`, setting);
    }
    if (d.leafWeight !== undefined) {
      writeCgroupFile(dir, weightFile(dir, true, setting), `${d.major}:${d.minor} ${d.leafWeight}`, setting);
    }
  });
  const throttle = (list: LinuxThrottleDevice[] | undefined, field: string, file: string) =>
    (list ?? []).forEach((d, i) => writeCgroupFile(dir, file, `${d.major}:${d.minor} ${d.rate}`, `${P}/${field}/${i}`));
  throttle(io.throttleReadBpsDevice, 'throttleReadBpsDevice', 'blkio.throttle.read_bps_device');
  throttle(io.throttleWriteBpsDevice, 'throttleWriteBpsDevice', 'blkio.throttle.write_bps_device');
  throttle(io.throttleReadIOPSDevice, 'throttleReadIOPSDevice', 'blkio.throttle.read_iops_device');
  throttle(io.throttleWriteIOPSDevice, 'throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device');
}
