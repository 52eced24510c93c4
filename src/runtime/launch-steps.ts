// The one launch description: a pure function from the plan to the ordered,
// named steps of a container launch, each made of primitive operations and
// carrying the text it reports. Two backends interpret it and nothing else
// decides the order: droidcheck-init (src/native/droidcheck-init.c, through
// the argv encoding in launch-encode.ts) and a POSIX sh driving busybox,
// toybox or util-linux (launch-sh.ts). Both report each step as one line on
// fd 3 in one format (parseStepLines in launch-result.ts).
//
// The first step, "namespaces", is made by the launcher before PID 1 exists
// (droidcheck-init unshares and forks; the sh backend runs under unshare -f).
// The cgroups themselves are made and limited by droidcheck before the launch
// (cgroups/apply.ts); PID 1 joins them here.

import { MS, type LaunchPlan } from './plan.js';
import { nsByOci } from '../sys/namespaces.js';
import type { CompiledSeccomp } from './seccomp/compile.js';

/** The primitive operations and their arguments (all strings: each backend reads them as argv entries). */
export type OpKind =
  | 'unshare' // NAME FLAG LETTER, per namespace
  | 'write' // FILE VALUE
  | 'unshare-cgroup'
  | 'make-rprivate'
  | 'mkdir-target' // TARGET SOURCE ("" unless a bind mount: a file source makes a file)
  | 'bind' // SOURCE TARGET RECURSIVE(0|1)
  | 'mount' // TYPE SOURCE TARGET FLAGS DATA
  | 'remount' // TARGET FLAGS (a bind remount: MS_REMOUNT|MS_BIND|FLAGS)
  | 'propagation' // TARGET FLAGS
  | 'mknod-or-bind' // PATH MAJOR MINOR HOSTNODE
  | 'symlink' // TARGET PATH (when PATH does not exist)
  | 'ptmx' // DEVDIR: a link to pts/ptmx, else the host's /dev/ptmx bound
  | 'pivot-root' // ROOTFS
  | 'chroot' // ROOTFS
  | 'pty' // UID GID
  | 'mask' // PATH
  | 'readonly' // PATH
  | 'sethostname' // NAME
  | 'loopback-up'
  | 'setrlimit' // NAME RESOURCE SOFT HARD
  | 'bounding-set' // MASK (decimal)
  | 'seccomp' // HEX
  | 'setgroups' // GIDS (comma-separated, or "")
  | 'setresgid' // GID
  | 'setresuid' // UID KEEPCAPS(0|1)
  | 'capset' // EFFECTIVE PERMITTED INHERITABLE
  | 'no-new-privs'
  | 'chdir' // CWD
  | 'reset-process'
  | 'umask' // MODE (octal)
  | 'exec'; // NENV ENV... ARGS...

export interface LaunchOp {
  kind: OpKind;
  /** What a failure reports as its operation: "mount -t proc proc on /proc". */
  desc: string;
  /** The path a failure names ("" for none). */
  path: string;
  args: string[];
}

export interface LaunchStep {
  name: string;
  /** What the step reports when it is done ("" for nothing); a backend may add a note. */
  ok: string;
  /** The path an ok report names ("" for none). */
  path: string;
  /** Set: the step is reported skipped with this reason and has no operations. */
  skip: string;
  ops: LaunchOp[];
}

/** What the seccomp step reports once the filter is in. */
export function seccompDetail(c: CompiledSeccomp): string {
  return [`${c.rules} rules, default ${c.defaultAction}, ${c.arches.join('/')}, ${c.instructions} BPF instructions`, ...c.notes].join('; ');
}

/** The same words in every backend: droidcheck-init.c has none of its own. */
export const LOOPBACK_ONLY = "loopback up; no other interface (droidcheck makes no veth pair): --network host shares the host's network, which is what works on Android";

