// Classic BPF for seccomp, below libseccomp: an assembler with labels, and the rewrite that makes
// libseccomp's programs short. No libseccomp here, no system calls.
#pragma once
#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bpf {

// Jumps name labels, placed once the layout is known. A conditional jump reaches at most 255
// instructions ahead; one whose target lies further gets a `ja` (which reaches any distance)
// right after it, and the program is laid out again until every jump fits.
class Assembler {
 public:
  static constexpr int kNext = -1;  // as a jump's target: the next instruction

  int label();
  void bind(int label);
  // an instruction that is no jump (a load, a return, arithmetic)
  void emit(sock_filter insn);
  void load(uint32_t offset);  // A = the 32-bit word at `offset` of struct seccomp_data
  void ret(uint32_t k);
  void jumpTo(int label);
  // BPF_JEQ, BPF_JGT, BPF_JGE or BPF_JSET, of A against k (or, with BPF_X in op, against X)
  void jumpIf(uint16_t op, uint32_t k, int ifTrue, int ifFalse);
  size_t size() const { return ops_.size(); }

  // False when a jump goes backwards or to a label never bound (BPF jumps only forward).
  bool link(std::vector<sock_filter>& out) const;

 private:
  struct Op {
    sock_filter insn;
    int ifTrue, ifFalse, always;  // labels, kNext, or kNone where the op has no such jump
  };
  static constexpr int kNone = -2;
  std::vector<Op> ops_;
  std::vector<int> at_;  // label -> index of the op it is bound before
};

// Rewrites how a seccomp program finds its way by architecture and syscall number into a binary
// search over ranges of numbers that go the same way: libseccomp compares the number with every
// syscall the profile names (~1,100 comparisons for docker's profile on x86_64, x86 and x32, ~90
// once merged into ranges). The kernel converts and JIT-compiles the whole program each time one
// is installed, a cost that grows with its length and that every container pays; every syscall
// the container makes runs fewer steps too. What follows the choice (the argument checks, the
// returns) is kept as libseccomp made it. The new program returns what the old one returns for
// every input. False, and `program` left alone, when the program does something the rewrite does
// not model (a test of A before any load of it, a bit test of the number's low bits, a step after
// the choice that reads A).
bool compactDispatch(std::vector<sock_filter>& program);

}  // namespace bpf
