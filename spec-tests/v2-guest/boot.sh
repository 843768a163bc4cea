#!/bin/bash
# Boots a pure cgroup v2 Linux guest and runs one script of the checkout in it, as root, over the
# host's own filesystem (/work/shared/cgroup-v2-guest.md): QEMU with software emulation (TCG; this
# machine kind's /dev/kvm cannot boot a stock kernel), the generic Debian kernel unpacked from its
# package with `cgroup_no_v1=all`, a busybox initramfs (spec-tests/v2-guest/init), the host's /
# shared read-only over virtiofs under a tmpfs overlay and the checkout read-write at the same
# path (virtiofs, not 9p: over 9p each `node` start takes 8-20 s in the guest, its binary paged in
# again every time).
#
#   boot.sh SCRIPT RESULTS_DIR TIMEOUT_S
# SCRIPT is relative to the checkout; it gets RESULTS_DIR (absolute, inside the checkout) as $1.
# Exits with the script's exit status; 124 when the guest ran out of time; 3 after a line
# "SKIP: <why>" when the guest cannot be had here (no package registry, no kernel package).
# Downloads are cached in spec-tests/.work/v2-guest/ (gitignored).
set -euo pipefail
script=$1 results=$2 timeout_s=$3
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=$repo/spec-tests/.work/v2-guest
mkdir -p "$cache"
skip() { echo "SKIP: $*"; exit 3; }

# virtiofs, its transport and overlayfs are modules in Debian's kernel: loaded in this order
modules="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci fuse virtiofs overlay"
virtiofsd=/usr/lib/qemu/virtiofsd

missing=()
command -v qemu-system-x86_64 >/dev/null && [ -x "$virtiofsd" ] || missing+=(qemu-system-x86)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || missing+=(busybox-static)
command -v xz >/dev/null || missing+=(xz-utils)
updated=
if ((${#missing[@]})); then
  echo "v2-guest: installing ${missing[*]}"
  apt-get update -qq >/dev/null 2>&1 || skip "apt-get update failed: Debian's package registry is not reachable"
  updated=1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    skip "apt-get install --no-install-recommends ${missing[*]} failed"
fi

unpacked=1
[ -f "$cache/kernel/vmlinux" ] || unpacked=
for m in $modules; do [ -f "$cache/kernel/modules/$m.ko" ] || unpacked=; done
if [ -z "$unpacked" ]; then
  kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }' || true)
  if [ -z "$kpkg" ] && [ -z "$updated" ]; then
    apt-get update -qq >/dev/null 2>&1 || skip "apt-get update failed: Debian's package registry is not reachable"
    kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }' || true)
  fi
  [ -n "$kpkg" ] || skip "no package linux-image-amd64 in this machine's apt sources"
  echo "v2-guest: downloading $kpkg"
  staging=$(mktemp -d "$cache/kernel.tmp.XXXXXX")
  (cd "$staging" && apt-get download -qq "$kpkg" >/dev/null 2>&1) || skip "apt-get download $kpkg failed"
  patterns=('./boot/vmlinuz-*')
  for m in $modules; do patterns+=("*/kernel/*/$m.ko"); done
  dpkg-deb --fsys-tarfile "$staging"/*.deb | tar -x -C "$staging" --wildcards "${patterns[@]}"
  mkdir -p "$staging/kernel/modules"
  for m in $modules; do
    found=$(find "$staging" -name "$m.ko" -path '*/kernel/*' | head -1)
    [ -n "$found" ] || { echo "v2-guest: $kpkg has no module $m" >&2; exit 1; }
    mv "$found" "$staging/kernel/modules/"
  done
  # the uncompressed image boots ~2.7 s faster (QEMU loads the ELF through its PVH entry)
  vmlinuz=$(ls "$staging"/boot/vmlinuz-*)
  offset=$(LC_ALL=C grep -obUaP '\xFD7zXZ\x00' "$vmlinuz" | head -1 | cut -d: -f1)
  tail -c +$((offset + 1)) "$vmlinuz" | xz -dcq >"$staging/kernel/vmlinux" 2>/dev/null || true
  [ "$(head -c4 "$staging/kernel/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
    { echo "v2-guest: could not unpack the kernel image of $kpkg" >&2; exit 1; }
  echo "$kpkg" >"$staging/kernel/package"
  rm -rf "$cache/kernel"
  mv "$staging/kernel" "$cache/kernel"
  rm -rf "$staging"
fi

# the initramfs is rebuilt every run (a second): it carries the checkout's path and this script's init
initramfs=$(mktemp -d "$cache/initramfs.XXXXXX")
# unix socket paths must stay short, whatever the checkout's path
sockets=$(mktemp -d /tmp/tdrun-v2-guest.XXXXXX)
daemons=()
cleanup() {
  for pid in "${daemons[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$initramfs" "$initramfs.cpio" "$sockets"
}
trap cleanup EXIT
mkdir -p "$initramfs"/{bin,proc,sys,dev,mnt/host,mnt/rw,newroot,lib/modules}
cp /bin/busybox "$initramfs/bin/busybox"
cp "$cache"/kernel/modules/*.ko "$initramfs/lib/modules/"
cp "$repo/spec-tests/v2-guest/init" "$initramfs/init"
chmod 755 "$initramfs/init"
printf 'CHECKOUT=%q\nSCRIPT=%q\nRESULTS=%q\nMODULES=%q\n' "$repo" "$script" "$results" "$modules" >"$initramfs/checkout.env"
(cd "$initramfs" && find . | busybox cpio -o -H newc 2>/dev/null) >"$initramfs.cpio"

mkdir -p "$results"
rm -f "$results/rc"
# one virtiofsd per share; each ends when QEMU closes its socket (sandbox=chroot: the namespace
# sandbox pivot_roots into the shared directory, which fails for /)
share() {
  "$virtiofsd" --socket-path="$sockets/$1" -o source="${2//,/\\,}" -o cache="$3" -o sandbox=chroot \
    -o log_level=err </dev/null &
  daemons+=($!)
}
share host / always
share checkout "$repo" auto
for s in host checkout; do
  for _ in $(seq 100); do [ -S "$sockets/$s" ] && break; sleep 0.05; done
  [ -S "$sockets/$s" ] || { echo "v2-guest: virtiofsd for $s did not start" >&2; exit 1; }
done
mem=1536M
set +e
timeout --kill-after=10 "$timeout_s" qemu-system-x86_64 \
  -machine q35 -accel tcg,thread=multi -cpu max -smp 2 -m $mem \
  -kernel "$cache/kernel/vmlinux" -initrd "$initramfs.cpio" \
  -append "console=ttyS0 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 quiet panic=-1" \
  -object memory-backend-memfd,id=mem,size=$mem,share=on -numa node,memdev=mem \
  -chardev socket,id=host,path="$sockets/host" -device vhost-user-fs-pci,chardev=host,tag=host \
  -chardev socket,id=checkout,path="$sockets/checkout" -device vhost-user-fs-pci,chardev=checkout,tag=checkout \
  -display none -monitor none -serial stdio -nodefaults -no-reboot </dev/null
status=$?
set -e
[ "$status" = 124 ] || [ "$status" = 137 ] && { echo "v2-guest: no result within ${timeout_s}s"; exit 124; }
[ -f "$results/rc" ] || { echo "v2-guest: the guest ended (QEMU status $status) without a result"; exit 1; }
exit "$(cat "$results/rc")"
