// Unit test of the cgroup v2 device program (addon/node/device_filter.cc), run by ctest (and so by
// `npm test`, through src/cgroups/device-filter.test.ts). Two halves:
// - an interpreter of the few BPF instructions the generator emits runs each program on the
//   accesses a container makes, against the decisions cgroup v1 makes with the same rules
//   (BPF_PROG_TEST_RUN does not run CGROUP_DEVICE programs);
// - as root, with a cgroup2 mount (pure v2 or hybrid), the kernel's verifier loads the program and a
//   child process in a fresh cgroup2 cgroup meets it for real: open and mknod allowed or EPERM.
#include "node/device_filter.h"
#include "test/check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

using device_filter::Exception;
using device_filter::kAny;
using device_filter::Policy;

using test::check;
using test::failures;

namespace {

constexpr uint32_t M = BPF_DEVCG_ACC_MKNOD, R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE;

// Runs the program on one access; returns r0, or -1 when the program does something the
// generator should never emit (an unknown instruction, a jump out of the program, no exit).
int64_t run(const std::vector<bpf_insn>& prog, char type, uint32_t major, uint32_t minor, uint32_t access) {
  bpf_cgroup_dev_ctx ctx{(access << 16) | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR), major, minor};
  uint64_t reg[11] = {};
  bool written[11] = {};
  written[1] = true;
  for (size_t pc = 0, steps = 0; pc < prog.size() && steps < 4096; steps++) {
    const bpf_insn& i = prog[pc++];
    auto src = [&]() -> uint64_t { return written[i.src_reg] ? reg[i.src_reg] : ~0ull; };
    uint32_t imm = static_cast<uint32_t>(i.imm);
    switch (i.code) {
      case BPF_LDX | BPF_W | BPF_MEM: {
        if (i.src_reg != 1 || i.off < 0 || i.off + 4 > static_cast<int>(sizeof ctx) || i.off % 4) return -1;
        uint32_t word;
        std::memcpy(&word, reinterpret_cast<const char*>(&ctx) + i.off, 4);
        reg[i.dst_reg] = word;
        written[i.dst_reg] = true;
        break;
      }
      case BPF_ALU | BPF_AND | BPF_K: reg[i.dst_reg] = static_cast<uint32_t>(reg[i.dst_reg]) & imm; break;
      case BPF_ALU | BPF_RSH | BPF_K: reg[i.dst_reg] = static_cast<uint32_t>(reg[i.dst_reg]) >> imm; break;
      case BPF_ALU | BPF_MOV | BPF_X:
        if (!written[i.src_reg]) return -1;
        reg[i.dst_reg] = static_cast<uint32_t>(src());
        written[i.dst_reg] = true;
        break;
      case BPF_ALU64 | BPF_MOV | BPF_K:
        reg[i.dst_reg] = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
        written[i.dst_reg] = true;
        break;
      case BPF_JMP32 | BPF_JNE | BPF_K:
      case BPF_JMP32 | BPF_JEQ | BPF_K: {
        if (!written[i.dst_reg]) return -1;
        bool equal = static_cast<uint32_t>(reg[i.dst_reg]) == imm;
        if (equal == ((i.code & 0xf0) == BPF_JEQ)) {
          if (i.off < 0 || pc + i.off > prog.size()) return -1;
          pc += i.off;
        }
        break;
      }
      case BPF_JMP | BPF_EXIT: return written[0] ? static_cast<int64_t>(reg[0]) : -1;
      default: return -1;
    }
  }
  return -1;
}

std::string describe(char type, uint32_t major, uint32_t minor, uint32_t access) {
  std::ostringstream s;
  s << type << ' ' << major << ':' << minor << ' ' << ((access & R) ? "r" : "") << ((access & W) ? "w" : "")
    << ((access & M) ? "m" : "");
  return s.str();
}

void expectDecision(const char* policyName, const std::vector<bpf_insn>& prog, char type, uint32_t major, uint32_t minor,
                    uint32_t access, bool allowed) {
  int64_t got = run(prog, type, major, minor, access);
  check(got == (allowed ? 1 : 0), std::string(policyName) + ": " + describe(type, major, minor, access) + " should be " +
                                      (allowed ? "allowed" : "denied") + ", program returned " + std::to_string(got));
}

