// cgroup v2 device rules: cgroup2 has no devices.allow/devices.deny files; the kernel asks a
// BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup instead. This file builds that program
// from raw BPF instructions (no libbpf: the addon stays free of host libraries) and attaches it.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

namespace device_filter {

constexpr int64_t kAny = -1;

// One exception of the v1 model's end state (src/cgroups/devices.ts, emulate()): always of the
// kind opposite to the default, on a char ('c') or block ('b') device.
struct Exception {
  char type;
  int64_t major;  // kAny: every major
  int64_t minor;  // kAny: every minor
  uint32_t access;  // BPF_DEVCG_ACC_* bits (mknod, read, write)
};

struct Policy {
  bool defaultAllow;
  std::vector<Exception> exceptions;
};

// Returns 1 (allow) or 0 (deny) exactly as cgroup v1 would decide with the same default and
// exceptions (security/device_cgroup.c): on a deny-by-default cgroup, one allow exception must
// hold every requested access bit; on an allow-by-default cgroup, a deny exception sharing any one
// requested bit denies.
std::vector<bpf_insn> buildProgram(const Policy& policy);

// Loads the program and attaches it to the cgroup2 directory with BPF_F_ALLOW_MULTI, then detaches
// the device programs that were attached there before (an update replaces the rules; between the
// two steps both programs must allow, so access is never briefly wider than either set of rules).
// Returns 0 and the new program's id (for detach), or an errno with `failed` naming the step (and
// the verifier's last words).
int attach(const std::string& cgroupDir, const std::vector<bpf_insn>& program, uint32_t& attachedId, std::string& failed);

// Detaches program `id` from the cgroup2 directory (a failed create in a cgroup it did not make;
// one it made takes its programs along when removed). A program or cgroup already gone is no error.
int detach(const std::string& cgroupDir, uint32_t id, std::string& failed);

}  // namespace device_filter
