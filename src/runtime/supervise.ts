// Spawning a container's first process with a status pipe on fd 3, relaying
// signals to it, and collecting its status lines until it exits. Shared by the
// koffi and tools launch paths.

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Supervised {
  /** Lines written to fd 3 before it closed (at exec, or at exit). */
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error?: NodeJS.ErrnoException;
  /** The signal that interrupted droidcheck: the container was stopped, and the run exits 128+N. */
  interrupted?: NodeJS.Signals;
}

const RELAYED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** How long the container's PID 1 has to leave after the signal before SIGKILL. */
const GRACE_MS = 2000;

/** The processes whose parent is `pid` (from /proc/PID/stat: 3.x kernels may lack /proc/PID/task/TID/children). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/* c8 ignore start - runs real launches; covered by the root integration tests */
/**
 * Spawns the launcher and waits for it. `init` says where the container's PID 1 is: the launcher
 * itself or its child (droidcheck-init's relay, unshare -f). On SIGINT, SIGTERM or
 * SIGHUP droidcheck sends the signal to that PID 1 (a PID 1 without a handler ignores it, by the
 * kernel's rule for namespace inits) and SIGKILLs it after GRACE_MS: the container never outlives
 * droidcheck's interruption, and the result says which signal it was.
 */
export async function supervise(file: string, args: string[], env: NodeJS.ProcessEnv, onSpawn?: () => void, init: 'self' | 'child' = 'child', stdin: 'inherit' | 'null' = 'inherit'): Promise<Supervised> {
  // node makes a pipe or socket non-blocking when it first opens process.stdout or stderr, which
  // also happens when any ES module imports 'node:process' (chalk does). The workload shares those
  // open files: open them now, before the init clears O_NONBLOCK, not while the workload runs.
  void process.stdout;
  void process.stderr;
  const child = spawn(file, args, { stdio: [stdin === 'null' ? 'ignore' : 'inherit', 'inherit', 'inherit', 'pipe'], env });
  // The child exists now (spawn forks synchronously): the caller may go on with its own work.
  onSpawn?.();
  let interrupted: NodeJS.Signals | undefined;
  let pid1: number | undefined;
  let killer: NodeJS.Timeout | undefined;
  const forward = (sig: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    interrupted ??= sig;
    pid1 ??= init === 'self' ? child.pid : (childrenOf(child.pid)[0] ?? child.pid);
    try {
      process.kill(pid1, sig);
    } catch {
      // already gone
    }
    killer ??= setTimeout(() => {
      for (const p of [pid1!, child.pid!]) if (alive(p)) process.kill(p, 'SIGKILL');
    }, GRACE_MS);
  };
  for (const sig of RELAYED) process.on(sig, forward);
  const lines: string[] = [];
  const status = child.stdio[3];
  const reading = new Promise<void>((resolve) => {
    if (!status) return resolve();
    const rl = createInterface({ input: status as NodeJS.ReadableStream });
    rl.on('line', (line) => lines.push(line));
    rl.on('close', () => resolve());
  });
  const exit = await new Promise<Omit<Supervised, 'lines'>>((resolve) => {
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  await reading;
  // The launcher is gone; its PID 1 (a child of a relay that was killed, say) must be too.
  if (interrupted && pid1 !== undefined && pid1 !== child.pid) {
    for (let i = 0; i < 100 && alive(pid1); i++) await new Promise((r) => setTimeout(r, 50));
  }
  if (killer) clearTimeout(killer);
  for (const sig of RELAYED) process.off(sig, forward);
  return { lines, ...exit, ...(interrupted ? { interrupted } : {}) };
}
/* c8 ignore stop */

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

/** The shell's status for a process: its exit code, or 128 + the signal that killed it (or that interrupted droidcheck). */
export function exitStatus(s: Pick<Supervised, 'code' | 'signal' | 'interrupted'>, fallback: number): number {
  if (s.interrupted) return 128 + (SIGNALS[s.interrupted] ?? 0);
  if (s.signal) return 128 + (SIGNALS[s.signal] ?? 0);
  return s.code ?? fallback;
}
