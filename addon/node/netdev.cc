#include "node/netdev.h"

#include "fd.h"

#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace netdev {
namespace {

Result fail(int err, const std::string& what) { return Result{err, what}; }

// A netlink message being built: header, fixed part, then attributes.
class Message {
 public:
  Message(uint16_t type, uint16_t flags, const void* fixed, size_t size) : buf_(NLMSG_SPACE(size)) {
    auto* h = header();
    h->nlmsg_type = type;
    h->nlmsg_flags = NLM_F_REQUEST | flags;
    memcpy(NLMSG_DATA(h), fixed, size);
    h->nlmsg_len = static_cast<uint32_t>(NLMSG_LENGTH(size));
  }
  void attr(uint16_t type, const void* data, size_t size) {
    size_t at = NLMSG_ALIGN(header()->nlmsg_len);
    buf_.resize(at + RTA_SPACE(size));
    auto* rta = reinterpret_cast<rtattr*>(buf_.data() + at);
    rta->rta_type = type;
    rta->rta_len = static_cast<uint16_t>(RTA_LENGTH(size));
    memcpy(RTA_DATA(rta), data, size);
    header()->nlmsg_len = static_cast<uint32_t>(at + RTA_LENGTH(size));
  }
  void attr(uint16_t type, const std::string& s) { attr(type, s.c_str(), s.size() + 1); }
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }

 private:
  std::vector<char> buf_;
};

class Netlink {
 public:
  // A rtnetlink socket in the network namespace of the file `ns`.
  Result open(const std::string& ns) {
    Fd own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (own.get() < 0) return fail(errno, "open /proc/thread-self/ns/net");
    Fd target(::open(ns.c_str(), O_RDONLY | O_CLOEXEC));
    if (target.get() < 0) return fail(errno, "open " + ns);
    if (setns(target.get(), CLONE_NEWNET) != 0) return fail(errno, "enter the network namespace " + ns);
    fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    int err = errno;
    // back at once: nothing else of this thread may run in the container's namespace
    if (setns(own.get(), CLONE_NEWNET) != 0) abort();
    if (fd_ < 0) return fail(err, "netlink socket");
    return {};
  }
  ~Netlink() {
    if (fd_ >= 0) close(fd_);
  }

  // Sends `m` and reads replies up to the acknowledgement (or, for a dump, NLMSG_DONE), handing
  // every other message to `each`. Returns the kernel's errno, or -1 for a transport failure.
  template <typename Fn>
  int exchange(Message& m, Fn each) {
    auto* h = m.header();
    h->nlmsg_seq = ++seq_;
    if (send(fd_, h, h->nlmsg_len, 0) != static_cast<ssize_t>(h->nlmsg_len)) return errno;
    std::vector<char> buf(65536);
    for (;;) {
      ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return n < 0 ? errno : EPROTO;
      int len = static_cast<int>(n);
      for (auto* r = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(r, len); r = NLMSG_NEXT(r, len)) {
        if (r->nlmsg_seq != seq_) continue;
        if (r->nlmsg_type == NLMSG_DONE) return 0;
        if (r->nlmsg_type == NLMSG_ERROR) return -static_cast<nlmsgerr*>(NLMSG_DATA(r))->error;
        each(r);
      }
    }
  }
  int exchange(Message& m) {
    return exchange(m, [](nlmsghdr*) {});
  }

 private:
  int fd_ = -1;
  uint32_t seq_ = 0;
};

struct Link {
  int index = 0;
  unsigned flags = 0;
};

Result findLink(Netlink& nl, const std::string& name, Link& out) {
  ifinfomsg info = {};
  Message m(RTM_GETLINK, NLM_F_ACK, &info, sizeof info);
  m.attr(IFLA_IFNAME, name);
  int err = nl.exchange(m, [&](nlmsghdr* r) {
    if (r->nlmsg_type != RTM_NEWLINK) return;
    auto* got = static_cast<ifinfomsg*>(NLMSG_DATA(r));
    out = {got->ifi_index, got->ifi_flags};
  });
  if (err) return fail(err, "find interface " + name);
  if (!out.index) return fail(ENODEV, "find interface " + name);
  return {};
}

