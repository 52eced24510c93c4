// The sh backend of the launch description (launch-steps.ts): where neither
// koffi nor droidcheck-init runs, the same steps are driven through a static
// busybox (or toybox, or util-linux) by one POSIX sh script.
//
//   unshare -<namespaces> -f <sh> -c SCRIPT [sh REST]
//
// The forked shell is PID 1 of the new PID namespace, in a new mount namespace
// whose mounts all die with it. The script is a fixed runtime (one function per
// operation kind, launch-sh-runtime.ts) and one call per operation of the list,
// `o KIND DESC PATH ARGS...`, in the list's order; each step is `begin ... end`,
// reported as one line on fd 3 in the format droidcheck-init writes. What a
// shell cannot do itself (user, groups, capabilities, no_new_privs, chroot) it
// records and does in the final exec: a chain of exec'ing tools (setpriv,
// nsenter, chroot, env, sh) that ends in the workload, as PID 1. The cgroup
// namespace splits the script: `unshare -C` execs a new shell for REST.

import { CAPABILITIES, MS } from './plan.js';
import type { LaunchOp, LaunchStep } from './launch-steps.js';
import { shRuntime, type ShTools } from './launch-sh-runtime.js';

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

/** Mount flags as mount(8) -o options (bind/rec/remount are given separately). */
export function flagsToOptions(flags: number): string[] {
  return FLAG_OPTIONS.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
}

/** A propagation mask as mount(8)'s name for it: rprivate, slave... */
function propagationOption(p: number): string {
  const rec = (p & MS.REC) !== 0 ? 'r' : '';
  if (p & MS.PRIVATE) return `${rec}private`;
  if (p & MS.SLAVE) return `${rec}slave`;
  if (p & MS.SHARED) return `${rec}shared`;
  if (p & MS.UNBINDABLE) return `${rec}unbindable`;
  return '';
}

/** Capability names for util-linux setpriv: -all,+kill,+net_bind_service. */
export function capList(mask: string): string {
  const bits = BigInt(mask);
  const names = CAPABILITIES.filter((_, i) => (bits >> BigInt(i)) & 1n).map((n) => `+${n.slice(4).toLowerCase()}`);
  return ['-all', ...names].join(',');
}

/** ulimit letter and unit (busybox ash / dash / mksh agree on these) per resource. */
const ULIMIT: Record<string, [string, bigint]> = {
  RLIMIT_CPU: ['t', 1n],
  RLIMIT_FSIZE: ['f', 512n],
  RLIMIT_DATA: ['d', 1024n],
  RLIMIT_STACK: ['s', 1024n],
  RLIMIT_CORE: ['c', 512n],
  RLIMIT_RSS: ['m', 1024n],
  RLIMIT_NPROC: ['u', 1n],
  RLIMIT_NOFILE: ['n', 1n],
  RLIMIT_MEMLOCK: ['l', 1024n],
  RLIMIT_AS: ['v', 1024n],
  RLIMIT_LOCKS: ['x', 1n],
  RLIMIT_SIGPENDING: ['i', 1n],
  RLIMIT_MSGQUEUE: ['q', 1n],
  RLIMIT_NICE: ['e', 1n],
  RLIMIT_RTPRIO: ['r', 1n],
};

const ulimitValue = (v: string, unit: bigint): string => (v === 'unlimited' ? v : String(BigInt(v) / unit));

/**
 * What the shell needs beside the operation's own arguments, computed here rather
 * than with shell arithmetic (mksh's is 32-bit): the -o options of a flag mask,
 * the ulimit arguments, setpriv's capability lists. Set as H before the call.
 */
function hint(o: LaunchOp): string | null {
  const a = o.args;
  switch (o.kind) {
    case 'mount':
      return [...flagsToOptions(Number(a[3])), ...(a[4] ? [a[4]] : [])].join(',');
    case 'remount':
      return ['remount', 'bind', ...flagsToOptions(Number(a[1]))].join(',');
    case 'propagation':
      return propagationOption(Number(a[1]));
    case 'setrlimit': {
      const u = ULIMIT[a[0] ?? ''];
      return u ? `-${u[0]} ${ulimitValue(a[2] ?? '0', u[1])} ${ulimitValue(a[3] ?? '0', u[1])}` : '';
    }
    case 'bounding-set':
      return capList(a[0] ?? '0');
    case 'capset':
      return capList(a[2] ?? '0');
    default:
      return null;
  }
}

function renderOp(o: LaunchOp): string {
  const h = hint(o);
  return `${h === null ? '' : `H=${shQuote(h)}; `}o ${[o.kind, o.desc, o.path, ...o.args].map(shQuote).join(' ')}`;
}

export interface ShScript {
  /** unshare(1)'s options for the namespaces step; -f so the shell is PID 1 of a new PID namespace. */
  unshare: string[];
  /** The script, and the one a cgroup namespace's new shell runs (null without one). */
  script: string;
  rest: string | null;
}

/**
 * The launch as sh (pure). dry: the same calls, each printing its operation as
 * opLines() does instead of running it (the test comparing the backends).
 */
export function shLaunchScript(steps: readonly LaunchStep[], t: ShTools, dry = false): ShScript {
  const first = steps[0];
  const unshareOp = first?.ops[0];
  if (first?.name !== 'namespaces' || unshareOp?.kind !== 'unshare') throw new Error('the launch steps must begin with the namespaces step');
  const letters: string[] = [];
  for (let i = 0; i + 2 < unshareOp.args.length; i += 3) letters.push(`-${unshareOp.args[i + 2]}`);
  const parts: string[][] = [[]];
  for (const s of steps) {
    const calls = parts[parts.length - 1] as string[];
    calls.push(`begin ${[s.name, s.ok, s.path, s.skip].map(shQuote).join(' ')}`);
    for (const o of s.ops) {
      calls.push(renderOp(o));
      // The cgroup namespace: `unshare -C` execs a new shell, which goes on with the next part.
      if (o.kind === 'unshare-cgroup') parts.push([]);
    }
    if (!s.ops.some((o) => o.kind === 'unshare-cgroup')) (parts[parts.length - 1] as string[]).push('end');
  }
  if (parts.length > 2) throw new Error('the launch steps may make the cgroup namespace once');
  const runtime = shRuntime(t, dry);
  const [main, rest] = parts as [string[], string[] | undefined];
  return {
    unshare: [...letters, '-f'],
    script: `${runtime}\n${main.join('\n')}\n`,
    rest: rest ? `${runtime}\n${rest.join('\n')}\n` : null,
  };
}
