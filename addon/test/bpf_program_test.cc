// addon/init/bpf_program.cc: the assembler's long jumps, and the rewrite of libseccomp's programs,
// which must return what libseccomp's program returns for every architecture, number and
// argument tried, be far shorter on a docker-sized profile, and be taken by the kernel.
#include "init/bpf_program.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "test/check.h"

using test::check;
using Program = std::vector<sock_filter>;

namespace {

// Classic BPF as the kernel runs it for seccomp.
uint32_t run(const Program& p, const seccomp_data& d) {
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
  auto word = [&](uint32_t off) {
    uint32_t w;
    memcpy(&w, reinterpret_cast<const char*>(&d) + off, 4);
    return w;
  };
  for (size_t i = 0; i < p.size(); ++i) {
    const sock_filter& f = p[i];
    uint32_t src = BPF_SRC(f.code) == BPF_X ? x : f.k;
    switch (BPF_CLASS(f.code)) {
      case BPF_LD:
        a = BPF_MODE(f.code) == BPF_ABS ? word(f.k) : BPF_MODE(f.code) == BPF_MEM ? mem[f.k] : BPF_MODE(f.code) == BPF_LEN ? sizeof d : f.k;
        break;
      case BPF_LDX: x = BPF_MODE(f.code) == BPF_MEM ? mem[f.k] : BPF_MODE(f.code) == BPF_LEN ? sizeof d : f.k; break;
      case BPF_ST: mem[f.k] = a; break;
      case BPF_STX: mem[f.k] = x; break;
      case BPF_ALU:
        switch (BPF_OP(f.code)) {
          case BPF_ADD: a += src; break;
          case BPF_SUB: a -= src; break;
          case BPF_MUL: a *= src; break;
          case BPF_DIV: a = src ? a / src : 0; break;
          case BPF_MOD: a = src ? a % src : 0; break;
          case BPF_OR: a |= src; break;
          case BPF_AND: a &= src; break;
          case BPF_XOR: a ^= src; break;
          case BPF_LSH: a <<= src; break;
          case BPF_RSH: a >>= src; break;
          case BPF_NEG: a = -a; break;
        }
        break;
      case BPF_JMP: {
        if (BPF_OP(f.code) == BPF_JA) {
          i += f.k;
          break;
        }
        bool taken = BPF_OP(f.code) == BPF_JEQ ? a == src : BPF_OP(f.code) == BPF_JGT ? a > src : BPF_OP(f.code) == BPF_JGE ? a >= src : (a & src) != 0;
        i += taken ? f.jt : f.jf;
        break;
      }
      case BPF_RET: return BPF_RVAL(f.code) == BPF_A ? a : f.k;
      case BPF_MISC: BPF_MISCOP(f.code) == BPF_TAX ? x = a : a = x; break;
    }
  }
  return 0xdead;  // fell off the end: the kernel would have refused the program
}

Program exportOf(scmp_filter_ctx ctx) {
  int fd = memfd_create("bpf-program-test", 0);
  Program p;
  if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0) return p;
  off_t size = lseek(fd, 0, SEEK_END);
  p.resize(static_cast<size_t>(size) / sizeof(sock_filter));
  if (pread(fd, p.data(), static_cast<size_t>(size), 0) != size) p.clear();
  close(fd);
  return p;
}

// A profile in the shape docker's and podman's have: a default of ENOSYS, most syscalls allowed on
// x86_64, x86 and x32, some refused or killing, argument rules on personality, clone and socket;
// with tdrun's ENOSYS stub (addon/init/seccomp.cc) in front, which tests the x32 bit.
Program engineLikeProfile(uint32_t optimize) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, optimize);
  for (uint32_t arch : {SCMP_ARCH_X86, SCMP_ARCH_X32}) seccomp_arch_add(ctx, arch);
  const std::vector<std::string> withArgs = {"personality", "clone", "socket"};
  for (int nr = 0; nr < 460; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
    if (!name) continue;
    std::string n = name;
    free(name);
    bool conditional = false;
    for (auto& w : withArgs) conditional |= n == w;
    if (conditional || nr % 31 == 5) continue;  // left to the default
    uint32_t action = nr % 23 == 0 ? SCMP_ACT_ERRNO(EPERM) : nr % 97 == 1 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ALLOW;
    seccomp_rule_add(ctx, action, seccomp_syscall_resolve_name(n.c_str()), 0);
  }
  for (uint64_t persona : {0ULL, 8ULL, 0x20000ULL, 0xffffffffULL})
    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1, SCMP_A0(SCMP_CMP_EQ, persona));
  seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, 0x7E020000ULL, 0));
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, 40));
  seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_NE, 40));
  Program p = exportOf(ctx);
  seccomp_release(ctx);

  bpf::Assembler a;
  int enosys = a.label(), filter = a.label(), x86_64 = a.label(), x32 = a.label();
  a.load(offsetof(seccomp_data, arch));
  a.jumpIf(BPF_JEQ, AUDIT_ARCH_X86_64, x86_64, bpf::Assembler::kNext);
  a.jumpTo(filter);
  a.bind(x86_64);
  a.load(offsetof(seccomp_data, nr));
  a.jumpIf(BPF_JSET, 0x40000000, x32, bpf::Assembler::kNext);
  a.jumpIf(BPF_JGT, 450, enosys, filter);
  a.bind(x32);
  a.jumpIf(BPF_JGT, 0x40000000 + 550, enosys, filter);
  a.bind(enosys);
  a.ret(SECCOMP_RET_ERRNO | ENOSYS);
  a.bind(filter);
  Program stub;
  if (!a.link(stub)) return {};
  stub.insert(stub.end(), p.begin(), p.end());
  return stub;
}

