#!/bin/sh
# Runs in the pure cgroup v2 guest (boot.sh), as root: makes an unprivileged user, delegates a
# cgroup subtree to it as systemd does for a user's session (the directory and its cgroup.procs,
# cgroup.subtree_control and cgroup.threads chowned, the memory controller enabled above it), puts
# a shell of the user in a leaf of it and runs tdrun there as that user: a container with a memory
# limit in a cgroupsPath of the subtree, then one whose cgroupsPath the user may not write.
# Writes "name=value" lines to $1/results.txt for spec-tests/cgroup-v2-guest.test.ts.
# The guest's init chroots into the shared root, and the kernel refuses a user namespace to a
# chrooted process: first move that root onto the mount namespace's own "/" (switch_root's way),
# in a mount namespace of this script's.
if [ -z "$TDRL_UNCHROOTED" ]; then
  exec chroot /proc/1/root /bin/busybox unshare --mount --propagation private /bin/busybox sh -c \
    'cd /newroot && mount --move . / && exec chroot . env TDRL_UNCHROOTED=1 /bin/sh "$0" "$@"' "$0" "$@"
fi
. "$(dirname "$0")/preamble.sh"

useradd --user-group --no-create-home --shell /bin/sh tdrl-guest
uid=$(id -u tdrl-guest) gid=$(id -g tdrl-guest)
xdg=/tmp/xdg-tdrl-guest
mkdir -m 700 "$xdg" && chown tdrl-guest: "$xdg"

cg=/sys/fs/cgroup
echo +memory >"$cg/cgroup.subtree_control"
mkdir "$cg/deleg" "$cg/deleg/shell"
chown tdrl-guest: "$cg/deleg" "$cg/deleg/cgroup.procs" "$cg/deleg/cgroup.subtree_control" "$cg/deleg/cgroup.threads" \
  "$cg/deleg/shell" "$cg/deleg/shell/cgroup.procs" "$cg/deleg/shell/cgroup.threads"

bundle=/tmp/rl-bundle
mkdir -p "$bundle"
cp -a "$repo/spec-tests/.work/template/rootfs" "$bundle/rootfs"
chown tdrl-guest: "$bundle"
# what the user would do: spec --rootless, then a memory limit and a cgroupsPath in the subtree
user_env="setpriv --reuid $uid --regid $gid --clear-groups env -i PATH=/usr/bin:/bin HOME=/tmp USER=tdrl-guest XDG_RUNTIME_DIR=$xdg"
as_user() { $user_env "$@"; }
# the user's shell in its leaf (moving a process between cgroups needs write access to their
# common ancestor: root does this move, as a login manager would), then the command as the user
in_leaf() { sh -c 'echo $$ >/sys/fs/cgroup/deleg/shell/cgroup.procs && exec "$@"' sh $user_env "$@"; }
as_user "$tdrun" spec --rootless -b "$bundle" 2>"$results/spec.err"
say spec_status $?
as_user "$node" -e '
  const fs = require("fs");
  const file = process.argv[1];
  const c = JSON.parse(fs.readFileSync(file, "utf8"));
  c.process.terminal = false;
  c.process.args = ["/bin/sh", "-c", "cat /proc/self/cgroup; touch /tmp/ready 2>/dev/null; sleep 2"];
  c.root.readonly = false;
  c.linux.cgroupsPath = "/deleg/c1";
  c.linux.resources = { memory: { limit: 67108864 } };
  fs.writeFileSync(file, JSON.stringify(c, null, 2));
  fs.mkdirSync(process.argv[2] + "/elsewhere");
  c.linux.cgroupsPath = "/notmine/c2";
  c.root.path = process.argv[2] + "/rootfs";
  fs.writeFileSync(process.argv[2] + "/elsewhere/config.json", JSON.stringify(c, null, 2));
' "$bundle/config.json" "$bundle"

in_leaf "$tdrun" run --keep -b "$bundle" rl1 >"$results/run.out" 2>"$results/run.err" &
run=$!
for _ in $(seq 600); do [ -e "$bundle/rootfs/tmp/ready" ] && break; kill -0 $run 2>/dev/null || break; sleep 0.1; done
say memory_max "$(cat $cg/deleg/c1/memory.max 2>&1)"
say cgroup_owner "$(stat -c %u $cg/deleg/c1 2>&1)"
wait $run
say run_status $?
say run_stderr "$(tr '\n' ' ' <"$results/run.err")"
say inside_cgroup "$(tr '\n' ' ' <"$results/run.out")"
say state_root "$(ls "$xdg/tdrun" 2>&1 | grep -v locks | tr '\n' ' ')"
in_leaf "$tdrun" delete rl1 >"$results/delete.out" 2>&1
say delete_status $?
say cgroup_after_delete "$([ -d $cg/deleg/c1 ] && echo kept || echo gone)"

mkdir "$cg/notmine"
in_leaf "$tdrun" run -b "$bundle/elsewhere" rl2 >"$results/notmine.out" 2>&1
say notmine_status $?
say notmine_output "$(tr '\n' ' ' <"$results/notmine.out")"
say notmine_cgroup "$([ -d $cg/notmine/c2 ] && echo made || echo none)"
exit 0
