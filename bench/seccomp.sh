#!/bin/bash
# What a default engine seccomp profile costs `run`: tdrun and runc, each with and without the
# profile podman sends (bench/default-profile.mts), side by side in one run. tdrun is measured
# twice with the profile: with its compiled-filter cache cold (emptied before every run, so each
# run compiles) and warm. CPU time (user+sys of the runtime and everything it waited for) is the
# number that counts on a shared machine. What the profile costs is the median over the rounds of
# the variant with it less the one without, run back to back. The warm one, which judges issue
# 15's target (at most 1 ms), gets M more rounds of its own pair (900): single runs differ by ~5 ms
# here, which leaves the median of 60 differences ±0.5 ms. --results FILE gets the costs as
# "tdrun_warm|tdrun_cold|runc<TAB>ms".
#   bench/seccomp.sh [--tdrun PATH] [--runs N] [--pair-rounds M] [--results FILE]
set -uo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
work=$repo/bench/.work/seccomp
node=$repo/node_modules/node/bin/node
tdrun_bin=${TDRUN:-$repo/bin/tdrun}
runs=60 pair_rounds=900 results=
while [ $# -gt 0 ]; do
  case $1 in
    --tdrun) tdrun_bin=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --pair-rounds) pair_rounds=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    *) echo "usage: bench/seccomp.sh [--tdrun PATH] [--runs N] [--pair-rounds M] [--results FILE]" >&2; exit 2 ;;
  esac
done
die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (containers need it)"
command -v cc >/dev/null || die "a C compiler is missing (apt-get install gcc)"
runc_bin=$(command -v runc) || die "runc is missing (apt-get install runc)"
busybox=$(command -v busybox) && ! ldd "$busybox" >/dev/null 2>&1 ||
  die "a static busybox is needed for the rootfs (apt-get install busybox-static)"
[ -f /usr/share/containers/seccomp.json ] ||
  die "the engines' default profile is missing (apt-get install golang-github-containers-common)"

