#include "rootfs_util.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include <vector>

namespace rootfs {

namespace {

constexpr int kMaxSymlinks = 40;  // the kernel's own limit (MAXSYMLINKS)

// Splits "a/b//c" into components, pushed so that back() is the first one.
void pushReversed(const std::string& path, std::vector<std::string>& todo) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  for (size_t k = parts.size(); k-- > 0;) todo.push_back(parts[k]);
}

std::string shown(const std::vector<std::string>& names, const std::string& last) {
  std::string s;
  for (const auto& n : names) s += "/" + n;
  s += "/" + last;
  return s;
}

}  // namespace

std::string fdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

Status walkInRoot(int rootfd, const std::string& path, Create create, bool followLast, Fd& out) {
  std::vector<std::string> todo;
  pushReversed(path, todo);
  std::vector<Fd> dirs;  // directories below the root on the way; back() is the current one
  std::vector<std::string> names;
  int links = 0, creations = 0;
  while (!todo.empty()) {
    std::string c = todo.back();
    todo.pop_back();
    const bool last = todo.empty();
    if (c == ".") {
      if (last) break;
      continue;
    }
    if (c == "..") {
      if (!dirs.empty()) {
        dirs.pop_back();
        names.pop_back();
      }
      if (last) break;
      continue;
    }
    const int cur = dirs.empty() ? rootfd : dirs.back().get();
    struct stat st;
    if (fstatat(cur, c.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno != ENOENT || create == Create::None) return fail(errno, "open %s", shown(names, c).c_str());
      // A component that vanishes again right after being made is someone racing us.
      if (++creations > 256) return fail(ELOOP, "mkdir %s", shown(names, c).c_str());
      if (last && create == Create::File) {
        int f = openat(cur, c.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (f < 0 && errno != EEXIST) return fail(errno, "create %s", shown(names, c).c_str());
        if (f >= 0) close(f);
      } else if (mkdirat(cur, c.c_str(), 0755) < 0 && errno != EEXIST) {
        return fail(errno, "mkdir %s", shown(names, c).c_str());
      }
      todo.push_back(c);
      continue;
    }
    if (S_ISLNK(st.st_mode) && (!last || followLast)) {
      if (++links > kMaxSymlinks) return fail(ELOOP, "open %s", shown(names, c).c_str());
      char buf[4096];
      ssize_t n = readlinkat(cur, c.c_str(), buf, sizeof buf - 1);
      if (n < 0) return fail(errno, "readlink %s", shown(names, c).c_str());
      buf[n] = 0;
      if (buf[0] == '/') {
        dirs.clear();
        names.clear();
      }
      pushReversed(buf, todo);
      continue;
    }
    if (last) {
      int f = openat(cur, c.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (f < 0) return fail(errno, "open %s", shown(names, c).c_str());
      out = Fd(f);
      return ok();
    }
    if (!S_ISDIR(st.st_mode)) return fail(ENOTDIR, "open %s", shown(names, c).c_str());
    int f = openat(cur, c.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (f < 0) return fail(errno, "open %s", shown(names, c).c_str());
    dirs.emplace_back(f);
    names.push_back(c);
  }
  // The path ended in "/", "." or "..": the directory reached so far.
  int f = openat(dirs.empty() ? rootfd : dirs.back().get(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (f < 0) return fail(errno, "open %s", path.c_str());
  out = Fd(f);
  return ok();
}

Status openInRoot(int rootfd, const std::string& path, Create create, bool followLast, Fd& out) {
  struct open_how how = {};
  how.flags = O_PATH | O_CLOEXEC | (followLast ? 0 : O_NOFOLLOW);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = -1;
  // EAGAIN: a rename somewhere in the filesystem raced the lookup; the kernel asks to retry.
  for (int tries = 0; tries < 16; tries++) {
    fd = static_cast<int>(syscall(SYS_openat2, rootfd, path.c_str(), &how, sizeof how));
    if (fd >= 0 || errno != EAGAIN) break;
  }
  if (fd >= 0) {
    out = Fd(fd);
    return ok();
  }
  if (errno == ENOSYS || (errno == ENOENT && create != Create::None)) {
    return walkInRoot(rootfd, path, create, followLast, out);
  }
  return fail(errno, "open %s", path.c_str());
}

unsigned long lockedFlags(const char* path) {
  struct statvfs s;
  if (statvfs(path, &s) < 0) return 0;
  unsigned long f = 0;
  if (s.f_flag & ST_RDONLY) f |= MS_RDONLY;
  if (s.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (s.f_flag & ST_NODEV) f |= MS_NODEV;
  if (s.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (s.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (s.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (s.f_flag & ST_RELATIME) f |= MS_RELATIME;
  if (!(s.f_flag & (ST_NOATIME | ST_RELATIME))) f |= MS_STRICTATIME;
  return f;
}

Status remountBind(const char* target, unsigned long flags, bool alwaysKeepLocked, const std::string& what) {
  constexpr unsigned long atime = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;
  auto withLocked = [&] {
    unsigned long locked = lockedFlags(target);
    // The caller's atime choice wins; without one the mount keeps its own (a remount without any
    // atime flag would mean relatime, which a user namespace may not be allowed to switch to).
    if (flags & atime) locked &= ~(atime | MS_NODIRATIME);
    return flags | locked;
  };
  const unsigned long first = alwaysKeepLocked ? withLocked() : flags;
  if (mount("", target, nullptr, MS_REMOUNT | MS_BIND | first, nullptr) == 0) return ok();
  int e = errno;
  if (e == EPERM && !alwaysKeepLocked) {
    unsigned long again = withLocked();
    if (again != flags && mount("", target, nullptr, MS_REMOUNT | MS_BIND | again, nullptr) == 0) return ok();
  }
  return fail(e, "%s", what.c_str());
}

bool readFile(const char* path, std::string& out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out.clear();
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return n == 0;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

namespace {

std::string unescape(const std::string& s) {
  std::string r;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3') {
      r += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      r += s[i];
    }
  }
  return r;
}

}  // namespace

bool readMountInfo(std::vector<MountInfo>& out) {
  std::string text;
  if (!readFile("/proc/self/mountinfo", text)) return false;
  out.clear();
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::vector<std::string> f;
    size_t i = pos;
    while (i < end) {
      size_t j = text.find(' ', i);
      if (j == std::string::npos || j > end) j = end;
      f.push_back(text.substr(i, j - i));
      i = j + 1;
    }
    pos = end + 1;
    // id parent dev root mountpoint options [optional...] - fstype source superoptions
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") dash++;
    if (dash + 3 >= f.size()) continue;
    MountInfo m;
    m.root = unescape(f[3]);
    m.mountPoint = unescape(f[4]);
    for (size_t k = 6; k < dash; k++) m.optional += (k > 6 ? " " : "") + f[k];
    m.fsType = f[dash + 1];
    m.source = unescape(f[dash + 2]);
    m.superOptions = f[dash + 3];
    out.push_back(m);
  }
  return true;
}

bool pathWithin(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path.compare(0, dir.size(), dir) == 0 && (path.size() == dir.size() || path[dir.size()] == '/');
}

}  // namespace rootfs
