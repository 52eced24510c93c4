#!/usr/bin/env bash
# Build (once, then cache) the Android-7-like test kernel used by
# scripts/android-vm.sh: Linux 6.1 from Debian's linux-source-6.1 tarball,
# tinyconfig + kernel-configs/android7-vm.fragment (shared by all arches)
# + kernel-configs/android7-vm-ARCH.fragment (arch-specific lines, if the
# file exists; its lines override the shared ones).
#   x86_64 (default): native gcc, bzImage
#   arm64: cross-built with Debian's gcc-aarch64-linux-gnu, Image (QEMU virt)
#
# Usage: scripts/android-kernel.sh [--arch x86_64|arm64] [--variant NAME] [--force | --cached-only]
#   --arch ARCH    target architecture (default $DROIDCHECK_VM_ARCH or x86_64)
#   --variant NAME kernel-configs/android7-vm-NAME.fragment instead of the arch fragment, in its own
#                  cache (.../android-kernel-NAME), so the standard kernels keep their keys.
#                  docker: veth, bridge, legacy iptables NAT (test/vm/docker-in-vm.test.ts)
#   --force        rebuild even if a cached kernel exists
#   --cached-only  print the cached kernel path, or exit 3 if not built (never builds)
# Env:
#   DROIDCHECK_VM_ARCH          default for --arch
#   DROIDCHECK_KERNEL_CACHE     cache dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/droidcheck/android-kernel
#                               for x86_64, .../android-kernel-arm64 for arm64)
#   DROIDCHECK_KERNEL_SRC_CACHE where the source tarball is extracted (default: the
#                               x86_64 cache dir's src/, shared by all arches)
#   DROIDCHECK_KERNEL_TARBALL   kernel source tarball (default /usr/src/linux-source-6.1.tar.xz)
#   DROIDCHECK_KERNEL_FRAGMENT  shared config fragment (default kernel-configs/android7-vm.fragment)
#   DROIDCHECK_KERNEL_ARCH_FRAGMENT  arch fragment (default kernel-configs/android7-vm-ARCH.fragment)
#   DROIDCHECK_KERNEL_JOBS      make -j (default 2)
#   DROIDCHECK_KERNEL_VERBOSE=1 stream make output to stderr instead of a log file
# Progress goes to stderr; the last line on stdout is the kernel image path
# (bzImage for x86_64, Image for arm64).
set -euo pipefail
# The whole script is one { } block so bash parses it before running it
# (editing the file while it runs cannot break a running build).
{

# Bump when the build recipe (not the fragment) changes in a way that must
# invalidate cached kernels.
RECIPE_VERSION=1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
tarball=${DROIDCHECK_KERNEL_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
fragment=${DROIDCHECK_KERNEL_FRAGMENT:-$repo/kernel-configs/android7-vm.fragment}
arch=${DROIDCHECK_VM_ARCH:-x86_64}
jobs=${DROIDCHECK_KERNEL_JOBS:-2}
force=0
cached_only=0
variant=""

log() { printf 'android-kernel: %s\n' "$*" >&2; }
die() { printf 'android-kernel: ERROR: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --force) force=1; shift ;;
    --cached-only) cached_only=1; shift ;;
    --arch) [ $# -ge 2 ] || die "--arch needs a value"; arch=$2; shift 2 ;;
    --arch=*) arch=${1#--arch=}; shift ;;
    --variant) [ $# -ge 2 ] || die "--variant needs a value"; variant=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done

cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/droidcheck
case $arch in
  x86_64|amd64|x86)
    arch=x86_64; karch=x86_64; cross=""; image=bzImage; image_src=arch/x86/boot/bzImage
    cache=${DROIDCHECK_KERNEL_CACHE:-$cache_root/android-kernel} ;;
  arm64|aarch64)
    arch=arm64; karch=arm64; cross=${DROIDCHECK_KERNEL_CROSS_COMPILE:-aarch64-linux-gnu-}
    image=Image; image_src=arch/arm64/boot/Image
    cache=${DROIDCHECK_KERNEL_CACHE:-$cache_root/android-kernel-arm64}
    command -v "${cross}gcc" >/dev/null 2>&1 || die "${cross}gcc not found (apt-get install gcc-aarch64-linux-gnu)" ;;
  *) die "unsupported --arch $arch (x86_64 or arm64)" ;;
