# Sourced by default-config.sh in the pure cgroup v2 guest (say, tdrun, node, repo, results, bundle are
# its): every linux.resources field that cgroup v2 has, read back from the container's files; what
# v2 lacks refused; update's runc flags; pause/resume through cgroup.freeze; events (stats and an
# OOM kill). spec-tests/cgroup-v2-guest.test.ts judges the lines.
rb=/tmp/resources
mkdir -p "$rb"
cp -a "$repo/spec-tests/.work/template/rootfs" "$rb/rootfs"
dev=$(for d in /sys/block/*; do case ${d##*/} in '*'|loop*|zram*|ram*) ;; *) cat "$d/dev"; break ;; esac; done)
say block_device "${dev:-none}"
"$node" -e '
  const fs = require("fs");
  const [file, dir, dev] = process.argv.slice(1);
  const c = JSON.parse(fs.readFileSync(file, "utf8"));
  c.root.path = dir + "/rootfs";
  c.process.terminal = false;
  c.process.args = ["/bin/sleep", "600"];
  const MiB = 1 << 20;
  c.linux.resources = {
    ...c.linux.resources,
    memory: { limit: 64 * MiB, reservation: 32 * MiB, swap: 96 * MiB, useHierarchy: true },
    cpu: { shares: 1024, quota: 20000, period: 100000, burst: 1000, idle: 0, cpus: "0", mems: "0" },
    pids: { limit: 20 },
    blockIO: { weight: 500, ...(dev ? { throttleReadBpsDevice: [{ major: +dev.split(":")[0], minor: +dev.split(":")[1], rate: MiB }] } : {}) },
    unified: { "memory.high": String(48 * MiB) },
  };
  if (fs.existsSync("/sys/kernel/mm/hugepages/hugepages-2048kB")) c.linux.resources.hugepageLimits = [{ pageSize: "2MB", limit: 4 * MiB }];
  fs.writeFileSync(dir + "/config.json", JSON.stringify(c, null, 2));
  // network classID: v2 has no net_cls (realtime and swappiness refusals: src/cgroups/controllers.test.ts)
  fs.mkdirSync(dir + "/classid");
  fs.writeFileSync(dir + "/classid/config.json", JSON.stringify({ ...c, linux: { ...c.linux, resources: { network: { classID: 1 } } } }, null, 2));
' "$bundle/config.json.orig" "$rb" "$dev"

"$tdrun" run -d -b "$rb" v2r >"$results/v2r.out" 2>&1
say res_run_status "$? $(tr '\n' ' ' <"$results/v2r.out")"
cg=/sys/fs/cgroup/v2r
for f in memory.max memory.low memory.swap.max memory.high cpu.weight cpu.max cpu.max.burst cpu.idle cpuset.cpus pids.max hugetlb.2MB.max hugetlb.2MB.rsvd.max io.max; do
  say "file_$f" "$(tr '\n' ' ' <$cg/$f 2>&1 | sed 's/ $//')"
done
if [ -e $cg/io.bfq.weight ]; then say io_weight "bfq $(head -1 $cg/io.bfq.weight)"; else say io_weight "iocost $(head -1 $cg/io.weight 2>&1)"; fi

"$tdrun" update --memory 80m --memory-swap 120m --cpu-quota 30000 --cpu-share 2048 --pids-limit 25 v2r >"$results/v2r-update.out" 2>&1
say flags_update_status "$? $(tr '\n' ' ' <"$results/v2r-update.out")"
for f in memory.max memory.swap.max cpu.max cpu.weight pids.max; do say "updated_$f" "$(cat $cg/$f 2>&1)"; done

"$tdrun" pause v2r >"$results/v2r-pause.out" 2>&1
say pause_status "$? $(tr '\n' ' ' <"$results/v2r-pause.out")"
say paused_frozen "$(grep frozen $cg/cgroup.events)"
say paused_state "$("$tdrun" state v2r | tr -d ' \n' | grep -o '"status":"[a-z]*"')"
"$tdrun" resume v2r
say resumed_frozen "$(grep frozen $cg/cgroup.events)"

"$tdrun" events --stats v2r >"$results/v2r-stats.out" 2>&1
say stats_pids "$(grep -o '"pids":{[^}]*}' "$results/v2r-stats.out")"
say stats_memory_limit "$(grep -o '"usage":{"limit":[0-9]*' "$results/v2r-stats.out" | grep -o '[0-9]*$')"
say stats_hugetlb "$(grep -o '"hugetlb":{.*},"intel_rdt"' "$results/v2r-stats.out")"
say file_pids_current "$(cat $cg/pids.current)"

# an OOM kill: a 128 MiB buffer in an 80 MiB cgroup (the guest has no swap), while `events`
# watches; delete -f ends the container, and with it the watcher
"$tdrun" --debug events --interval 1h v2r >"$results/v2r-events.out" 2>"$results/v2r-events.err" &
watcher=$!
for _ in $(seq 1200); do grep -q 'OOM notification registered' "$results/v2r-events.err" && break; sleep 0.1; done
"$tdrun" exec v2r /bin/dd if=/dev/zero of=/dev/null bs=128M count=1 >/dev/null 2>&1
say oom_exec_status "$?"
say memory_events_oom_kill "$(grep oom_kill $cg/memory.events | head -1)"
for _ in $(seq 100); do grep -q '"type":"oom"' "$results/v2r-events.out" && break; sleep 0.2; done
"$tdrun" delete -f v2r
for _ in $(seq 300); do kill -0 $watcher 2>/dev/null || break; sleep 0.2; done
say events_ended "$(kill -0 $watcher 2>/dev/null && echo no || echo yes)"
kill $watcher 2>/dev/null
say events_output "$(tr '\n' '|' <"$results/v2r-events.out")"

# what v2 has no file for (each tdrun call is seconds under emulation: one of them)
"$tdrun" create -b "$rb/classid" v2classid >"$results/v2classid.out" 2>&1
say refused_classid "$? $(tr '\n' ' ' <"$results/v2classid.out")"
say refused_classid_cgroup "$([ -d /sys/fs/cgroup/v2classid ] && echo kept || echo gone)"
