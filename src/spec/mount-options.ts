// The mount options tdrun understands, with the kernel numbers they turn into. One table serves
// the plan compiler (plan.ts) and `tdrun features` (features.ts), so the two cannot disagree.

// <linux/mount.h> MS_* flags for mount(2)
export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOSYMFOLLOW: 0x100,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  REC: 0x4000,
  SILENT: 0x8000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  IVERSION: 0x800000,
  STRICTATIME: 0x1000000,
  LAZYTIME: 0x2000000,
} as const;

// <linux/mount.h> MOUNT_ATTR_* for mount_setattr(2). The atime modes are an enum inside the
// MOUNT_ATTR__ATIME mask, and the kernel wants the whole mask cleared when one of them is set.
export const MOUNT_ATTR = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  ATIME_MASK: 0x70,
  RELATIME: 0x0,
  NOATIME: 0x10,
  STRICTATIME: 0x20,
  NODIRATIME: 0x80,
  NOSYMFOLLOW: 0x200000,
} as const;

/** set: bits the option adds; clear: bits it removes from what earlier options set. */
export interface FlagOption {
  set: number;
  clear: number;
}

export const flagOptions: Readonly<Record<string, FlagOption>> = {
  defaults: { set: 0, clear: 0 },
  ro: { set: MS.RDONLY, clear: 0 },
  rw: { set: 0, clear: MS.RDONLY },
  nosuid: { set: MS.NOSUID, clear: 0 },
  suid: { set: 0, clear: MS.NOSUID },
  nodev: { set: MS.NODEV, clear: 0 },
  dev: { set: 0, clear: MS.NODEV },
  noexec: { set: MS.NOEXEC, clear: 0 },
  exec: { set: 0, clear: MS.NOEXEC },
  sync: { set: MS.SYNCHRONOUS, clear: 0 },
  async: { set: 0, clear: MS.SYNCHRONOUS },
  dirsync: { set: MS.DIRSYNC, clear: 0 },
  remount: { set: MS.REMOUNT, clear: 0 },
  mand: { set: MS.MANDLOCK, clear: 0 },
  nomand: { set: 0, clear: MS.MANDLOCK },
  atime: { set: 0, clear: MS.NOATIME },
  noatime: { set: MS.NOATIME, clear: 0 },
  diratime: { set: 0, clear: MS.NODIRATIME },
  nodiratime: { set: MS.NODIRATIME, clear: 0 },
  relatime: { set: MS.RELATIME, clear: 0 },
  norelatime: { set: 0, clear: MS.RELATIME },
  strictatime: { set: MS.STRICTATIME, clear: 0 },
  nostrictatime: { set: 0, clear: MS.STRICTATIME },
  lazytime: { set: MS.LAZYTIME, clear: 0 },
  nolazytime: { set: 0, clear: MS.LAZYTIME },
  iversion: { set: MS.IVERSION, clear: 0 },
  noiversion: { set: 0, clear: MS.IVERSION },
  symfollow: { set: 0, clear: MS.NOSYMFOLLOW },
  nosymfollow: { set: MS.NOSYMFOLLOW, clear: 0 },
  silent: { set: MS.SILENT, clear: 0 },
  loud: { set: 0, clear: MS.SILENT },
};

/** bind: MS_BIND; rbind: MS_BIND|MS_REC. */
export const bindOptions: Readonly<Record<string, { recursive: boolean }>> = {
  bind: { recursive: false },
  rbind: { recursive: true },
};

export const propagationOptions: Readonly<Record<string, number>> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

const A = MOUNT_ATTR;
/** Recursive attributes, applied with mount_setattr(AT_RECURSIVE) after the mount. */
export const recursiveOptions: Readonly<Record<string, FlagOption>> = {
  rro: { set: A.RDONLY, clear: 0 },
  rrw: { set: 0, clear: A.RDONLY },
  rnosuid: { set: A.NOSUID, clear: 0 },
  rsuid: { set: 0, clear: A.NOSUID },
  rnodev: { set: A.NODEV, clear: 0 },
  rdev: { set: 0, clear: A.NODEV },
  rnoexec: { set: A.NOEXEC, clear: 0 },
  rexec: { set: 0, clear: A.NOEXEC },
  rnodiratime: { set: A.NODIRATIME, clear: 0 },
  rdiratime: { set: 0, clear: A.NODIRATIME },
  rnosymfollow: { set: A.NOSYMFOLLOW, clear: 0 },
  rsymfollow: { set: 0, clear: A.NOSYMFOLLOW },
  // one atime mode at a time: each clears the whole mask and sets its mode (relatime is 0)
  rrelatime: { set: A.RELATIME, clear: A.ATIME_MASK },
  rnoatime: { set: A.NOATIME, clear: A.ATIME_MASK },
  rstrictatime: { set: A.STRICTATIME, clear: A.ATIME_MASK },
  // "not noatime" / "not strictatime" fall back to the kernel default, relatime
  ratime: { set: A.RELATIME, clear: A.ATIME_MASK },
  rnostrictatime: { set: A.RELATIME, clear: A.ATIME_MASK },
  // "not relatime" that still updates atimes is strictatime
  rnorelatime: { set: A.STRICTATIME, clear: A.ATIME_MASK },
};

/** An idmapped bind mount (config.md's mounts uidMappings/gidMappings): idmap maps the top mount
 *  of the source, ridmap every mount below it too. */
export const idmapOptions: Readonly<Record<string, { recursive: boolean }>> = {
  idmap: { recursive: false },
  ridmap: { recursive: true },
};

/** Every option name with a meaning of its own (anything else is filesystem data, e.g. "mode=755"). */
export function knownMountOptions(): string[] {
  return [
    ...Object.keys(flagOptions),
    ...Object.keys(bindOptions),
    ...Object.keys(propagationOptions),
    ...Object.keys(recursiveOptions),
    ...Object.keys(idmapOptions),
  ];
}