// Every architecture and number worth telling apart, with arguments the rules look at.
void forEachInput(const std::function<void(const seccomp_data&)>& f) {
  std::vector<uint32_t> nrs;
  for (uint32_t base : {0U, 0x40000000U})
    for (uint32_t nr = 0; nr < 1100; ++nr) nrs.push_back(base + nr);
  for (uint32_t nr : {0x3fffffffU, 0x7fffffffU, 0x80000000U, 0xbfffffffU, 0xc0000000U, 0xffffffffU}) nrs.push_back(nr);
  const std::vector<uint64_t> firstArgs = {0, 8, 0x20000, 0xffffffff, 0x100000008ULL, 40, 0x10000000, 0x7E020000, 0x12345678};
  for (uint32_t arch : std::vector<uint32_t>{AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 0, 0xffffffff})
    for (uint32_t nr : nrs)
      for (uint64_t arg : firstArgs) {
        seccomp_data d = {};
        d.arch = arch;
        d.nr = static_cast<int>(nr);
        d.args[0] = arg;
        f(d);
      }
}

// Installs the program in a child. Once it is in, the child's own syscalls go through it (even
// its exit may be refused), so the child says how seccomp(2) went through shared memory and the
// parent ends it.
bool kernelTakes(const Program& p) {
  auto* said = static_cast<volatile int*>(mmap(nullptr, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  if (said == MAP_FAILED) return false;
  *said = 0;
  pid_t pid = fork();
  if (pid == 0) {
    sock_fprog prog = {static_cast<unsigned short>(p.size()), const_cast<sock_filter*>(p.data())};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
    *said = rc == 0 ? 1 : 1000 + errno;
    for (;;) pause();
  }
  for (int i = 0; i < 2000 && *said == 0; ++i) usleep(1000);
  int result = *said;
  if (pid > 0) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  munmap(const_cast<int*>(said), sizeof(int));
  if (result > 1) fprintf(stderr, "seccomp(SECCOMP_SET_MODE_FILTER) of %zu instructions: %s\n", p.size(), strerror(result - 1000));
  return result == 1;
}

void testRewriteOfLibseccomp(uint32_t optimize) {
  std::string what = "optimize level " + std::to_string(optimize) + ": ";
  Program before = engineLikeProfile(optimize);
  check(before.size() > 300, what + "libseccomp made a program of the expected size (" + std::to_string(before.size()) + ")");
  Program after = before;
  check(bpf::compactDispatch(after), what + "the rewrite takes libseccomp's program");
  check(after.size() * 2 < before.size(),
        what + "the rewrite is at least twice shorter: " + std::to_string(before.size()) + " -> " + std::to_string(after.size()));
  size_t inputs = 0, differ = 0;
  forEachInput([&](const seccomp_data& d) {
    inputs++;
    if (run(before, d) != run(after, d) && differ++ < 5)
      check(false, what + "arch " + std::to_string(d.arch) + " nr " + std::to_string(static_cast<uint32_t>(d.nr)) + " arg0 " +
                       std::to_string(d.args[0]) + ": " + std::to_string(run(before, d)) + " before, " + std::to_string(run(after, d)) + " after");
  });
  check(differ == 0, what + std::to_string(differ) + " of " + std::to_string(inputs) + " inputs return something else");
  if (geteuid() == 0) check(kernelTakes(after), what + "the kernel takes the rewritten program");
}

void testLongJumps() {
  // a conditional jump over 300 instructions, both ways, and one that falls through
  bpf::Assembler a;
  int far = a.label(), farther = a.label();
  a.load(offsetof(seccomp_data, nr));
  a.jumpIf(BPF_JEQ, 1, far, bpf::Assembler::kNext);
  a.jumpIf(BPF_JEQ, 2, bpf::Assembler::kNext, farther);
  for (int i = 0; i < 300; ++i) a.load(offsetof(seccomp_data, nr));
  a.ret(2);
  a.bind(far);
  a.ret(1);
  for (int i = 0; i < 300; ++i) a.ret(0xbad);
  a.bind(farther);
  a.ret(3);
  Program p;
  check(a.link(p), "a program with jumps past 255 instructions links");
  for (uint32_t nr : {1U, 2U, 3U}) {
    seccomp_data d = {};
    d.nr = static_cast<int>(nr);
    check(run(p, d) == nr, "the long jumps reach their labels (nr " + std::to_string(nr) + ")");
  }
  if (geteuid() == 0) check(kernelTakes(p), "the kernel takes the long jumps");
  bpf::Assembler unbound;
  unbound.jumpTo(unbound.label());
  Program none;
  check(!unbound.link(none), "a jump to a label never placed does not link");
}

void testLeftAlone() {
  // a bit test of the number's low bits: too many runs, the program stays as it is
  Program lowBit = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)), BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1),
                    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)};
  Program copy = lowBit;
  check(!bpf::compactDispatch(copy) && copy.size() == lowBit.size(), "a test of bit 0 of the number leaves the program alone");
  // after the choice, a return of A: the rewrite may leave another value in A
  Program returnsA = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, 1),
                      BPF_STMT(BPF_RET | BPF_A, 0), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  copy = returnsA;
  check(!bpf::compactDispatch(copy) && copy.size() == returnsA.size(), "a return of A after the choice leaves the program alone");
}

}  // namespace

int main() {
  testLongJumps();
  testLeftAlone();
  testRewriteOfLibseccomp(1);  // libseccomp's list of comparisons
  testRewriteOfLibseccomp(2);  // its binary tree, as tdrun-init asks for
  if (test::failures) return 1;
  printf("bpf-program: all checks passed\n");
  return 0;
}
