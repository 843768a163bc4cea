#include "bpf_program.h"

#include <linux/seccomp.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <set>

namespace bpf {

int Assembler::label() {
  at_.push_back(-1);
  return static_cast<int>(at_.size()) - 1;
}

void Assembler::bind(int label) { at_[label] = static_cast<int>(ops_.size()); }

void Assembler::emit(sock_filter insn) { ops_.push_back({insn, kNone, kNone, kNone}); }

void Assembler::load(uint32_t offset) { emit(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); }

void Assembler::ret(uint32_t k) { emit(BPF_STMT(BPF_RET | BPF_K, k)); }

void Assembler::jumpTo(int label) { ops_.push_back({BPF_STMT(BPF_JMP | BPF_JA, 0), kNone, kNone, label}); }

void Assembler::jumpIf(uint16_t op, uint32_t k, int ifTrue, int ifFalse) {
  ops_.push_back({BPF_JUMP(BPF_JMP | op | BPF_K, k, 0, 0), ifTrue, ifFalse, kNone});
}

bool Assembler::link(std::vector<sock_filter>& out) const {
  size_t n = ops_.size();
  for (int at : at_)
    if (at < 0) return false;
  // farTrue/farFalse: that side of a conditional jump goes through a `ja` placed right after it
  std::vector<bool> farTrue(n), farFalse(n);
  std::vector<int> pos(n + 1);
  auto layOut = [&] {
    for (size_t i = 0; i < n; ++i) pos[i + 1] = pos[i] + 1 + farTrue[i] + farFalse[i];
  };
  auto target = [&](size_t i, int label) { return label == kNext ? pos[i + 1] : pos[at_[label]]; };
  auto conditional = [&](size_t i) { return BPF_CLASS(ops_[i].insn.code) == BPF_JMP && ops_[i].always < 0; };
  // Lengthening a jump only moves targets further away, so this ends.
  for (bool changed = true; changed;) {
    layOut();
    changed = false;
    for (size_t i = 0; i < n; ++i) {
      if (!conditional(i)) continue;
      if (!farTrue[i] && target(i, ops_[i].ifTrue) - pos[i] - 1 > 255) changed = farTrue[i] = true;
      if (!farFalse[i] && target(i, ops_[i].ifFalse) - pos[i] - 1 > 255) changed = farFalse[i] = true;
    }
  }
  size_t base = out.size();
  for (size_t i = 0; i < n; ++i) {
    sock_filter f = ops_[i].insn;
    if (ops_[i].always != kNone) {
      int d = target(i, ops_[i].always) - pos[i] - 1;
      if (d < 0) return out.resize(base), false;
      f.k = static_cast<uint32_t>(d);
    }
    if (!conditional(i)) {
      out.push_back(f);
      continue;
    }
    int dTrue = target(i, ops_[i].ifTrue) - pos[i] - 1, dFalse = target(i, ops_[i].ifFalse) - pos[i] - 1;
    if (dTrue < 0 || dFalse < 0) return out.resize(base), false;
    f.jt = static_cast<uint8_t>(farTrue[i] ? 0 : dTrue);
    f.jf = static_cast<uint8_t>(farFalse[i] ? farTrue[i] : dFalse);
    out.push_back(f);
    if (farTrue[i]) out.push_back(BPF_STMT(BPF_JMP | BPF_JA, static_cast<uint32_t>(dTrue - 1)));
    if (farFalse[i]) out.push_back(BPF_STMT(BPF_JMP | BPF_JA, static_cast<uint32_t>(dFalse - 1 - farTrue[i])));
  }
  return true;
}

namespace {

constexpr uint32_t kNrOffset = offsetof(seccomp_data, nr);
constexpr uint32_t kArchOffset = offsetof(seccomp_data, arch);
// A bit test splits the numbers into runs as long as its lowest bit is worth; below this, too many.
constexpr int kLowestTestedBit = 20;

// What A holds on the way to the choice.
enum Field { kNothing, kArch, kNr, kFields };

bool loads(const sock_filter& f, uint32_t offset) { return f.code == (BPF_LD | BPF_W | BPF_ABS) && f.k == offset; }
bool isJa(const sock_filter& f) { return f.code == (BPF_JMP | BPF_JA); }
bool isTest(const sock_filter& f) {
  if (BPF_CLASS(f.code) != BPF_JMP || BPF_SRC(f.code) != BPF_K) return false;
  uint16_t op = BPF_OP(f.code);
  return op == BPF_JEQ || op == BPF_JGT || op == BPF_JGE || op == BPF_JSET;
}
bool holds(const sock_filter& f, uint32_t value) {
  switch (BPF_OP(f.code)) {
    case BPF_JEQ: return value == f.k;
    case BPF_JGT: return value > f.k;
    case BPF_JGE: return value >= f.k;
    default: return (value & f.k) != 0;
  }
}

// Where the choice ends: a return of a constant, or a load into A, which what follows reads
// instead of what the choice left in A (anything else might read A, which the rewrite changes).
bool endsChoice(const sock_filter& f) { return f.code == (BPF_RET | BPF_K) || BPF_CLASS(f.code) == BPF_LD; }

// Where a run of equal outcomes begins, as a set of starts (0 always among them).
using Starts = std::set<uint32_t>;

bool addStarts(const sock_filter& f, Starts& starts) {
  auto add = [&](uint64_t v) {
    if (v <= UINT32_MAX) starts.insert(static_cast<uint32_t>(v));
  };
  switch (BPF_OP(f.code)) {
    case BPF_JEQ: add(f.k), add(uint64_t{f.k} + 1); return true;
    case BPF_JGT: add(uint64_t{f.k} + 1); return true;
    case BPF_JGE: add(f.k); return true;
    default: {
      if (!f.k) return true;
      int lowest = __builtin_ctz(f.k);
      if (lowest < kLowestTestedBit) return false;
      for (uint64_t v = uint64_t{1} << lowest; v <= UINT32_MAX; v += uint64_t{1} << lowest) add(v);
      return true;
    }
  }
}

class Rewrite {
 public:
  explicit Rewrite(const std::vector<sock_filter>& p) : p_(p) {}

