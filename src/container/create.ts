// `create`: from a bundle to an init that waits on the exec fifo (or, for `run`, goes on to its
// program), with nothing left behind on any failure (every step registers its undo; a failure
// runs them in reverse order).
import { join, resolve } from 'node:path';
import { writeFileAtomically } from '../atomic-file.ts';
import { native } from '../native.ts';
import { Msg } from '../protocol.ts';
import { TdrunError } from '../errors.ts';
import { debug } from '../log.ts';
import { requireTerminalStdin } from '../stdio.ts';
import { isoTimestamp } from '../timestamp.ts';
import { loadConfig } from '../spec/load.ts';
import { closeSeccompCache, isCached, lookupSeccompProgram, planCache, type SeccompCacheEntry } from '../seccomp-cache.ts';
import type { Spec, State } from '../spec/types.ts';
import { compileCreatePlan } from '../plan.ts';
import {
  containerDir,
  createContainerDir,
  removeContainerDir,
  validateId,
  writeRecord,
  type ContainerRecord,
} from '../state/store.ts';
import { lockContainer, type ContainerLock } from '../state/lock.ts';
import { readProcStartTime } from '../state/lifecycle.ts';
import { cgroupManager as cgroupManagerOf, placeContainer, type CgroupManager, type CreatedCgroups } from '../cgroups/index.ts';
import { hasCgroup, rootlessPlacement } from '../cgroups/rootless.ts';
import { writeIdMaps } from './id-maps.ts';
import { runHooks } from '../hooks.ts';
import { leaveIntelRdt, makeIntelRdt, rdtPlacement, requireResctrl, tasksFile, type RdtPlacement } from './intel-rdt.ts';
import { moveNetDevicesIn, moveNetDevicesOut } from './net-devices.ts';
import { noProcessToStart } from '../state/transitions.ts';
import { consoleFdNumber, InitHelper } from './spawn.ts';

export interface CreateOptions {
  root: string;
  id: string;
  bundle: string;
  consoleSocket: string | null;
  pidFile: string | null;
  preserveFds: number;
  noPivot: boolean;
  noNewKeyring: boolean;
  rootless: boolean;
  /** --systemd-cgroup: the cgroup is a transient systemd scope (src/cgroups/systemd.ts) */
  systemdCgroup: boolean;
  /** `run` with a terminal and no --console-socket: tdrun receives the pty master itself */
  ownConsole: boolean;
  /** `run`: no exec fifo; the init goes on to execve as soon as it is ready */
  startAtOnce: boolean;
}

export interface Created {
  record: ContainerRecord;
  /** the pty master when ownConsole was asked and the process has a terminal */
  consoleMaster: number | null;
  /** startAtOnce: the helper's sync socket, still open for the init's last word; the caller
   *  forwards its signals first (the program may be running before this returns), then calls
   *  readToEnd */
  execPending: InitHelper | null;
}

/** systemd socket activation (LISTEN_FDS for this process) passes those fds on, as runc does. */
function listenFds(): number {
  const n = Number(process.env.LISTEN_FDS ?? 0);
  if (!Number.isInteger(n) || n <= 0) return 0;
  if (process.env.LISTEN_PID && Number(process.env.LISTEN_PID) !== process.pid) return 0;
  return n;
}

/** Each step's undo; create runs them in reverse order when it fails. */
type Undo = (() => void | Promise<void>)[];

/** What create checks before it touches anything: the config, resctrl, the terminal; and the
 *  fds it passes on (LISTEN_FDS). Looks linux.seccomp up in the compiled-program cache. */
function checkCreate(opts: CreateOptions) {
  validateId(opts.id);
  const bundle = resolve(opts.bundle);
  const seccomp: { text: string; cache: SeccompCacheEntry | null } = { text: '', cache: null };
  try {
    const spec = loadConfig(bundle, { noPivot: opts.noPivot }, (profileText) => {
      seccomp.text = profileText;
      seccomp.cache = lookupSeccompProgram(opts.root, seccomp.text);
      // A hit leaves the profile out of the schema check and of seccompProfile's errors, and
      // tdrun-init compiles nothing: only tdrun-init writes that directory (root's own, closed to
      // everyone else; the addon checks it and the file), and only with a program compiled from
      // this very text, which passed these checks (of this build: the key names the bundle) and
      // libseccomp's before. seccompProfile still gives its warning where a listener is set.
      return isCached(seccomp.cache);
    });
    debug(`create ${opts.id}: config.json checked`);
    const resctrl = requireResctrl(spec.linux?.intelRdt);
    const process_ = spec.process;
    // a config without process can be created (config.md); `run` would start it at once
    if (!process_ && opts.startAtOnce) throw noProcessToStart();

    const terminal = process_?.terminal === true;
    if (terminal && !opts.consoleSocket && !opts.ownConsole)
      throw new TdrunError('cannot allocate tty if tdrun will detach without setting console socket');
    if (terminal && !opts.consoleSocket) requireTerminalStdin();

    const listen = listenFds();
    if (listen > 0 && process_) {
      process_.env = [...(process_.env ?? []), `LISTEN_FDS=${listen}`, 'LISTEN_PID=1'];
    }
    const ownConsole = opts.ownConsole && terminal && !opts.consoleSocket;
    return { spec, bundle, resctrl, ownConsole, preserveFds: listen + opts.preserveFds, seccompText: seccomp.text, seccompCache: seccomp.cache };
  } catch (err) {
    closeSeccompCache(seccomp.cache);
    throw err;
  }
}

