#!/bin/sh
# Runs in the pure cgroup v2 guest (boot.sh): the systemd cgroup driver against a real systemd.
# The guest's PID 1 is boot.sh's busybox init, so systemd runs as PID 1 of a new pid and mount
# namespace (as in a container: `container=` set), over the guest's own cgroup2 root, with a
# target that pulls in nothing; tdrun and systemctl join its namespaces with nsenter, so that the
# pids tdrun hands to systemd are systemd's. Writes "name=value" lines to $1/results.txt for
# spec-tests/systemd-v2-guest.test.ts.
. "$(dirname "$0")/preamble.sh"
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# The guest's / is the host's under a tmpfs overlay: these changes stay in the guest. The
# generators would run for seconds under emulation and make units this test has no use for.
rm -f /lib/systemd/system-generators/* /usr/lib/systemd/system-generators/*
mkdir -p /etc/systemd/system
printf '[Unit]\nDescription=tdrun systemd driver test\n' >/etc/systemd/system/tdrun-test.target

started=$(now)
container=tdrun-test unshare --pid --mount --fork --mount-proc \
  /lib/systemd/systemd --system --unit=tdrun-test.target --log-target=console --log-level=notice \
  >"$results/systemd.log" 2>&1 </dev/null &
# unshare's pid; systemd is its only child
unshare_pid=$!
systemd_pid=
for _ in $(seq 600); do
  systemd_pid=$(cat /proc/$unshare_pid/task/$unshare_pid/children 2>/dev/null | tr -d ' ')
  [ -n "$systemd_pid" ] && [ -S /run/systemd/private ] && break
  sleep 0.1
done
say systemd_socket "$([ -S /run/systemd/private ] && echo yes || echo no)"
# -r -w: the target's root and cwd (this script runs chrooted; the namespace's own root is the
# guest's initramfs)
in_ns() { nsenter -t "$systemd_pid" -p -m -r -w "$@"; }
deadline=$(($(date +%s) + 120))
while [ "$(date +%s)" -lt $deadline ]; do
  state=$(in_ns systemctl is-system-running 2>&1)
  case $state in running | degraded) break ;; esac
  sleep 0.5
done
say systemd_state "$state"
say systemd_start_s "$(elapsed "$started")"

bundle=/tmp/sd-bundle
mkdir -p "$bundle/share"
cp -a "$repo/spec-tests/.work/template/rootfs" "$bundle/rootfs"
"$tdrun" spec -b "$bundle"
"$node" -e '
  const fs = require("fs");
  const [file, share, dir] = process.argv.slice(1);
  const c = JSON.parse(fs.readFileSync(file, "utf8"));
  c.process.terminal = false;
  c.mounts.push({ destination: "/share", type: "bind", source: share, options: ["rbind", "rw"] });
  // no cgroup namespace: the container reports its cgroup as the host sees it
  c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== "cgroup");
  const write = (name, edit) => {
    const x = structuredClone(c);
    x.root.path = dir + "/rootfs";
    edit(x);
    fs.mkdirSync(dir + "/" + name, { recursive: true });
    fs.writeFileSync(dir + "/" + name + "/config.json", JSON.stringify(x, null, 2));
  };
  // a nested slice, a prefix, limits; it tells its cgroup and waits to be deleted
  write("limits", (x) => {
    x.linux.cgroupsPath = "tdrun-test.slice:tdrun:sd1";
    // properties of the config itself, in GVariant text (a quoted string, a number); "...Sec" is
    // seconds, as runc reads it
    x.annotations = { "org.systemd.property.CollectMode": "\u0027inactive-or-failed\u0027", "org.systemd.property.TimeoutStopSec": "7" };
    x.linux.resources.memory = { limit: 67108864 };
    x.linux.resources.pids = { limit: 32 };
    x.linux.resources.cpu = { shares: 512, quota: 25000, period: 100000 };
    // the device rules: /dev/null by number (systemd parses /dev/char/1:3; the guest has no udev
    // to make the link), a device outside the list made but not opened
    for (const set of ["bounding", "effective", "permitted"]) x.process.capabilities[set].push("CAP_MKNOD");
    x.process.args = ["/bin/sh", "-c", [
      "(echo x >/dev/null) 2>/share/devnull.err && echo devnull_write=ok >>/share/inside.txt || echo \"devnull_write=$(cat /share/devnull.err)\" >>/share/inside.txt",
      "mknod /dev/kmsg-copy c 1 11; (: >/dev/kmsg-copy) 2>/share/open.err && echo open_1_11=ok >>/share/inside.txt || echo \"open_1_11=$(cat /share/open.err)\" >>/share/inside.txt",
      "cat /proc/self/cgroup >/share/limits.cgroup",
      "exec sleep 600",
    ].join("; ")];
  });
  // no cgroupsPath: runc puts it in system.slice as runc-<id>.scope
  write("default", (x) => {
    delete x.linux.cgroupsPath;
    x.process.args = ["/bin/sh", "-c", "cat /proc/self/cgroup >/share/default.cgroup"];
  });
  write("failing", (x) => {
    x.linux.cgroupsPath = "tdrun-test.slice:tdrun:sdfail";
    x.process.args = ["/no-such-program"];
  });
' "$bundle/config.json" "$bundle/share" "$bundle"

scope=/sys/fs/cgroup/tdrun.slice/tdrun-test.slice/tdrun-sd1.scope
t=$(now)
in_ns "$tdrun" --systemd-cgroup run -d --pid-file /tmp/sd1.pid -b "$bundle/limits" sd1 >"$results/run.out" 2>&1
say run_status $?
say run_s "$(elapsed "$t")"
say run_output "$(tr '\n' ' ' <"$results/run.out")"
for _ in $(seq 100); do [ -s "$bundle/share/limits.cgroup" ] && break; sleep 0.1; done
say inside_cgroup "$(cat "$bundle/share/limits.cgroup" 2>&1)"
say scope_dir "$([ -d $scope ] && echo yes || echo no)"
say memory_max "$(cat $scope/memory.max 2>&1)"
say pids_max "$(cat $scope/pids.max 2>&1)"
say cpu_max "$(cat $scope/cpu.max 2>&1)"
# the pid as systemd's namespace sees it, and so the procs file read from there
init_pid=$(cat /tmp/sd1.pid 2>&1)
procs=$(in_ns cat $scope/cgroup.procs 2>&1)
say init_in_scope "$(echo "$procs" | grep -qx "$init_pid" && echo yes || echo "no (pid $init_pid; procs: $(echo $procs))")"
cat "$bundle/share/inside.txt" >>"$out" 2>/dev/null
in_ns systemctl show -p ActiveState -p Slice -p Delegate -p MemoryMax -p TasksMax -p CPUQuotaPerSecUSec -p Description \
  -p DevicePolicy -p DeviceAllow -p CollectMode -p TimeoutStopUSec tdrun-sd1.scope >"$results/show.txt" 2>&1
grep -v '^DeviceAllow=' "$results/show.txt" | while IFS= read -r line; do say "unit_${line%%=*}" "${line#*=}"; done
say unit_DeviceAllow "$(grep '^DeviceAllow=' "$results/show.txt" | cut -d= -f2- | tr '\n' ',')"

t=$(now)
echo '{"memory": {"limit": 33554432}, "pids": {"limit": 16}}' | in_ns "$tdrun" update --resources - sd1 >"$results/update.out" 2>&1
say update_status $?
say update_s "$(elapsed "$t")"
say update_output "$(tr '\n' ' ' <"$results/update.out")"
say memory_max_after_update "$(cat $scope/memory.max 2>&1)"
say unit_after_update "$(in_ns systemctl show -p MemoryMax -p TasksMax tdrun-sd1.scope 2>&1 | sort | tr '\n' ' ')"

t=$(now)
in_ns "$tdrun" delete -f sd1 >"$results/delete.out" 2>&1
say delete_status $?
say delete_s "$(elapsed "$t")"
say delete_output "$(tr '\n' ' ' <"$results/delete.out")"
say scope_dir_after_delete "$([ -d $scope ] && echo kept || echo gone)"
say unit_after_delete "$(in_ns systemctl show -p LoadState --value tdrun-sd1.scope 2>&1)"

in_ns "$tdrun" --systemd-cgroup run -b "$bundle/default" sd2 >"$results/default.out" 2>&1
say default_status $?
say default_output "$(tr '\n' ' ' <"$results/default.out")"
say default_cgroup "$(cat "$bundle/share/default.cgroup" 2>&1)"
say default_unit_after_run "$(in_ns systemctl show -p LoadState --value runc-sd2.scope 2>&1)"

in_ns "$tdrun" --systemd-cgroup run -b "$bundle/failing" sdfail >"$results/failing.out" 2>&1
say failing_status $?
say failing_output "$(tr '\n' ' ' <"$results/failing.out")"
say failing_unit "$(in_ns systemctl show -p LoadState --value tdrun-sdfail.scope 2>&1)"
say failing_scope_dir "$([ -d /sys/fs/cgroup/tdrun.slice/tdrun-test.slice/tdrun-sdfail.scope ] && echo kept || echo gone)"
say failing_state "$(in_ns "$tdrun" list -q | tr '\n' ' ')"

# systemd gone (its namespace ended): the driver says so instead of hanging
# (SIGTERM would make systemd re-execute itself; SIGKILL ends a namespace's init and the namespace)
kill -KILL "$systemd_pid" 2>/dev/null
wait "$unshare_pid" 2>/dev/null
rm -f /run/systemd/private
"$tdrun" --systemd-cgroup run -b "$bundle/default" sd3 >"$results/nosystemd.out" 2>&1
say no_systemd_status $?
say no_systemd_output "$(tr '\n' ' ' <"$results/nosystemd.out")"
say total_s "$(elapsed "$started")"
exit 0