  // Walks every path from the start through the choice; false where it leaves what is modelled.
  bool survey() {
    std::vector<bool> seen(p_.size() * kFields);
    std::vector<std::pair<size_t, Field>> todo = {{0, kNothing}};
    starts_[kArch].insert(0);
    starts_[kNr].insert(0);
    while (!todo.empty()) {
      auto [i, field] = todo.back();
      todo.pop_back();
      if (i >= p_.size()) return false;
      if (seen[i * kFields + field]) continue;
      seen[i * kFields + field] = true;
      const sock_filter& f = p_[i];
      if (loads(f, kArchOffset) || loads(f, kNrOffset)) {
        todo.push_back({i + 1, loads(f, kArchOffset) ? kArch : kNr});
      } else if (isJa(f)) {
        todo.push_back({i + 1 + f.k, field});
      } else if (isTest(f) && field != kNothing) {
        if (!addStarts(f, starts_[field])) return false;
        todo.push_back({i + 1 + f.jt, field});
        todo.push_back({i + 1 + f.jf, field});
      } else if (!endsChoice(f)) {
        return false;
      }
    }
    return true;
  }

  // The instruction at which the choice ends for this architecture and number.
  size_t outcome(uint32_t arch, uint32_t nr) const {
    size_t i = 0;
    uint32_t a = 0;
    for (;;) {
      const sock_filter& f = p_[i];
      if (loads(f, kArchOffset) || loads(f, kNrOffset)) {
        a = loads(f, kArchOffset) ? arch : nr;
        i++;
      } else if (isJa(f)) {
        i += 1 + f.k;
      } else if (isTest(f)) {  // survey() saw that A holds the architecture or the number here
        i += 1 + (holds(f, a) ? f.jt : f.jf);
      } else {
        return i;
      }
    }
  }

