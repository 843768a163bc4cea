// `tdrun features`: the runtime-spec features.md document. It must tell the truth, since engines
// decide from it what to put in a config: everything listed here is applied, everything that
// loadConfig refuses is reported disabled.
import { CAPABILITIES } from './kernel.ts';
import { knownMountOptions } from './mount-options.ts';
import { SPEC_VERSION } from './default-config.ts';

export function features(): object {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: SPEC_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: knownMountOptions(),
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: [...CAPABILITIES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      seccomp: { enabled: false },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
      netDevices: { enabled: false },
    },
  };
}
