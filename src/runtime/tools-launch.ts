// The embedded runtime without FFI: where koffi cannot load (Android 7/8,
// 32-bit ARM), the same launch is driven through a static busybox (or
// util-linux/toybox) by one POSIX sh script.
//
//   unshare -<namespaces> -f <sh> -c SCRIPT
//
// The forked shell is PID 1 of the new PID namespace and sits in a new mount
// namespace whose mounts all die with it. It performs the steps of init.ts in
// the same order, reports each as a line on fd 3, and finally replaces itself,
// through a chain of exec'ing tools (setpriv, nsenter, env, sh), with the
// workload, which ends up as PID 1. fd 3 is closed by that last exec.
//
// After pivot_root the host's tools are gone: the script keeps the busybox's
// directory open on fd 8 and runs it as /proc/self/fd/8/<busybox name> (the
// name must begin with "busybox" so that applets chain through each other).

import { resolveInRootfs } from './rootfs-path.js';
import { ociTable } from '../sys/namespaces.js';
import { exitStatus, supervise } from './supervise.js';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { machine } from 'node:os';
import type { Host } from '../host/host.js';
import { errnoFromMessage, findToolset, type ToolOptions, type Toolset } from '../probes/live/tools.js';
import { interruptedStep, type LaunchResult } from './launch-result.js';
import { elfMachineName, machineFromUname } from '../sys/elf.js';
import { CAPABILITIES, MS, type LaunchPlan, type PlannedMount } from './plan.js';
import { classify, LOOPBACK_ONLY, type StepOutcome } from './steps.js';

/** What the script may rely on; found by launchWithTools, given to the pure script builder. */
export interface LaunchTools {
  /** Shown in the report: "/bin/busybox", "util-linux", ... */
  name: string;
  /** The shell that runs the script (PID 1 until the final exec). */
  sh: string[];
  /** unshare's argv prefix. */
  unshare: string[];
  /** A multi-call busybox: every tool is run through it, also after entering the root. Null: tools by name from PATH. */
  busybox: string | null;
  /** Report labels of the tools found (see Toolset.labels). */
  labels?: Toolset['labels'];
  /** Where the busybox came from: --busybox, PATH or the bundle's rootfs. */
  busyboxSource?: Toolset['busyboxSource'];
  /** Candidates passed over, and why. */
  notes?: string[];
}

/** One step line: STEP<TAB>name<TAB>status<TAB>op<TAB>message. */
const STEP_PREFIX = 'STEP\t';
/** Which tool the script chose at run time: TOOL<TAB>step<TAB>tool (user: setpriv, nsenter or env). */
const TOOL_PREFIX = 'TOOL\t';

/** The TOOL lines of the script's fd-3 output: step name -> tool. */
export function parseToolLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(TOOL_PREFIX)) continue;
    const [name, tool] = line.slice(TOOL_PREFIX.length).split('\t');
    if (name && tool) out[name] = tool;
  }
  return out;
}

/** The report label of the launcher: "busybox /bin/busybox", "busybox DIR/rootfs/bin/busybox (the bundle's own)", "util-linux". */
export function launcherLabel(t: LaunchTools): string {
  if (!t.busybox) return t.name;
  const from = t.busyboxSource === 'option' ? ' (--busybox)' : t.busyboxSource === 'bundle' ? " (the bundle's own)" : '';
  return `busybox ${t.busybox}${from}`;
}

/** The tool that performed a launch step, for the report (undefined for steps no tool performs). */
export function stepTool(name: string, t: LaunchTools, chosen: Record<string, string> = {}): string | undefined {
  const from = t.busyboxSource === 'option' ? ' (--busybox)' : t.busyboxSource === 'bundle' ? " (the bundle's own)" : '';
  // With a busybox every tool is one of its applets; without, the tool found on PATH (or run by name).
  const tool = (applet: string, role?: keyof NonNullable<LaunchTools['labels']>): string =>
    t.busybox ? `busybox ${t.busybox} ${applet}${from}` : ((role && t.labels?.[role]) ?? applet);
  if (name === 'namespaces') return tool('unshare', 'unshare');
  if (['mount namespace', 'rootfs', 'devices', 'masked and read-only paths', 'read-only root'].includes(name) || name.startsWith('mount ')) return tool('mount', 'mount');
  if (name === 'pivot_root') return tool('pivot_root', 'pivot_root');
  if (name === 'chroot') return tool('chroot', 'chroot');
  if (name === 'hostname') return tool('hostname');
  if (name === 'network') return chosen['network'] ? tool(chosen['network']) : undefined;
  if (name === 'cgroup join' || name === 'cgroup namespace') return name === 'cgroup namespace' ? tool('unshare', 'unshare') : `${tool('sh', 'sh')}: echo`;
  if (name === 'rlimits') return `${tool('sh', 'sh')}: ulimit`;
  if (['user', 'groups', 'capabilities', 'no_new_privs'].includes(name)) {
    const u = chosen['user'];
    return u ? u.split(' ').map((a) => tool(a)).join(' + ') : undefined;
  }
  if (name === 'exec') return tool('sh', 'sh');
  return undefined;
}

