#include "seccomp_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "fd.h"
#include "init/sha256.h"

namespace seccomp_cache {
namespace {

constexpr char kMagic[] = "tdrun seccomp program 2";

bool line(std::string_view data, size_t& at, std::string_view& out) {
  size_t end = data.find('\n', at);
  if (end == std::string_view::npos) return false;
  out = data.substr(at, end - at);
  at = end + 1;
  return true;
}

bool decimal(std::string_view s, uint64_t max, uint64_t& out) {
  if (s.empty() || s.size() > 10) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return out <= max;
}

}  // namespace

std::string format(const Header& h) {
  std::string actions;
  for (uint32_t a : h.actions) {
    if (!actions.empty()) actions += ' ';
    actions += std::to_string(a);
  }
  return std::string(kMagic) + "\n" + h.maker + "\n" + h.key + "\n" + (h.notifies ? "1" : "0") + "\n" + h.skipped + "\n" +
         actions + "\n" + std::to_string(h.count) + "\n";
}

bool parse(std::string_view data, Header& out, size_t& programAt) {
  size_t at = 0;
  std::string_view magic, maker, key, notifies, skipped, actions, count;
  if (!line(data, at, magic) || magic != kMagic || !line(data, at, maker) || !line(data, at, key) ||
      !line(data, at, notifies) || (notifies != "0" && notifies != "1") || !line(data, at, skipped) ||
      !line(data, at, actions) || !line(data, at, count))
    return false;
  uint64_t n;
  if (!decimal(count, BPF_MAXINSNS, n) || n == 0 || data.size() - at != n * sizeof(sock_filter)) return false;
  out.actions.clear();
  for (size_t from = 0; from < actions.size();) {
    size_t end = actions.find(' ', from);
    if (end == std::string_view::npos) end = actions.size();
    uint64_t action;
    if (!decimal(actions.substr(from, end - from), UINT32_MAX, action)) return false;
    out.actions.push_back(static_cast<uint32_t>(action));
    from = end + 1;
  }
  if (out.actions.empty()) return false;
  out.maker = maker;
  out.key = key;
  out.notifies = notifies == "1";
  out.skipped = skipped;
  out.count = n;
  programAt = at;
  return true;
}

bool key(const std::vector<std::string>& madeBy, std::string_view profileText, std::string& out) {
  sha256::Hasher h;
  auto field = [&](std::string_view v) {
    std::string length = std::to_string(v.size()) + ":";
    h.update(length.data(), length.size());
    h.update(v.data(), v.size());
  };
  field(kMagic);
  for (auto& path : madeBy) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return false;
    field(std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
          std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ":" +
          std::to_string(st.st_ctim.tv_sec) + "." + std::to_string(st.st_ctim.tv_nsec));
  }
  field(profileText);
  out = h.hexDigest();
  return true;
}

int openDirectory(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return -1;
  Fd dir(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (!dir.valid() || fstat(dir.get(), &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 077)) return -1;
  return dir.release();
}

bool readWhole(int fd, std::string& data) {
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size <= 0 || static_cast<size_t>(st.st_size) > kMaxSize) return false;
  data.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = pread(fd, data.data() + done, data.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

int openProgram(int directory, const std::string& key, std::string& data) {
  // O_NONBLOCK: a fifo planted under the name must not hang the open
  Fd fd(openat(directory, (key + ".bpf").c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  struct stat st;
  if (!fd.valid() || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) ||
      !readWhole(fd.get(), data))
    return -1;
  return fd.release();
}

}  // namespace seccomp_cache
