// Whether the host enforces AppArmor or SELinux, judged as runc 1.1 judges it: AppArmor when
// securityfs shows it and the module says "Y"; SELinux when selinuxfs is mounted.
import { existsSync, readFileSync } from 'node:fs';

export interface LsmState {
  apparmor: boolean;
  selinux: boolean;
}

let cached: LsmState | undefined;

function startsWithY(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').startsWith('Y');
  } catch {
    return false;
  }
}

export function hostLsm(): LsmState {
  cached ??= {
    apparmor: existsSync('/sys/kernel/security/apparmor') && startsWithY('/sys/module/apparmor/parameters/enabled'),
    selinux: existsSync('/sys/fs/selinux/enforce'),
  };
  return cached;
}
