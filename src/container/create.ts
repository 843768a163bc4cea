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
import type { State } from '../spec/types.ts';
import { compileCreatePlan } from '../plan.ts';
import {
  containerDir,
  createContainerDir,
  removeContainerDir,
  seccompCacheDir,
  validateId,
  writeRecord,
  type ContainerRecord,
} from '../state/store.ts';
import { lockContainer } from '../state/lock.ts';
import { readProcStartTime } from '../state/lifecycle.ts';
import { cgroupManager as cgroupManagerOf, placeContainer, type CreatedCgroups } from '../cgroups/index.ts';
import { hasCgroup, rootlessPlacement } from '../cgroups/rootless.ts';
import { writeIdMaps } from './id-maps.ts';
import { runHooks } from '../hooks.ts';
import { leaveIntelRdt, makeIntelRdt, rdtPlacement, requireResctrl, tasksFile } from './intel-rdt.ts';
import { moveNetDevicesIn, moveNetDevicesOut } from './net-devices.ts';
import { noProcessToStart } from '../state/transitions.ts';
import { extraFdNumber, InitHelper } from './spawn.ts';
import { closeQuietly } from '../files.ts';

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
export function listenFds(): number {
  const n = Number(process.env.LISTEN_FDS ?? 0);
  if (!Number.isInteger(n) || n <= 0) return 0;
  if (process.env.LISTEN_PID && Number(process.env.LISTEN_PID) !== process.pid) return 0;
  return n;
}

