// Prints, as config.json's linux.seccomp, the default seccomp profile that podman (and, in the
// same shape, docker) sends for a container with the given capabilities: the containers/common
// profile (Debian's golang-github-containers-common, /usr/share/containers/seccomp.json) with its
// x86_64 entries and capability conditions resolved the way the engines resolve them.
//   node bench/default-profile.mts [PROFILE] [CAP...]
import { readFileSync } from 'node:fs';

interface Entry {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: unknown[];
  includes?: { arches?: string[]; caps?: string[] };
  excludes?: { arches?: string[]; caps?: string[] };
}
interface EngineProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  archMap: { architecture: string; subArchitectures?: string[] }[];
  syscalls: Entry[];
}

const [file = '/usr/share/containers/seccomp.json', ...caps] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8')) as EngineProfile;
const capSet = new Set(caps.length ? caps : ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']);
const ARCH = 'amd64';
const applies = (e: Entry): boolean =>
  (!e.includes?.arches?.length || e.includes.arches.includes(ARCH)) &&
  (!e.excludes?.arches?.length || !e.excludes.arches.includes(ARCH)) &&
  (!e.includes?.caps?.length || e.includes.caps.every((c) => capSet.has(c))) &&
  (!e.excludes?.caps?.length || !e.excludes.caps.some((c) => capSet.has(c)));
const native = profile.archMap.find((a) => a.architecture === 'SCMP_ARCH_X86_64');
const seccomp = {
  defaultAction: profile.defaultAction,
  ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
  architectures: native ? [native.architecture, ...(native.subArchitectures ?? [])] : [],
  syscalls: profile.syscalls.filter(applies).map(({ names, action, errnoRet, args }) => ({
    names,
    action,
    ...(errnoRet !== undefined ? { errnoRet } : {}),
    ...(args?.length ? { args } : {}),
  })),
};
process.stdout.write(JSON.stringify(seccomp));
