// linux.netDevices (config-linux.md "Network Devices", runc 1.3): host interfaces moved into the
// container's network namespace at create, before the prestart and createRuntime hooks (which may
// configure them further), and back to the host under their old names at delete. A network
// namespace of the container's own is pinned by a bind mount in the state directory, so that a
// virtual interface outlives the container's processes (the kernel destroys those with their
// namespace, and sends physical ones back under whatever name is free) until delete returns it.
import { join } from 'node:path';
import { native } from '../native.ts';
import { TdrunError, describe } from '../errors.ts';
import { warn } from '../log.ts';
import type { Spec } from '../spec/types.ts';

/** What the state record keeps to give the interfaces back. */
export interface MovedNetDevices {
  /** the network namespace file they are in: the pin in the state directory, or the joined path */
  netns: string;
  pinned: boolean;
  /** host name -> name in the container */
  devices: { host: string; name: string }[];
}

const HOST_NETNS = '/proc/self/ns/net';

function netDevicesOf(spec: Spec): { host: string; name: string }[] {
  return Object.entries(spec.linux?.netDevices ?? {}).map(([host, d]) => ({ host, name: d?.name || host }));
}

/** Moves the config's interfaces into the init's network namespace; on a failure, those moved
 *  so far go back and nothing is left pinned. */
export function moveNetDevicesIn(spec: Spec, containerDir: string, initPid: number, rootless: boolean): MovedNetDevices | null {
  const devices = netDevicesOf(spec);
  if (!devices.length) return null;
  // runc's rule: an unprivileged tdrun may not take interfaces from the host
  if (rootless) throw new TdrunError('config.json /linux/netDevices', 'network devices cannot be moved by a rootless container');
  const joined = spec.linux?.namespaces?.find((ns) => ns.type === 'network')?.path;
  const moved: MovedNetDevices = { netns: joined ?? join(containerDir, 'netns'), pinned: !joined, devices: [] };
  try {
    if (moved.pinned) native().pinNamespace(`/proc/${initPid}/ns/net`, moved.netns);
    for (const d of devices) {
      try {
        native().moveNetDevice(HOST_NETNS, d.host, moved.netns, d.name);
      } catch (err) {
        throw new TdrunError(`move network device ${d.host} into the container as ${d.name}`, describe(err));
      }
      moved.devices.push(d);
    }
    return moved;
  } catch (err) {
    moveNetDevicesOut(moved);
    throw err;
  }
}

/** Gives the interfaces back to the host under their old names and unpins the namespace. What
 *  cannot go back (the container renamed or deleted an interface) is a warning: delete goes on. */
export function moveNetDevicesOut(moved: MovedNetDevices): void {
  for (const d of moved.devices) {
    try {
      native().moveNetDevice(moved.netns, d.name, HOST_NETNS, d.host);
    } catch (err) {
      warn(`network device ${d.name} could not go back to the host as ${d.host}: ${describe(err)}`);
    }
  }
  if (!moved.pinned) return;
  try {
    native().unpinNamespace(moved.netns);
  } catch (err) {
    warn(`the container's network namespace stays pinned at ${moved.netns}: ${describe(err)}`);
  }
}