  bool emit(std::vector<sock_filter>& out) {
    // Per run of architectures, the runs of numbers and where each goes; runs of architectures
    // that go the same way share one search over numbers.
    using Runs = std::vector<std::pair<uint32_t, size_t>>;  // (first value, outcome)
    std::vector<std::pair<uint32_t, Runs>> byArch;
    for (uint32_t arch : starts_[kArch]) {
      Runs runs;
      for (uint32_t nr : starts_[kNr]) {
        size_t o = outcome(arch, nr);
        if (runs.empty() || runs.back().second != o) runs.push_back({nr, o});
      }
      if (byArch.empty() || byArch.back().second != runs) byArch.push_back({arch, std::move(runs)});
    }
    std::map<Runs, int> searches;  // the label of each distinct search over numbers
    for (auto& [arch, runs] : byArch)
      if (runs.size() > 1) searches.emplace(runs, a_.label());

    // What the choice leads to past its returns: kept as it was, with every instruction it reaches.
    std::vector<bool> kept(p_.size());
    for (auto& [arch, runs] : byArch)
      for (auto& [nr, o] : runs) keep(o, kept);
    std::vector<int> keptLabel(p_.size(), -1);
    for (size_t i = 0; i < p_.size(); ++i)
      if (kept[i]) keptLabel[i] = a_.label();

    // The search over architectures, then each search over numbers; each search is followed by the
    // returns it leads to, so that its jumps stay short.
    a_.load(kArchOffset);
    std::map<size_t, int> returns;
    auto target = [&](size_t o) {
      if (BPF_CLASS(p_[o].code) != BPF_RET) return keptLabel[o];
      auto [it, added] = returns.emplace(o, 0);
      if (added) it->second = a_.label();
      return it->second;
    };
    auto placeReturns = [&] {
      for (auto [o, label] : returns) {
        a_.bind(label);
        a_.emit(p_[o]);
      }
      returns.clear();
    };
    std::vector<std::pair<uint32_t, int>> archTargets;
    for (auto& [arch, runs] : byArch) archTargets.push_back({arch, runs.size() > 1 ? searches[runs] : target(runs[0].second)});
    search(archTargets);
    placeReturns();
    for (auto& [runs, label] : searches) {
      a_.bind(label);
      a_.load(kNrOffset);
      std::vector<std::pair<uint32_t, int>> nrTargets;
      for (auto& [nr, o] : runs) nrTargets.push_back({nr, target(o)});
      search(nrTargets);
      placeReturns();
    }
    for (size_t i = 0; i < p_.size(); ++i) {
      if (!kept[i]) continue;
      a_.bind(keptLabel[i]);
      const sock_filter& f = p_[i];
      if (isJa(f)) a_.jumpTo(keptLabel[i + 1 + f.k]);
      else if (BPF_CLASS(f.code) == BPF_JMP) a_.jumpIf(BPF_OP(f.code) | BPF_SRC(f.code), f.k, keptLabel[i + 1 + f.jt], keptLabel[i + 1 + f.jf]);
      else a_.emit(f);
    }
    return a_.link(out);
  }

 private:
  // Everything reachable from instruction i (a return ends a path; every other instruction that
  // is no jump goes on to the next one).
  void keep(size_t i, std::vector<bool>& kept) const {
    if (BPF_CLASS(p_[i].code) == BPF_RET) return;
    std::vector<size_t> todo = {i};
    while (!todo.empty()) {
      size_t at = todo.back();
      todo.pop_back();
      if (at >= p_.size() || kept[at]) continue;
      kept[at] = true;
      const sock_filter& f = p_[at];
      if (BPF_CLASS(f.code) == BPF_RET) continue;
      if (isJa(f)) {
        todo.push_back(at + 1 + f.k);
      } else if (BPF_CLASS(f.code) == BPF_JMP) {
        todo.push_back(at + 1 + f.jt);
        todo.push_back(at + 1 + f.jf);
      } else {
        todo.push_back(at + 1);
      }
    }
  }

  // A balanced search over runs (the first starting at 0): n-1 comparisons, each side either
  // the run it leaves or the search over the runs on that side.
  void search(const std::vector<std::pair<uint32_t, int>>& runs) {
    if (runs.size() == 1) return a_.jumpTo(runs[0].second);
    searchBetween(runs, 0, runs.size());
  }
  void searchBetween(const std::vector<std::pair<uint32_t, int>>& runs, size_t lo, size_t hi) {
    size_t mid = lo + (hi - lo) / 2;
    int below = mid - lo == 1 ? runs[lo].second : Assembler::kNext;
    int above = hi - mid == 1 ? runs[mid].second : a_.label();
    a_.jumpIf(BPF_JGE, runs[mid].first, above, below);
    if (mid - lo > 1) searchBetween(runs, lo, mid);
    if (hi - mid > 1) {
      a_.bind(above);
      searchBetween(runs, mid, hi);
    }
  }

  const std::vector<sock_filter>& p_;
  Starts starts_[kFields];
  Assembler a_;
};

}  // namespace

bool compactDispatch(std::vector<sock_filter>& program) {
  if (program.empty()) return false;
  Rewrite rewrite(program);
  if (!rewrite.survey()) return false;
  std::vector<sock_filter> out;
  if (!rewrite.emit(out) || out.size() >= program.size()) return false;
  program = std::move(out);
  return true;
}

}  // namespace bpf
