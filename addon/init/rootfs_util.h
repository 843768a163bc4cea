// Helpers of rootfs.cc: path resolution that never leaves a given root, and
// the mount calls that go through /proc/self/fd/N so the path mounted on is the one resolved.
#pragma once
#include <string>
#include <unistd.h>
#include <vector>

#include "fd.h"
#include "status.h"

namespace rootfs {

// What to make for a missing last component; missing parents are always made as directories.
enum class Create { None, Dir, File };

// Opens `path` (absolute as seen from `rootfd`) as an O_PATH fd. Every symlink, absolute or with
// "..", is resolved as if `rootfd` were "/", so the result is always inside it. With followLast
// false a symlink in the last component is returned itself. Missing: err ENOENT with Create::None.
// Uses openat2(RESOLVE_IN_ROOT); the component walk below runs when it is missing (ENOSYS) or when
// something must be created.
Status openInRoot(int rootfd, const std::string& path, Create create, bool followLast, Fd& out);

// The component-by-component resolution behind openInRoot: each step is an openat(O_NOFOLLOW)
// from the directory fd of the previous one, symlinks are expanded by hand, ".." stops at the root.
Status walkInRoot(int rootfd, const std::string& path, Create create, bool followLast, Fd& out);

// "/proc/self/fd/N": the path mount(2) gets so it acts on exactly the object of fd N.
std::string fdPath(int fd);

// MS_* flags of the mount at `path` that a bind remount inside a user namespace may not clear
// (nosuid, nodev, noexec, rdonly, the atime mode); 0 when statvfs fails.
unsigned long lockedFlags(const char* path);

// MS_REMOUNT|MS_BIND|flags on `target`. When the kernel refuses (EPERM: flags locked by a user
// namespace), retries keeping the flags the mount already has, as runc does. Failure: fail(errno, what).
Status remountBind(const char* target, unsigned long flags, bool alwaysKeepLocked, const std::string& what);

// Reads a whole (proc) file; false on error.
bool readFile(const char* path, std::string& out);

// One line of /proc/self/mountinfo, octal escapes (\040) decoded.
struct MountInfo {
  std::string root, mountPoint, optional, fsType, source, superOptions;
};
// The mount table of this process, in mountinfo order (parents before children); false on error.
bool readMountInfo(std::vector<MountInfo>& out);

// Whether `path` is `dir` or lies below it (both absolute and clean).
bool pathWithin(const std::string& path, const std::string& dir);

}  // namespace rootfs
