#!/bin/bash
# Side-by-side benchmarks of tdrun against runc (and crun where it runs) on one busybox bundle.
# Prints a markdown table (also saved to bench/.work/results.md). See bench/README.md.
#   bench/run.sh [--tdrun PATH] [--runc PATH] [--quick] [--edit JS]
# --tdrun defaults to <repo>/bin/tdrun ($TDRUN also works); pass a runc binary to try the bench
# itself with runc in both columns. --quick cuts the run counts for trying the script out.
# --edit applies a JS statement over `c` to the base config.json (and so every variant), e.g.
# 'delete c.process.capabilities.ambient'; the table's header shows it.
set -uo pipefail

repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
work=$repo/bench/.work
node=$repo/node_modules/node/bin/node

tdrun_bin=${TDRUN:-$repo/bin/tdrun}
runc_bin=$(command -v runc || true)
runs=30 state_runs=50 seq_count=100 par_count=20 par_rounds=3 config_edit=
while [ $# -gt 0 ]; do
  case $1 in
    --tdrun) tdrun_bin=$2; shift 2 ;;
    --runc) runc_bin=$2; shift 2 ;;
    --quick) runs=10 state_runs=10 seq_count=20 par_rounds=1; shift ;;
    --edit) config_edit=$2; shift 2 ;;
    *) echo "usage: bench/run.sh [--tdrun PATH] [--runc PATH] [--quick] [--edit JS]" >&2; exit 2 ;;
  esac
done

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (containers need it)"
command -v hyperfine >/dev/null || die "hyperfine is missing (apt-get install hyperfine)"
command -v cc >/dev/null || die "a C compiler is missing (apt-get install gcc)"
[ -x "$node" ] || die "$node is missing (npm ci)"
[ -n "$runc_bin" ] && [ -x "$runc_bin" ] || die "runc is missing (apt-get install runc)"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 ||
  die "a static busybox is needed for the rootfs (apt-get install busybox-static)"

# Every id starts with this, so the cleanup can also find cgroups a runtime left without state.
prefix=tdbench-$$-
out=$work/out
bundle=$work/bundle
declare -A bin root
names=()
bg_pids=()

cleanup() {
  trap - EXIT INT TERM
  local pid name id dir
  for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  for name in "${names[@]}"; do
    for dir in "${root[$name]}/$prefix"*/; do
      [ -d "$dir" ] || continue
      id=$(basename "$dir")
      "${bin[$name]}" --root "${root[$name]}" delete --force "$id" >/dev/null 2>&1
    done
  done
  # What a runtime left behind despite delete: our containers' processes and cgroups, by our prefix.
  while read -r dir; do
    [ -f "$dir/freezer.state" ] && echo THAWED >"$dir/freezer.state" 2>/dev/null
    while read -r pid; do kill -9 "$pid" 2>/dev/null; done <"$dir/cgroup.procs"
    # A killed process leaves its cgroup a moment later.
    if ! rmdir "$dir" 2>/dev/null; then
      sleep 0.2
      rmdir "$dir" 2>/dev/null || echo "bench: could not remove cgroup $dir" >&2
    fi
  done < <(find /sys/fs/cgroup -depth -type d -name "$prefix*" 2>/dev/null)
  for name in "${names[@]}"; do rm -rf "${root[$name]}"; done
  rm -rf "$work/pids"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$out" "$work/pids" "$work"/root-* "$work"/bundle*
mkdir -p "$out" "$work/pids"
results=$out/results.tsv
: >"$results"
# record METRIC RUNTIME KIND VALUE [DETAIL]; KIND: hf (VALUE = hyperfine json), num, err (VALUE = why)
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "${5:-}" >>"$results"; }
last_line() { grep -v '^[[:space:]]*$' "$1" | tail -n 1 | cut -c 1-300; }

# --- the bundle: busybox-static + symlinks, `runc spec` with terminal false and /bin/true ---------
mkdir -p "$bundle/rootfs/bin"
cp "$busybox" "$bundle/rootfs/bin/busybox"
for tool in $("$busybox" --list); do
  [ "$tool" = busybox ] || ln -s busybox "$bundle/rootfs/bin/$tool"