// An address as RTM_NEWADDR takes it again: the fixed part and the attributes that say what it
// is (the label names the old interface, the cache info is the kernel's own).
struct Address {
  ifaddrmsg head;
  std::vector<std::pair<uint16_t, std::vector<char>>> attrs;
};

Result globalAddresses(Netlink& nl, int index, std::vector<Address>& out) {
  ifaddrmsg all = {};
  Message m(RTM_GETADDR, NLM_F_DUMP, &all, sizeof all);
  int err = nl.exchange(m, [&](nlmsghdr* r) {
    if (r->nlmsg_type != RTM_NEWADDR) return;
    auto* a = static_cast<ifaddrmsg*>(NLMSG_DATA(r));
    if (static_cast<int>(a->ifa_index) != index || a->ifa_scope != RT_SCOPE_UNIVERSE) return;
    Address kept{*a, {}};
    int len = static_cast<int>(IFA_PAYLOAD(r));
    for (auto* rta = IFA_RTA(a); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
      if (rta->rta_type != IFA_LOCAL && rta->rta_type != IFA_ADDRESS && rta->rta_type != IFA_BROADCAST && rta->rta_type != IFA_FLAGS)
        continue;
      auto* data = static_cast<char*>(RTA_DATA(rta));
      kept.attrs.push_back({rta->rta_type, std::vector<char>(data, data + RTA_PAYLOAD(rta))});
    }
    out.push_back(std::move(kept));
  });
  if (err) return fail(err, "list the addresses of interface " + std::to_string(index));
  return {};
}

}  // namespace

Result move(const std::string& fromNs, const std::string& name, const std::string& toNs, const std::string& newName) {
  Netlink from;
  if (Result r = from.open(fromNs); !r.ok()) return r;
  Link link;
  if (Result r = findLink(from, name, link); !r.ok()) return r;
  std::vector<Address> addresses;
  if (Result r = globalAddresses(from, link.index, addresses); !r.ok()) return r;

  Fd target(open(toNs.c_str(), O_RDONLY | O_CLOEXEC));
  if (target.get() < 0) return fail(errno, "open " + toNs);
  // One request moves and renames: the new name never meets the old namespace's interfaces.
  ifinfomsg info = {};
  info.ifi_index = link.index;
  Message m(RTM_NEWLINK, NLM_F_ACK, &info, sizeof info);
  uint32_t nsFd = static_cast<uint32_t>(target.get());
  m.attr(IFLA_NET_NS_FD, &nsFd, sizeof nsFd);
  m.attr(IFLA_IFNAME, newName);
  if (int err = from.exchange(m)) return fail(err, "move interface " + name + " to " + toNs + " as " + newName);

  Netlink to;
  if (Result r = to.open(toNs); !r.ok()) return r;
  Link moved;
  if (Result r = findLink(to, newName, moved); !r.ok()) return r;
  for (auto& a : addresses) {
    ifaddrmsg head = a.head;
    head.ifa_index = static_cast<uint32_t>(moved.index);
    Message add(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &head, sizeof head);
    for (auto& [type, data] : a.attrs) add.attr(type, data.data(), data.size());
    int err = to.exchange(add);
    if (err && err != EEXIST) return fail(err, "give interface " + newName + " its address back");
  }
  // the move takes an interface down
  if (link.flags & IFF_UP) {
    ifinfomsg up = {};
    up.ifi_index = moved.index;
    up.ifi_flags = IFF_UP;
    up.ifi_change = IFF_UP;
    Message set(RTM_NEWLINK, NLM_F_ACK, &up, sizeof up);
    if (int err = to.exchange(set)) return fail(err, "set interface " + newName + " up");
  }
  return {};
}

}  // namespace netdev
