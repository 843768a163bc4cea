// Why the addon and not tdrun-init: tdrun (Node) creates the container's cgroups and writes every
// limit before it tells tdrun-init that they are ready; tdrun-init only enters them
// (clone3(CLONE_INTO_CGROUP)). Attaching the program in that same step means no process of the
// container ever runs in the cgroup without its device rules, `update` can replace the program
// with the same code, and the static helper stays free of code that only v2 hosts need.
//
// The program (the kernel calls it for every open and mknod of a device node with a
// struct bpf_cgroup_dev_ctx in r1, and allows the access when it returns 1):
//   r2 = device type, r3 = requested access bits, r4 = major, r5 = minor
//   for each exception: if it matches, return the opposite of the default
//   return the default
// The exceptions come from the v1 model (src/cgroups/devices.ts replays the config's rules and the
// default allowed devices), so the order of the config's rules is already resolved: each block
// stands alone and the blocks may be tested in any order.
#include "device_filter.h"

#include "fd.h"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace device_filter {
namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

constexpr uint8_t R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

bpf_insn loadCtxWord(uint8_t dst, int16_t offset) { return insn(BPF_LDX | BPF_W | BPF_MEM, dst, R1, offset, 0); }
bpf_insn alu32Imm(uint8_t op, uint8_t dst, int32_t imm) { return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm); }
bpf_insn move32Reg(uint8_t dst, uint8_t src) { return insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0); }
// 32-bit compares (kernel 5.1+): majors and minors are u32 in the context, compared unsigned
bpf_insn jump32Imm(uint8_t op, uint8_t dst, uint32_t imm, int16_t off) {
  return insn(BPF_JMP32 | op | BPF_K, dst, 0, off, static_cast<int32_t>(imm));
}
bpf_insn returnValue(int32_t value) { return insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, value); }
bpf_insn exitInsn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

constexpr uint32_t kAllAccess = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

// The block of one exception; every jump in it leaves for the next block (patched once its length
// is known).
void appendException(std::vector<bpf_insn>& out, const Exception& e, bool defaultAllow) {
  std::vector<bpf_insn> block;
  std::vector<size_t> toNext;
  auto skipUnless = [&](bpf_insn jump) {
    toNext.push_back(block.size());
    block.push_back(jump);
  };
  skipUnless(jump32Imm(BPF_JNE, R2, e.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0));
  if (e.major != kAny) skipUnless(jump32Imm(BPF_JNE, R4, static_cast<uint32_t>(e.major), 0));
  if (e.minor != kAny) skipUnless(jump32Imm(BPF_JNE, R5, static_cast<uint32_t>(e.minor), 0));
  if (e.access != kAllAccess) {
    block.push_back(move32Reg(R0, R3));
    if (defaultAllow) {
      // a deny exception: any requested bit it names denies
      block.push_back(alu32Imm(BPF_AND, R0, static_cast<int32_t>(e.access)));
      skipUnless(jump32Imm(BPF_JEQ, R0, 0, 0));
    } else {
      // an allow exception: it must name every requested bit
      block.push_back(alu32Imm(BPF_AND, R0, static_cast<int32_t>(~e.access & kAllAccess)));
      skipUnless(jump32Imm(BPF_JNE, R0, 0, 0));
    }
  }
  block.push_back(returnValue(defaultAllow ? 0 : 1));
  block.push_back(exitInsn());
  for (size_t at : toNext) block[at].off = static_cast<int16_t>(block.size() - at - 1);
  out.insert(out.end(), block.begin(), block.end());
}

long bpf(int cmd, bpf_attr& attr) { return syscall(SYS_bpf, cmd, &attr, sizeof attr); }

// The verifier gives up with EAGAIN when a signal is pending (a busy Node process gets SIGCHLDs);
// the load is simply tried again, as libbpf does.
long loadProgram(bpf_attr& attr) {
  long fd = -1;
  for (int attempt = 0; attempt < 5; attempt++) {
    fd = bpf(BPF_PROG_LOAD, attr);
    if (fd >= 0 || errno != EAGAIN) break;
  }
  return fd;
}

int fail(int err, std::string& failed, std::string what) {
  failed = std::move(what);
  return err;
}

