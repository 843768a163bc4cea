// Real engines with a runtime of our choice: podman, containerd (ctr, through the runc v2 shim with
// BinaryName, and its CRI plugin, the path Kubernetes takes) and dockerd, each from Debian's packages, on private
// roots, sockets and config files under /tmp/tdrun-engines-<pid> (short: podman refuses a run root
// over 50 characters, and socket paths have 108), so nothing of the machine's own engines is
// touched and only the daemons started here are stopped. No registry is reachable: the
// image is a busybox rootfs built here and imported into each engine.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tdrunBin, waitFor } from './runtime.ts';
import { addRootlessUser, type RootlessUser } from './rootless-user.ts';
import { ensurePackages, which } from './packages.ts';

/** Where everything of this run's engines lives. */
export const enginesDir = `/tmp/tdrun-engines-${process.pid}`;

export const IMAGE = 'localhost/tdrun-busybox:test';
const PACKAGES = ['podman', 'conmon', 'containerd', 'docker.io', 'runc'];
const COMMANDS = ['podman', 'conmon', 'containerd', 'ctr', 'containerd-shim-runc-v2', 'dockerd', 'runc'];

export type RuntimeName = 'runc' | 'tdrun';

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

export function runtimePath(name: RuntimeName): string {
  return name === 'tdrun' ? tdrunBin : which('runc')!;
}

/** Installs the engines from Debian's packages when they are missing; null, or why they cannot be had. */
export function ensureEngines(): string | null {
  if (process.getuid?.() !== 0) return 'engines need root';
  return ensurePackages(PACKAGES, COMMANDS);
}