// What src/cgroups/devices.ts makes of `tdrun spec`'s {"allow": false, "access": "rwm"} followed
// by the default allowed devices (runc's list).
Policy defaultContainer() {
  std::vector<Exception> allowed = {
      {'c', kAny, kAny, M}, {'b', kAny, kAny, M}, {'c', 1, 3, M | R | W},  {'c', 1, 8, M | R | W},
      {'c', 1, 7, M | R | W}, {'c', 5, 0, M | R | W}, {'c', 1, 5, M | R | W}, {'c', 1, 9, M | R | W},
      {'c', 136, kAny, M | R | W}, {'c', 5, 2, M | R | W}, {'c', 10, 200, M | R | W},
  };
  return {false, allowed};
}

void interpreterTests() {
  auto prog = device_filter::buildProgram(defaultContainer());
  const char* name = "default container";
  expectDecision(name, prog, 'c', 1, 3, R | W, true);
  expectDecision(name, prog, 'c', 1, 9, R, true);
  expectDecision(name, prog, 'c', 136, 7, R | W, true);
  expectDecision(name, prog, 'c', 10, 200, R | W, true);
  expectDecision(name, prog, 'c', 1, 11, R, false);  // /dev/kmsg
  expectDecision(name, prog, 'c', 1, 11, M, true);  // mknod of any char device
  expectDecision(name, prog, 'b', 8, 0, R, false);
  expectDecision(name, prog, 'b', 8, 0, M, true);
  expectDecision(name, prog, 'b', 1, 3, R, false);  // block 1:3 is not /dev/null
  expectDecision(name, prog, 'c', 10, 229, R | W, false);

  // deny by default: one exception must hold every requested bit
  Policy readOnly{false, {{'c', 4, 1, R}}};
  prog = device_filter::buildProgram(readOnly);
  expectDecision("read-only tty1", prog, 'c', 4, 1, R, true);
  expectDecision("read-only tty1", prog, 'c', 4, 1, R | W, false);
  expectDecision("read-only tty1", prog, 'c', 4, 1, W, false);
  expectDecision("read-only tty1", prog, 'c', 4, 2, R, false);

  // allow by default: a deny exception sharing any requested bit denies (v1's partial match)
  Policy noWrite{true, {{'c', 1, 5, W}, {'c', kAny, 7, M | R | W}, {'b', 8, kAny, R}}};
  prog = device_filter::buildProgram(noWrite);
  expectDecision("deny list", prog, 'c', 1, 5, R | W, false);
  expectDecision("deny list", prog, 'c', 1, 5, R, true);
  expectDecision("deny list", prog, 'c', 9, 7, M, false);
  expectDecision("deny list", prog, 'c', 9, 8, R | W | M, true);
  expectDecision("deny list", prog, 'b', 8, 3, R, false);
  expectDecision("deny list", prog, 'b', 8, 3, W, true);
  expectDecision("deny list", prog, 'c', 8, 3, R, true);

  prog = device_filter::buildProgram({false, {}});
  expectDecision("deny all", prog, 'c', 1, 3, R, false);
  prog = device_filter::buildProgram({true, {}});
  expectDecision("allow all", prog, 'b', 8, 0, R | W | M, true);
  // the largest device numbers the kernel has (12-bit major, 20-bit minor) are compared unsigned
  prog = device_filter::buildProgram({false, {{'c', 4095, 0xfffff, R}}});
  expectDecision("large numbers", prog, 'c', 4095, 0xfffff, R, true);
  expectDecision("large numbers", prog, 'c', 4095, 0xffffe, R, false);
}

std::string cgroup2Mount() {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    size_t sep = line.find(" - cgroup2 ");
    if (sep == std::string::npos) continue;
    std::istringstream fields(line.substr(0, sep));
    std::string f[5];
    for (auto& x : f) fields >> x;
    return f[4];
  }
  return "";
}

