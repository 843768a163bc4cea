#include "namespaces.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "process.h"
#include "sync.h"

namespace ns {
namespace {

std::string names(int flags) {
  static const struct {
    int flag;
    const char* name;
  } table[] = {{CLONE_NEWUSER, "user"}, {CLONE_NEWNS, "mount"}, {CLONE_NEWPID, "pid"},    {CLONE_NEWNET, "network"},
               {CLONE_NEWIPC, "ipc"},   {CLONE_NEWUTS, "uts"},   {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWTIME, "time"}};
  std::string out;
  for (auto& t : table)
    if (flags & t.flag) out += (out.empty() ? "" : ",") + std::string(t.name);
  int rest = flags & ~(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | CLONE_NEWTIME);
  if (rest) out += (out.empty() ? "" : ",") + std::to_string(rest);
  return out;
}

Status join(const plan::Plan& p) {
  std::vector<int> fds;
  Status s;
  for (auto& j : p.joinNamespaces) {
    int fd = open(j.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      s = fail(errno, "open %s", j.path.c_str());
      break;
    }
    fds.push_back(fd);
  }
  for (size_t i = 0; s.ok() && i < fds.size(); ++i)
    if (setns(fds[i], p.joinNamespaces[i].type) != 0) s = fail(errno, "setns %s", p.joinNamespaces[i].path.c_str());
  for (int fd : fds) close(fd);
  return s;
}

// A new network namespace starts with `lo` down, so even 127.0.0.1 is unreachable; runc brings it
// up in every network namespace it creates (never in one joined by path: that belongs to someone
// else, e.g. podman's --network container:X), and engines and images count on it.
Status bringLoopbackUp() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(errno, "socket to bring up lo in the new network namespace");
  struct ifreq ifr = {};
  strcpy(ifr.ifr_name, "lo");
  Status s;
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
    s = fail(errno, "read the flags of lo in the new network namespace");
  } else {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) s = fail(errno, "bring up lo in the new network namespace");
  }
  close(fd);
  return s;
}

// unshare(2) of `flags`, then what a new namespace needs before anyone uses it.
Status unshareNew(int flags) {
  if (unshare(flags) != 0) return fail(errno, "unshare %s namespaces", names(flags).c_str());
  if (flags & CLONE_NEWNET) TRY(bringLoopbackUp());
  return ok();
}

}  // namespace

Status unshareEarly(const plan::Plan& p, int& unshared) {
  unshared = p.hasNamespace(CLONE_NEWUSER) ? 0 : p.newNamespaces & (CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS);
  return unshared ? unshareNew(unshared) : ok();
}

Status enter(const plan::Plan& p, int syncFd, int unsharedEarly) {
  TRY(join(p));
  if (p.newNamespaces & CLONE_NEWUSER) {
    if (unshare(CLONE_NEWUSER) != 0) return fail(errno, "unshare user namespace");
    TRY(syncmsg::send(syncFd, proto::Msg::NeedIdMaps, getpid()));
    TRY(syncmsg::expect(syncFd, proto::Msg::IdMapsDone));
  }
  if (p.becomeRootInUserns) {
    if (setresgid(0, 0, 0) != 0) return fail(errno, "setresgid 0 in the user namespace");
    if (setresuid(0, 0, 0) != 0) return fail(errno, "setresuid 0 in the user namespace");
  }
  int rest = p.newNamespaces & ~(CLONE_NEWUSER | unsharedEarly);
  if (rest) TRY(unshareNew(rest));
  if (p.timeOffsets.size()) {
    // One write: the kernel takes all offsets at once, and only before a process enters the namespace.
    std::string lines;
    for (auto& l : p.timeOffsets) lines += l + "\n";
    TRY(process::writeProc("self/timens_offsets", lines));
  }
  return ok();
}

}  // namespace ns