// The verifier's verdict is the last line of its log: worth a second load to say why.
std::string verifierComplaint(const std::vector<bpf_insn>& program) {
  std::vector<char> log(1 << 16);
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = reinterpret_cast<uint64_t>(program.data());
  attr.insn_cnt = static_cast<uint32_t>(program.size());
  attr.license = reinterpret_cast<uint64_t>("Apache-2.0");
  attr.log_buf = reinterpret_cast<uint64_t>(log.data());
  attr.log_size = static_cast<uint32_t>(log.size());
  attr.log_level = 1;
  int fd = static_cast<int>(loadProgram(attr));
  if (fd >= 0) {
    close(fd);
    return "";
  }
  std::string text(log.data());
  while (!text.empty() && text.back() == '\n') text.pop_back();
  size_t nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

std::vector<uint32_t> attachedIds(int cgroupFd, int& err) {
  std::vector<uint32_t> ids(16);
  for (;;) {
    bpf_attr attr{};
    attr.query.target_fd = static_cast<uint32_t>(cgroupFd);
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = reinterpret_cast<uint64_t>(ids.data());
    attr.query.prog_cnt = static_cast<uint32_t>(ids.size());
    if (bpf(BPF_PROG_QUERY, attr) == 0) {
      ids.resize(attr.query.prog_cnt);
      err = 0;
      return ids;
    }
    if (errno != ENOSPC) {
      err = errno;
      return {};
    }
    ids.resize(attr.query.prog_cnt);
  }
}

// 0 also when the program is no longer attached there.
int detachById(int cgroupFd, uint32_t id) {
  bpf_attr byId{};
  byId.prog_id = id;
  Fd progFd(static_cast<int>(bpf(BPF_PROG_GET_FD_BY_ID, byId)));
  if (!progFd.valid()) return errno == ENOENT ? 0 : errno;
  bpf_attr unlink{};
  unlink.target_fd = static_cast<uint32_t>(cgroupFd);
  unlink.attach_bpf_fd = static_cast<uint32_t>(progFd.get());
  unlink.attach_type = BPF_CGROUP_DEVICE;
  int err = bpf(BPF_PROG_DETACH, unlink) == 0 ? 0 : errno;
  return err == ENOENT ? 0 : err;
}

uint32_t programId(int progFd) {
  bpf_prog_info info{};
  bpf_attr attr{};
  attr.info.bpf_fd = static_cast<uint32_t>(progFd);
  attr.info.info_len = sizeof info;
  attr.info.info = reinterpret_cast<uint64_t>(&info);
  return bpf(BPF_OBJ_GET_INFO_BY_FD, attr) == 0 ? info.id : 0;
}

}  // namespace

std::vector<bpf_insn> buildProgram(const Policy& policy) {
  std::vector<bpf_insn> out = {
      loadCtxWord(R2, offsetof(bpf_cgroup_dev_ctx, access_type)),
      alu32Imm(BPF_AND, R2, 0xffff),
      loadCtxWord(R3, offsetof(bpf_cgroup_dev_ctx, access_type)),
      alu32Imm(BPF_RSH, R3, 16),
      loadCtxWord(R4, offsetof(bpf_cgroup_dev_ctx, major)),
      loadCtxWord(R5, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  for (const Exception& e : policy.exceptions) appendException(out, e, policy.defaultAllow);
  out.push_back(returnValue(policy.defaultAllow ? 1 : 0));
  out.push_back(exitInsn());
  return out;
}

int attach(const std::string& cgroupDir, const std::vector<bpf_insn>& program, uint32_t& attachedId, std::string& failed) {
  Fd cgroupFd(open(cgroupDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroupFd.valid()) return fail(errno, failed, "open " + cgroupDir);
  int err = 0;
  std::vector<uint32_t> before = attachedIds(cgroupFd.get(), err);
  if (err != 0) return fail(err, failed, "query the device programs of " + cgroupDir);

  bpf_attr load{};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uint64_t>(program.data());
  load.insn_cnt = static_cast<uint32_t>(program.size());
  load.license = reinterpret_cast<uint64_t>("Apache-2.0");
  Fd progFd(static_cast<int>(loadProgram(load)));
  if (!progFd.valid()) {
    err = errno;
    std::string why = err == EACCES || err == EINVAL ? verifierComplaint(program) : "";
    return fail(err, failed, "load the device program" + (why.empty() ? "" : " (verifier: " + why + ")"));
  }

  bpf_attr link{};
  link.target_fd = static_cast<uint32_t>(cgroupFd.get());
  link.attach_bpf_fd = static_cast<uint32_t>(progFd.get());
  link.attach_type = BPF_CGROUP_DEVICE;
  link.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, link) != 0) {
    err = errno;
    return fail(err, failed, "attach the device program to " + cgroupDir);
  }
  // the cgroup holds the program now; our fd is no longer needed
  attachedId = programId(progFd.get());
  progFd.reset();

  for (uint32_t id : before) {
    err = detachById(cgroupFd.get(), id);
    if (err != 0) return fail(err, failed, "detach the previous device program " + std::to_string(id));
  }
  return 0;
}

int detach(const std::string& cgroupDir, uint32_t id, std::string& failed) {
  Fd cgroupFd(open(cgroupDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroupFd.valid()) return errno == ENOENT ? 0 : fail(errno, failed, "open " + cgroupDir);
  int err = detachById(cgroupFd.get(), id);
  return err == 0 ? 0 : fail(err, failed, "detach device program " + std::to_string(id) + " from " + cgroupDir);
}

}  // namespace device_filter