done
(cd "$bundle" && "$runc_bin" spec) || die "runc spec failed"
# edit-config FILE JS: rewrite a config.json with a JS expression over `c`.
edit_config() {
  "$node" -e 'const fs = require("fs"); const [f, src] = process.argv.slice(1);
    const c = JSON.parse(fs.readFileSync(f)); new Function("c", src)(c);
    fs.writeFileSync(f + ".new", JSON.stringify(c, null, 2)); fs.renameSync(f + ".new", f);' "$1" "$2"
}
edit_config "$bundle/config.json" 'c.process.terminal = false; c.process.args = ["/bin/true"];'
if [ -n "$config_edit" ]; then
  edit_config "$bundle/config.json" "$config_edit" || die "--edit $config_edit failed"
fi
# Other bundles share the (read-only) rootfs through an absolute root.path.
derive_bundle() {
  mkdir -p "$1"
  cp "$bundle/config.json" "$1/config.json"
  edit_config "$1/config.json" "c.root.path = '$bundle/rootfs'; $2"
}
derive_bundle "$work/bundle-sleep" 'c.process.args = ["/bin/sleep", "1000"];'

# Swap accounting decides whether memory.swap (memory+swap in OCI) can be set equal to the limit.
swap_ok=false
if [ -d /sys/fs/cgroup/memory ]; then
  [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] && swap_ok=true
else
  own=$(sed -n 's/^0:://p' /proc/self/cgroup)
  [ -e "/sys/fs/cgroup$own/memory.swap.max" ] && swap_ok=true
fi
mem_sizes=(16384 8192 4096 2048 1024 512 256)
for kib in "${mem_sizes[@]}"; do
  swap=; $swap_ok && swap=", swap: $((kib * 1024))"
  derive_bundle "$work/bundle-mem-$kib" "c.linux.resources = c.linux.resources || {};
    c.linux.resources.memory = { limit: $((kib * 1024))$swap };"
done

cc -O2 -Wall -o "$work/cycle" "$repo/bench/cycle.c" || die "building bench/cycle.c failed"
cc -O2 -Wall -o "$work/cputime" "$repo/bench/cputime.c" || die "building bench/cputime.c failed"
cc -O2 -Wall -o "$work/helper-exec" "$repo/bench/helper-exec.c" || die "building bench/helper-exec.c failed"

# --- runtimes ---------------------------------------------------------------------------------------
R() { local name=$1; shift; "${bin[$name]}" --root "${root[$name]}" "$@"; }
add_runtime() { names+=("$1"); bin[$1]=$2; root[$1]=$work/root-$1; mkdir -p "${root[$1]}"; }
probe() { # probe NAME: can it run the bundle? prints why not
  local id=${prefix}probe err=$out/probe-$1.err
  if "${bin[$1]}" --root "${root[$1]}" run --bundle "$bundle" "$id" </dev/null >/dev/null 2>"$err"; then
    return 0
  fi
  last_line "$err"
  "${bin[$1]}" --root "${root[$1]}" delete --force "$id" >/dev/null 2>&1
  return 1
}
add_runtime tdrun "$tdrun_bin"
add_runtime runc "$runc_bin"
tdrun_missing=
if [ ! -x "$tdrun_bin" ]; then
  tdrun_missing="$tdrun_bin is not built (npm run build)"
elif ! why=$(probe tdrun); then
  echo "bench: tdrun run of the bundle fails: $why (measuring the rest anyway)" >&2
fi
why=$(probe runc) || die "runc cannot run the bundle: $why"
crun_note=
if ! crun_bin=$(command -v crun); then
  crun_note="crun: skipped (not installed)"
else
  add_runtime crun "$crun_bin"
  if ! why=$(probe crun); then
    crun_note="crun: skipped ($why)"
    rm -rf "${root[crun]}"
    unset 'names[2]'
  fi
fi
[ -n "$crun_note" ] && echo "$crun_note" >&2
measured=()
for name in "${names[@]}"; do
  [ "$name" = tdrun ] && [ -n "$tdrun_missing" ] && continue
  measured+=("$name")
done
# Every command each runtime is measured with, called once, so that tdrun's V8 code caches (one
# per command, written by its first call after a build) exist before the page cache is dropped.
for name in "${measured[@]}"; do
  id=${prefix}warm
  {
    R "$name" --version
    R "$name" run --bundle "$bundle" "$id"
    R "$name" create --bundle "$work/bundle-sleep" "$id" && R "$name" state "$id" && R "$name" start "$id" &&
      R "$name" exec "$id" /bin/true && R "$name" kill "$id" KILL
    R "$name" delete --force "$id"
  } </dev/null >/dev/null 2>&1
