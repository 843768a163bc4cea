#include "rootfs_cgroup.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "rootfs_util.h"

namespace rootfs {

namespace {

std::vector<std::string> splitOn(const std::string& s, char sep) {
  std::vector<std::string> r;
  size_t i = 0;
  for (;;) {
    size_t j = s.find(sep, i);
    r.push_back(s.substr(i, j == std::string::npos ? std::string::npos : j - i));
    if (j == std::string::npos) return r;
    i = j + 1;
  }
}

bool hasOption(const std::string& options, const std::string& opt) {
  for (const auto& o : splitOn(options, ',')) {
    if (o == opt) return true;
  }
  return false;
}

// The host mount showing the hierarchy with these controllers (cgroup2 for an empty list), not
// one inside the container's rootfs.
const MountInfo* hostMount(const std::vector<MountInfo>& mounts, const std::string& controllers,
                           const std::string& rootfs) {
  for (const auto& mi : mounts) {
    if (pathWithin(mi.mountPoint, rootfs)) continue;
    if (controllers.empty()) {
      if (mi.fsType == "cgroup2") return &mi;
      continue;
    }
    if (mi.fsType != "cgroup") continue;
    bool all = true;
    for (const auto& c : splitOn(controllers, ',')) all = all && hasOption(mi.superOptions, c);
    if (all) return &mi;
  }
  return nullptr;
}

std::string baseName(const std::string& path) {
  size_t s = path.rfind('/');
  return s == std::string::npos ? path : path.substr(s + 1);
}

}  // namespace

Status mountCgroupV1(int rootfd, const plan::Mount& m, const plan::Plan& p) {
  const char* dst = m.destination.c_str();
  const std::string what = "mount cgroup on " + m.destination;
  const bool byName = p.hasNamespace(CLONE_NEWCGROUP);

  std::string self;
  if (!readFile("/proc/self/cgroup", self)) return fail(errno, "%s: read /proc/self/cgroup", what.c_str());
  std::vector<MountInfo> mounts;
  if (!readMountInfo(mounts)) return fail(errno, "%s: read /proc/self/mountinfo", what.c_str());

  Fd dir;
  TRY(openInRoot(rootfd, m.destination, Create::Dir, true, dir));
  if (mount("tmpfs", fdPath(dir.get()).c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0) {
    return fail(errno, "%s", what.c_str());
  }
  Fd top;
  TRY(openInRoot(rootfd, m.destination, Create::None, true, top));

  const unsigned long flags = m.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
  for (const auto& line : splitOn(self, '\n')) {
    // "hierarchy-id:controller-list:cgroup-path"; id 0 with no controllers is the unified one
    auto f = splitOn(line, ':');
    if (f.size() < 3) continue;
    const std::string controllers = f[1];
    std::string path = line.substr(f[0].size() + f[1].size() + 2);
    const MountInfo* host = hostMount(mounts, controllers, p.rootfs);
    if (!host) continue;
    std::string name = controllers.empty() ? "unified" : baseName(host->mountPoint);
    if (byName && !controllers.empty()) {
      name = controllers.compare(0, 5, "name=") == 0 ? controllers.substr(5) : controllers;
    }
    const std::string sub = m.destination + "/" + name;
    Fd subFd;
    TRY(openInRoot(rootfd, sub, Create::Dir, true, subFd));
    const std::string target = fdPath(subFd.get());
    if (byName) {
      const char* type = controllers.empty() ? "cgroup2" : "cgroup";
      if (mount("cgroup", target.c_str(), type, flags, controllers.empty() ? nullptr : controllers.c_str()) < 0) {
        return fail(errno, "mount %s (%s) on %s", type, controllers.empty() ? "unified" : controllers.c_str(),
                    sub.c_str());
      }
    } else {
      // The cgroup path is relative to the hierarchy's root; the host mount may show a subtree.
      if (host->root != "/" && !pathWithin(path, host->root)) {
        return fail(0, "%s: cgroup %s of %s is not visible under %s", what.c_str(), path.c_str(),
                    controllers.empty() ? "cgroup2" : controllers.c_str(), host->mountPoint.c_str());
      }
      std::string source = host->mountPoint + (host->root == "/" ? path : path.substr(host->root.size()));
      if (source.size() > 1 && source.back() == '/') source.pop_back();
      const std::string bindWhat = "mount " + source + " on " + sub + " (bind)";
      if (mount(source.c_str(), target.c_str(), "", MS_BIND, nullptr) < 0) return fail(errno, "%s", bindWhat.c_str());
      if (flags) {
        Fd bound;
        TRY(openInRoot(rootfd, sub, Create::None, true, bound));
        TRY(remountBind(fdPath(bound.get()).c_str(), flags, false, bindWhat));
      }
    }
    // Co-mounted controllers ("cpu,cpuacct") are also reachable under each controller's name.
    if (name.find(',') != std::string::npos) {
      for (const auto& c : splitOn(name, ',')) {
        if (symlinkat(name.c_str(), top.get(), c.c_str()) < 0 && errno != EEXIST) {
          return fail(errno, "symlink %s/%s", dst, c.c_str());
        }
      }
    }
  }
  if (flags & MS_RDONLY) TRY(remountBind(fdPath(top.get()).c_str(), flags, false, what + " (remount read-only)"));
  for (unsigned long prop : m.propagation) {
    if (mount("", fdPath(top.get()).c_str(), nullptr, prop, nullptr) < 0) {
      return fail(errno, "set propagation of %s", dst);
    }
  }
  return ok();
}

}  // namespace rootfs