/** Single-quoted for sh: nothing inside is special. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const FLAG_OPTIONS: [number, string][] = [
  [MS.RDONLY, 'ro'],
  [MS.NOSUID, 'nosuid'],
  [MS.NODEV, 'nodev'],
  [MS.NOEXEC, 'noexec'],
  [MS.SYNCHRONOUS, 'sync'],
  [MS.MANDLOCK, 'mand'],
  [MS.DIRSYNC, 'dirsync'],
  [MS.NOATIME, 'noatime'],
  [MS.NODIRATIME, 'nodiratime'],
  [MS.RELATIME, 'relatime'],
  [MS.STRICTATIME, 'strictatime'],
];

/** The plan's mount flags back as mount(8) -o options (bind/rec/remount are given separately). */
export function flagsToOptions(flags: number): string[] {
  return FLAG_OPTIONS.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
}

/** The -o argument of a mount: flags and filesystem data. */
export function mountOptions(m: PlannedMount): string {
  return [...(m.bind ? [] : flagsToOptions(m.flags)), ...(m.data ? [m.data] : [])].join(',');
}

function propagationOption(p: number): string | null {
  const rec = (p & MS.REC) !== 0 ? 'r' : '';
  if (p & MS.PRIVATE) return `--make-${rec}private`;
  if (p & MS.SLAVE) return `--make-${rec}slave`;
  if (p & MS.SHARED) return `--make-${rec}shared`;
  if (p & MS.UNBINDABLE) return `--make-${rec}unbindable`;
  return null;
}

const NS_LETTERS: Record<string, string> = ociTable((n) => n.letter);

/**
 * unshare's options for the plan's namespaces; -f so the shell is PID 1 of a new PID namespace.
 * The cgroup namespace comes later, from cgroupPrelude (busybox's unshare has no -C).
 */
export function unshareArgs(plan: LaunchPlan): string[] {
  return [...plan.namespaces.filter((n) => n !== 'cgroup').map((n) => `-${NS_LETTERS[n] ?? '?'}`), '-f'];
}

/**
 * The shell's first script when the plan has cgroups to join or a cgroup
 * namespace (pure; null when it has neither): PID 1 writes itself into each
 * group with a builtin redirect (a child would move only itself), then execs
 * `unshare -C` (staying PID 1) so the cgroup namespace is rooted at the
 * container's group, and the launch script runs there as "$1". An unshare
 * without -C (busybox) makes the namespace a skipped step.
 */
export function cgroupPrelude(plan: LaunchPlan, unshare: readonly string[], sh: readonly string[]): string | null {
  const ns = plan.namespaces.includes('cgroup');
  if (!plan.cgroups.length && !ns) return null;
  const q = shQuote;
  const L = [`step() { printf 'STEP\\t%s\\t%s\\t%s\\t%s\\n' "$1" "$2" "$3" "$4" >&3; }`];
  for (const dir of plan.cgroups) {
    const file = `${dir}/cgroup.procs`;
    L.push(`if ! { echo 0 >${q(file)}; } 2>/dev/null; then step 'cgroup join' failed ${q(`write 0 to ${file}`)} 'write error: the kernel refused'; exit 125; fi`);
  }
  if (plan.cgroups.length) L.push(`step 'cgroup join' ok '' ${q(`${plan.cgroups.length} group${plan.cgroups.length > 1 ? 's' : ''}`)}`);
  const shell = `${sh.map(q).join(' ')} -c "$1"`;
  if (!ns) {
    L.push(`exec ${shell}`);
  } else {
    const u = unshare.map(q).join(' ');
    L.push(
      `if ${u} -C true >/dev/null 2>&1; then step 'cgroup namespace' ok '' ${q(plan.cgroups.length ? "rooted at the container's group" : "rooted at droidcheck's group")}; exec ${u} -C ${shell}; fi`,
      `step 'cgroup namespace' skipped '' ${q(`${unshare.join(' ')} has no -C: the container shares the host's cgroup namespace`)}`,
      `exec ${shell}`,
    );
  }
  return L.join('\n');
}

/** ulimit letter and unit (busybox ash / dash / mksh agree on these) per resource. */
const ULIMIT: Record<string, [string, number]> = {
  RLIMIT_CPU: ['t', 1],
  RLIMIT_FSIZE: ['f', 512],
  RLIMIT_DATA: ['d', 1024],
  RLIMIT_STACK: ['s', 1024],
  RLIMIT_CORE: ['c', 512],
  RLIMIT_RSS: ['m', 1024],
  RLIMIT_NPROC: ['u', 1],
  RLIMIT_NOFILE: ['n', 1],
  RLIMIT_MEMLOCK: ['l', 1024],
  RLIMIT_AS: ['v', 1024],
  RLIMIT_LOCKS: ['x', 1],
  RLIMIT_SIGPENDING: ['i', 1],
  RLIMIT_MSGQUEUE: ['q', 1],
  RLIMIT_NICE: ['e', 1],
  RLIMIT_RTPRIO: ['r', 1],
};

