#!/usr/bin/env bash
# Build (once, then cache) the Android-7-like test kernel used by
# scripts/android-vm.sh: Linux 6.1 from Debian's linux-source-6.1 tarball,
# x86_64 tinyconfig + kernel-configs/android7-vm.fragment.
#
# Usage: scripts/android-kernel.sh [--force | --cached-only]
#   --force        rebuild even if a cached kernel exists
#   --cached-only  print the cached bzImage path, or exit 3 if not built (never builds)
# Env:
#   DROIDCHECK_KERNEL_CACHE     cache dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/droidcheck/android-kernel)
#   DROIDCHECK_KERNEL_TARBALL   kernel source tarball (default /usr/src/linux-source-6.1.tar.xz)
#   DROIDCHECK_KERNEL_FRAGMENT  config fragment (default kernel-configs/android7-vm.fragment)
#   DROIDCHECK_KERNEL_JOBS      make -j (default 2)
#   DROIDCHECK_KERNEL_VERBOSE=1 stream make output to stderr instead of a log file
# Progress goes to stderr; the last line on stdout is the bzImage path.
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
cache=${DROIDCHECK_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/droidcheck/android-kernel}
jobs=${DROIDCHECK_KERNEL_JOBS:-2}
force=0
cached_only=0

log() { printf 'android-kernel: %s\n' "$*" >&2; }
die() { printf 'android-kernel: ERROR: %s\n' "$*" >&2; exit 1; }

for arg in "$@"; do
  case $arg in
    --force) force=1 ;;
    --cached-only) cached_only=1 ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $arg" ;;
  esac
done

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

key=$(printf 'recipe=%s\nsource=%s\n' "$RECIPE_VERSION" "$src_id" | cat - "$fragment" | sha256sum | cut -c1-16)
out="$cache/kernels/$key"

if [ "$force" = 0 ] && [ -s "$out/bzImage" ]; then
  log "cached kernel $key ($src_id)"
  echo "$out/bzImage"
  exit 0
fi

if [ "$cached_only" = 1 ]; then
  log "kernel $key is not built yet (run scripts/android-kernel.sh)"
  exit 3
fi

mkdir -p "$cache"
# One build at a time per cache dir (tests may race).
exec 9>"$cache/.lock"
flock 9
if [ "$force" = 0 ] && [ -s "$out/bzImage" ]; then
  log "cached kernel $key (built meanwhile)"
  echo "$out/bzImage"
  exit 0
fi

start=$(date +%s)
src_tag=$(printf '%s' "$src_id" | tr -c 'A-Za-z0-9._-' '_')
srcroot="$cache/src/$src_tag"
if [ ! -f "$srcroot/.extracted" ]; then
  log "extracting $tarball into $srcroot"
  rm -rf "$srcroot"
  mkdir -p "$srcroot"
  tar -xf "$tarball" -C "$srcroot"
  touch "$srcroot/.extracted"
fi
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
    make -C "$srcdir" O="$build" ARCH=x86_64 "$@" >&2
  else
    if ! make -C "$srcdir" O="$build" ARCH=x86_64 "$@" >>"$buildlog" 2>&1; then
      tail -n 40 "$buildlog" >&2
      die "make $* failed (full log: $buildlog)"
    fi
  fi
}

log "configuring: tinyconfig + $(basename "$fragment")"
rm -f "$build/.config"
run_make tinyconfig
"$srcdir/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" "$fragment" >>"$buildlog" 2>&1 \
  || { tail -n 20 "$buildlog" >&2; die "merge_config.sh failed"; }
run_make olddefconfig

# Verify: every "CONFIG_X=v" in the fragment must be in .config verbatim and
# every "# CONFIG_X is not set" must not be enabled.
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
done <"$fragment"
[ "$bad" = 0 ] || die "kernel config does not match $(basename "$fragment") after olddefconfig (see above)"
log "config verified against fragment"

log "building bzImage with -j$jobs (log: $buildlog)"
run_make -j"$jobs" bzImage

mkdir -p "$out"
cp "$build/arch/x86/boot/bzImage" "$out/bzImage.tmp"
cp "$build/.config" "$out/config"
printf 'source=%s\nfragment=%s\nbuilt=%s\nseconds=%s\n' "$src_id" "$fragment" "$(date -u +%FT%TZ)" "$(( $(date +%s) - start ))" >"$out/info"
mv "$out/bzImage.tmp" "$out/bzImage"
log "built kernel $key in $(( $(date +%s) - start ))s"
echo "$out/bzImage"
exit
}