done
# Files read back from disk, for every runtime alike: a file that an install or a build has just
# written stays in the page cache in the small pieces it was written in. An executable maps slower
# then (Node right after `npm ci`: 2.6 ms more per start here), and two tdrun checkouts built
# minutes apart differed by 5 ms per call until both were read back. A running host has read its
# runtimes from disk; GNU dd with iflag=nocache and count=0 drops a file's cached pages.
drop_cached() { dd if="$1" iflag=nocache count=0 status=none 2>/dev/null; }
tdrun_dir=$(cd "$(dirname "$(readlink -f "$tdrun_bin")")/.." 2>/dev/null && pwd)
for file in "$(readlink -f "$node")" "$(readlink -f "$runc_bin")" ${crun_bin:+"$(readlink -f "$crun_bin")"} \
  "$tdrun_dir"/bin/tdrun "$tdrun_dir"/dist/*.cjs "$tdrun_dir"/build/Release/tdrun* "$tdrun_dir"/build/v8-cache/*.bin; do
  [ -f "$file" ] && drop_cached "$file"
done

version_line() { "$1" --version 2>/dev/null | head -n 1; }

# --- measurements -----------------------------------------------------------------------------------
# hf METRIC NAME RUNS CMD...: hyperfine without a shell. On failure, one more direct run tells why;
# RESET (a command string) is run before that, so a half-made container does not become the reason.
hf() {
  local metric=$1 name=$2 n=$3; shift 3
  local json=$out/$metric.$name.json log=$out/$metric.$name.log
  if hyperfine -N --warmup 3 --runs "$n" --export-json "$json" -- "$*" >"$log" 2>&1; then
    record "$metric" "$name" hf "$json"
  else
    [ -n "${reset:-}" ] && eval "$reset" >/dev/null 2>&1
    "$@" </dev/null >/dev/null 2>"$out/$metric.$name.err"
    local why err=$out/$metric.$name.err
    why=$(last_line "$err")
    # The cycle harness names the failed step after the runtime's own message: show both.
    if grep -q '^cycle: ' "$err"; then
      why="$(grep '^cycle: ' "$err" | head -n 1 | cut -c 1-100): $(grep -v '^cycle: ' "$err" | last_line /dev/stdin)"
    fi
    record "$metric" "$name" err "${why:-$(last_line "$log")}"
  fi
}

# start-detached NAME ID BUNDLE [start]: create (and start) a container whose stdio is /dev/null.
make_container() {
  R "$1" create --bundle "$3" "$2" </dev/null >/dev/null 2>"$out/make.$1.err" || return 1
  [ "${4:-}" != start ] || R "$1" start "$2" </dev/null >/dev/null 2>"$out/make.$1.err"
}
state_pid() { R "$1" state "$2" 2>/dev/null | grep -o '"pid": *[0-9]*' | grep -o '[0-9]*$'; }

hf node ref "$state_runs" "$node" -e 0
# the same with the flag bin/tdrun's shebang passes (src/build/build.ts): Node's part of every call
hf node floor "$state_runs" "$node" --no-rehash-snapshot -e 0

for name in "${measured[@]}"; do
  b=${bin[$name]} r=${root[$name]}
  echo "bench: $name ($b)" >&2

  # run: a fixed id is fine, each run deletes its container.
  id=${prefix}run
  reset="R $name delete --force $id"
  hf run "$name" "$runs" "$b" --root "$r" run --bundle "$bundle" "$id"
  R "$name" delete --force "$id" >/dev/null 2>&1

  reset=
  hf cycle "$name" "$runs" "$work/cycle" "$b" "$r" "$bundle" "${prefix}c" "$work/pids"

  hf version "$name" "$state_runs" "$b" --version

  id=${prefix}created
  if make_container "$name" "$id" "$bundle"; then
    pid=$(state_pid "$name" "$id")
    if [ -n "$pid" ] && rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status") && [ -n "$rss" ]; then
      record rss "$name" num "$rss"
    else
      record rss "$name" err "no VmRSS for the init pid '${pid}' that state reports"
    fi
    hf state "$name" "$state_runs" "$b" --root "$r" state "$id"
  else
    why=$(last_line "$out/make.$name.err")
    record rss "$name" err "create: $why"
    record state "$name" err "create: $why"
  fi
  R "$name" delete --force "$id" >/dev/null 2>&1

  id=${prefix}exec
  if make_container "$name" "$id" "$work/bundle-sleep" start; then
    hf exec "$name" "$runs" "$b" --root "$r" exec "$id" /bin/true
  else
    record exec "$name" err "create+start of sleep 1000: $(last_line "$out/make.$name.err")"
  fi
  R "$name" delete --force "$id" >/dev/null 2>&1

  # Every size is tried (a failure at one size need not mean all smaller ones fail); the error
  # kept is that of the size just below the smallest success, or of 16 MiB if none succeeded.
  smallest= mem_why=
  for kib in "${mem_sizes[@]}"; do
    id=${prefix}mem$kib
    R "$name" run --bundle "$work/bundle-mem-$kib" "$id" </dev/null >/dev/null 2>"$out/mem.$name.$kib.err"
    rc=$?
    if [ "$rc" = 0 ]; then
      smallest=$kib mem_why=
    elif [ -z "$mem_why" ]; then
      # 137: the container's process was killed (the OOM killer) after the runtime started it
      mem_why="$kib KiB: exit status $rc; $(grep -v 'warning' "$out/mem.$name.$kib.err" | last_line /dev/stdin)"
    fi
    R "$name" delete --force "$id" >/dev/null 2>&1
  done
  if [ -n "$smallest" ]; then
    record memmin "$name" num "$smallest" "$mem_why"
  else
    record memmin "$name" err "fails at every size, $mem_why"
  fi

  failures=0
  start=$(date +%s%N)
  for ((i = 0; i < seq_count; i++)); do
    R "$name" run --bundle "$bundle" "${prefix}s$i" </dev/null >/dev/null 2>>"$out/seq.$name.err" ||
      failures=$((failures + 1))
  done
  record seq "$name" num $((($(date +%s%N) - start) / 1000)) "$failures/$seq_count failed"

  walls=() failures=0
  for ((round = 0; round < par_rounds; round++)); do
    pids=()
    start=$(date +%s%N)
    for ((i = 0; i < par_count; i++)); do
      R "$name" run --bundle "$bundle" "${prefix}p$round-$i" </dev/null >/dev/null 2>>"$out/par.$name.err" &
      pids+=($!)
    done
    bg_pids=("${pids[@]}")
    for pid in "${pids[@]}"; do wait "$pid" || failures=$((failures + 1)); done
    walls+=($((($(date +%s%N) - start) / 1000)))
    bg_pids=()
  done
  # The median round: the wall time of one burst, without the noise of the odd slow round.
  wall=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(((${#walls[@]} + 1) / 2))p")
  record par "$name" num "$wall" "$failures/$((par_count * par_rounds)) failed"
  par_why=$(last_line "$out/par.$name.err" 2>/dev/null)
  [ "$failures" -gt 0 ] && record par_why "$name" err "$par_why"
done
[ -n "$tdrun_missing" ] && record all tdrun err "$tdrun_missing"

# tdrun's own time: its calls, Node's floor and runc's `run` taken in turn, round after round
# (bench/cputime.c), each call's wall time less the floor's of the same round, median over the
# rounds. The hyperfine series above run minutes apart, and this VM's speed moves by a third
# between them: a floor from another minute is no floor.
own_rounds=$((state_runs * 2))
if [ -z "$tdrun_missing" ]; then
  sid=${prefix}own-created eid=${prefix}own-exec
  if make_container tdrun "$sid" "$bundle" && make_container tdrun "$eid" "$work/bundle-sleep" start; then
    t=${bin[tdrun]} tr=${root[tdrun]}
    if "$work/cputime" "$own_rounds" --raw "$out/own.tsv" \
      floor -- "$node" --no-rehash-snapshot -e 0 ';;' \
      run -- "$t" --root "$tr" run --bundle "$bundle" "${prefix}own-run" ';;' \
      runc-run -- "${bin[runc]}" --root "${root[runc]}" run --bundle "$bundle" "${prefix}own-run" ';;' \
      cycle -- "$work/cycle" "$t" "$tr" "$bundle" "${prefix}own-c" "$work/pids" ';;' \
      state -- "$t" --root "$tr" state "$sid" ';;' \
      version -- "$t" --version ';;' \
      exec -- "$t" --root "$tr" exec "$eid" /bin/true >"$out/own-summary.tsv" 2>"$out/own.err"; then
      record own tdrun num "$own_rounds"
    else
      record own tdrun err "interleaved calls failed: $(last_line "$out/own.err")"
    fi
  else
    record own tdrun err "create: $(last_line "$out/make.tdrun.err")"
  fi
  R tdrun delete --force "$sid" >/dev/null 2>&1
  R tdrun delete --force "$eid" >/dev/null 2>&1
fi

# What an attached run and exec keep resident while the container runs (tdrun hands the wait to
# tdrun-supervise after 100 ms, src/container/supervise.ts): VmRSS of the caller's child 1 s in.
attached_rss() { # NAME
  local name=$1 id=${prefix}rss-$1 pid epid rss
  # started directly, not through R (a function): $! must be the runtime, not a subshell
  "${bin[$name]}" --root "${root[$name]}" run --bundle "$work/bundle-sleep" "$id" </dev/null >/dev/null 2>&1 &
  pid=$!
  sleep 1
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null)
  if [ -n "$rss" ]; then record rss_run "$name" num "$rss"; else record rss_run "$name" err "no run process 1 s in"; fi
  "${bin[$name]}" --root "${root[$name]}" exec "$id" /bin/sleep 1000 </dev/null >/dev/null 2>&1 &
  epid=$!
  sleep 1
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$epid/status" 2>/dev/null)
  if [ -n "$rss" ]; then record rss_exec "$name" num "$rss"; else record rss_exec "$name" err "no exec process 1 s in"; fi
  R "$name" delete --force "$id" >/dev/null 2>&1
  wait "$pid" "$epid" 2>/dev/null
}
for name in "${measured[@]}"; do attached_rss "$name"; done

# What the engines' default seccomp profile costs `run` (bench/seccomp.sh; its own table follows
# the main one, whose seccomp row takes the median of the per-round CPU differences from it).
seccomp_md=$out/seccomp.md
if [ -n "$tdrun_missing" ]; then
  echo "seccomp: skipped ($tdrun_missing)" >"$seccomp_md"
elif [ ! -f /usr/share/containers/seccomp.json ]; then
  echo "seccomp: skipped (/usr/share/containers/seccomp.json missing: apt-get install golang-github-containers-common)" >"$seccomp_md"
  record seccomp tdrun err "podman's default profile is missing"
elif bash "$repo/bench/seccomp.sh" --tdrun "$tdrun_bin" --runs "$((runs * 2))" --pair-rounds "$((runs * 30))" --results "$out/seccomp.tsv" >"$seccomp_md" 2>&1; then
  cost() { awk -F '\t' -v n="$1" '$1 == n {print $2}' "$out/seccomp.tsv"; }
  record seccomp tdrun num "$(cost tdrun_warm)"
  record seccomp runc num "$(cost runc)"
else
  record seccomp tdrun err "bench/seccomp.sh failed: $(last_line "$seccomp_md")"
fi

{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc=$(nproc)"
  # Other work on the machine skews every number: the load at the end says how quiet it was.
  echo "load=$(cut -d ' ' -f 1-3 /proc/loadavg)"
  echo "kernel=$(uname -r)"
  echo "debian=$(cat /etc/debian_version 2>/dev/null || echo '?')"
  echo "node=$("$node" --version)"
  for name in "${names[@]}"; do
    echo "bin.$name=${bin[$name]}"
    echo "version.$name=$([ -x "${bin[$name]}" ] && version_line "${bin[$name]}")"
  done
  echo "crun_note=$crun_note"
  echo "swap=$swap_ok"
  echo "config_edit=$config_edit"
  echo "runs=$runs"
  echo "state_runs=$state_runs"
  echo "seq=$seq_count"
  echo "par=$par_count"
  echo "par_rounds=$par_rounds"
} >"$out/meta.env"

"$node" "$repo/bench/report.mts" "$out" | tee "$work/results.md"

# What running tdrun-init from a read-only mount (or a sealed memfd) costs against the plain file.
echo | tee -a "$work/results.md"
"$work/helper-exec" "$repo/build/Release/tdrun-init" | tee -a "$work/results.md"

echo | tee -a "$work/results.md"
tee -a "$work/results.md" <"$seccomp_md"