async function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[engines: ${cmd} killed after ${opts.timeoutMs ?? 60_000} ms]`;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? 9 : 0), stdout, stderr });
    });
  });
}

/** The image as a root filesystem tarball: static busybox, its applets, passwd and group. */
function buildRootfsTar(dir: string): string {
  const tar = join(dir, 'rootfs.tar');
  if (existsSync(tar)) return tar;
  const rootfs = join(dir, 'rootfs');
  rmSync(rootfs, { recursive: true, force: true });
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root']) mkdirSync(join(rootfs, d), { recursive: true });
  execFileSync('cp', ['/bin/busybox', join(rootfs, 'bin/busybox')]);
  for (const applet of execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    if (applet !== 'busybox') execFileSync('ln', ['-sf', 'busybox', join(rootfs, 'bin', applet)]);
  }
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  execFileSync('tar', ['-C', rootfs, '-cf', `${tar}.tmp`, '.']);
  execFileSync('mv', [`${tar}.tmp`, tar]);
  return tar;
}

/** podman with its own storage (vfs), run root, tmpdir and containers.conf. */
export class Podman {
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(tag: string) {
    this.dir = join(enginesDir, `podman-${tag}`);
    mkdirSync(this.dir, { recursive: true });
    // podman lowers its own RLIMIT_NPROC to pid_max and writes these into every config, and tdrun
    // (like runc) cannot raise a hard limit here: stay inside both (shared/engine-calls.md).
    const hardNofile = Number(execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()) || 1024;
    const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
    const nofile = Math.min(hardNofile, 1048576);
    writeFileSync(
      join(this.dir, 'containers.conf'),
      `[containers]\ndefault_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${pidMax}:${pidMax}"]\n` +
        `[engine]\nruntime_supports_json = ["crun", "runc", "tdrun"]\nevents_logger = "file"\ncgroup_manager = "cgroupfs"\n`,
    );
    this.env = { ...process.env, CONTAINERS_CONF: join(this.dir, 'containers.conf') };
  }

  private global(): string[] {
    return ['--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'runroot'), '--tmpdir', join(this.dir, 'tmp'),
      '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  }

  async setup(): Promise<void> {
    await this.importImage(IMAGE, []);
  }

  /** The busybox root filesystem as image NAME, with Dockerfile-style CHANGES. */
  async importImage(name: string, changes: string[]): Promise<void> {
    const tar = buildRootfsTar(enginesDir);
    const change = ['ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin', ...changes].flatMap((c) => ['--change', c]);
    const r = await this.podman('runc', ['import', ...change, tar, name]);
    if (r.code !== 0) throw new Error(`podman import: ${r.stderr}`);
  }

  /** An image archive for the other engines ('oci-archive' for containerd, 'docker-archive' for docker). */
  async save(format: 'oci-archive' | 'docker-archive', image = IMAGE): Promise<string> {
    const file = join(this.dir, `${format}-${image.replace(/[^a-z0-9]+/g, '-')}.tar`);
    if (existsSync(file)) return file;
    const r = await this.podman('runc', ['save', '--format', format, '-o', file, image]);
    if (r.code !== 0) throw new Error(`podman save: ${r.stderr}`);
    return file;
  }

  podman(runtime: RuntimeName, args: string[], timeoutMs?: number): Promise<Outcome> {
    return run('podman', [...this.global(), '--runtime', runtimePath(runtime), ...args], { env: this.env, timeoutMs });
  }

  async cleanup(): Promise<void> {
    await this.podman('runc', ['rm', '-af', '-t', '0']);
    await run('umount', ['-R', join(this.dir, 'root')]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Rootless podman: an unprivileged user of its own (spec-tests/lib/rootless-user.ts, with subuid
 *  and subgid ranges) runs podman with its storage in the user's home and its run root in the
 *  user's XDG_RUNTIME_DIR; podman makes its user namespace from the ranges (newuidmap) and calls
 *  the runtime inside it. No network but loopback: slirp4netns, rootless podman's default, cannot
 *  open /dev/net/tun on this machine. */
export class RootlessPodman {
  readonly user: RootlessUser;
  private readonly dir: string;

  constructor(tag: string) {
    this.user = addRootlessUser(tag);
    this.dir = join(this.user.home, 'podman');
  }

  private global(): string[] {
    return ['--root', join(this.dir, 'root'), '--runroot', join(this.user.runtimeDir, 'podman'), '--tmpdir', join(this.dir, 'tmp'),
      '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  }

  async setup(): Promise<void> {
    const tar = buildRootfsTar(enginesDir);
    const r = await this.podman('runc', ['import', '--change', 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin', tar, IMAGE]);
    if (r.code !== 0) throw new Error(`podman import (as ${this.user.name}): ${r.stderr}`);
  }

  podman(runtime: RuntimeName, args: string[], timeoutMs?: number): Promise<Outcome> {
    return this.user.exec('podman', [...this.global(), '--runtime', runtimePath(runtime), ...args], { timeoutMs: timeoutMs ?? 60_000 })
      .then((r) => ({ code: r.code ?? 128, stdout: r.stdout, stderr: r.stderr }));
  }

  async cleanup(): Promise<void> {
    await this.podman('runc', ['rm', '-af', '-t', '0']);
    // the user namespace's keeper, which podman leaves running for the next call
    try {
      const pid = Number(readFileSync(join(this.dir, 'tmp', 'pause.pid'), 'utf8').trim());
      if (pid > 0) process.kill(pid, 'SIGKILL');
      await waitFor(() => !existsSync(`/proc/${pid}`), 5000, 50);
    } catch {
      // podman never got as far as starting it
    }
    this.user.remove();
  }
}

/** A daemon of ours: started with its own sockets and state, stopped (and only it) at the end. */
abstract class Daemon {
  readonly dir: string;
  protected child?: ChildProcess;

  constructor(kind: string, tag: string) {
    this.dir = join(enginesDir, `${kind}-${tag}`);
    mkdirSync(this.dir, { recursive: true });
  }

  protected async start(cmd: string, args: string[], socket: string): Promise<void> {
    const log = join(this.dir, 'daemon.log');
    const { openSync } = await import('node:fs');
    const out = openSync(log, 'a');
    this.child = spawn(cmd, args, { stdio: ['ignore', out, out] });
    const up = await waitFor(() => existsSync(socket) || this.child?.exitCode !== null, 30_000, 50);
    if (!up || this.child.exitCode !== null) throw new Error(`${cmd} did not start: ${readFileSync(log, 'utf8').split('\n').slice(-5).join('\n')}`);
  }

  async stopDaemon(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  }

  protected async removeDir(): Promise<void> {
    await run('umount', ['-R', this.dir]);
    // mounts a daemon left below its root (snapshots, shm) must go before the files can
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(this.dir));
    for (const m of mounts.reverse()) await run('umount', ['-l', m]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** containerd with its own root, state and sockets; ctr runs containers through the runc v2 shim
 *  with `--runc-binary`, which becomes the shim's BinaryName option. */
export class Containerd extends Daemon {
  private readonly socket: string;

  constructor(tag: string) {
    super('containerd', tag);
    this.socket = join(this.dir, 'containerd.sock');
  }

  async setup(image: string): Promise<void> {
    const config = join(this.dir, 'config.toml');
    writeFileSync(
      config,
      `version = 2\nroot = "${join(this.dir, 'root')}"\nstate = "${join(this.dir, 'state')}"\n` +
        `disabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${this.socket}"\n` +
        `[ttrpc]\n  address = "${this.socket}.ttrpc"\n[debug]\n  address = ""\n[metrics]\n  address = ""\n`,
    );
    await this.start('containerd', ['--config', config], this.socket);
    const r = await this.ctr(['images', 'import', image]);
    if (r.code !== 0) throw new Error(`ctr images import: ${r.stderr}`);
  }

  ctr(args: string[], timeoutMs?: number): Promise<Outcome> {
    return run('ctr', ['--address', this.socket, '-n', 'tdrun-test', ...args], { timeoutMs });
  }

  async cleanup(): Promise<void> {
    const tasks = await this.ctr(['tasks', 'ls', '-q']);
    for (const id of tasks.stdout.split('\n').filter(Boolean)) await this.ctr(['tasks', 'kill', '-s', 'SIGKILL', id]);
    await new Promise((r) => setTimeout(r, 200));
    for (const id of tasks.stdout.split('\n').filter(Boolean)) await this.ctr(['tasks', 'delete', '-f', id]);
    const containers = await this.ctr(['containers', 'ls', '-q']);
    for (const id of containers.stdout.split('\n').filter(Boolean)) await this.ctr(['containers', 'rm', id]);
    await this.stopDaemon();
    await this.removeDir();
  }
}

/** The image a pod's sandbox (infra) container is made from, Kubernetes' "pause": busybox here. */
export const SANDBOX_IMAGE = 'localhost/tdrun-pause:test';
/** What that first process runs: it sits there, ends on SIGTERM, and reaps what the pod's other
 *  containers leave to it, as Kubernetes' pause does. */
export const SANDBOX_ENTRYPOINT = `ENTRYPOINT ["/bin/sh", "-c", "trap 'exit 0' TERM; sleep 2147483647 & wait"]`;

/** containerd with its CRI plugin on, the way a Kubernetes node runs it, on private paths: two
 *  runtime handlers (what a RuntimeClass names), both the runc v2 shim, one with BinaryName = runc
 *  for the reference and one with BinaryName = tdrun, each with its own state root. Pods use the
 *  node's network: a pod network of its own needs a CNI plugin chain that would put interfaces,
 *  routes and /var/run/netns entries on the host, and the runtime's part (joining the namespaces
 *  the sandbox holds) is the same either way. kubelet gives sandboxes oom_score_adj -998, which
 *  needs CAP_SYS_RESOURCE this machine lacks (runc fails as tdrun does): restrict_oom_score_adj, the
 *  setting for nodes like it, keeps every value at or above containerd's own. */
export class ContainerdCri extends Daemon {
  readonly socket: string;
  /** the namespace containerd's CRI plugin keeps Kubernetes' containers and images in */
  static readonly NAMESPACE = 'k8s.io';

  constructor(tag: string) {
    super('cri', tag);
    this.socket = join(this.dir, 'containerd.sock');
  }

  /** The runtime's state root as the shim passes it (`--root <Root>/k8s.io`). */
  runtimeRoot(runtime: RuntimeName): string {
    return join(this.dir, `runtime-${runtime}`, ContainerdCri.NAMESPACE);
  }

  /** The cgroup parent pods are given (kubelet's /kubepods/...), removed at cleanup. */
  get cgroupParent(): string {
    return `/${this.dir.split('/').slice(-2).join('-')}`;
  }

  async setup(images: string[]): Promise<void> {
    const config = join(this.dir, 'config.toml');
    const cri = 'plugins."io.containerd.grpc.v1.cri"';
    const handler = (name: RuntimeName) =>
      `[${cri}.containerd.runtimes.${name}]\n  runtime_type = "io.containerd.runc.v2"\n` +
      `[${cri}.containerd.runtimes.${name}.options]\n  BinaryName = "${runtimePath(name)}"\n  Root = "${join(this.dir, `runtime-${name}`)}"\n`;
    writeFileSync(
      config,
      `version = 2\nroot = "${join(this.dir, 'root')}"\nstate = "${join(this.dir, 'state')}"\n` +
        `[grpc]\n  address = "${this.socket}"\n[ttrpc]\n  address = "${this.socket}.ttrpc"\n[debug]\n  address = ""\n[metrics]\n  address = ""\n` +
        `[plugins."io.containerd.internal.v1.opt"]\n  path = "${join(this.dir, 'opt')}"\n` +
        `[${cri}]\n  sandbox_image = "${SANDBOX_IMAGE}"\n  disable_apparmor = true\n  restrict_oom_score_adj = true\n  stream_server_address = "127.0.0.1"\n  stream_server_port = "0"\n` +
        `[${cri}.cni]\n  bin_dir = "${join(this.dir, 'cni', 'bin')}"\n  conf_dir = "${join(this.dir, 'cni', 'conf')}"\n` +
        `[${cri}.containerd]\n  default_runtime_name = "runc"\n` + handler('runc') + handler('tdrun'),
    );
    await this.start('containerd', ['--config', config], this.socket);
    for (const image of images) {
      const r = await this.ctr(['images', 'import', image]);
      if (r.code !== 0) throw new Error(`ctr images import: ${r.stderr}`);
    }
  }

  ctr(args: string[], timeoutMs?: number): Promise<Outcome> {
    return run('ctr', ['--address', this.socket, '-n', ContainerdCri.NAMESPACE, ...args], { timeoutMs });
  }

  /** What a failed scenario left: its tasks killed and deleted, its containers removed. */
  async cleanup(): Promise<void> {
    const tasks = (await this.ctr(['tasks', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
    for (const id of tasks) await this.ctr(['tasks', 'kill', '-a', '-s', 'SIGKILL', id]);
    await new Promise((r) => setTimeout(r, 200));
    for (const id of tasks) await this.ctr(['tasks', 'delete', '-f', id]);
    for (const id of (await this.ctr(['containers', 'ls', '-q'])).stdout.split('\n').filter(Boolean)) await this.ctr(['containers', 'rm', id]);
    await this.stopDaemon();
    for (const controller of readdirSync('/sys/fs/cgroup')) {
      const dir = join('/sys/fs/cgroup', controller, this.cgroupParent);
      if (existsSync(dir)) await run('rmdir', [dir]);
    }
    await this.removeDir();
  }
}

/** dockerd with its own data and exec roots and socket, no bridge, no iptables; tdrun and runc
 *  are two named runtimes of it. It starts its own containerd below the exec root. */
export class Docker extends Daemon {
  private readonly socket: string;

  constructor(tag: string) {
    super('docker', tag);
    this.socket = join(this.dir, 'docker.sock');
  }

  async setup(image: string): Promise<void> {
    await this.start('dockerd', [
      '--data-root', join(this.dir, 'data'), '--exec-root', join(this.dir, 'exec'), '--pidfile', join(this.dir, 'docker.pid'),
      '-H', `unix://${this.socket}`, '--bridge', 'none', '--iptables=false', '--ip6tables=false', '--ip-masq=false',
      '--storage-driver', 'vfs', '--add-runtime', `tdrun=${runtimePath('tdrun')}`, '--add-runtime', `runc-ref=${runtimePath('runc')}`,
    ], this.socket);
    const r = await this.docker(['load', '-i', image]);
    if (r.code !== 0) throw new Error(`docker load: ${r.stderr}`);
  }

  /** docker's name for a runtime here ("runc" is dockerd's own built-in one, so the reference gets another name) */
  static runtimeName(runtime: RuntimeName): string {
    return runtime === 'tdrun' ? 'tdrun' : 'runc-ref';
  }

  docker(args: string[], timeoutMs?: number): Promise<Outcome> {
    return run('docker', ['-H', `unix://${this.socket}`, ...args], { timeoutMs });
  }

  async cleanup(): Promise<void> {
    const all = await this.docker(['ps', '-aq']);
    const ids = all.stdout.split('\n').filter(Boolean);
    if (ids.length) await this.docker(['rm', '-f', ...ids]);
    await this.stopDaemon();
    await this.removeDir();
  }
}

/** tdrun itself, as the engines call it, for what a scenario checks behind their back. */
export function tdrun(args: string[]): Promise<Outcome> {
  return runtimeCommand('tdrun', args);
}

/** The runtime (tdrun or the reference runc) called directly, on the state an engine gave it. */
export function runtimeCommand(runtime: RuntimeName, args: string[]): Promise<Outcome> {
  return run(runtimePath(runtime), args);
}