/** Where the container's cgroups go; rootless, only where the caller may make and join them all. */
function cgroupsFor(spec: Spec, opts: CreateOptions): CgroupManager {
  const placed = placeContainer(spec, opts.id, opts.systemdCgroup);
  const manager = opts.rootless ? cgroupManagerOf(rootlessPlacement(placed.placement, spec.linux?.resources)) : placed;
  if (!hasCgroup(manager.placement)) debug(`create ${opts.id}: rootless without a writable cgroup: the container gets none`);
  return manager;
}

/** The record written before the helper starts. */
function creatingRecord(spec: Spec, opts: CreateOptions, bundle: string, execFifo: string, cgroups: CgroupManager, seccompText: string): ContainerRecord {
  return {
    ociVersion: spec.ociVersion,
    id: opts.id,
    // 0 until the init exists: the record says "creating" and names the cgroups, so that
    // `delete -f` can clean up after a tdrun killed halfway through create
    pid: 0,
    bundle,
    rootfs: '',
    created: isoTimestamp(),
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
    initStartTime: 0,
    execFifo,
    cgroup: cgroups.placement,
    resources: spec.linux?.resources,
    hooks: { poststart: spec.hooks?.poststart, poststop: spec.hooks?.poststop },
    namespaces: (spec.linux?.namespaces ?? []).map((ns) => (ns.path ? { type: ns.type, path: ns.path } : { type: ns.type })),
    process: spec.process,
    ...(seccompText ? { seccomp: seccompText } : {}),
  };
}

/** One create from the helper's spawn on: what its steps share. */
interface Creating {
  opts: CreateOptions;
  spec: Spec;
  bundle: string;
  /** the container's state directory */
  dir: string;
  record: ContainerRecord;
  helper: InitHelper;
  undo: Undo;
}

/** What makeCgroups made, for the undo that createContainer registers before the helper's, so
 *  that it runs after the helper and the init are gone. */
interface MadeCgroups {
  cgroups?: CreatedCgroups;
  stopUnit?: () => Promise<void>;
}

/**
 * The cgroups (and the Intel RDT group), made while tdrun-init makes the namespaces that do not
 * depend on them (it has the plan); then tdrun-init is told to move itself into them
 * (addon/init/cgroups.cc says why not us).
 */
async function makeCgroups(c: Creating, cgroups: CgroupManager, made: MadeCgroups, resctrl: string | null, rdtPlanned: RdtPlacement | null) {
  const resources = c.spec.linux?.resources;
  // systemd makes the scope's cgroups with the helper in them (a scope cannot start empty);
  // create then makes what systemd leaves alone, as runc does
  made.stopUnit = await cgroups.startUnit(c.helper.pid, resources);
  made.cgroups = cgroups.create(resources);
  // before the cgroups' own undo: one that existed before would keep the device program
  c.undo.push(cgroups.apply(resources));
  if (resctrl && rdtPlanned) {
    const rdt = makeIntelRdt(resctrl, c.spec.linux!.intelRdt!, rdtPlanned);
    c.undo.push(() => leaveIntelRdt(rdt));
    c.record.intelRdt = rdt;
    writeRecord(c.opts.root, c.record);
  }
  debug(`create ${c.opts.id}: cgroups made`);
  c.helper.send(Msg.CgroupsReady);
}

function stateOf(c: Creating, status: State['status'], pid?: number): State {
  return {
    ociVersion: c.spec.ociVersion,
    id: c.opts.id,
    status,
    ...(pid ? { pid } : {}),
    bundle: c.bundle,
    ...(c.spec.annotations ? { annotations: c.spec.annotations } : {}),
  };
}

/** RunRuntimeHooks: the init's namespaces exist; the network devices go in, then the prestart
 *  and createRuntime hooks run. Returns the state the init's createContainer hooks get. */
async function runtimeHooks(c: Creating, initPid: number): Promise<State> {
  const netDevices = moveNetDevicesIn(c.spec, c.dir, initPid, c.opts.rootless);
  if (netDevices) {
    c.undo.push(() => moveNetDevicesOut(netDevices));
    // at once: a delete -f after a tdrun killed from here on must give them back
    c.record.netDevices = netDevices;
    writeRecord(c.opts.root, c.record);
  }
  const creating = stateOf(c, 'creating', initPid);
  await runHooks('prestart', c.spec.hooks?.prestart, creating);
  await runHooks('createRuntime', c.spec.hooks?.createRuntime, creating);
  return creating;
}

/** tdrun-init's messages until Ready (addon/init/protocol.h has the sequence): the init's pid
 *  and start time. */