function ulimitValue(v: number, unit: number): string {
  // config.json's 2^64-1 arrives as a double: anything from 2^63 up means unlimited.
  if (v >= 2 ** 63) return 'unlimited';
  return String(Math.floor(v / unit));
}

/** Capability names for util-linux setpriv: -all,+kill,+net_bind_service. */
export function capList(mask: string): string {
  const bits = BigInt(mask);
  const names = CAPABILITIES.filter((_, i) => (bits >> BigInt(i)) & 1n).map((n) => `+${n.slice(4).toLowerCase()}`);
  return ['-all', ...names].join(',');
}

/** Builds the launch script (pure). It runs as PID 1 with fd 3 open for step lines. */
export function toolsLaunchScript(plan: LaunchPlan, t: LaunchTools): string {
  const q = shQuote;
  const L: string[] = [];
  const R = q(plan.rootfs);
  L.push(
    // step NAME STATUS OP MESSAGE
    `step() { printf 'STEP\\t%s\\t%s\\t%s\\t%s\\n' "$1" "$2" "$3" "$4" >&3; }`,
    `fail() { step "$1" failed "$2" "$3"; exit 125; }`,
    // run NAME OP CMD...: the tool's message becomes the step's message. The command runs without a
    // subshell (one fork fewer per step); only when it fails is it run again to capture its message.
    `run() { n=$1; o=$2; shift 2; "$@" >/dev/null 2>&1 && return 0; if m=$("$@" 2>&1); then return 0; fi; fail "$n" "$o" "\${m:-exit status $?}"; }`,
    // x TOOL ARGS: a tool, through the busybox when there is one
    `x() { if [ -n "$BB" ]; then "$BB" "$@"; else "$@"; fi; }`,
    `BB=${t.busybox ? q(t.busybox) : "''"}`,
    `step namespaces ok '' ${q(plan.namespaces.join(', ') || 'none')}`,
  );

  // Mount namespace: private propagation so nothing reaches the host.
  // buildPlan refuses a config without a mount namespace; a plan that got here anyway must not mount on the host.
  if (!plan.namespaces.includes('mount')) throw new Error('the plan has no mount namespace: refusing to mount in the host\'s');
  L.push(`run 'mount namespace' 'mount --make-rprivate /' x mount --make-rprivate /`, `step 'mount namespace' ok '' 'private propagation'`);

  L.push(`run rootfs ${q(`mount --rbind ${plan.rootfs} ${plan.rootfs}`)} x mount --rbind ${R} ${R}`, `step rootfs ok '' ${R}`);

  for (const m of plan.mounts) {
    const name = q(`mount ${m.destination}`);
    if (m.type === 'cgroup' || m.type === 'cgroup2') {
      L.push(`step ${name} skipped '' 'the embedded runtime does not mount cgroup filesystems in the container (linux.resources is applied from the host)'`);
      continue;
    }
    const T = q(m.target);
    const S = q(m.source);
    // The target: a file for a bind mount of a file, else a directory.
    L.push(
      m.bind
        ? `[ -e ${T} ] || if [ -e ${S} ] && [ ! -d ${S} ]; then run ${name} ${q(`mkdir ${dirname(m.target)}`)} x mkdir -p ${q(dirname(m.target))}; run ${name} ${q(`create ${m.target}`)} x touch ${T}; else run ${name} ${q(`mkdir ${m.target}`)} x mkdir -p ${T}; fi`
        : `[ -e ${T} ] || run ${name} ${q(`mkdir ${m.target}`)} x mkdir -p ${T}`,
    );
    const opts = mountOptions(m);
    const argv = m.bind
      ? [(m.flags & MS.REC) !== 0 ? '--rbind' : '--bind', ...(opts ? ['-o', opts] : []), m.source, m.target]
      : ['-t', m.type ?? 'none', ...(opts ? ['-o', opts] : []), m.source, m.target];
    const op = `mount ${m.bind ? '--bind ' : `-t ${m.type} `}${m.source} on ${m.destination}${opts ? ` -o ${opts}` : ''}`;
    L.push(`run ${name} ${q(op)} x mount ${argv.map(q).join(' ')}`);
    if (m.remountFlags !== null) {
      const ro = ['remount', 'bind', ...flagsToOptions(m.remountFlags)].join(',');
      L.push(`run ${name} ${q(`remount ${m.destination} (${ro})`)} x mount -o ${q(ro)} ${T}`);
    }
    const prop = propagationOption(m.propagation);
    if (prop) L.push(`run ${name} ${q(`set propagation of ${m.destination}`)} x mount ${prop} ${T}`);
    L.push(`step ${name} ok '' ${q(m.destination)}`);
  }

  // Devices on a tmpfs /dev: mknod, or bind the host's node when mknod is refused.
  const dev = plan.mounts.find((m) => m.destination === '/dev');
  if (!dev || dev.type !== 'tmpfs') {
    L.push(`step devices skipped '' 'no tmpfs on /dev in config.json'`);
  } else {
    // Where the /dev tmpfs really is (its resolved target): a rootfs/dev symlink must not lead the nodes onto a host directory.
    const D = (n: string): string => q(join(dev.target, n));
    L.push(`made=''`);
    for (const [node, major, minor] of [['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]] as const) {
      L.push(
        `if [ ! -e ${D(node)} ]; then if x mknod -m 666 ${D(node)} c ${major} ${minor} 2>/dev/null; then made="$made ${node}"; else : > ${D(node)} && run devices ${q(`bind /dev/${node}`)} x mount --bind ${q(`/dev/${node}`)} ${D(node)}; made="$made ${node}(bind)"; fi; fi`,
      );
    }
    L.push(`links='fd stdin stdout stderr core'`);
    for (const [name, target] of [['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2'], ['core', '/proc/kcore']] as const) {
      L.push(`[ -e ${D(name)} ] || [ -L ${D(name)} ] || run devices ${q(`symlink /dev/${name}`)} x ln -s ${q(target)} ${D(name)}`);
    }
    L.push(
      `if [ -e ${D('pts/ptmx')} ]; then links="$links ptmx"; [ -e ${D('ptmx')} ] || [ -L ${D('ptmx')} ] || run devices 'symlink /dev/ptmx' x ln -s pts/ptmx ${D('ptmx')}; ` +
        `elif [ -e /dev/ptmx ]; then : > ${D('ptmx')} && run devices 'bind /dev/ptmx' x mount --bind /dev/ptmx ${D('ptmx')}; links="$links; /dev/ptmx bound from the host"; fi`,
      `step devices ok '' "\${made# }; links $links"`,
    );
  }

  // Keep the tools reachable after the root changes: their directory on fd 8. P: the tool
  // to use inside the container (the busybox through fd 8 when its /proc shows it, else the
  // container's own tools by name).
  const post = t.busybox ? `/proc/self/fd/8/${basename(t.busybox)}` : '';
  if (t.busybox) L.push(`exec 8< ${q(dirname(t.busybox))}`);
  L.push(`P=''`, `y() { if [ -n "$P" ]; then "$P" "$@"; else "$@"; fi; }`);
  if (!plan.noPivot) {
    L.push(
      `cd ${R} || fail pivot_root ${q(`chdir ${plan.rootfs}`)} 'No such file or directory'`,
      // pivot_root(".", "."): the old root ends up on top of the new one; detach it, as runc does.
      `run pivot_root ${q(`pivot_root ${plan.rootfs}`)} x pivot_root . .`,
      post ? `if [ -e ${q(post)} ]; then P=${q(post)}; fi; BB="$P"` : `BB=''`,
      `run pivot_root 'umount the old root' x umount -l .`,
      `cd / || fail pivot_root 'chdir /' 'No such file or directory'`,
      `step pivot_root ok '' ${R}`,
      `ROOT=/`,
    );
  } else {
    // No pivot_root (rootfs/initramfs root): move the rootfs over / and chroot in the final exec
    // (a shell cannot chroot itself). The shell keeps the host root: container paths are relative to the cwd.
    L.push(
      `cd ${R} || fail chroot ${q(`chdir ${plan.rootfs}`)} 'No such file or directory'`,
      `run chroot ${q(`mount --move ${plan.rootfs} /`)} x mount --move . /`,
      post ? `if [ -e ${q(`.${post}`)} ]; then P=${q(post)}; fi` : ':',
      `run chroot 'chroot .' x chroot . \${P:+"$P"} true`,
      `step chroot ok '' ${q(`${plan.rootfs}: pivot_root not used`)}`,
      `ROOT=.`,
    );
  }

  // linux.sysctl in the container's own namespaces, before /proc/sys turns read-only (paths relative to the root).
  for (const s of plan.sysctls) {
    L.push(`{ echo ${q(s.value)} >${q(`.${s.path}`)}; } 2>/dev/null || fail sysctl ${q(`write ${s.value} to ${s.path}`)} 'write error: the kernel refused'`);
  }
  if (plan.sysctls.length) L.push(`step sysctl ok '' ${q(plan.sysctls.map((s) => `${s.key}=${s.value}`).join(', '))}`);

  // Masked and read-only paths, relative to the container root (the cwd).
  for (const p of plan.maskedPaths) {
    const P = q(`.${p}`);
    L.push(
      `if [ -d ${P} ]; then run 'masked paths' ${q(`mask ${p}`)} x mount -t tmpfs -o ro tmpfs ${P}; elif [ -e ${P} ]; then run 'masked paths' ${q(`mask ${p}`)} x mount --bind ./dev/null ${P}; fi`,
    );
  }
  // Remounts name the target twice: with one path busybox looks it up in /proc/mounts and
  // mounts on the absolute path it finds there, which after `mount --move . /` (no pivot_root)
  // is the host's, not the container's (EINVAL). Two paths go to mount(2) as given.
  for (const p of plan.readonlyPaths) {
    const P = q(`.${p}`);
    L.push(`if [ -e ${P} ]; then run 'readonly paths' ${q(`bind ${p}`)} x mount --rbind ${P} ${P}; run 'readonly paths' ${q(`remount ${p} read-only`)} x mount -o remount,bind,ro ${P} ${P}; fi`);
  }
  L.push(`step 'masked and read-only paths' ok '' ${q(`${plan.maskedPaths.length} masked, ${plan.readonlyPaths.length} read-only (missing ones skipped)`)}`);
  if (plan.readonlyRoot) L.push(`run 'read-only root' 'remount / read-only' x mount -o remount,bind,ro "$ROOT" "$ROOT"`, `step 'read-only root' ok '' ''`);

  if (plan.hostname !== null) L.push(`run hostname ${q(`sethostname ${plan.hostname}`)} x hostname ${q(plan.hostname)}`, `step hostname ok '' ${q(plan.hostname)}`);
  // busybox has ifconfig (and often ip); util-linux has neither: iproute2's ip or net-tools' ifconfig from PATH.
  if (plan.namespaces.includes('network')) {
    L.push(
      `if x ifconfig lo up 2>/dev/null; then printf 'TOOL\\tnetwork\\tifconfig\\n' >&3; step network ok '' ${q(LOOPBACK_ONLY)}; ` +
        `elif x ip link set lo up 2>/dev/null; then printf 'TOOL\\tnetwork\\tip\\n' >&3; step network ok '' ${q(LOOPBACK_ONLY)}; ` +
        `else step network skipped '' 'no ifconfig or ip to bring lo up: the container has no working loopback'; fi`,
    );
  }

  // rlimits: the shell's ulimit; raise the hard limit first, or lower the soft one first.
  if (plan.rlimits.length) {
    const done: string[] = [];
    const missing: string[] = [];
    for (const r of plan.rlimits) {
      const u = ULIMIT[r.name];
      if (!u) {
        missing.push(r.name);
        continue;
      }
      const [letter, unit] = u;
      const hard = `ulimit -H -${letter} ${ulimitValue(r.hard, unit)}`;
      const soft = `ulimit -S -${letter} ${ulimitValue(r.soft, unit)}`;
      L.push(`{ ${hard} && ${soft}; } 2>/dev/null || { ${soft} && ${hard}; } 2>/dev/null || fail rlimits ${q(`setrlimit ${r.name} ${r.soft}/${r.hard}`)} "$( { ${soft} && ${hard}; } 2>&1)"`);
      done.push(r.name);
    }
    const detail = `${done.join(', ')}${missing.length ? `; ulimit cannot set ${missing.join(', ')}` : ''}`;
    L.push(`step rlimits ${done.length ? 'ok' : 'skipped'} '' ${q(detail)}`);
  }

  // The workload's umask, inherited through the exec chain.
  L.push(`umask ${plan.umask.toString(8).padStart(4, '0')}`);

  // User, capabilities, no_new_privs, env: a chain of exec'ing tools built as the positional
  // parameters, tried once with `true` so that a failure is reported with the tool's message.
  const { uid, gid, additionalGids } = plan.user;
  const caps = plan.caps;
  const toolName = t.busybox ?? "the container's tools";
  const T = '${P:+"$P"}';
  const full = [`--reuid`, `${uid}`, `--regid`, `${gid}`, ...(additionalGids.length ? ['--groups', additionalGids.join(',')] : ['--clear-groups'])];
  if (caps) full.push('--inh-caps', capList(caps.inheritable), '--bounding-set', capList(caps.bounding));
  if (plan.noNewPrivileges) full.push('--no-new-privs');
  L.push(
    // SP: what setpriv can do (util-linux: everything; busybox: --nnp and --inh-caps); NS: nsenter -S/-G
    `case "$(y setpriv --help 2>&1)" in *--bounding-set*) SP=full;; *--nnp*) SP=nnp;; *) SP='';; esac`,
    `case "$(y nsenter --help 2>&1)" in *'-S UID'*) NS=1;; *) NS='';; esac`,
    `if [ "$SP" = full ]; then UT=setpriv; elif [ -n "$NS" ]; then UT=nsenter${plan.noNewPrivileges ? '${SP:+ setpriv}' : ''}; else UT=env; fi`,
    `printf 'TOOL\\tuser\\t%s\\n' "$UT" >&3`,
    `set --`,
    plan.noPivot ? `set -- \${BB:+"$BB"} chroot .` : ':',
    `if [ "$SP" = full ]; then set -- "$@" ${T} setpriv ${full.map(q).join(' ')}`,
    `elif [ -n "$NS" ]; then set -- "$@" ${T} nsenter -G ${gid} -S ${uid} --${plan.noNewPrivileges ? `; [ "$SP" = nnp ] && set -- "$@" ${T} setpriv --nnp` : ''}`,
    `fi`,
    `set -- "$@" ${T} env -i ${plan.env.map(q).join(' ')}`,
    `run user ${q(`setpriv/nsenter/env (uid ${uid} gid ${gid})`)} "$@" ${T} true`,
  );
  const userDetail = `uid ${uid} gid ${gid}${additionalGids.length ? ` groups ${additionalGids.join(',')}` : ''}`;
  const isRoot = uid === 0 && gid === 0 && additionalGids.length === 0;
  L.push(
    `if [ "$SP" = full ]; then step user ok '' ${q(userDetail)}`,
    `elif [ -n "$NS" ]; then step user ok '' ${q(`uid ${uid} gid ${gid}`)}${additionalGids.length ? `; step groups skipped '' ${q(`${toolName} sets no supplementary groups (${additionalGids.join(',')}): no setpriv --groups; nsenter -G clears them`)}` : ''}`,
    `else step user ${isRoot ? 'ok' : 'skipped'} '' ${q(`${toolName}: no setpriv --reuid and no nsenter -S${isRoot ? '; uid 0 gid 0 already' : ''}`)}; fi`,
  );
  if (caps) {
    const bset = `0x${BigInt(caps.bounding).toString(16)}`;
    L.push(
      `if [ "$SP" = full ]; then step capabilities ok '' ${q(`bounding set ${bset}${caps.ambient.length ? '; ambient capabilities not raised' : ''}`)}`,
      `elif [ ${uid} != 0 ] && [ -n "$NS" ]; then step capabilities ok '' ${q(`uid ${uid} keeps no capabilities across exec; bounding set ${bset} not applied`)}`,
      `else step capabilities skipped '' ${q(`${toolName} cannot drop the bounding set to ${bset} (no setpriv --bounding-set): the workload keeps root's capabilities`)}; fi`,
    );
  }
  if (plan.noNewPrivileges) {
    L.push(`if [ "$SP" = full ] || { [ "$SP" = nnp ] && [ -n "$NS" ]; }; then step no_new_privs ok '' ''; else step no_new_privs skipped '' ${q(`${toolName}: no setpriv --no-new-privs`)}; fi`);
  }

  // The last shell: cd, check the command exists, and become the workload, closing fds 3 and 8.
  // Every fd above 2 goes first (busybox's directory on fd 8 among them), so that a cwd such as
  // /proc/self/fd/8 cannot lead to the host (CVE-2024-21626); fd 3 stays for the step lines until the end.
  const last = [
    `for f in /proc/self/fd/*; do n=\${f##*/}; case $n in 0|1|2|3|*[!0-9]*) ;; *) eval "exec $n>&-" 2>/dev/null;; esac; done`,
    `if ! m=$(cd "$1" 2>&1); then printf 'STEP\\tcwd\\tfailed\\tchdir %s\\t%s\\n' "$1" "$m" >&3; exit 125; fi`,
    `D=$1; cd "$D"; shift`,
    // getcwd() of a directory outside the root answers "(unreachable)/..." or fails.
    `case $(pwd -P 2>/dev/null) in /*) ;; *) printf 'STEP\\tcwd\\tfailed\\tchdir %s\\t%s\\n' "$D" 'No such file or directory: the working directory is outside the container root' >&3; exit 125;; esac`,
    `if ! command -v "$1" >/dev/null 2>&1; then printf 'STEP\\texec\\tfailed\\texecve %s\\t%s: No such file or directory\\n' "$1" "$1" >&3; exit 127; fi`,
    `printf 'STEP\\treset process\\tok\\t\\tfds above 2 closed; signal dispositions and mask as the tool chain left them\\n' >&3`,
    `exec 3>&-`,
    `exec "$@"`,
  ].join('\n');
  L.push(`exec "$@" ${T} sh -c ${q(last)} sh ${q(plan.cwd)} ${plan.args.map(q).join(' ')}`);
  return `${L.join('\n')}\n`;
}

/** Parses the script's fd-3 output into steps; a line not starting with STEP continues the previous message. */
export function parseStepLines(text: string): StepOutcome[] {
  const steps: StepOutcome[] = [];
  const raw: { fields: string[] }[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(TOOL_PREFIX)) continue;
    if (line.startsWith(STEP_PREFIX)) {
      const rest = line.slice(STEP_PREFIX.length);
      const parts = rest.split('\t');
      const fields = [parts[0] ?? '', parts[1] ?? '', parts[2] ?? '', parts.slice(3).join('\t')];
      raw.push({ fields });
    } else if (line && raw.length) {
      const last = raw[raw.length - 1] as { fields: string[] };
      last.fields[3] = `${last.fields[3] ?? ''} ${line}`.trim();
    }
  }
  for (const { fields } of raw) {
    const [name, status, op, message] = fields as [string, string, string, string];
    const msg = message.trim();
    if (status === 'failed') {
      const errno = errnoFromMessage(msg);
      steps.push({ name, status: 'failed', ...(op ? { op } : {}), errno, ...(msg ? { detail: msg } : {}), class: classify(op || name, errno) });
    } else {
      steps.push({ name, status: status === 'skipped' ? 'skipped' : 'ok', ...(msg ? { detail: msg } : {}) });
    }
  }
  return steps;
}


/** The plan with every mount target resolved in the rootfs as it is now (no symlink may lead out of it). */
export function withResolvedTargets(plan: LaunchPlan): LaunchPlan {
  return { ...plan, mounts: plan.mounts.map((m) => ({ ...m, target: resolveInRootfs(plan.rootfs, m.destination) })) };
}

function foreignElf(plan: LaunchPlan, hostMachine: string): { path: string; machine: string } | null {
  const name = plan.args[0];
  if (!name) return null;
  const PATH = plan.env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  const candidates = name.includes('/') ? [name.startsWith('/') ? name : join(plan.cwd, name)] : PATH.split(':').map((d) => join(d || '/', name));
  for (const c of candidates) {
    const host = resolveInRootfs(plan.rootfs, c);
    try {
      if (!statSync(host).isFile()) continue;
      const fd = openSync(host, 'r');
      const head = Buffer.alloc(20);
      readSync(fd, head, 0, 20, 0);
      closeSync(fd);
      if (head.toString('latin1', 1, 4) !== 'ELF') return null;
      const m = elfMachineName(head.readUInt16LE(18));
      return m && m !== hostMachine ? { path: c, machine: m } : null;
    } catch {
      // next
    }
  }
  return null;
}

export interface ToolsLaunchResult extends LaunchResult {
  /** The tool that drove the launch, e.g. "/bin/busybox". */
  tool?: string;
}

/** Finds the tools to launch with: a busybox with sh, unshare, mount and pivot_root, else util-linux. */
export async function findLaunchTools(host: Host, tools: ToolOptions = {}): Promise<LaunchTools | { missing: string; tool: string; notes?: string[] }> {
  const t = await findToolset(host, tools);
  if (!t) return { missing: 'a shell (sh)', tool: 'none' };
  const notes = t.notes ?? [];
  if (!t.unshare) return { missing: 'unshare', tool: t.name, notes };
  if (!t.mount) return { missing: 'mount', tool: t.name, notes };
  const bb = t.sh[0] === t.name && t.sh[1] === 'sh' ? t.name : null;
  return { name: t.name, sh: t.sh, unshare: t.unshare, busybox: bb, ...(t.labels ? { labels: t.labels } : {}), ...(t.busyboxSource ? { busyboxSource: t.busyboxSource } : {}), notes };
}

/* c8 ignore start - needs root and a real launch; covered by test/integration/run-tools.test.ts */
export async function launchWithTools(plan: LaunchPlan, host: Host, opts: { busybox?: string }): Promise<ToolsLaunchResult> {
  const result = await launchWithToolsInner(plan, host, opts);
  return result.tools ? { ...result, steps: result.steps.map((s) => withTool(s, result.tools as LaunchTools, result.chosen ?? {})) } : result;
}

function withTool(s: StepOutcome, t: LaunchTools, chosen: Record<string, string>): StepOutcome {
  if (s.tool !== undefined) return s;
  const tool = stepTool(s.name, t, chosen);
  return tool ? { ...s, tool } : s;
}

async function launchWithToolsInner(plan: LaunchPlan, host: Host, opts: { busybox?: string }): Promise<ToolsLaunchResult & { tools?: LaunchTools; chosen?: Record<string, string> }> {
  const steps: StepOutcome[] = [];
  // --busybox, busybox on PATH, the bundle's own static busybox, util-linux, toybox.
  const found = await findLaunchTools(host, { ...(opts.busybox !== undefined ? { busybox: opts.busybox } : {}), bundleRootfs: plan.rootfs });
  if ('missing' in found) {
    const passed = found.notes?.length ? `; ${found.notes.join('; ')}` : '';
    steps.push({ name: 'tools', status: 'failed', op: `find ${found.missing}`, errno: 'ENOENT', detail: `no ${found.missing} (looked for --busybox, busybox on PATH, the bundle's own busybox, util-linux, toybox): install a static busybox and pass --busybox${passed}`, class: 'host-layout' });
    return { exitCode: 125, started: false, steps, tool: found.tool };
  }
  const t = found;
  // run.ts reports "launched through <tool>": the launcher, and the candidates passed over.
  const label = `${launcherLabel(t)}${t.notes?.length ? ` (passed over: ${t.notes.join('; ')})` : ''}`;
  const fail = (step: StepOutcome): ToolsLaunchResult & { tools: LaunchTools } => {
    steps.push(step);
    return { exitCode: 125, started: false, steps, tool: label, tools: t };
  };
  if (t.busybox && !basename(t.busybox).startsWith('busybox')) {
    return fail({ name: 'tools', status: 'failed', op: `use ${t.busybox}`, errno: 'EINVAL', detail: `${t.busybox}: the busybox file name must begin with "busybox" for its applets to run each other`, class: 'host-layout' });
  }
  if (plan.terminal && !process.stdin.isTTY) {
    return fail({ name: 'terminal', status: 'failed', op: 'process.terminal', errno: 'ENOTTY', detail: 'config.json asks for a terminal but stdin is not one: run with --fix-config or set process.terminal to false', class: 'config' });
  }
  if (plan.terminal) steps.push({ name: 'terminal', status: 'ok', detail: 'the workload uses this terminal directly (no new pty)' });
  const script = toolsLaunchScript(withResolvedTargets(plan), t);
  const [sh, ...shArgs] = t.sh as [string, ...string[]];
  const [unshare, ...unshareRest] = t.unshare as [string, ...string[]];
  const prelude = cgroupPrelude(plan, t.unshare, t.sh);
  const first = prelude ? ['-c', prelude, 'sh', script] : ['-c', script];
  const exit = await supervise(unshare, [...unshareRest, ...unshareArgs(plan), sh, ...shArgs, ...first], {}, undefined, 'child', plan.stdin);
  const text = exit.lines.map((l) => `${l}\n`).join('');
  const chosen = parseToolLines(text);
  if (exit.error) return fail({ name: 'spawn', status: 'failed', op: `spawn ${unshare}`, errno: exit.error.code ?? 'EIO', class: 'internal' });
  const reported = parseStepLines(text);
  if (reported.length === 0) {
    // unshare itself failed: ask it again, capturing its message.
    const names = plan.namespaces.join(', ') || 'none';
    const again = await host.exec(unshare, [...unshareRest, ...unshareArgs(plan).filter((a) => a !== '-f'), sh, ...shArgs, '-c', 'true']);
    const message = `${again.stderr}${again.stdout}`.trim();
    const errno = errnoFromMessage(message);
    let missing: string[] = [];
    if (errno === 'EINVAL' || /invalid option|unrecognized option/i.test(message)) {
      const probes = await Promise.all(plan.namespaces.map(async (n) => [n, (await host.exec(unshare, [...unshareRest, `-${NS_LETTERS[n] ?? '?'}`, sh, ...shArgs, '-c', 'true'])).exitCode === 0] as const));
      missing = probes.filter(([, ok]) => !ok).map(([n]) => n);
    }
    return fail({
      name: 'namespaces',
      status: 'failed',
      op: `unshare(${names})`,
      errno,
      detail: `${t.name}: ${message || `exit status ${exit.code ?? exit.signal}`}${missing.length ? `; the kernel (or ${t.name}) has no ${missing.join(', ')} namespace: run with --fix-config to drop ${missing.length > 1 ? 'them' : 'it'}` : ''}`,
      class: classify('unshare', errno),
    });
  }
  steps.push(...reported);
  const failed = steps.some((s) => s.status === 'failed');
  const reachedExec = steps.some((s) => s.name === 'reset process');
  const code = exitStatus(exit, 125);
  if (exit.interrupted) return { exitCode: code, started: reachedExec && !failed, steps: [...steps, interruptedStep(exit.interrupted, exitStatus({ code: exit.code, signal: exit.signal }, 125))], tool: label, tools: t, chosen };
  if (!failed && !reachedExec) {
    return { exitCode: 125, started: false, steps: [...steps, { name: 'exec', status: 'failed', op: 'the exec chain (setpriv, env, sh)', errno: 'UNKNOWN', detail: `it stopped with status ${code} before the workload: see the messages above`, class: 'internal' }], tool: label, tools: t, chosen };
  }
  if (failed) {
    const execFailed = steps.some((s) => s.name === 'exec' && s.status === 'failed');
    return { exitCode: execFailed ? code : 125, started: false, steps, tool: label, tools: t, chosen };
  }
  const hostMachine = machineFromUname(machine());
  if (code === 126 || code === 127 || code === 2) {
    // The shell could not exec it (and may have tried it as a script): a foreign ELF?
    const foreign = foreignElf(plan, hostMachine);
    if (foreign) {
      steps.push({ name: 'exec', status: 'failed', op: `execve ${foreign.path}`, path: foreign.path, errno: 'ENOEXEC', detail: `${foreign.path} is an ELF for ${foreign.machine}; this host runs ${hostMachine}: use a rootfs (e.g. a static busybox) built for ${hostMachine}`, class: 'architecture' });
      return { exitCode: 126, started: false, steps, tool: label, tools: t, chosen };
    }
  }
  steps.push({ name: 'exec', status: 'ok', detail: `${plan.args.join(' ')} ran as PID 1 (through ${t.name})` });
  return { exitCode: code, started: true, steps, tool: label, tools: t, chosen };
}
/* c8 ignore stop */