esac
if [ -n "$variant" ]; then
  [ -f "$repo/kernel-configs/android7-vm-$variant.fragment" ] || die "no kernel-configs/android7-vm-$variant.fragment"
  cache=${DROIDCHECK_KERNEL_CACHE:-$cache_root/android-kernel-$variant}
  DROIDCHECK_KERNEL_ARCH_FRAGMENT=$repo/kernel-configs/android7-vm-$variant.fragment
  DROIDCHECK_KERNEL_SRC_CACHE=${DROIDCHECK_KERNEL_SRC_CACHE:-$cache_root/android-kernel/src}
fi
srccache=${DROIDCHECK_KERNEL_SRC_CACHE:-}
if [ -z "$srccache" ]; then
  if [ -n "${DROIDCHECK_KERNEL_CACHE:-}" ]; then srccache=$cache/src; else srccache=$cache_root/android-kernel/src; fi
fi
arch_fragment=${DROIDCHECK_KERNEL_ARCH_FRAGMENT:-$repo/kernel-configs/android7-vm-$arch.fragment}
[ -f "$arch_fragment" ] || arch_fragment=""

[ -f "$tarball" ] || die "kernel source $tarball not found (apt-get install linux-source-6.1)"
[ -f "$fragment" ] || die "config fragment $fragment not found"

# Source identity: the Debian package version when the tarball belongs to a
# package, otherwise name + size + mtime.
src_id=""
if command -v dpkg >/dev/null 2>&1; then
  pkg=$(dpkg -S "$tarball" 2>/dev/null | head -n1 | cut -d: -f1 || true)
  if [ -n "$pkg" ]; then
    src_id="$pkg=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)"
  fi
fi
[ -n "$src_id" ] || src_id="$(basename "$tarball")-$(stat -c '%s-%Y' "$tarball")"

# The x86_64 key without an arch fragment is the same as before arches existed
# (cached x86_64 kernels stay valid); other arches add their name and fragment.
key=$( {
  printf 'recipe=%s\nsource=%s\n' "$RECIPE_VERSION" "$src_id"
  [ "$arch" = x86_64 ] || printf 'arch=%s\ncross=%s\n' "$arch" "$cross"
  cat "$fragment"
  [ -z "$arch_fragment" ] || { echo "# --- arch fragment"; cat "$arch_fragment"; }
} | sha256sum | cut -c1-16)
out="$cache/kernels/$key"

if [ "$force" = 0 ] && [ -s "$out/$image" ]; then
  log "cached $arch kernel $key ($src_id)"
  echo "$out/$image"
  exit 0
fi

if [ "$cached_only" = 1 ]; then
  log "$arch kernel $key is not built yet (run scripts/android-kernel.sh --arch $arch)"
  exit 3
fi

mkdir -p "$cache"
# One build at a time per cache dir (tests may race).
exec 9>"$cache/.lock"
flock 9
if [ "$force" = 0 ] && [ -s "$out/$image" ]; then
  log "cached $arch kernel $key (built meanwhile)"
  echo "$out/$image"
  exit 0
fi

start=$(date +%s)
src_tag=$(printf '%s' "$src_id" | tr -c 'A-Za-z0-9._-' '_')
srcroot="$srccache/$src_tag"
mkdir -p "$srccache"
# The extracted source may be shared by builds for several arches.
exec 8>"$srccache/.lock-$src_tag"
flock 8
if [ ! -f "$srcroot/.extracted" ]; then
  log "extracting $tarball into $srcroot"
  rm -rf "$srcroot"
  mkdir -p "$srcroot"
  tar -xf "$tarball" -C "$srcroot"
  touch "$srcroot/.extracted"
