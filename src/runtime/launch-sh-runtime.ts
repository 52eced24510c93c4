// The sh backend's runtime: one shell function per operation kind of
// launch-steps.ts (op_KIND), the step bookkeeping (begin/end, the fd-3 report
// in droidcheck-init's format) and the final exec chain. launch-sh.ts puts one
// call per operation after it. Written for busybox ash, dash, mksh and toybox
// sh: no arrays, no `local`, no arithmetic beyond small counters; printf where
// it is a builtin, mksh's print where it is not (Android's /system/bin/sh).

import { basename, dirname } from 'node:path';
import type { OpKind } from './launch-steps.js';

/** The tools the script runs (a subset of LaunchTools). */
export interface ShTools {
  /** The shell that runs the script (PID 1 until the final exec). */
  sh: string[];
  /** unshare's argv prefix (for the cgroup namespace's `unshare -C`). */
  unshare: string[];
  /** A multi-call busybox: every tool is run through it, also after entering the root. Null: tools by name from PATH. */
  busybox: string | null;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Every kind's function; a test checks this covers OpKind. */
export function opFunctions(t: ShTools): Record<OpKind, string> {
  const sh = t.sh.map(q).join(' ');
  const unshare = t.unshare.map(q).join(' ');
  // After pivot_root the host's tools are gone: the busybox's directory stays open on fd 8 and it
  // runs as /proc/self/fd/8/<name> (the name must begin with "busybox" for applets to chain).
  const post = t.busybox ? `/proc/self/fd/8/${basename(t.busybox)}` : '';
  return {
    unshare: `op_unshare() { :; }`, // made by unshare(1) before this shell started
    // Without pivot_root the shell keeps the host's root: a link on the way could lead a write out of the container (nolink).
    write: `op_write() { [ "$RP" != . ] || nolink "$RP$1" || fail 'Too many levels of symbolic links: a symbolic link on the way (droidcheck writes through none)'; { say "$2" >"$RP$1"; } 2>/dev/null && return 0; if [ -e "$RP$1" ]; then fail 'write error: the kernel refused'; fi; fail 'No such file or directory'; }`,
    'unshare-cgroup':
      `op_unshare_cgroup() { if ${unshare} -C true >/dev/null 2>&1; then tool 'cgroup namespace' unshare; end; exec ${unshare} -C ${sh} -c "$REST" sh; fi; ` +
      `SKIP=${q(`${t.unshare.join(' ')} has no -C: the container shares the host's cgroup namespace`)}; end; exec ${sh} -c "$REST" sh; }`,
    // busybox and util-linux: --make-rprivate; toybox: -o rprivate (busybox refuses that form).
    'make-rprivate': `op_make_rprivate() { H=rprivate; op_propagation /; }`,
    'mkdir-target': `op_mkdir_target() { [ -e "$1" ] && return 0; if [ -n "$2" ] && [ -e "$2" ] && [ ! -d "$2" ]; then run x mkdir -p "\${1%/*}"; run x touch "$1"; else run x mkdir -p "$1"; fi; }`,
    bind: `op_bind() { if [ "$3" = 1 ]; then run x mount --rbind "$1" "$2"; else run x mount --bind "$1" "$2"; fi; }`,
    // toybox's mount does not know strictatime (it would reach the filesystem as data: EINVAL): without it, said in a note.
    mount:
      `op_mount() { if [ -z "$H" ]; then run x mount -t "$1" "$2" "$3"; return; fi; x mount -t "$1" -o "$H" "$2" "$3" 2>/dev/null && return 0; ` +
      `case ",$H," in *,strictatime,*) o=$(IFS=,; set -f; r=; for w in $H; do [ "$w" = strictatime ] || r="$r,$w"; done; say "\${r#,}"); ` +
      `if x mount -t "$1" -o "$o" "$2" "$3" 2>/dev/null; then note "strictatime not applied (the mount tool does not know it)"; return 0; fi;; esac; run x mount -t "$1" -o "$H" "$2" "$3"; }`,
    // Two paths: with one, busybox looks the target up in /proc/mounts and remounts the host's path after `mount --move . /`.
    // toybox wants the one-path form, and finds no target in /proc/mounts once the root was moved (no pivot_root): then the step is skipped, saying so.
    remount:
      `op_remount() { { x mount -o "$H" "$RP$1" "$RP$1" 2>/dev/null || x mount -o "$H" "$RP$1" 2>/dev/null; } && return 0; ` +
      `if [ "$RP" = . ]; then m=$(x mount -o "$H" "$RP$1" 2>&1); SKIP="$1 not remounted ($H): \${m:-failed}: the mount tool cannot find it once the root was moved"; return 0; fi; run x mount -o "$H" "$RP$1"; }`,
    propagation: `op_propagation() { [ -z "$H" ] || x mount "--make-$H" "$1" 2>/dev/null || x mount -o "$H" "$1" "$1" 2>/dev/null || run x mount -o "$H" none "$1"; }`,
    'mknod-or-bind': `op_mknod_or_bind() { [ -e "$1" ] && return 0; x mknod -m 666 "$1" c "$2" "$3" 2>/dev/null && return 0; : >"$1"; run x mount --bind "$4" "$1"; note "\${4##*/} bound from the host"; }`,
    symlink: `op_symlink() { [ -e "$2" ] || [ -L "$2" ] || run x ln -s "$1" "$2"; }`,
    ptmx:
      `op_ptmx() { { [ -e "$1/ptmx" ] || [ -L "$1/ptmx" ]; } && return 0; if [ -e "$1/pts/ptmx" ]; then run x ln -s pts/ptmx "$1/ptmx"; note 'ptmx -> pts/ptmx'; ` +
      `elif [ -e /dev/ptmx ]; then : >"$1/ptmx"; run x mount --bind /dev/ptmx "$1/ptmx"; note '/dev/ptmx bound from the host'; fi; }`,
    'pivot-root':
      `op_pivot_root() { cd "$1" || fail 'No such file or directory'; ${t.busybox ? `exec 8< ${q(dirname(t.busybox))}; ` : ''}run x pivot_root . .; ` +
      `${post ? `if [ -e ${q(post)} ]; then P=${q(post)}; fi; ` : ''}BB="$P"; run x umount -l .; cd / || fail 'No such file or directory'; RP=; }`,
    // A shell cannot chroot itself: the final exec does (CH); until then paths are relative to the container root, the cwd.
    chroot:
      `op_chroot() { cd "$1" || fail 'No such file or directory'; ${t.busybox ? `exec 8< ${q(dirname(t.busybox))}; ` : ''}run x mount --move . /; ` +
      `${post ? `if [ -e ${q(`.${post}`)} ]; then P=${q(post)}; fi; ` : ''}run x chroot . \${P:+"$P"} true; RP=.; CH=1; }`,
    pty: `op_pty() { note 'no new pty: the workload uses this terminal directly'; }`,
    // toybox's mount takes a bind of a character device for a loop device: an empty file of the container's /dev instead, said in a note.
    mask:
      `op_mask() { p="$RP$1"; if [ -d "$p" ]; then run x mount -t tmpfs -o ro tmpfs "$p"; elif [ -e "$p" ]; then x mount --bind "$RP/dev/null" "$p" 2>/dev/null && return 0; ` +
      `e="$RP/dev/.droidcheck-masked"; if { [ "$RP" != . ] || nolink "$e"; } && { [ -f "$e" ] || { : >"$e" && chmod 0 "$e"; }; } 2>/dev/null && x mount --bind "$e" "$p" 2>/dev/null; then note "$1 masked with an empty file (the mount tool cannot bind /dev/null)"; return 0; fi; ` +
      `run x mount --bind "$RP/dev/null" "$p"; fi; }`,
    readonly:
      `op_readonly() { p="$RP$1"; [ -e "$p" ] || return 0; run x mount --rbind "$p" "$p"; { x mount -o remount,bind,ro "$p" "$p" 2>/dev/null || x mount -o remount,bind,ro "$p" 2>/dev/null; } && return 0; ` +
      `if [ "$RP" = . ]; then note "$1 NOT read-only (the mount tool cannot remount it once the root was moved)"; return 0; fi; run x mount -o remount,bind,ro "$p"; }`,
    sethostname: `op_sethostname() { run x hostname "$1"; }`,
    'loopback-up':
      `op_loopback_up() { if x ifconfig lo up 2>/dev/null; then tool network ifconfig; elif x ip link set lo up 2>/dev/null; then tool network ip; ` +
      `else SKIP='no ifconfig or ip to bring lo up: the container has no working loopback'; fi; }`,
    // H: "-LETTER SOFT HARD" in ulimit's units; raise the hard limit first, or lower the soft one first.
    setrlimit:
      `op_setrlimit() { if [ -z "$H" ]; then note "ulimit cannot set $1"; return 0; fi; set -- $H; ` +
      `{ ulimit -H $1 $3 && ulimit -S $1 $2; } 2>/dev/null || { ulimit -S $1 $2 && ulimit -H $1 $3; } 2>/dev/null || fail "$( { ulimit -S $1 $2 && ulimit -H $1 $3; } 2>&1)"; }`,
    'bounding-set': `op_bounding_set() { probe_tools; if [ "$SP" = full ]; then BSET=$H; else SKIP="$TN cannot drop the bounding set to $OK (no setpriv --bounding-set): the workload keeps root's capabilities"; fi; }`,
    seccomp: `op_seccomp() { SKIP="$TN"${q(` cannot install a seccomp filter: the container runs WITHOUT the profile in config.json (droidcheck-init, or --runtime runc, applies it)`)}; }`,
    setgroups: `op_setgroups() { GRP=$1; }`,
    setresgid: `op_setresgid() { GID=$1; }`,
    setresuid:
      // A user switch is tried once, so that a refusal is this step's failure with the tool's message (root keeps root: nothing to try).
      `op_setresuid() { USR=$1; probe_tools; [ "$USR.$GID.$GRP" = 0.0. ] || run chain run PATH=/bin:/usr/bin:/sbin:/usr/sbin \${P:+"$P"} sh -c :; if [ "$SP" = full ]; then return 0; fi; ` +
      `if [ -n "$NS" ]; then [ -z "$GRP" ] || report groups skipped '' '' '' "$TN sets no supplementary groups ($GRP): no setpriv --groups; nsenter -G clears them"; return 0; fi; ` +
      `if [ "$USR" = 0 ] && [ "$GID" = 0 ] && [ -z "$GRP" ]; then note "$TN: no setpriv --reuid and no nsenter -S; uid 0 gid 0 already"; else SKIP="$TN: no setpriv --reuid and no nsenter -S"; fi; }`,
    capset:
      `op_capset() { if [ "$SP" = full ]; then INH=$H; elif [ "$USR" != 0 ] && [ -n "$NS" ]; then note "uid $USR keeps no capabilities across exec"; ` +
      `else SKIP="$TN cannot set the capabilities (no setpriv --inh-caps): the workload keeps root's capabilities"; fi; }`,
    'no-new-privs': `op_no_new_privs() { if [ "$SP" = full ] || { [ "$SP" = nnp ] && [ -n "$NS" ]; }; then NNP=1; else SKIP="$TN: no setpriv --no-new-privs"; fi; }`,
    // The final shell does these (and reports them): cd, the command check, closing fds.
    chdir: `op_chdir() { CWD=$1; DEFER=1; }`,
    'reset-process': `op_reset_process() { DEFER=1; }`,
    umask: `op_umask() { umask "$1"; }`,
    // NENV ENV... ARGS...: env -i ENV... sh -c LAST sh CWD ARGS..., behind the chain (the ENV rotated past the ARGS and back).
    exec:
      `op_exec() { n=$1; shift; i=0; while [ $i -lt $n ]; do set -- "$@" "$1"; shift; i=$((i + 1)); done; ` +
      `k=$(($# - n)); set -- \${P:+"$P"} sh -c "$LAST" sh "$CWD" "$@"; k=$((k + 5)); [ -z "$P" ] || k=$((k + 1)); ` +
      `i=0; while [ $i -lt $k ]; do set -- "$@" "$1"; shift; i=$((i + 1)); done; ` +
      `if [ "$SP" = full ]; then UT=setpriv; elif [ -n "$NS" ]; then UT=nsenter\${NNP:+ setpriv}; else UT=env; fi; tool user "$UT"; chain exec "$@"; }`,
  };
}

/** The final shell, in the container: the fds above 3 closed (CVE-2024-21626: a cwd via /proc/self/fd/8), cd, the command's check, exec. */
const LAST = [
  `TAB='\t'; if [ "$(command -v printf 2>/dev/null)" = printf ]; then say() { printf '%s\\n' "$1"; }; else say() { print -r -- "$1"; }; fi`,
  `report() { say "STEP$TAB$1$TAB$2$TAB$3$TAB$4$TAB$5$TAB$6" >&3; }`,
  // mksh reads "exec 10>&-" as a command named 10: there only 4-9 (its own fds from 10 up are close-on-exec); busybox ash keeps one open at 251.
  `for f in /proc/self/fd/*; do n=\${f##*/}; case $n in *[!0-9]*|[0-3]) ;; [4-9]) eval "exec $n>&-" 2>/dev/null;; *) case \${KSH_VERSION:-} in *MIRBSD*) ;; *) eval "exec $n>&-" 2>/dev/null;; esac;; esac; done`,
  `if ! m=$(cd "$1" 2>&1); then report cwd failed "chdir $1" "$1" '' "$m"; exit 125; fi`,
  `D=$1; cd "$D"; shift`,
  // getcwd() of a directory outside the root answers "(unreachable)/..." or fails.
  `case $(pwd -P 2>/dev/null) in /*) ;; *) report cwd failed "chdir $D" "$D" '' 'No such file or directory: the working directory is outside the container root'; exit 125;; esac`,
  `report cwd ok '' '' '' ''`,
  `if ! command -v "$1" >/dev/null 2>&1; then report exec failed "execve $1" "$1" '' "$1: No such file or directory"; exit 127; fi`,
  `report 'reset process' ok '' '' '' 'fds above 2 closed; signal dispositions and mask as the tool chain left them'`,
  `exec 3>&-`,
  `exec "$@"`,
].join('\n');

/** The script's fixed part: state, bookkeeping, the op functions (or, dry, printers). */
export function shRuntime(t: ShTools, dry: boolean): string {
  const fns = opFunctions(t);
  const kinds = Object.keys(fns) as OpKind[];
  const common = [
    `REST=$1; TAB='\t'`,
    `if [ "$(command -v printf 2>/dev/null)" = printf ]; then say() { printf '%s\\n' "$1"; }; else say() { print -r -- "$1"; }; fi`,
  ];
  if (dry) {
    return [
      ...common,
      `begin() { if [ -n "$4" ]; then say "step$TAB$1\${TAB}skip $4"; else say "step$TAB$1$TAB$2"; fi; }`,
      `end() { :; }`,
      `o() { l=$1; shift 3; for a in "$@"; do l="$l$TAB$a"; done; say "$l"; case $l in unshare-cgroup*) exec ${t.sh.map(q).join(' ')} -c "$REST" sh;; esac; }`,
    ].join('\n');
  }
  return [
    ...common,
    `BB=${t.busybox ? q(t.busybox) : "''"}; TN=${q(t.busybox ?? "the container's tools")}; P=; RP=; CH=; H=; SP=; NS=; PROBED=; GRP=; GID=0; USR=0; BSET=; INH=; NNP=; CWD=/`,
    `LAST=${q(LAST)}`,
    // report NAME STATUS OP PATH ERRNO DETAIL: droidcheck-init's line (the errno is named from the message here)
    `report() { say "STEP$TAB$1$TAB$2$TAB$3$TAB$4$TAB$5$TAB$6" >&3; }`,
    `tool() { say "TOOL$TAB$1$TAB$2" >&3; }`,
    `begin() { STEP=$1; OK=$2; SPATH=$3; SKIP=$4; NOTE=; DEFER=; }`,
    `end() { [ -n "$DEFER" ] && return 0; if [ -n "$SKIP" ]; then report "$STEP" skipped '' '' '' "$SKIP"; else report "$STEP" ok '' "$SPATH" '' "$OK\${NOTE:+\${OK:+; }$NOTE}"; fi; }`,
    `note() { NOTE="\${NOTE:+$NOTE, }$1"; }`,
    // nolink PATH: no component of PATH is a symbolic link (the paths droidcheck writes have no ".."). Only for the
    // container's paths while the shell still has the host's root (RP=.): a host path may well pass a link (/etc on Android).
    `nolink() { l=$1; while [ -n "$l" ] && [ "$l" != . ] && [ "$l" != / ]; do [ -L "$l" ] && return 1; case $l in */*) l=\${l%/*};; *) l=;; esac; done; return 0; }`,
    `fail() { report "$STEP" failed "$D" "$PTH" '' "$1"; exit 125; }`,
    // run CMD...: the tool's message becomes the failure's; the command runs without a subshell, and again to capture its message only when it failed.
    `run() { "$@" >/dev/null 2>&1 && return 0; if m=$("$@" 2>&1); then return 0; fi; fail "\${m:-exit status $?}"; }`,
    // SA: the shell is the busybox itself with its standalone applets ("mount is mount"): an applet by name runs in the
    // shell's process or a fork of it, not a new exec of the busybox (the launch makes some fifty tool calls).
    `SA=; if [ -n "$BB" ]; then case "$(type mount 2>/dev/null)" in 'mount is mount') SA=1;; esac; fi`,
    `x() { if [ -n "$SA" ] || [ -z "$BB" ]; then "$@"; else "$BB" "$@"; fi; }`,
    `y() { if [ -n "$SA" ] || [ -z "$P" ]; then "$@"; else "$P" "$@"; fi; }`,
    // What setpriv (util-linux: everything; busybox: --nnp and --inh-caps) and nsenter (-S/-G) can do here.
    `probe_tools() { [ -n "$PROBED" ] && return 0; PROBED=1; case "$(y setpriv --help 2>&1)" in *--bounding-set*) SP=full;; *--nnp*) SP=nnp;; esac; case "$(y nsenter --help 2>&1)" in *'-S UID'*) NS=1;; esac; }`,
    // chain MODE CMD...: the identity tools in front of CMD, prepended innermost first; MODE run or exec.
    `chain() { mode=$1; shift; set -- \${P:+"$P"} env -i "$@"; ` +
      `if [ "$SP" = full ]; then if [ -n "$GRP" ]; then g="--groups $GRP"; else g=--clear-groups; fi; ` +
      `set -- \${P:+"$P"} setpriv --reuid "$USR" --regid "$GID" $g \${INH:+--inh-caps "$INH"} \${BSET:+--bounding-set "$BSET"} \${NNP:+--no-new-privs} "$@"; ` +
      `elif [ -n "$NS" ]; then [ -z "$NNP" ] || set -- \${P:+"$P"} setpriv --nnp "$@"; set -- \${P:+"$P"} nsenter -G "$GID" -S "$USR" -- "$@"; fi; ` +
      `[ -z "$CH" ] || set -- \${BB:+"$BB"} chroot . "$@"; if [ "$mode" = exec ]; then exec "$@"; fi; "$@"; }`,
    ...kinds.map((k) => fns[k]),
    `o() { [ -n "$SKIP" ] && { H=; return 0; }; k=$1; D=$2; PTH=$3; shift 3; case $k in ${kinds.map((k) => `${k}) op_${k.replace(/-/g, '_')} "$@";;`).join(' ')} esac; H=; }`,
  ].join('\n');
}
