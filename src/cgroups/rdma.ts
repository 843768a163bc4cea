// The rdma controller (v1 and v2 share rdma.max): per device, "<dev> hca_handle=N hca_object=N".
import type { LinuxRdma } from '../spec/types.ts';
import { TdrunError } from '../errors.ts';
import { writeCgroupFile } from './fs.ts';

const P = '/linux/resources/rdma';

export function applyRdma(dir: string, rdma: Record<string, LinuxRdma>): void {
  for (const [device, limits] of Object.entries(rdma)) {
    const setting = `${P}/${device}`;
    if (!device || /\s|=/.test(device)) throw new TdrunError(`${setting}`, 'not an RDMA device name');
    const fields: string[] = [];
    if (limits.hcaHandles !== undefined) fields.push(`hca_handle=${limits.hcaHandles}`);
    if (limits.hcaObjects !== undefined) fields.push(`hca_object=${limits.hcaObjects}`);
    // a device with no limit named leaves the device as it is
    if (fields.length > 0) writeCgroupFile(dir, 'rdma.max', `${device} ${fields.join(' ')}`, setting);
  }
}
