// linux.netDevices: moving a network interface between network namespaces over rtnetlink, with
// its name and its global addresses (the kernel drops addresses on the move). Runs in tdrun's
// own process: setns(CLONE_NEWNET) changes only the calling thread, and only for as long as it
// takes to open a netlink socket there (a socket stays in the namespace it was made in).
#pragma once
#include <string>

namespace netdev {

struct Result {
  int err = 0;       // errno; 0 with an empty `what` = success
  std::string what;  // the step that failed, e.g. "find interface eth1"
  bool ok() const { return what.empty(); }
};

// Moves the interface `name` of the network namespace file `fromNs` into the one of `toNs`,
// called `newName` there, up again if it was up, with the global-scope addresses it had.
Result move(const std::string& fromNs, const std::string& name, const std::string& toNs, const std::string& newName);

}  // namespace netdev
