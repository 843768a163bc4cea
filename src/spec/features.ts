// `tdrun features`: the runtime-spec features.md document. It must tell the truth, since engines
// decide from it what to put in a config: everything listed here is applied, everything that
// loadConfig refuses is reported disabled.
import { execFileSync } from 'node:child_process';
import { CAPABILITIES, MPOL_FLAGS, MPOL_MODES, SECCOMP_FILTER_FLAGS } from './kernel.ts';
import { knownMountOptions } from './mount-options.ts';
import { SPEC_VERSION } from './default-config.ts';
import { initHelperPath } from '../paths.ts';

interface SeccompSupport {
  libseccomp: string;
  actions: string[];
  operators: string[];
  archs: string[];
  flags: string[];
}

/** Asked of tdrun-init, which links libseccomp and probes the kernel for actions and flags. */
function seccompSupport(): SeccompSupport {
  return JSON.parse(execFileSync(initHelperPath, ['features'], { encoding: 'utf8' })) as SeccompSupport;
}

export function features(): object {
  const seccomp = seccompSupport();
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: SPEC_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: knownMountOptions(),
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: [...CAPABILITIES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      seccomp: {
        enabled: true,
        actions: seccomp.actions,
        operators: seccomp.operators,
        archs: seccomp.archs,
        knownFlags: Object.keys(SECCOMP_FILTER_FLAGS),
        supportedFlags: seccomp.flags,
      },
      // features-linux.md: whether the support is built in, whatever the host; tdrun applies a
      // label where its LSM is enabled and refuses it elsewhere (spec/rules.ts lsmLabels)
      apparmor: { enabled: true },
      selinux: { enabled: true },
      memoryPolicy: { modes: Object.keys(MPOL_MODES), flags: Object.keys(MPOL_FLAGS) },
      // applied where the host has resctrl; create says why not where it has none
      intelRdt: { enabled: true },
      mountExtensions: { idmap: { enabled: true } },
      netDevices: { enabled: true },
    },
    annotations: { 'io.github.seccomp.libseccomp.version': seccomp.libseccomp },
  };
}