id=tdbench-seccomp-$$
cleanup() {
  "$tdrun_bin" --root "$work/root-tdrun" delete --force "$id" >/dev/null 2>&1
  "$runc_bin" --root "$work/root-runc" delete --force "$id" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
rm -rf "$work"
mkdir -p "$work/plain/rootfs/bin" "$work/out"
cp "$busybox" "$work/plain/rootfs/bin/busybox"
ln -s busybox "$work/plain/rootfs/bin/true"
(cd "$work/plain" && "$runc_bin" spec) || die "runc spec failed"
"$node" -e 'const fs = require("fs"); const [dir, profile] = process.argv.slice(1);
  const c = JSON.parse(fs.readFileSync(dir + "/plain/config.json"));
  c.process.terminal = false; c.process.args = ["/bin/true"];
  fs.writeFileSync(dir + "/plain/config.json", JSON.stringify(c));
  c.root.path = dir + "/plain/rootfs"; c.linux.seccomp = JSON.parse(profile);
  fs.mkdirSync(dir + "/profile"); fs.writeFileSync(dir + "/profile/config.json", JSON.stringify(c));' \
  "$work" "$("$node" "$repo/bench/default-profile.mts")" || die "making the bundles failed"

cc -O2 -Wall -o "$work/cputime" "$repo/bench/cputime.c" || die "building bench/cputime.c failed"
mkdir -p "$work/root-tdrun" "$work/root-tdrun-cold" "$work/root-runc"
# The first run of each makes its root, and the warm one's compiled program; the cold root's cache
# is emptied before each of its runs.
for r in tdrun tdrun-cold; do "$tdrun_bin" --root "$work/root-$r" run --bundle "$work/profile" "$id" >/dev/null 2>&1; done
run() { echo "$1" -- "$2" --root "$work/root-$3" run --bundle "$work/$4" "$id" ';;'; }
# Each pair that is compared runs back to back (bench/cputime.c reverses the order every other
# round); the cold variant, which compiles, is last, so the warm one never follows it.
# shellcheck disable=SC2046 # the words of each variant
"$work/cputime" "$runs" --raw "$work/out/raw.tsv" \
  $(run tdrun-plain "$tdrun_bin" tdrun plain) \
  $(run tdrun-warm "$tdrun_bin" tdrun profile) \
  $(run runc-plain "$runc_bin" runc plain) \
  $(run runc-profile "$runc_bin" runc profile) \
  --purge "$work/root-tdrun-cold/@seccomp" $(run tdrun-cold "$tdrun_bin" tdrun-cold profile) >"$work/out/results.tsv" ||
  die "measuring failed"
# shellcheck disable=SC2046
"$work/cputime" "$pair_rounds" --raw "$work/out/pair.tsv" \
  $(run tdrun-plain "$tdrun_bin" tdrun plain) $(run tdrun-warm "$tdrun_bin" tdrun profile) >/dev/null ||
  die "measuring failed"

# What the profile costs: in each round, the variant with it less the one without, and the median of
# those differences (steadier than a difference of two medians on a shared machine).
"$node" -e 'const fs = require("fs"); const [file, raw, pairRaw, runs, pairRounds, results] = process.argv.slice(1);
  const r = Object.fromEntries(fs.readFileSync(file, "utf8").trim().split("\n").map((l) => {
    const [name, cpu, wall, failures, cpuMedian] = l.split("\t");
    return [name, { cpu: +cpu, wall: +wall, failures: +failures, cpuMedian: +cpuMedian }]; }));
  const read = (f) => {
    const by = {};
    for (const l of fs.readFileSync(f, "utf8").trim().split("\n")) {
      const [round, name, cpu, wall] = l.split("\t");
      (by[name] ??= [])[+round] = { cpu: +cpu, wall: +wall };
    }
    return by;
  };
  const runsOf = read(raw), pairOf = read(pairRaw);
  const median = (a) => { a = [...a].sort((x, y) => x - y); return a.length % 2 ? a[a.length >> 1] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2; };
  const paired = (a, b, k, of = runsOf) => median(of[a].map((x, i) => x[k] - of[b][i][k]));
  const f = (v) => v.toFixed(2);
  const bad = (n) => (r[n].failures ? ` (${r[n].failures} failed)` : "");
  console.log(`| run of /bin/true, ${runs} rounds, variants in turn | CPU user+sys, median (ms) | CPU, mean (ms) | wall, median (ms) |`);
  console.log("|---|---:|---:|---:|");
  for (const [label, n] of [["tdrun, no seccomp", "tdrun-plain"], ["tdrun, default profile, cache cold (compiles)", "tdrun-cold"],
    ["tdrun, default profile, cache warm", "tdrun-warm"], ["runc, no seccomp", "runc-plain"], ["runc, default profile", "runc-profile"]])
    console.log(`| ${label}${bad(n)} | ${f(r[n].cpuMedian)} | ${f(r[n].cpu)} | ${f(r[n].wall)} |`);
  const costs = [["tdrun: profile, cache warm − none", "tdrun_warm", "tdrun-warm", "tdrun-plain"],
    ["tdrun: profile, cache cold − none", "tdrun_cold", "tdrun-cold", "tdrun-plain"], ["runc: profile − none", "runc", "runc-profile", "runc-plain"]];
  console.log("");
  console.log("| what the profile costs: per round, with less without | CPU, median (ms) | wall, median (ms) |");
  console.log("|---|---:|---:|");
  for (const [label, , a, b] of costs) console.log(`| ${label} | ${f(paired(a, b, "cpu"))} | ${f(paired(a, b, "wall"))} |`);
  const warm = paired("tdrun-warm", "tdrun-plain", "cpu", pairOf);
  console.log(`| **tdrun: profile, cache warm − none, ${pairRounds} more rounds of that pair alone** | **${f(warm)}** | ` +
    `${f(paired("tdrun-warm", "tdrun-plain", "wall", pairOf))} |`);
  const cost = { tdrun_warm: warm, tdrun_cold: paired("tdrun-cold", "tdrun-plain", "cpu"), runc: paired("runc-profile", "runc-plain", "cpu") };
  if (results) fs.writeFileSync(results, Object.entries(cost).map(([key, ms]) => `${key}\t${f(ms)}\n`).join(""));' \
  "$work/out/results.tsv" "$work/out/raw.tsv" "$work/out/pair.tsv" "$runs" "$pair_rounds" "$results" | tee "$repo/bench/.work/seccomp.md"
echo "load at the end: $(cut -d ' ' -f 1-3 /proc/loadavg)" | tee -a "$repo/bench/.work/seccomp.md"
