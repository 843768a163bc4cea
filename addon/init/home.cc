#include "home.h"
#include "fd.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

namespace home {
namespace {

constexpr const char* kPasswd = "/etc/passwd";

// The sixth field of a "name:password:uid:gid:gecos:home:shell" line whose uid is `uid`.
bool homeInLine(const std::string& line, unsigned uid, std::string& home) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (size_t colon; (colon = line.find(':', start)) != std::string::npos; start = colon + 1)
    fields.push_back(line.substr(start, colon - start));
  fields.push_back(line.substr(start));
  if (fields.size() < 6 || fields[2].empty()) return false;
  char* end = nullptr;
  errno = 0;
  unsigned long value = strtoul(fields[2].c_str(), &end, 10);
  if (*end || errno || value != uid) return false;
  home = fields[5];
  return true;
}

// The home of `uid`, or "/" when the file or the entry is missing.
Status lookup(unsigned uid, std::string& home) {
  home = "/";
  // Symlinks resolve inside the container's root, but not the magic links of /proc
  // (/proc/<pid>/root, /proc/self/fd/N), which may lead to the host's files. O_NONBLOCK: a fifo
  // planted at /etc/passwd must not block the start.
  open_how how = {};
  how.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
  how.resolve = RESOLVE_NO_MAGICLINKS;
  Fd fd(static_cast<int>(syscall(SYS_openat2, AT_FDCWD, kPasswd, &how, sizeof how)));
  if (!fd.valid()) return errno == ENOENT || errno == ENOTDIR ? ok() : fail(errno, "open %s to set HOME", kPasswd);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return fail(errno, "stat %s to set HOME", kPasswd);
  if (!S_ISREG(st.st_mode)) return fail(0, "%s (read to set HOME) is not a regular file", kPasswd);
  std::string pending;
  char buf[4096];
  Status s;
  for (bool found = false; !found;) {
    ssize_t got = read(fd.get(), buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      s = fail(errno, "read %s to set HOME", kPasswd);
      break;
    }
    if (got > 0) pending.append(buf, got);
    size_t from = 0;
    for (size_t nl; !found && (nl = pending.find('\n', from)) != std::string::npos; from = nl + 1)
      found = homeInLine(pending.substr(from, nl - from), uid, home);
    pending.erase(0, from);
    if (got == 0) {
      // a last line without a newline
      if (!found && !pending.empty()) homeInLine(pending, uid, home);
      break;
    }
  }
  return s;
}

}  // namespace

Status setDefault(plan::Process& p) {
  for (auto& e : p.env)
    if (e.compare(0, 5, "HOME=") == 0) return ok();
  std::string dir;
  TRY(lookup(p.uid, dir));
  p.env.push_back("HOME=" + (dir.empty() ? std::string("/") : dir));
  return ok();
}

}  // namespace home