export async function createContainer(opts: CreateOptions): Promise<Created> {
  const { root, id } = opts;
  validateId(id);
  const bundle = resolve(opts.bundle);
  const spec = loadConfig(bundle, { noPivot: opts.noPivot });
  debug(`create ${id}: config.json checked`);
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
  const preserveFds = listen + opts.preserveFds;

  const undo: (() => void | Promise<void>)[] = [];
  const lock = lockContainer(root, id);
  let consoleOurs = -1;
  try {
    createContainerDir(root, id);
    undo.push(() => removeContainerDir(root, id));
    const dir = containerDir(root, id);
    const execFifo = opts.startAtOnce ? '' : join(dir, 'exec.fifo');
    if (execFifo) native().mkfifo(execFifo, 0o600);

    const placed = placeContainer(spec, id, opts.systemdCgroup);
    // rootless: the container's cgroups only where the caller may make and join them all
    const cgroupManager = opts.rootless ? cgroupManagerOf(rootlessPlacement(placed.placement, spec.linux?.resources)) : placed;
    if (!hasCgroup(cgroupManager.placement)) debug(`create ${id}: rootless without a writable cgroup: the container gets none`);
    const placement = cgroupManager.placement;
    const record: ContainerRecord = {
      ociVersion: spec.ociVersion,
      id,
      // 0 until the init exists: the record says "creating" and names the cgroups, so that
      // `delete -f` can clean up after a tdrun killed halfway through create
      pid: 0,
      bundle,
      rootfs: '',
      created: isoTimestamp(),
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
      initStartTime: 0,
      execFifo,
      cgroup: placement,
      resources: spec.linux?.resources,
      hooks: { poststart: spec.hooks?.poststart, poststop: spec.hooks?.poststop },
      namespaces: (spec.linux?.namespaces ?? []).map((ns) => (ns.path ? { type: ns.type, path: ns.path } : { type: ns.type })),
      process: spec.process,
      ...(spec.linux?.seccomp ? { seccomp: spec.linux.seccomp } : {}),
      rootless: opts.rootless,
    };
    writeRecord(root, record);
    debug(`create ${id}: state written`);
    // The cgroups are made while the spawned helper starts and makes the namespaces that do not
    // depend on them; their undo is registered here, so that it runs after the helper and the
    // init are gone.
    let cgroups: CreatedCgroups | undefined;
    let stopUnit: (() => Promise<void>) | undefined;
    undo.push(async () => {
      cgroups?.rollback();
      // systemd removes the unit's own cgroups itself
      await stopUnit?.();
    });

    const extra: number[] = [];
    let consoleTheirs = -1;
    if (opts.ownConsole && terminal && !opts.consoleSocket) {
      [consoleOurs, consoleTheirs] = native().socketpair();
      extra.push(consoleTheirs);
    }
    const rdtPlanned = resctrl && spec.linux?.intelRdt ? rdtPlacement(resctrl, spec.linux.intelRdt, id) : null;
    const plan = compileCreatePlan(spec, {
      id,
      bundle,
      execFifo,
      consoleSocket: opts.consoleSocket ? resolve(opts.consoleSocket) : null,
      consoleSocketFd: consoleTheirs >= 0 ? extraFdNumber(preserveFds, 0) : -1,
      preserveFds,
      noPivot: opts.noPivot,
      noNewKeyring: opts.noNewKeyring,
      cgroup: placement,
      rootless: opts.rootless,
      seccompCacheDir: spec.linux?.seccomp ? seccompCacheDir(root) : '',
      resctrlTasks: rdtPlanned ? tasksFile(rdtPlanned) : '',
    });

    let helper: InitHelper;
    try {
      helper = InitHelper.spawn(preserveFds, extra);
    } finally {
      if (consoleTheirs >= 0) closeQuietly(consoleTheirs);
    }
    undo.push(() => helper.abort());
    debug(`create ${id}: tdrun-init spawned`);
    // the plan first: tdrun-init makes the namespaces that do not depend on the cgroups meanwhile
    helper.sendPlan(plan);
    // systemd makes the scope's cgroups with the helper in them (a scope cannot start empty);
    // create then makes what systemd leaves alone, as runc does
    stopUnit = await cgroupManager.startUnit(helper.pid, spec.linux?.resources);
    cgroups = cgroupManager.create(spec.linux?.resources);
    // before the cgroups' own undo: one that existed before would keep the device program
    undo.push(cgroupManager.apply(spec.linux?.resources));
    if (resctrl && rdtPlanned) {
      const rdt = makeIntelRdt(resctrl, spec.linux!.intelRdt!, rdtPlanned);
      undo.push(() => leaveIntelRdt(rdt));
      record.intelRdt = rdt;
      writeRecord(root, record);
    }
    debug(`create ${id}: cgroups made`);
    // tdrun-init moves itself into them (addon/init/cgroups.cc says why not us)
    helper.send(Msg.CgroupsReady);

    const state = (status: State['status'], pid?: number): State => ({
      ociVersion: spec.ociVersion,
      id,
      status,
      ...(pid ? { pid } : {}),
      bundle,
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
    });

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
        debug(`create ${id}: init pid ${initPid}`);
        // now, while the init cannot have exited: without an exec fifo it may be gone by Ready
        initStartTime = readProcStartTime(initPid);
        if (initStartTime === null) throw new TdrunError('init exited unexpectedly');
        const membershipNs = spec.linux?.namespaces?.some((n) => n.type === 'pid') ? 'pid' : 'mnt';
        record.membership = { ns: membershipNs, id: msg.payload.toString('utf8') };
        await helper.childStarted(msg);
      } else if (msg.type === Msg.RunRuntimeHooks) {
        const netDevices = moveNetDevicesIn(spec, dir, initPid, opts.rootless);
        if (netDevices) {
          undo.push(() => moveNetDevicesOut(netDevices));
          // at once: a delete -f after a tdrun killed from here on must give them back
          record.netDevices = netDevices;
          writeRecord(root, record);
        }
        const creating = state('creating', initPid);
        await runHooks('prestart', spec.hooks?.prestart, creating);
        await runHooks('createRuntime', spec.hooks?.createRuntime, creating);
        helper.send(Msg.RuntimeHooksDone, 0, JSON.stringify(creating));
      } else if (msg.type === Msg.Ready) {
        debug(`create ${id}: init ready`);
        break;
      } else {
        throw new TdrunError(`unexpected message ${msg.type} from tdrun-init`);
      }
    }
    if (!initPid || initStartTime === null) throw new TdrunError('tdrun-init reported ready without the init pid');
    if (!opts.startAtOnce) helper.readToEnd();

    record.pid = initPid;
    record.initStartTime = initStartTime;
    record.rootfs = plan.rootfs;
    record.created = isoTimestamp();
    writeRecord(root, record);
    if (opts.pidFile) writeFileAtomically(resolve(opts.pidFile), String(initPid));

    let consoleMaster: number | null = null;
    if (consoleOurs >= 0) {
      consoleMaster = native().recvFd(consoleOurs);
      closeQuietly(consoleOurs);
      consoleOurs = -1;
    }
    undo.length = 0;
    return { record, consoleMaster, execPending: opts.startAtOnce ? helper : null };
  } finally {
    if (consoleOurs >= 0) closeQuietly(consoleOurs);
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (err) {
        debug(`create ${id}: rollback step failed: ${String(err)}`);
      }
    }
    lock.release();
  }
}