async function untilReady(c: Creating): Promise<{ initPid: number; initStartTime: number }> {
  const { helper, spec } = c;
  let initPid = 0;
  let initStartTime: number | null = null;
  for (;;) {
    const msg = helper.next();
    if (!msg) throw new TdrunError('init exited unexpectedly');
    if (msg.type === Msg.NeedIdMaps) {
      writeIdMaps(msg.value, spec);
      helper.send(Msg.IdMapsDone);
    } else if (msg.type === Msg.ChildPid) {
      initPid = msg.value;
      debug(`create ${c.opts.id}: init pid ${initPid}`);
      // now, while the init cannot have exited: without an exec fifo it may be gone by Ready
      initStartTime = readProcStartTime(initPid);
      if (initStartTime === null) throw new TdrunError('init exited unexpectedly');
      const membershipNs = spec.linux?.namespaces?.some((n) => n.type === 'pid') ? 'pid' : 'mnt';
      c.record.membership = { ns: membershipNs, id: msg.payload.toString('utf8') };
      await helper.childStarted(msg);
    } else if (msg.type === Msg.RunRuntimeHooks) {
      const creating = await runtimeHooks(c, initPid);
      helper.send(Msg.RuntimeHooksDone, 0, JSON.stringify(creating));
    } else if (msg.type === Msg.Ready) {
      debug(`create ${c.opts.id}: init ready`);
      break;
    } else {
      throw new TdrunError(`unexpected message ${msg.type} from tdrun-init`);
    }
  }
  if (!initPid || initStartTime === null) throw new TdrunError('tdrun-init reported ready without the init pid');
  return { initPid, initStartTime };
}

export async function createContainer(opts: CreateOptions): Promise<Created> {
  const { root, id } = opts;
  const { spec, bundle, resctrl, ownConsole, preserveFds, seccompText, seccompCache: looked } = checkCreate(opts);
  let seccompCache = looked;

  const undo: Undo = [];
  let lock: ContainerLock | undefined;
  let helper: InitHelper | undefined;
  try {
    lock = lockContainer(root, id);
    createContainerDir(root, id);
    undo.push(() => removeContainerDir(root, id));
    // a root made just now had no cache directory to open when the config was checked
    if (seccompCache && seccompCache.program < 0 && seccompCache.directory < 0)
      seccompCache = lookupSeccompProgram(root, seccompText);
    const seccomp = planCache(seccompCache);
    const dir = containerDir(root, id);
    const execFifo = opts.startAtOnce ? '' : join(dir, 'exec.fifo');
    if (execFifo) native().mkfifo(execFifo, 0o600);

    const cgroups = cgroupsFor(spec, opts);
    const record = creatingRecord(spec, opts, bundle, execFifo, cgroups, seccompText);
    writeRecord(root, record);
    debug(`create ${id}: state written`);
    const made: MadeCgroups = {};
    undo.push(async () => {
      made.cgroups?.rollback();
      // systemd removes the unit's own cgroups itself
      await made.stopUnit?.();
    });

    const rdtPlanned = resctrl && spec.linux?.intelRdt ? rdtPlacement(resctrl, spec.linux.intelRdt, id) : null;
    const plan = compileCreatePlan(spec, {
      id,
      bundle,
      execFifo,
      consoleSocket: opts.consoleSocket ? resolve(opts.consoleSocket) : null,
      consoleSocketFd: ownConsole ? consoleFdNumber(preserveFds) : -1,
      preserveFds,
      noPivot: opts.noPivot,
      noNewKeyring: opts.noNewKeyring,
      cgroup: cgroups.placement,
      rootless: opts.rootless,
      seccompCache: seccomp.cache,
      resctrlTasks: rdtPlanned ? tasksFile(rdtPlanned) : '',
    });

    const spawned = InitHelper.spawn(preserveFds, ownConsole);
    helper = spawned;
    undo.push(() => spawned.abort());
    debug(`create ${id}: tdrun-init spawned`);
    const c: Creating = { opts, spec, bundle, dir, record, helper: spawned, undo };
    // the plan first: tdrun-init makes the namespaces that do not depend on the cgroups meanwhile
    spawned.sendPlan(plan, seccomp.fds);
    closeSeccompCache(seccompCache);
    await makeCgroups(c, cgroups, made, resctrl, rdtPlanned);
    const { initPid, initStartTime } = await untilReady(c);
    if (!opts.startAtOnce) spawned.readToEnd();

    record.pid = initPid;
    record.initStartTime = initStartTime;
    record.rootfs = plan.rootfs;
    record.created = isoTimestamp();
    writeRecord(root, record);
    if (opts.pidFile) writeFileAtomically(resolve(opts.pidFile), String(initPid));

    const consoleMaster = ownConsole ? spawned.receiveConsole() : null;
    undo.length = 0;
    return { record, consoleMaster, execPending: opts.startAtOnce ? spawned : null };
  } finally {
    closeSeccompCache(seccompCache);
    helper?.closeConsole();
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (err) {
        debug(`create ${id}: rollback step failed: ${String(err)}`);
      }
    }
    lock?.release();
  }
}