uint32_t attachedCount(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  uint32_t ids[8];
  bpf_attr attr{};
  attr.query.target_fd = fd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = reinterpret_cast<uint64_t>(ids);
  attr.query.prog_cnt = 8;
  long r = syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof attr);
  close(fd);
  return r == 0 ? attr.query.prog_cnt : 99;
}

// In a child moved into `dir`: 0 when the open succeeds, else its errno.
int openInCgroup(const std::string& dir, const char* path, int flags) {
  pid_t pid = fork();
  if (pid == 0) {
    int procs = open((dir + "/cgroup.procs").c_str(), O_WRONLY);
    if (procs < 0 || write(procs, "0", 1) != 1) _exit(100);
    int fd = open(path, flags | O_CLOEXEC);
    _exit(fd >= 0 ? 0 : errno);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 101;
}

int kernelTests() {
  std::string mount = cgroup2Mount();
  if (geteuid() != 0 || mount.empty()) {
    std::printf("kernel half skipped: %s\n", geteuid() != 0 ? "not root" : "no cgroup2 mount");
    return 77;
  }
  std::string dir = mount + "/tdrun-device-filter-test-" + std::to_string(getpid());
  std::string node = "/tmp/tdrun-device-filter-test-kmsg-" + std::to_string(getpid());
  if (mkdir(dir.c_str(), 0755) != 0) {
    check(false, "mkdir " + dir + ": " + strerror(errno));
    return 1;
  }
  std::string failed;
  uint32_t id = 0;
  int err = device_filter::attach(dir, device_filter::buildProgram(defaultContainer()), id, failed);
  check(err == 0, "attach: " + failed + ": " + strerror(err));
  if (err == 0) {
    check(openInCgroup(dir, "/dev/null", O_RDWR) == 0, "open /dev/null rw in the cgroup");
    check(openInCgroup(dir, "/dev/kmsg", O_RDONLY) == EPERM, "open /dev/kmsg in the cgroup should get EPERM");
    check(openInCgroup(dir, "/dev/kmsg", O_RDONLY) == EPERM, "open /dev/kmsg in the cgroup should get EPERM");
    // a node the container makes itself (mknod is allowed) still cannot be opened
    unlink(node.c_str());
    check(mknod(node.c_str(), S_IFCHR | 0600, makedev(1, 11)) == 0, "mknod " + node);
    check(openInCgroup(dir, node.c_str(), O_RDONLY) == EPERM, "open a new 1:11 node in the cgroup should get EPERM");
    check(attachedCount(dir) == 1, "one program attached after the first attach");

    // an update replaces the program: the old one is detached, access follows the new rules
    uint32_t first = id;
    err = device_filter::attach(dir, device_filter::buildProgram({true, {{'c', 1, 3, W}}}), id, failed);
    check(err == 0, "second attach: " + failed + ": " + strerror(err));
    check(id != 0 && id != first, "the second program has an id of its own");
    check(attachedCount(dir) == 1, "one program attached after the update");
    check(openInCgroup(dir, "/dev/kmsg", O_RDONLY) == 0, "open /dev/kmsg after the update");
    check(openInCgroup(dir, "/dev/null", O_WRONLY) == EPERM, "write /dev/null after the update should get EPERM");

    // a failed create detaches what it attached; detaching it twice is no error
    err = device_filter::detach(dir, id, failed);
    check(err == 0, "detach: " + failed + ": " + strerror(err));
    check(attachedCount(dir) == 0, "no program attached after the detach");
    check(openInCgroup(dir, "/dev/null", O_WRONLY) == 0, "write /dev/null after the detach");
    check(device_filter::detach(dir, id, failed) == 0, "a second detach is no error");
    unlink(node.c_str());
  }
  check(rmdir(dir.c_str()) == 0, "rmdir " + dir + ": " + strerror(errno));
  return 0;
}

}  // namespace

int main() {
  interpreterTests();
  int kernel = kernelTests();
  if (failures > 0) return 1;
  std::printf("device filter: all checks passed%s\n", kernel == 77 ? " (interpreter only)" : "");
  return kernel;
}
