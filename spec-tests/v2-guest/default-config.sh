#!/bin/sh
# Runs in the pure cgroup v2 guest (boot.sh), as root in its root cgroup: `tdrun spec`'s default
# config, with its deny-all device rule, run as a busybox container with memory and pids limits.
# Writes one "name=value" line per observation to $1/results.txt; spec-tests/cgroup-v2-guest.test.ts
# judges them. Every tdrun call is a Node start, seconds under emulation: the calls are few.
. "$(dirname "$0")/preamble.sh"

say controllers "$(cat /sys/fs/cgroup/cgroup.controllers)"
say v1_hierarchies "$(grep -c ' - cgroup ' /proc/self/mountinfo)"

bundle=/tmp/bundle
mkdir -p "$bundle/share"
cp -a "$repo/spec-tests/.work/template/rootfs" "$bundle/rootfs"
"$tdrun" spec -b "$bundle" 2>"$results/spec.err"
say spec_status $?
say spec_device_rules "$(tr -d ' \t\n' <"$bundle/config.json" | grep -o '"devices":\[[^]]*\]')"

# the container: /dev/null works; a char device outside the allow list can be made (mknod is
# allowed for every char device, as runc allows it) but not opened. /dev/kmsg is opened for writing
# only: reading it needs CAP_SYSLOG, an EPERM of its own. Then it waits for the host
# side to read its cgroup and to allow every device, and opens the node again.
cat >"$bundle/rootfs/check.sh" <<'EOF'
echo x >/dev/null && echo devnull_write=ok >>/share/inside.txt || echo devnull_write=failed >>/share/inside.txt
if mknod /dev/kmsg-copy c 1 11 2>/share/mknod.err; then echo mknod_1_11=ok; else echo "mknod_1_11=$(cat /share/mknod.err)"; fi >>/share/inside.txt
if (: >/dev/kmsg-copy) 2>/share/open.err; then echo open_1_11=ok; else echo "open_1_11=$(cat /share/open.err)"; fi >>/share/inside.txt
if head -c1 /dev/urandom >/dev/null 2>&1; then echo open_urandom=ok; else echo open_urandom=failed; fi >>/share/inside.txt
touch /share/ready
while [ ! -e /share/done ]; do sleep 0.1; done
# the host side allowed every device meanwhile (`tdrun update`)
if (: >/dev/kmsg-copy) 2>/share/open.err; then echo open_1_11_after_update=ok; else echo "open_1_11_after_update=$(cat /share/open.err)"; fi >>/share/inside.txt
EOF
cp "$bundle/config.json" "$bundle/config.json.orig"
"$node" -e '
  const fs = require("fs");
  const file = process.argv[1];
  const c = JSON.parse(fs.readFileSync(file, "utf8"));
  c.process.terminal = false;
  c.process.args = ["/bin/sh", "/check.sh"];
  for (const set of ["bounding", "effective", "permitted"]) c.process.capabilities[set].push("CAP_MKNOD");
  c.mounts.push({ destination: "/share", type: "bind", source: process.argv[2], options: ["rbind", "rw"] });
  c.linux.resources.memory = { limit: 67108864 };
  c.linux.resources.pids = { limit: 32 };
  fs.writeFileSync(file, JSON.stringify(c, null, 2));
  // a create that fails after its device program is attached, in a cgroup that existed before
  const failing = structuredClone(c);
  failing.root.path = process.argv[3] + "/rootfs";
  failing.process.args = ["/no-such-program"];
  failing.linux.cgroupsPath = "/shared";
  fs.mkdirSync(process.argv[3] + "/failing");
  fs.writeFileSync(process.argv[3] + "/failing/config.json", JSON.stringify(failing, null, 2));
  // the default config as it is (no limit), run by a process in a cgroup that holds processes
  const plain = JSON.parse(fs.readFileSync(file + ".orig", "utf8"));
  plain.root.path = process.argv[3] + "/rootfs";
  plain.process.terminal = false;
  plain.process.args = ["/bin/true"];
  fs.mkdirSync(process.argv[3] + "/plain");
  fs.writeFileSync(process.argv[3] + "/plain/config.json", JSON.stringify(plain, null, 2));
' "$bundle/config.json" "$bundle/share" "$bundle"

"$tdrun" run --keep -b "$bundle" v2c >"$results/run.out" 2>&1 &
run=$!
for _ in $(seq 600); do [ -e "$bundle/share/ready" ] && break; kill -0 $run 2>/dev/null || break; sleep 0.1; done
cg=/sys/fs/cgroup/v2c
say cgroup_exists "$([ -d $cg ] && echo yes || echo no)"
say memory_max "$(cat $cg/memory.max 2>&1)"
say pids_max "$(cat $cg/pids.max 2>&1)"
say cgroup_procs "$(wc -l <$cg/cgroup.procs 2>&1)"
echo '{"devices": [{"allow": true, "access": "rwm"}]}' | "$tdrun" update --resources - v2c >"$results/update.out" 2>&1
say update_status $?
say update_output "$(tr '\n' ' ' <"$results/update.out")"
touch "$bundle/share/done"
wait $run
say run_status $?
say run_output "$(tr '\n' ' ' <"$results/run.out")"
cat "$bundle/share/inside.txt" >>"$out" 2>/dev/null
say cgroup_after_run "$([ -d $cg ] && echo kept || echo gone)"
"$tdrun" delete v2c >"$results/delete.out" 2>&1
say delete_status $?
say cgroup_after_delete "$([ -d $cg ] && echo kept || echo gone)"

mkdir /sys/fs/cgroup/shared
"$tdrun" create -b "$bundle/failing" v2fail >"$results/failing.out" 2>&1
say failing_create_status $?
say failing_create_output "$(tr '\n' ' ' <"$results/failing.out")"
say shared_cgroup_after_failure "$([ -d /sys/fs/cgroup/shared ] && echo kept || echo gone)"
mknod /tmp/kmsg-node c 1 11
sh -c 'echo $$ >/sys/fs/cgroup/shared/cgroup.procs && exec 3>/tmp/kmsg-node' 2>"$results/shared-open.err"
say shared_open_after_failure "$([ $? = 0 ] && echo ok || cat "$results/shared-open.err")"

# tdrun itself in a cgroup that holds processes, default cgroupsPath: the container's cgroup goes
# below it, and enabling any controller there would be EBUSY
mkdir /sys/fs/cgroup/outer
sh -c 'echo $$ >/sys/fs/cgroup/outer/cgroup.procs && exec "$0" run -b "$1" v2busy' "$tdrun" "$bundle/plain" >"$results/busy.out" 2>&1
say busy_run_status $?
say busy_run_output "$(tr '\n' ' ' <"$results/busy.out")"
say busy_subtree_control "$(cat /sys/fs/cgroup/outer/cgroup.subtree_control)"

. "$repo/spec-tests/v2-guest/resources.sh"
exit 0
