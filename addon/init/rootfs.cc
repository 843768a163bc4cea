#include "rootfs.h"

#include <dirent.h>
#include <sched.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "process.h"
#include "rootfs_cgroup.h"
#include "rootfs_util.h"

namespace rootfs {

namespace {

// pivot_root needs the mount holding the new root not to be shared; "/" of the new namespace
// already got plan.rootfsPropagation, but with "shared" the rootfs's parent mount still is.
Status makeRootfsParentPrivate(const std::string& rootfs) {
  std::vector<MountInfo> mounts;
  if (!readMountInfo(mounts)) return fail(errno, "read /proc/self/mountinfo");
  const MountInfo* parent = nullptr;
  for (const auto& m : mounts) {
    // Later entries of the same mount point are stacked on top, so >= keeps the visible one.
    if (pathWithin(rootfs, m.mountPoint) && (!parent || m.mountPoint.size() >= parent->mountPoint.size())) {
      parent = &m;
    }
  }
  if (!parent || parent->optional.find("shared:") == std::string::npos) return ok();
  if (mount("", parent->mountPoint.c_str(), nullptr, MS_PRIVATE, nullptr) < 0) {
    return fail(errno, "make %s private", parent->mountPoint.c_str());
  }
  return ok();
}

std::string mountWhat(const plan::Mount& m) {
  if (m.bind) return "mount " + m.source + " on " + m.destination + " (bind)";
  return "mount " + (m.source.empty() ? m.type : m.source) + " on " + m.destination;
}

// A read-only /dev filesystem is mounted writable and made read-only by finish, once the device
// nodes, links and the console are in place (as runc does).
bool isReadonlyDev(const plan::Mount& m) { return !m.bind && m.destination == "/dev" && (m.flags & MS_RDONLY); }

// tmpcopyup: what the image had at a tmpfs mount's destination, copied into the fresh tmpfs, as
// runc does for podman's --tmpfs and --read-only. The image chooses what is there, so nothing is
// followed: symlinks are copied as links, every open is O_NOFOLLOW from a directory fd. Owner,
// mode and times come along (owner first: chown clears set-id bits); sockets are left out.
Status copyTree(int from, int to, const std::string& shown, int depth) {
  if (depth > 256) return fail(ELOOP, "tmpcopyup %s: nested too deep", shown.c_str());
  int listFd = openat(from, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (listFd < 0) return fail(errno, "tmpcopyup: read %s", shown.c_str());
  DIR* dir = fdopendir(listFd);
  if (!dir) {
    close(listFd);
    return fail(errno, "tmpcopyup: read %s", shown.c_str());
  }
  Status result = ok();
  while (struct dirent* ent = readdir(dir)) {
    const char* name = ent->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
    const std::string path = shown + "/" + name;
    struct stat st;
    if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      result = fail(errno, "tmpcopyup: stat %s", path.c_str());
      break;
    }
    const mode_t type = st.st_mode & S_IFMT;
    int made = 0;
    if (type == S_IFDIR) {
      made = mkdirat(to, name, 0700);
      if (made == 0) {
        Fd sub(openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        Fd subTo(openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub.valid() || !subTo.valid()) {
          result = fail(errno, "tmpcopyup: open %s", path.c_str());
          break;
        }
        result = copyTree(sub.get(), subTo.get(), path, depth + 1);
        if (!result.ok()) break;
      }
    } else if (type == S_IFREG) {
      Fd in(openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      Fd out(openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!in.valid() || !out.valid()) {
        result = fail(errno, "tmpcopyup: copy %s", path.c_str());
        break;
      }
      for (off_t left = st.st_size; left > 0 && made == 0;) {
        ssize_t n = sendfile(out.get(), in.get(), nullptr, static_cast<size_t>(left));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) made = -1;
        else left -= n;
      }
    } else if (type == S_IFLNK) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = readlinkat(from, name, target.data(), target.size());
      made = n < 0 ? -1 : symlinkat(target.substr(0, static_cast<size_t>(n)).c_str(), to, name);
    } else if (type == S_IFCHR || type == S_IFBLK || type == S_IFIFO) {
      made = mknodat(to, name, type | 0600, st.st_rdev);
    } else {
      continue;
    }
    if (made < 0 || fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
        (type != S_IFLNK && fchmodat(to, name, st.st_mode & 07777, 0) < 0)) {
      result = fail(errno, "tmpcopyup: copy %s", path.c_str());
      break;
    }
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (utimensat(to, name, times, AT_SYMLINK_NOFOLLOW) < 0) {
      result = fail(errno, "tmpcopyup: set the times of %s", path.c_str());
      break;
    }
  }
  closedir(dir);
  return result;
}

Status mountOne(int rootfd, const plan::Mount& m, const plan::Plan& p) {
  if (!m.bind && m.type == "cgroup") return mountCgroupV1(rootfd, m, p);
  const std::string what = mountWhat(m);
  // procfs and sysfs are where later writes go (sysctl, oom_score_adj, the masks): a symlink as
  // their mount point, even one staying inside the rootfs, would let the image choose the target.
  const bool procLike = !m.bind && (m.type == "proc" || m.type == "sysfs");
  Fd dst;
  TRY(openInRoot(rootfd, m.destination, m.createAsFile ? Create::File : Create::Dir, !procLike, dst));
  if (procLike) {
    struct stat st;
    if (fstat(dst.get(), &st) < 0) return fail(errno, "%s", what.c_str());
    if (S_ISLNK(st.st_mode)) return fail(0, "%s: the destination is a symlink", what.c_str());
    if (!S_ISDIR(st.st_mode)) return fail(ENOTDIR, "%s", what.c_str());
  }
  const unsigned long extra = m.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
  // Opened before the tmpfs covers it: this fd goes on naming the image's directory.
  Fd covered;
  if (m.copyUp) {
    covered = Fd(openat(dst.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!covered.valid()) return fail(errno, "%s: tmpcopyup needs a directory", what.c_str());
  }
  if (m.bind && m.sourceTree >= 0) {
    int err = move_mount(m.sourceTree, "", dst.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0 ? errno : 0;
    close(m.sourceTree);
    if (err) return fail(err, "%s", what.c_str());
  } else if (m.bind) {
    const unsigned long bindFlags = MS_BIND | (m.recursive ? MS_REC : 0);
    if (mount(m.source.c_str(), fdPath(dst.get()).c_str(), "", bindFlags, nullptr) < 0) {
      return fail(errno, "%s", what.c_str());
    }
  } else if (mount(m.source.c_str(), fdPath(dst.get()).c_str(), m.type.c_str(),
                   isReadonlyDev(m) || m.copyUp ? m.flags & ~MS_RDONLY : m.flags, m.data.empty() ? nullptr : m.data.c_str()) < 0) {
    // A user namespace may mount sysfs only with a network namespace of its own (sysfs shows that
    // namespace's devices): without one, bind the /sys tree this mount namespace already has, as
    // runc and crun do, with the mount's flags applied to the bind below. (bindDevices: the
    // container is in a user namespace, the config's or rootless tdrun's own.)
    if (!(errno == EPERM && m.type == "sysfs" && p.bindDevices)) return fail(errno, "%s", what.c_str());
    if (mount("/sys", fdPath(dst.get()).c_str(), "", MS_BIND | MS_REC, nullptr) < 0) {
      return fail(errno, "%s (bind of /sys: the user namespace may not mount a sysfs)", what.c_str());
    }
    TRY(openInRoot(rootfd, m.destination, Create::None, false, dst));
    TRY(remountBind(fdPath(dst.get()).c_str(), extra, false, what));
  }
  // The fd opened before mounting still names the covered directory; the new mount's root is
  // found by resolving the destination again.
  Fd top;
  TRY(openInRoot(rootfd, m.destination, Create::None, !procLike, top));
  const std::string target = fdPath(top.get());
  if (procLike) {
    struct statfs sfs;
    if (fstatfs(top.get(), &sfs) < 0) return fail(errno, "%s", what.c_str());
    const long want = m.type == "proc" ? PROC_SUPER_MAGIC : SYSFS_MAGIC;
    if (static_cast<long>(sfs.f_type) != want) {
      return fail(0, "%s: %s is not %s after mounting it", what.c_str(), m.destination.c_str(), m.type.c_str());
    }
  }
  if (m.bind && extra) TRY(remountBind(target.c_str(), extra, false, what));
  if (m.copyUp) {
    Fd tmpfsRoot(openat(top.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!tmpfsRoot.valid()) return fail(errno, "%s", what.c_str());
    TRY(copyTree(covered.get(), tmpfsRoot.get(), m.destination == "/" ? "" : m.destination, 0));
    // a read-only tmpfs is filled first, then made read-only
    if (m.flags & MS_RDONLY) TRY(remountBind(target.c_str(), extra, false, what));
  }
  for (unsigned long prop : m.propagation) {
    if (mount("", target.c_str(), nullptr, prop, nullptr) < 0) {
      return fail(errno, "set propagation of %s", m.destination.c_str());
    }
  }
  if (m.recursiveAttrSet || m.recursiveAttrClear) {
    struct mount_attr attr = {};
    attr.attr_set = m.recursiveAttrSet;
    attr.attr_clr = m.recursiveAttrClear;
    if (syscall(SYS_mount_setattr, top.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
      if (errno == ENOSYS) {
        return fail(ENOSYS, "%s: recursive mount options (rro, rnosuid, ...) need mount_setattr (Linux 5.12)",
                    what.c_str());
      }
      return fail(errno, "%s: set recursive mount options", what.c_str());
    }
  }
  return ok();
}

// Splits "/dev/net/tun" into "/dev/net" and "tun".
void splitPath(const std::string& path, std::string& dir, std::string& name) {
  size_t s = path.rfind('/');
  dir = s == 0 ? "/" : path.substr(0, s);
  name = path.substr(s + 1);
}

// Clears the way for a new node: a file, node or symlink there is removed (unlinkat never
// follows a symlink), a directory is an error.
Status clearNode(int dirfd, const std::string& name, const std::string& shown, bool keepRegular, bool& kept) {
  kept = false;
  struct stat st;
  if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return ok();
    return fail(errno, "stat %s", shown.c_str());
  }
  if (S_ISDIR(st.st_mode)) return fail(EISDIR, "create %s", shown.c_str());
  if (keepRegular && S_ISREG(st.st_mode)) {
    kept = true;
    return ok();
  }
  if (unlinkat(dirfd, name.c_str(), 0) < 0) return fail(errno, "remove %s", shown.c_str());
  return ok();
}

Status createEmptyFile(int dirfd, const std::string& name, const std::string& shown) {
  int f = openat(dirfd, name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (f < 0) return fail(errno, "create %s", shown.c_str());
  close(f);
  return ok();
}

Status makeDevice(int rootfd, const plan::Device& d, bool bindFromHost) {
  std::string dirPath, name;
  splitPath(d.path, dirPath, name);
  Fd dir;
  TRY(openInRoot(rootfd, dirPath, Create::Dir, true, dir));
  mode_t type = d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR;
  const dev_t dev = makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
  bool kept = false;
  TRY(clearNode(dir.get(), name, d.path, bindFromHost, kept));
  if (bindFromHost) {
    // The host node must be the device the config names, not whatever sits at that path.
    struct stat st;
    if (stat(d.path.c_str(), &st) < 0) return fail(errno, "bind device %s from the host", d.path.c_str());
    if ((st.st_mode & S_IFMT) != type || (type != S_IFIFO && st.st_rdev != dev)) {
      return fail(0, "bind device %s: the host's %s is not %c %lld:%lld", d.path.c_str(), d.path.c_str(), d.type,
                  static_cast<long long>(d.major), static_cast<long long>(d.minor));
    }
    if (!kept) TRY(createEmptyFile(dir.get(), name, d.path));
    Fd node(openat(dir.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!node.valid()) return fail(errno, "open %s", d.path.c_str());
    if (mount(d.path.c_str(), fdPath(node.get()).c_str(), "", MS_BIND, nullptr) < 0) {
      return fail(errno, "mount %s on %s (bind)", d.path.c_str(), d.path.c_str());
    }
    return ok();
  }
  const mode_t oldMask = umask(0);
  int r = mknodat(dir.get(), name.c_str(), type | (d.mode & 07777), type == S_IFIFO ? 0 : dev);
  int e = errno;
  umask(oldMask);
  if (r < 0) return fail(e, "mknod %s", d.path.c_str());
  if (fchownat(dir.get(), name.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW) < 0) {
    return fail(errno, "chown %s", d.path.c_str());
  }
  return ok();
}

Status devSymlinks(int rootfd) {
  Fd dev;
  TRY(openInRoot(rootfd, "/dev", Create::Dir, true, dev));
  struct Link {
    const char* target;
    const char* name;
  };
  static const Link links[] = {
      {"/proc/self/fd", "fd"},
      {"/proc/self/fd/0", "stdin"},
      {"/proc/self/fd/1", "stdout"},
      {"/proc/self/fd/2", "stderr"},
  };
  for (const auto& l : links) {
    // An image's own link (or node) there is kept, as runc keeps it.
    if (symlinkat(l.target, dev.get(), l.name) < 0 && errno != EEXIST) {
      return fail(errno, "symlink /dev/%s", l.name);
    }
  }
  if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev.get(), "core") < 0 && errno != EEXIST) {
    return fail(errno, "symlink /dev/core");
  }
  // A ptmx node from the image would open the host's devpts instance, not the container's.
  bool kept = false;
  TRY(clearNode(dev.get(), "ptmx", "/dev/ptmx", false, kept));
  if (symlinkat("pts/ptmx", dev.get(), "ptmx") < 0) return fail(errno, "symlink /dev/ptmx");
  return ok();
}

// The init bind-mounts the pty slave here after pivot_root; it must be a plain file of ours, not
// a symlink an image (or a racing process) planted to redirect that mount (CVE-2025-52565).
Status consoleFile(int rootfd) {
  Fd dev;
  TRY(openInRoot(rootfd, "/dev", Create::Dir, true, dev));
  bool kept = false;
  TRY(clearNode(dev.get(), "console", "/dev/console", false, kept));
  return createEmptyFile(dev.get(), "console", "/dev/console");
}

// mount(2) on /proc/self/fd/N after pivot_root goes through the container's /proc; it must be
// the procfs mounted by prepare, not a directory or a tmpfs the image put there.
Status checkProcFd(const char* what, const std::string& path) {
  struct statfs sfs;
  if (statfs("/proc/self/fd", &sfs) < 0) return fail(errno, "%s %s: /proc/self/fd", what, path.c_str());
  if (sfs.f_type != PROC_SUPER_MAGIC) return fail(0, "%s %s: /proc is not procfs", what, path.c_str());
  return ok();
}

Status maskPath(int rootfd, const std::string& path) {
  Fd f;
  Status s = openInRoot(rootfd, path, Create::None, true, f);
  if (s.err == ENOENT) return ok();
  TRY(s);
  TRY(checkProcFd("mask", path));
  struct stat st;
  if (fstat(f.get(), &st) < 0) return fail(errno, "mask %s", path.c_str());
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", fdPath(f.get()).c_str(), "tmpfs", MS_RDONLY, nullptr) < 0) {
      return fail(errno, "mask %s", path.c_str());
    }
    return ok();
  }
  // A /dev/null replaced by a symlink or another device would expose (or let write to) what
  // it points at instead of hiding the masked path (CVE-2025-31133).
  Fd null;
  TRY(openInRoot(rootfd, "/dev/null", Create::None, false, null));
  struct stat ns;
  if (fstat(null.get(), &ns) < 0) return fail(errno, "mask %s: /dev/null", path.c_str());
  if (!S_ISCHR(ns.st_mode) || ns.st_rdev != makedev(1, 3)) {
    return fail(0, "mask %s: /dev/null is not the null device (char 1:3)", path.c_str());
  }
  if (mount(fdPath(null.get()).c_str(), fdPath(f.get()).c_str(), nullptr, MS_BIND, nullptr) < 0) {
    return fail(errno, "mask %s", path.c_str());
  }
  return ok();
}

Status readonlyPath(int rootfd, const std::string& path) {
  Fd f;
  Status s = openInRoot(rootfd, path, Create::None, true, f);
  if (s.err == ENOENT) return ok();
  TRY(s);
  TRY(checkProcFd("make read-only", path));
  const std::string target = fdPath(f.get());
  if (mount(target.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0) {
    return fail(errno, "make %s read-only", path.c_str());
  }
  Fd top;
  TRY(openInRoot(rootfd, path, Create::None, true, top));
  return remountBind(fdPath(top.get()).c_str(), MS_RDONLY, true, "make " + path + " read-only");
}

// Without pivot_root the host's mounts stay in this mount namespace below the chroot, and the
// kernel lets a process mount a new procfs or sysfs as long as one full, unmasked mount of it is
// visible in its namespace: the container could mount a fresh /proc with no masked paths (runc's
// msMoveRoot closes the same hole). So every full procfs and sysfs mount outside the rootfs is
// detached first, deepest first; where the kernel refuses (a locked mount) a tmpfs covers it.
Status hideHostProcAndSys(const std::string& rootfs) {
  std::vector<MountInfo> mounts;
  if (!readMountInfo(mounts)) return fail(errno, "read /proc/self/mountinfo");
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
    const MountInfo& m = *it;
    if (m.root != "/" || (m.fsType != "proc" && m.fsType != "sysfs") || pathWithin(m.mountPoint, rootfs)) continue;
    const char* at = m.mountPoint.c_str();
    // A parent detached earlier in this loop took this one with it.
    if (mount("", at, nullptr, MS_SLAVE | MS_REC, nullptr) < 0) {
      if (errno == ENOENT || errno == EINVAL) continue;
      return fail(errno, "make %s rslave before hiding it", at);
    }
    if (umount2(at, MNT_DETACH) == 0) continue;
    if (errno != EINVAL && errno != EPERM) return fail(errno, "detach the host's %s at %s", m.fsType.c_str(), at);
    if (mount("tmpfs", at, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") < 0) {
      return fail(errno, "cover the host's %s at %s", m.fsType.c_str(), at);
    }
  }
  return ok();
}

// A user namespace holding an idmapped mount's mappings: a child unshares it and waits while
// this process, still the host's root, writes its maps from outside (which may map any ids)
// and opens it. The mount keeps the namespace; the child exits when `release` closes.
Status mappingNamespace(const plan::Mount& m, Fd& out) {
  const std::string what = mountWhat(m);
  int ready[2], release[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return fail(errno, "%s: pipe", what.c_str());
  if (pipe2(release, O_CLOEXEC) != 0) {
    int err = errno;
    close(ready[0]), close(ready[1]);
    return fail(err, "%s: pipe", what.c_str());
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(ready[0]), close(release[1]);
    char made = unshare(CLONE_NEWUSER) == 0 ? 1 : 0;
    (void)!write(ready[1], &made, 1);
    (void)!read(release[0], &made, 1);
    _exit(0);
  }
  close(ready[1]), close(release[0]);
  Status s;
  char made = 0;
  if (pid < 0) s = fail(errno, "%s: fork for its user namespace", what.c_str());
  else if (read(ready[0], &made, 1) != 1 || !made) s = fail(0, "%s: could not make a user namespace for its mappings", what.c_str());
  else {
    const std::string proc = std::to_string(pid);
    s = process::writeProc(proc + "/uid_map", m.idmapUids);
    if (s.ok()) s = process::writeProc(proc + "/gid_map", m.idmapGids);
    // a magic link, which openProc's resolution refuses; this is the host's /proc, before any
    // container mount exists
    if (s.ok()) {
      out = Fd(open(("/proc/" + proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
      if (!out.valid()) s = fail(errno, "open /proc/%s/ns/user", proc.c_str());
    }
    if (!s.ok()) s.what = what + ": " + s.what;
  }
  close(ready[0]), close(release[1]);
  if (pid > 0) waitpid(pid, nullptr, 0);
  return s;
}

// config.md's mount uidMappings/gidMappings: the detached clone is mapped through a user
// namespace with them (the mount must not be attached yet, so this comes before move_mount).
Status idmapTree(const plan::Mount& m, int tree) {
  Fd userns;
  TRY(mappingNamespace(m, userns));
  struct mount_attr attr = {};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = static_cast<uint64_t>(userns.get());
  if (mount_setattr(tree, "", AT_EMPTY_PATH | (m.idmapRecursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0) {
    // EINVAL: a filesystem without idmapped mount support (FS_ALLOW_IDMAP), or a mount below
    // the source (ridmap) on one
    return fail(errno, "%s: idmap the mount", mountWhat(m).c_str());
  }
  return ok();
}

}  // namespace

Status cloneBindSources(plan::Plan& p) {
  const bool userns = p.hasNamespace(CLONE_NEWUSER);
  for (auto& m : p.mounts) {
    const bool idmapped = !m.idmapUids.empty();
    if (!m.bind || (!userns && !idmapped)) continue;
    const unsigned recursive = m.recursive ? AT_RECURSIVE : 0;
    Fd tree(open_tree(AT_FDCWD, m.source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | recursive));
    // EPERM: rootless, no CAP_SYS_ADMIN over the host's mounts; the init binds by path, as below
    if (!tree.valid() && errno == EPERM && !idmapped) return ok();
    if (!tree.valid()) return fail(errno, "%s", mountWhat(m).c_str());
    // A clone joins its source's peer group: as a slave, what the container mounts below it
    // never reaches the host (a bind made inside the container is a slave through "/" anyway).
    struct mount_attr attr = {};
    attr.propagation = MS_SLAVE;
    if (mount_setattr(tree.get(), "", AT_EMPTY_PATH | recursive, &attr, sizeof attr) < 0) {
      // before Linux 5.12: the init binds the source by its path, as without a user namespace
      if (errno == ENOSYS && !idmapped) return ok();
      if (errno == ENOSYS) return fail(ENOSYS, "%s: idmapped mounts need mount_setattr (Linux 5.12)", mountWhat(m).c_str());
      return fail(errno, "%s: make the source a slave", mountWhat(m).c_str());
    }
    if (idmapped) TRY(idmapTree(m, tree.get()));
    m.sourceTree = tree.release();
  }
  return ok();
}

Status prepare(const plan::Plan& p) {
  unsigned long rootProp = p.rootfsPropagation ? p.rootfsPropagation : MS_SLAVE | MS_REC;
  // An unbindable "/" would refuse the rootfs's bind onto itself (EINVAL): private until finish()
  if (rootProp & MS_UNBINDABLE) rootProp = MS_PRIVATE | (rootProp & MS_REC);
  if (mount("", "/", nullptr, rootProp, nullptr) < 0) return fail(errno, "set propagation of /");
  TRY(makeRootfsParentPrivate(p.rootfs));
  if (mount(p.rootfs.c_str(), p.rootfs.c_str(), "", MS_BIND | MS_REC, nullptr) < 0) {
    return fail(errno, "bind mount the rootfs %s onto itself", p.rootfs.c_str());
  }
  // Opened after the bind, so every resolution below starts from the new mount.
  Fd root(open(p.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return fail(errno, "open the rootfs %s", p.rootfs.c_str());
  for (const auto& m : p.mounts) TRY(mountOne(root.get(), m, p));
  for (const auto& d : p.devices) TRY(makeDevice(root.get(), d, p.bindDevices));
  if (p.defaultDevSymlinks) TRY(devSymlinks(root.get()));
  if (p.process.terminal) TRY(consoleFile(root.get()));
  // runc creates a missing process.cwd (0755) before pivot_root; images rely on it (WORKDIR).
  Fd cwd;
  TRY(openInRoot(root.get(), p.process.cwd, Create::Dir, true, cwd));
  return ok();
}

Status enter(const plan::Plan& p) {
  if (p.noPivot) {
    TRY(hideHostProcAndSys(p.rootfs));
    if (chdir(p.rootfs.c_str()) < 0) return fail(errno, "chdir %s", p.rootfs.c_str());
    if (mount(p.rootfs.c_str(), "/", nullptr, MS_MOVE, nullptr) < 0) return fail(errno, "move the rootfs to /");
    if (chroot(".") < 0) return fail(errno, "chroot %s", p.rootfs.c_str());
    if (chdir("/") < 0) return fail(errno, "chdir /");
    return ok();
  }
  Fd oldRoot(open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!oldRoot.valid()) return fail(errno, "open /");
  Fd newRoot(open(p.rootfs.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!newRoot.valid()) return fail(errno, "open the rootfs %s", p.rootfs.c_str());
  if (fchdir(newRoot.get()) < 0) return fail(errno, "chdir %s", p.rootfs.c_str());
  // pivot_root(".", ".") stacks the old root on top of the new one; no directory for it needed.
  if (syscall(SYS_pivot_root, ".", ".") < 0) return fail(errno, "pivot_root %s", p.rootfs.c_str());
  if (fchdir(oldRoot.get()) < 0) return fail(errno, "chdir to the old root");
  // Without this, detaching the old root would propagate the unmount to the host's mounts.
  if (mount("", ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0) return fail(errno, "make the old root rslave");
  if (umount2(".", MNT_DETACH) < 0) return fail(errno, "unmount the old root");
  if (chdir("/") < 0) return fail(errno, "chdir /");
  return ok();
}

Status finish(const plan::Plan& p) {
  Fd root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return fail(errno, "open /");
  for (const auto& path : p.maskedPaths) TRY(maskPath(root.get(), path));
  for (const auto& path : p.readonlyPaths) TRY(readonlyPath(root.get(), path));
  for (const auto& m : p.mounts) {
    if (!isReadonlyDev(m)) continue;
    Fd dev;
    TRY(openInRoot(root.get(), "/dev", Create::None, true, dev));
    TRY(checkProcFd("make read-only", "/dev"));
    TRY(remountBind(fdPath(dev.get()).c_str(), m.flags & ~(MS_REMOUNT | MS_BIND | MS_REC), true,
                    "make /dev read-only"));
  }
  if (p.rootfsReadonly) TRY(remountBind("/", MS_RDONLY, true, "remount / read-only"));
  if (p.rootfsPropagation & (MS_SHARED | MS_UNBINDABLE)) {
    if (mount("", "/", nullptr, p.rootfsPropagation, nullptr) < 0) return fail(errno, "set propagation of /");
  }
  return ok();
}

}  // namespace rootfs
