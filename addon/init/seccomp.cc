#include "seccomp.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <malloc.h>
#include <seccomp.h>  // libseccomp's; this directory's "seccomp.h" is tdrun-init's own
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include "bpf_program.h"
#include "fd.h"
#include "seccomp_cache.h"
#include "sync.h"
#include "unix_socket.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

namespace seccomp {
namespace {

constexpr uint32_t kActionMask = 0xffff0000U;  // SECCOMP_RET_ACTION_FULL
constexpr uint32_t kErrnoEnosys = SECCOMP_RET_ERRNO | ENOSYS;
constexpr uint32_t kX32Bit = 0x40000000U;  // __X32_SYSCALL_BIT: x32 calls come as x86_64 ones with it set

struct Named {
  uint32_t value;
  const char* name;
};

// The runtime-spec's names; SCMP_ACT_KILL is libseccomp's old name for KILL_THREAD.
constexpr Named kActions[] = {
    {SECCOMP_RET_KILL_THREAD, "SCMP_ACT_KILL"}, {SECCOMP_RET_KILL_PROCESS, "SCMP_ACT_KILL_PROCESS"},
    {SECCOMP_RET_KILL_THREAD, "SCMP_ACT_KILL_THREAD"}, {SECCOMP_RET_TRAP, "SCMP_ACT_TRAP"},
    {SECCOMP_RET_ERRNO, "SCMP_ACT_ERRNO"}, {SECCOMP_RET_TRACE, "SCMP_ACT_TRACE"},
    {SECCOMP_RET_ALLOW, "SCMP_ACT_ALLOW"}, {SECCOMP_RET_LOG, "SCMP_ACT_LOG"},
    {SECCOMP_RET_USER_NOTIF, "SCMP_ACT_NOTIFY"},
};

constexpr Named kFlags[] = {
    {SECCOMP_FILTER_FLAG_LOG, "SECCOMP_FILTER_FLAG_LOG"},
    {SECCOMP_FILTER_FLAG_SPEC_ALLOW, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"},
    {SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"},
};

// The runtime-spec's architectures; features reports those this libseccomp knows.
constexpr const char* kArchitectures[] = {
    "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",    "SCMP_ARCH_X32",     "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",  "SCMP_ARCH_MIPS",      "SCMP_ARCH_MIPS64",  "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",   "SCMP_ARCH_MIPSEL64",  "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_S390",    "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",   "SCMP_ARCH_PARISC64",  "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",     "SCMP_ARCH_SH",        "SCMP_ARCH_SHEB",
};

const char* actionName(uint32_t action) {
  for (auto& a : kActions)
    if (a.value == (action & kActionMask) && strcmp(a.name, "SCMP_ACT_KILL") != 0) return a.name;
  return "an unknown action";
}

std::string libseccompVersion() {
  const scmp_version* v = seccomp_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

// libseccomp spells its architectures as the spec's names without the prefix, in lower case.
uint32_t archToken(const std::string& ociName) {
  constexpr size_t prefix = sizeof "SCMP_ARCH_" - 1;
  if (ociName.compare(0, prefix, "SCMP_ARCH_") != 0) return 0;
  std::string name = ociName.substr(prefix);
  for (auto& c : name) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return seccomp_arch_resolve_name(name.c_str());
}

bool actionAvailable(uint32_t action) {
  uint32_t a = action & kActionMask;
  return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &a) == 0;
}

// seccomp(2) checks the flags before it reads the program: EFAULT for no program means they pass.
bool flagsAccepted(unsigned flags) {
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, nullptr) < 0 && errno == EFAULT;
}

// The kernel refuses WAIT_KILLABLE_RECV without NEW_LISTENER, so it is probed with it.
unsigned probeFlags(uint32_t flag) {
  return flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ? flag | SECCOMP_FILTER_FLAG_NEW_LISTENER : flag;
}

bool permissive(uint32_t action) {
  uint32_t a = action & kActionMask;
  return a == SECCOMP_RET_ALLOW || a == SECCOMP_RET_LOG;
}

struct ContextGuard {
  scmp_filter_ctx ctx;
  ~ContextGuard() { seccomp_release(ctx); }
};

// Conditions on distinct arguments must all hold, so they make one rule; several on the same
// argument are alternatives, a rule each (libseccomp takes one comparison per argument and
// rule). That is how runc reads the spec.
Status addRule(scmp_filter_ctx ctx, const plan::SeccompRule& rule, const std::string& name, int nr) {
  std::vector<scmp_arg_cmp> cmps;
  std::set<unsigned> indexes;
  for (auto& a : rule.args) {
    cmps.push_back({a.index, static_cast<scmp_compare>(a.op), a.value, a.valueTwo});
    indexes.insert(a.index);
  }
  int rc = 0;
  if (indexes.size() == cmps.size()) {
    rc = seccomp_rule_add_array(ctx, rule.action, nr, cmps.size(), cmps.data());
  } else {
    for (size_t i = 0; rc == 0 && i < cmps.size(); ++i) rc = seccomp_rule_add_array(ctx, rule.action, nr, 1, &cmps[i]);
  }
  if (rc < 0) return fail(-rc, "seccomp: add the rule for %s", name.c_str());
  return ok();
}

// The highest syscall number the profile names, per kernel architecture (AUDIT_ARCH_*), for its
// plain ABI and, on x86_64, for x32.
struct Limits {
  uint32_t plain = 0, x32 = 0;
};

// runc's answer to profiles older than the kernel: a syscall numbered above everything the
// profile names is newer than the profile, and gets ENOSYS (which glibc takes as "fall back to
// the older call", clone3 -> clone, faccessat2 -> faccessat) rather than the default action.
// This covers numbers libseccomp does not know either, which no libseccomp rule can name.
Status enosysStub(const plan::Seccomp& s, const std::vector<uint32_t>& arches, std::vector<sock_filter>& out) {
  std::map<uint32_t, Limits> limits;
  for (uint32_t token : arches) {
    uint32_t largest = 0;
    for (auto& rule : s.rules)
      for (auto& name : rule.names) {
        int nr = seccomp_syscall_resolve_name_arch(token, name.c_str());
        if (nr >= 0) largest = std::max(largest, static_cast<uint32_t>(nr) | (token == SCMP_ARCH_X32 ? kX32Bit : 0));
      }
    if (!largest) continue;
    if (token == SCMP_ARCH_X32) limits[SCMP_ARCH_X86_64].x32 = largest;
    else limits[token].plain = largest;
  }
  if (limits.empty()) return ok();

  bpf::Assembler a;
  int enosys = a.label(), filter = a.label();
  std::vector<std::pair<const std::pair<const uint32_t, Limits>*, int>> sections;
  a.load(offsetof(seccomp_data, arch));
  for (auto& l : limits) {
    sections.push_back({&l, a.label()});
    a.jumpIf(BPF_JEQ, l.first, sections.back().second, bpf::Assembler::kNext);
  }
  a.jumpTo(filter);  // an architecture the profile names nothing for: libseccomp's program decides
  for (auto [l, section] : sections) {
    a.bind(section);
    a.load(offsetof(seccomp_data, nr));
    if (l->first == SCMP_ARCH_X86_64) {
      int x32 = a.label();
      a.jumpIf(BPF_JSET, kX32Bit, x32, bpf::Assembler::kNext);
      if (l->second.plain) a.jumpIf(BPF_JGT, l->second.plain, enosys, bpf::Assembler::kNext);
      a.jumpTo(filter);
      a.bind(x32);
      if (l->second.x32) a.jumpIf(BPF_JGT, l->second.x32, enosys, bpf::Assembler::kNext);
    } else {
      a.jumpIf(BPF_JGT, l->second.plain, enosys, bpf::Assembler::kNext);
    }
    a.jumpTo(filter);
  }
  a.bind(enosys);
  a.ret(kErrnoEnosys);
  a.bind(filter);
  if (!a.link(out)) return fail(0, "seccomp: the ENOSYS stub jumps to a label it never placed");
  return ok();
}

Status exportProgram(scmp_filter_ctx ctx, std::vector<sock_filter>& out) {
  Fd mem(memfd_create("tdrun-seccomp", MFD_CLOEXEC));
  if (!mem.valid()) return fail(errno, "seccomp: memfd_create");
  int rc = seccomp_export_bpf(ctx, mem.get());
  if (rc < 0) return fail(-rc, "seccomp: export the filter");
  off_t size = lseek(mem.get(), 0, SEEK_END);
  if (size < 0) return fail(errno, "seccomp: size of the exported filter");
  size_t base = out.size();
  out.resize(base + static_cast<size_t>(size) / sizeof(sock_filter));
  if (pread(mem.get(), out.data() + base, static_cast<size_t>(size), 0) != size) return fail(errno, "seccomp: read the exported filter");
  return ok();
}

// libseccomp's part of compile: the rules, the ENOSYS stub and the export.
Status buildProgram(const plan::Seccomp& s, Filter& out) {
  std::vector<sock_filter>& program = out.program;
  ContextGuard guard{seccomp_init(s.defaultAction)};
  if (!guard.ctx) return fail(0, "seccomp: libseccomp %s refused the default action %s", libseccompVersion().c_str(), actionName(s.defaultAction));
  // A binary tree of syscall numbers instead of libseccomp's default list: the program's argument
  // checks, which bpf::compactDispatch keeps as they are, come out shorter, and a program the
  // rewrite leaves alone still costs the kernel a fraction of the list to install and run.
  int optimized = seccomp_attr_set(guard.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (optimized < 0) return fail(-optimized, "seccomp: libseccomp %s: binary tree optimization", libseccompVersion().c_str());
  std::vector<uint32_t> arches = {seccomp_arch_native()};
  for (auto& name : s.architectures) {
    uint32_t token = archToken(name);
    if (!token) return fail(0, "seccomp: architecture %s is not supported by libseccomp %s", name.c_str(), libseccompVersion().c_str());
    int rc = seccomp_arch_add(guard.ctx, token);
    if (rc < 0 && rc != -EEXIST) return fail(-rc, "seccomp: add architecture %s", name.c_str());
    if (rc == 0) arches.push_back(token);
  }

  std::set<std::string> unknown;
  bool namesClone3 = false;
  for (auto& rule : s.rules) {
    for (auto& name : rule.names) {
      namesClone3 |= name == "clone3";
      int nr = seccomp_syscall_resolve_name(name.c_str());
      // Engines' profiles name syscalls newer than this host: skipped, as runc and crun do.
      if (nr == __NR_SCMP_ERROR) {
        unknown.insert(name);
        continue;
      }
      // libseccomp refuses a rule that repeats the default action; it would change nothing.
      if (rule.action == s.defaultAction) continue;
      TRY(addRule(guard.ctx, rule, name, nr));
      out.notifies |= (rule.action & kActionMask) == SECCOMP_RET_USER_NOTIF;
    }
  }
  for (auto& n : unknown) out.skipped += (out.skipped.empty() ? "" : ", ") + n;
  bool enosysDefault = s.defaultAction == kErrnoEnosys || permissive(s.defaultAction);
  if (!enosysDefault && !namesClone3) {
    // glibc 2.34+ tries clone3 first and falls back to clone only on ENOSYS: a profile written
    // before clone3 existed must not make every fork and thread fail with its default errno.
    // (The stub below does the same whenever clone3 is above all the profile names.)
    int rc = seccomp_rule_add(guard.ctx, kErrnoEnosys, seccomp_syscall_resolve_name("clone3"), 0);
    if (rc < 0) return fail(-rc, "seccomp: add the ENOSYS rule for clone3");
  }

  if (!enosysDefault) TRY(enosysStub(s, arches, program));
  TRY(exportProgram(guard.ctx, program));
  // The kernel converts and JIT-compiles the program on every install: the choice by syscall
  // number as ranges is 4-5 times shorter for docker's profile (addon/init/bpf_program.h).
  bpf::compactDispatch(program);
  if (program.size() > BPF_MAXINSNS)
    return fail(0, "seccomp: the filter has %zu instructions, the kernel takes at most %d", program.size(), BPF_MAXINSNS);
  return ok();
}


// ---- the cache of compiled programs (addon/seccomp_cache.h) ---------------------------------

// The build of this file and what it links: tdrun keys the cache by tdrun-init's file, and this
// says the same in the file, so that a program is loaded only by the build that compiled it.
std::string maker() {
  return std::string(__DATE__ " " __TIME__ " libseccomp ") + libseccompVersion() + " arch " + std::to_string(seccomp_arch_native());
}

// Written beside its final name and renamed over it: a reader sees a whole file or none. A
// failure only costs the next container the compile again, so it is not reported.
void writeCache(const plan::Seccomp& s, const Filter& f) {
  if (f.cacheDir < 0) return;
  std::string name = s.cacheKey + ".bpf";
  std::string temp = "." + name + "." + std::to_string(getpid());
  Fd fd(openat(f.cacheDir, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return;
  std::string data = seccomp_cache::format({maker(), s.cacheKey, f.notifies, f.skipped, f.actions, f.program.size()});
  data.append(reinterpret_cast<const char*>(f.program.data()), f.program.size() * sizeof(sock_filter));
  bool written = write(fd.get(), data.data(), data.size()) == static_cast<ssize_t>(data.size());
  if (close(fd.release()) != 0) written = false;
  if (!written || renameat(f.cacheDir, temp.c_str(), f.cacheDir, name.c_str()) != 0) unlinkat(f.cacheDir, temp.c_str(), 0);
}

}  // namespace

Status takeCache(const plan::Seccomp& s, int passed, Filter& out) {
  Fd fd(passed);
  using CacheFd = plan::Seccomp::CacheFd;
  if (s.cacheFd == CacheFd::None && fd.valid()) return fail(0, "the plan message came with an fd that /seccomp/cache does not name");
  if (s.cacheFd != CacheFd::None && !fd.valid()) return fail(0, "/seccomp/cache names an fd, but the plan message came without one");
  if (s.cacheFd == CacheFd::Directory) out.cacheDir = fd.release();
  if (s.cacheFd != CacheFd::Program) return ok();
  // tdrun checked the file and its header; only root can have changed it since
  std::string data;
  seccomp_cache::Header header;
  size_t programAt;
  if (!seccomp_cache::readWhole(fd.get(), data) || !seccomp_cache::parse(data, header, programAt) || header.key != s.cacheKey)
    return fail(0, "seccomp: the cached program %s changed after tdrun checked it", s.cacheKey.c_str());
  if (header.maker != maker())
    return fail(0, "seccomp: the cached program %s was compiled by another tdrun-init (%s); this one is %s", s.cacheKey.c_str(),
                header.maker.c_str(), maker().c_str());
  out.program.resize(header.count);
  memcpy(out.program.data(), data.data() + programAt, header.count * sizeof(sock_filter));
  out.notifies = header.notifies;
  out.skipped = header.skipped;
  out.actions = header.actions;
  out.cached = true;
  return ok();
}

Status compile(const plan::Seccomp& s, Filter& out) {
  if (!out.cached) {
    std::set<uint32_t> actions = {s.defaultAction & kActionMask};
    for (auto& rule : s.rules) actions.insert(rule.action & kActionMask);
    out.actions.assign(actions.begin(), actions.end());
  }
  // The kernel is asked every time: the cache holds what libseccomp made, not what this kernel takes.
  for (uint32_t action : out.actions)
    if (!actionAvailable(action)) return fail(0, "seccomp: %s is not supported by this kernel", actionName(action));
  if (!out.cached) {
    TRY(buildProgram(s, out));
    // libseccomp's working memory (~1 MiB for a docker-sized profile) is free now but would stay
    // in the heap of a created container's waiting init.
    malloc_trim(0);
    writeCache(s, out);
  }
  if (out.cacheDir >= 0) close(out.cacheDir);
  out.cacheDir = -1;
  if (!out.skipped.empty())
    syncmsg::warn("seccomp: syscalls unknown to libseccomp %s skipped: %s", libseccompVersion().c_str(), out.skipped.c_str());
  bool notifies = out.notifies;

  out.flags = s.flags | (notifies ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
  if ((s.flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) && !notifies)
    return fail(0, "seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a SCMP_ACT_NOTIFY rule for a syscall this host knows");
  if (out.flags && !flagsAccepted(out.flags)) {
    for (auto& f : kFlags)
      if ((s.flags & f.value) && !flagsAccepted(probeFlags(f.value))) return fail(0, "seccomp: %s is not supported by this kernel", f.name);
    return fail(0, "seccomp: the kernel refuses the filter flags %#x", out.flags);
  }

  if (notifies) {
    if (s.listenerPath.empty()) return fail(0, "seccomp: SCMP_ACT_NOTIFY needs a listenerPath");
    out.listener = unixsock::connectTo(s.listenerPath);
    if (out.listener < 0) return fail(errno, "seccomp: connect to the listener %s", s.listenerPath.c_str());
  } else if (!s.listenerPath.empty() && std::count(out.actions.begin(), out.actions.end(), SECCOMP_RET_USER_NOTIF)) {
    // (a listener without any NOTIFY rule is already a config.json warning)
    syncmsg::warn("seccomp: no SCMP_ACT_NOTIFY rule names a syscall this host knows: the listener %s gets no notify fd", s.listenerPath.c_str());
  }
  return ok();
}

Status load(const plan::Seccomp& s, Filter& f) {
  sock_fprog prog = {static_cast<unsigned short>(f.program.size()), f.program.data()};
  long notifyFd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f.flags, &prog);
  if (notifyFd < 0) return fail(errno, "seccomp: load the filter");
  if (f.listener < 0) return ok();
  // The head ends inside "state"; only the process itself knows its host pid, which goes in both
  // the state and the containerProcessState.
  std::string pid = std::to_string(f.hostPid);
  std::string message = s.listenerMessageHead + ",\"pid\":" + pid + "},\"pid\":" + pid + "}";
  bool sent = unixsock::sendWithFd(f.listener, message, static_cast<int>(notifyFd));
  int err = errno;
  close(static_cast<int>(notifyFd));
  close(f.listener);
  f.listener = -1;
  if (!sent) return fail(err, "seccomp: send the notify fd to the listener %s", s.listenerPath.c_str());
  return ok();
}

int printFeatures() {
  auto list = [](const std::vector<std::string>& names) {
    std::string out = "[";
    for (auto& n : names) out += (out.size() > 1 ? ",\"" : "\"") + n + "\"";
    return out + "]";
  };
  std::vector<std::string> actions, archs, flags = {"SECCOMP_FILTER_FLAG_TSYNC"};
  for (auto& a : kActions)
    if (actionAvailable(a.value)) actions.push_back(a.name);
  for (auto* name : kArchitectures)
    if (archToken(name)) archs.push_back(name);
  for (auto& f : kFlags)
    if (flagsAccepted(probeFlags(f.value))) flags.push_back(f.name);
  std::string json = "{\"libseccomp\":\"" + libseccompVersion() + "\",\"actions\":" + list(actions) +
                     ",\"operators\":" +
                     list({"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"}) +
                     ",\"archs\":" + list(archs) + ",\"flags\":" + list(flags) + "}\n";
  return fputs(json.c_str(), stdout) < 0 || fflush(stdout) != 0 ? 1 : 0;
}

}  // namespace seccomp