fi
flock -u 8
srcdir=$(find "$srcroot" -mindepth 2 -maxdepth 2 -name Makefile -printf '%h\n' | head -n1)
[ -n "$srcdir" ] || die "no kernel Makefile found under $srcroot"

# Out-of-tree build dir shared by all fragment versions of this source, so a
# changed fragment is an incremental rebuild.
build="$cache/build/$src_tag"
mkdir -p "$build" "$cache/logs"
buildlog="$cache/logs/$key.log"
: >"$buildlog"

run_make() {
  if [ "${DROIDCHECK_KERNEL_VERBOSE:-0}" = 1 ]; then
    make -C "$srcdir" O="$build" ARCH="$karch" ${cross:+CROSS_COMPILE="$cross"} "$@" >&2
  else
    if ! make -C "$srcdir" O="$build" ARCH="$karch" ${cross:+CROSS_COMPILE="$cross"} "$@" >>"$buildlog" 2>&1; then
      tail -n 40 "$buildlog" >&2
      die "make $* failed (full log: $buildlog)"
    fi
  fi
}

log "configuring $arch: tinyconfig + $(basename "$fragment")${arch_fragment:+ + $(basename "$arch_fragment")}"
rm -f "$build/.config"
run_make tinyconfig
"$srcdir/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" "$fragment" ${arch_fragment:+"$arch_fragment"} >>"$buildlog" 2>&1 \
  || { tail -n 20 "$buildlog" >&2; die "merge_config.sh failed"; }
run_make olddefconfig

# Verify: every "CONFIG_X=v" in the fragments must be in .config verbatim and
# every "# CONFIG_X is not set" must not be enabled. A symbol the arch
# fragment mentions overrides the shared fragment's line (merge_config.sh
# applies fragments in order, the last one wins).
effective_fragment() {
  if [ -z "$arch_fragment" ]; then cat "$fragment"; return; fi
  local overridden
  overridden=$(grep -oE '^(# )?CONFIG_[A-Za-z0-9_]+' "$arch_fragment" | sed 's/^# //' | sort -u)
  while IFS= read -r line; do
    sym=$(printf '%s\n' "$line" | grep -oE '^(# )?CONFIG_[A-Za-z0-9_]+' | sed 's/^# //' || true)
    if [ -n "$sym" ] && printf '%s\n' "$overridden" | grep -qxF -- "$sym"; then continue; fi
    printf '%s\n' "$line"
  done <"$fragment"
  cat "$arch_fragment"
}
bad=0
while IFS= read -r line; do
  case $line in
    CONFIG_*=*)
      if ! grep -qxF -- "$line" "$build/.config"; then
        got=$(grep -E "^(# )?${line%%=*}[= ]" "$build/.config" || echo "absent")
        log "required $line but .config has: $got"
        bad=1
      fi ;;
    "# CONFIG_"*" is not set")
      sym=${line#\# }; sym=${sym%% *}
      if grep -qE "^${sym}=" "$build/.config"; then
        log "forbidden $sym is enabled: $(grep -E "^${sym}=" "$build/.config")"
        bad=1
      fi ;;
  esac
done < <(effective_fragment)
[ "$bad" = 0 ] || die "kernel config does not match $(basename "$fragment")${arch_fragment:+ + $(basename "$arch_fragment")} after olddefconfig (see above)"
log "config verified against fragment(s)"

log "building $arch $image with -j$jobs (log: $buildlog)"
run_make -j"$jobs" "$image"

mkdir -p "$out"
cp "$build/$image_src" "$out/$image.tmp"
cp "$build/.config" "$out/config"
printf 'arch=%s\nsource=%s\nfragment=%s\narch_fragment=%s\nbuilt=%s\nseconds=%s\n' "$arch" "$src_id" "$fragment" "$arch_fragment" "$(date -u +%FT%TZ)" "$(( $(date +%s) - start ))" >"$out/info"
mv "$out/$image.tmp" "$out/$image"
log "built $arch kernel $key in $(( $(date +%s) - start ))s"
echo "$out/$image"
exit
}
