// The v1 network controllers: net_cls tags the container's packets with a class id (for tc and
// iptables), net_prio sets a priority per interface. cgroup v2 has neither (the driver says so).
import { TdrunError } from '../errors.ts';
import { writeCgroupFile } from './fs.ts';

const P = '/linux/resources/network';

export function applyNetClassId(dir: string, classID: number): void {
  writeCgroupFile(dir, 'net_cls.classid', String(classID), `${P}/classID`);
}

export function applyNetPriorities(dir: string, priorities: { name: string; priority: number }[]): void {
  priorities.forEach((p, i) => {
    // the kernel reads "<ifname> <prio>" and takes a space in a name as the end of it
    if (!p.name || /\s/.test(p.name)) throw new TdrunError(`${P}/priorities/${i}/name: ${JSON.stringify(p.name)}`, 'not an interface name');
    writeCgroupFile(dir, 'net_prio.ifpriomap', `${p.name} ${p.priority}`, `${P}/priorities/${i}`);
  });
}
