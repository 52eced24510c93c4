// Spawning a container's first process with a status pipe on fd 3, relaying
// signals to it, and collecting its status lines until it exits. Shared by the
// koffi and tools launch paths.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Supervised {
  /** Lines written to fd 3 before it closed (at exec, or at exit). */
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error?: NodeJS.ErrnoException;
}

const RELAYED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/* c8 ignore start - runs real launches; covered by the root integration tests */
export async function supervise(file: string, args: string[], env: NodeJS.ProcessEnv, onSpawn?: () => void): Promise<Supervised> {
  // node makes a pipe or socket non-blocking when it first opens process.stdout or stderr, which
  // also happens when any ES module imports 'node:process' (chalk does). The workload shares those
  // open files: open them now, before the init clears O_NONBLOCK, not while the workload runs.
  void process.stdout;
  void process.stderr;
  const child = spawn(file, args, { stdio: ['inherit', 'inherit', 'inherit', 'pipe'], env });
  // The child exists now (spawn forks synchronously): the caller may go on with its own work.
  onSpawn?.();
  const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
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
  for (const sig of RELAYED) process.off(sig, forward);
  return { lines, ...exit };
}
/* c8 ignore stop */

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

/** The shell's status for a process: its exit code, or 128 + the signal that killed it. */
export function exitStatus(s: Pick<Supervised, 'code' | 'signal'>, fallback: number): number {
  if (s.signal) return 128 + (SIGNALS[s.signal] ?? 0);
  return s.code ?? fallback;
}