/** The device nodes a tmpfs /dev gets (as runc's defaults): name, major, minor. */
export const DEVICE_NODES: readonly (readonly [string, number, number])[] = [
  ['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0],
];
/** The links a tmpfs /dev gets besides /dev/ptmx. */
export const DEVICE_LINKS: readonly (readonly [string, string])[] = [
  ['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2'], ['core', '/proc/kcore'],
];

const op = (kind: OpKind, desc: string, path: string, ...args: (string | number)[]): LaunchOp => ({ kind, desc, path, args: args.map(String) });
const step = (name: string, ops: LaunchOp[], ok = '', path = ''): LaunchStep => ({ name, ok, path, skip: '', ops });
const skipped = (name: string, reason: string): LaunchStep => ({ name, ok: '', path: '', skip: reason, ops: [] });

/** config.json's 2^64-1 arrives as a double: anything from 2^63 up means unlimited. */
export const rlimitValue = (v: number): string => (v >= 2 ** 63 ? 'unlimited' : BigInt(Math.max(0, Math.floor(v))).toString());

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function namespaceSteps(plan: LaunchPlan): LaunchStep[] {
  // PID 1 makes the cgroup namespace itself, after joining the container's groups, so it is rooted there
  // (and busybox's unshare, which has no -C, can still make the others).
  const later = plan.namespaces.includes('cgroup');
  const made = plan.namespaces.filter((n) => n !== 'cgroup');
  const shown = made.filter((n) => n !== 'mount').join(', ') || 'none';
  const args = made.flatMap((n) => {
    const k = nsByOci(n);
    return k ? [n, String(k.clone), k.letter] : [];
  });
  const steps = [step('namespaces', [op('unshare', `unshare(${shown})`, '', ...args)], shown)];
  if (plan.cgroups.length) {
    const writes = plan.cgroups.map((dir) => op('write', `write 0 to ${dir}/cgroup.procs`, `${dir}/cgroup.procs`, `${dir}/cgroup.procs`, '0'));
    steps.push(step('cgroup join', writes, plural(plan.cgroups.length, 'group')));
  }
  if (later) steps.push(step('cgroup namespace', [op('unshare-cgroup', 'unshare(CLONE_NEWCGROUP)', '')], plan.cgroups.length ? "rooted at the container's group" : "rooted at droidcheck's group"));
  return steps;
}

function mountSteps(plan: LaunchPlan): LaunchStep[] {
  // buildPlan refuses a config without a mount namespace; a plan that got here anyway must not mount on the host.
  if (!plan.namespaces.includes('mount')) throw new Error("the plan has no mount namespace: refusing to mount in the host's");
  const steps = [
    step('mount namespace', [op('make-rprivate', 'mount --make-rprivate /', '/')], 'private propagation'),
    step('rootfs', [op('bind', `mount --rbind ${plan.rootfs} ${plan.rootfs}`, plan.rootfs, plan.rootfs, plan.rootfs, 1)], '', plan.rootfs),
  ];
  for (const m of plan.mounts) {
    const name = `mount ${m.destination}`;
    if (m.type === 'cgroup' || m.type === 'cgroup2') {
      steps.push(skipped(name, 'the embedded runtime does not mount cgroup filesystems in the container (linux.resources is applied from the host)'));
      continue;
    }
    const data = m.data ? ` -o ${m.data}` : '';
    const ops = [op('mkdir-target', `mkdir ${m.target}`, m.target, m.target, m.bind ? m.source : '')];
    if (m.bind) ops.push(op('bind', `mount --bind ${m.source} on ${m.destination}${data}`, m.target, m.source, m.target, (m.flags & MS.REC) !== 0 ? 1 : 0));
    else ops.push(op('mount', `mount -t ${m.type ?? 'none'} ${m.source} on ${m.destination}${data}`, m.target, m.type ?? '', m.source, m.target, m.flags, m.data));
    // A bind mount ignores other flags on the first call: they need a remount.
    if (m.remountFlags !== null) ops.push(op('remount', `remount ${m.destination} (bind, flags 0x${m.remountFlags.toString(16)})`, m.target, m.target, m.remountFlags));
    if (m.propagation) ops.push(op('propagation', `set propagation of ${m.destination}`, m.target, m.target, m.propagation));
    steps.push(step(name, ops, '', m.destination));
  }
  return steps;
}

function deviceStep(plan: LaunchPlan): LaunchStep {
  const dev = plan.mounts.find((m) => m.destination === '/dev');
  if (!dev || dev.type !== 'tmpfs') return skipped('devices', 'no tmpfs on /dev in config.json');
  // Where the /dev tmpfs really is (its resolved target): a rootfs/dev symlink must not lead the nodes onto a host directory.
  const dir = dev.target;
  const ops = [
    ...DEVICE_NODES.map(([n, major, minor]) => op('mknod-or-bind', `mknod /dev/${n}, else bind /dev/${n}`, `${dir}/${n}`, `${dir}/${n}`, major, minor, `/dev/${n}`)),
    ...DEVICE_LINKS.map(([n, target]) => op('symlink', `symlink /dev/${n}`, `${dir}/${n}`, target, `${dir}/${n}`)),
    op('ptmx', 'symlink /dev/ptmx to pts/ptmx, else bind /dev/ptmx', `${dir}/ptmx`, dir),
  ];
  const nodes = DEVICE_NODES.map(([n]) => n).join(', ');
  return step('devices', ops, `${nodes}; links ${DEVICE_LINKS.map(([n]) => n).join(', ')}`);
}

function rootSteps(plan: LaunchPlan): LaunchStep[] {
  const steps = [
    plan.noPivot
      ? step('chroot', [op('chroot', `mount --move ${plan.rootfs} /; chroot .`, plan.rootfs, plan.rootfs)], 'pivot_root not used', plan.rootfs)
      : step('pivot_root', [op('pivot-root', `pivot_root ${plan.rootfs}`, plan.rootfs, plan.rootfs)], '', plan.rootfs),
  ];
  // Inside the root, before the identity switch: the pty becomes the workload's terminal (it is chowned to the workload's user).
  if (plan.terminal) steps.push(step('terminal', [op('pty', 'open /dev/ptmx', '/dev/ptmx', plan.user.uid, plan.user.gid)], 'a pty for the workload'));
  // linux.sysctl in the container's own namespaces, before /proc/sys turns read-only.
  if (plan.sysctls.length) {
    const writes = plan.sysctls.map((s) => op('write', `write ${s.value} to ${s.path}`, s.path, s.path, s.value));
    steps.push(step('sysctl', writes, plan.sysctls.map((s) => `${s.key}=${s.value}`).join(', ')));
  }
  const paths = [...plan.maskedPaths.map((p) => op('mask', `mask ${p}`, p, p)), ...plan.readonlyPaths.map((p) => op('readonly', `remount ${p} read-only`, p, p))];
  steps.push(step('masked and read-only paths', paths, `${plan.maskedPaths.length} masked, ${plan.readonlyPaths.length} read-only (missing ones skipped)`));
  if (plan.readonlyRoot) steps.push(step('read-only root', [op('remount', 'remount / read-only', '/', '/', MS.RDONLY)]));
  return steps;
}

function processSteps(plan: LaunchPlan): LaunchStep[] {
  const steps: LaunchStep[] = [];
  if (plan.hostname !== null) steps.push(step('hostname', [op('sethostname', `sethostname ${plan.hostname}`, '', plan.hostname)], plan.hostname));
  if (plan.namespaces.includes('network')) steps.push(step('network', [op('loopback-up', 'bring lo up', '')], LOOPBACK_ONLY));
  if (plan.rlimits.length) {
    const ops = plan.rlimits.map((r) => op('setrlimit', `setrlimit ${r.name} ${r.soft}/${r.hard}`, '', r.name, r.resource, rlimitValue(r.soft), rlimitValue(r.hard)));
    steps.push(step('rlimits', ops, plan.rlimits.map((r) => r.name).join(', ')));
  }
  const caps = plan.caps;
  // The bounding set is dropped while still root (CAP_SETPCAP).
  if (caps) steps.push(step('bounding set', [op('bounding-set', 'prctl(PR_CAPBSET_DROP)', '', caps.bounding)], `0x${BigInt(caps.bounding).toString(16)}`));
  const seccomp = plan.seccomp ? step('seccomp', [op('seccomp', `install ${plan.seccomp.instructions} BPF instructions`, '', plan.seccomp.hex)], seccompDetail(plan.seccomp)) : null;
  // Without no_new_privs only a privileged process may install a filter: before the user switch, as runc does.
  if (seccomp && !plan.noNewPrivileges) steps.push(seccomp);
  const { uid, gid, additionalGids } = plan.user;
  const groups = additionalGids.join(',');
  steps.push(
    step(
      'user',
      [
        op('setgroups', `setgroups ${groups || '(none)'}`, '', groups),
        op('setresgid', `setresgid ${gid}`, '', gid),
        op('setresuid', `setresuid ${uid}`, '', uid, uid !== 0 && caps ? 1 : 0),
      ],
      `uid ${uid} gid ${gid}${groups ? ` groups ${groups}` : ''}`,
    ),
  );
  if (caps) {
    const hex = (v: string): string => `0x${BigInt(v).toString(16)}`;
    const ambient = caps.ambient.length ? '; ambient capabilities not raised' : '';
    steps.push(step('capabilities', [op('capset', 'capset', '', caps.effective, caps.permitted, caps.inheritable)], `effective ${hex(caps.effective)}, permitted ${hex(caps.permitted)}, inheritable ${hex(caps.inheritable)}${ambient}`));
  }
  if (plan.noNewPrivileges) steps.push(step('no_new_privs', [op('no-new-privs', 'prctl(PR_SET_NO_NEW_PRIVS)', '')]));
  if (seccomp && plan.noNewPrivileges) steps.push(seccomp);
  steps.push(
    step('cwd', [op('chdir', `chdir ${plan.cwd}`, plan.cwd, plan.cwd)]),
    step('reset process', [op('reset-process', 'reset signals, mask, stdio flags and fds', '')], 'fds above 2 closed at exec'),
    step('exec', [op('umask', `umask ${plan.umask.toString(8).padStart(4, '0')}`, '', plan.umask.toString(8).padStart(4, '0')), op('exec', `execve ${plan.args[0] ?? ''}`, plan.args[0] ?? '', plan.env.length, ...plan.env, ...plan.args)]),
  );
  return steps;
}

/** The launch of a plan whose mount targets are resolved in the rootfs (withResolvedTargets), step by step. */
export function launchSteps(plan: LaunchPlan): LaunchStep[] {
  return [...namespaceSteps(plan), ...mountSteps(plan), deviceStep(plan), ...rootSteps(plan), ...processSteps(plan)];
}

/** Every operation as one line (kind and arguments, tab-separated): what both backends print with their dry run. */
export function opLines(steps: readonly LaunchStep[]): string[] {
  return steps.flatMap((s) => [`step\t${s.name}\t${s.skip ? `skip ${s.skip}` : s.ok}`, ...s.ops.map((o) => [o.kind, ...o.args].join('\t'))]);
}
