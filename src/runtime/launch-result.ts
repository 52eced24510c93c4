// What the koffi init and droidcheck-init have in common once spawned: the
// terminal check before, and turning their fd-3 step lines and exit status
// into a launch result after.

import { errnoFromMessage, errnoName } from '../sys/errno.js';
import { foreignElfDetail } from '../sys/elf.js';
import type { LaunchPlan } from './plan.js';
import { resolveInRootfs } from './rootfs-path.js';
import { classify, type StepOutcome } from './steps.js';
import { exitStatus, type Supervised } from './supervise.js';

export interface LaunchResult {
  /** The workload's exit status; 125 when the launch itself failed, 128+n for a signal. */
  exitCode: number;
  /** True once the workload was exec'd. */
  started: boolean;
  steps: StepOutcome[];
}

/** process.terminal: refused when stdin is no terminal, noted when it is one; null when not asked for. */
export function terminalStep(plan: Pick<LaunchPlan, 'terminal' | 'stdin'>, stdinIsTTY: boolean): StepOutcome | null {
  if (!plan.terminal) return null;
  // docker run -t without -i: a terminal for the output, no input, no terminal needed on our side.
  if (plan.stdin === 'null') return { name: 'terminal', status: 'ok', detail: '-t without -i: the workload gets a terminal, no input' };
  if (!stdinIsTTY) {
    return { name: 'terminal', status: 'failed', op: 'process.terminal', errno: 'ENOTTY', detail: 'config.json asks for a terminal but stdin is not one: run with --fix-config or set process.terminal to false', class: 'config' };
  }
  return { name: 'terminal', status: 'ok', detail: 'the workload uses this terminal directly (no new pty)' };
}

/**
 * The step lines both backends write on fd 3 (droidcheck-init's init-report.h,
 * the sh runtime's report): STEP, name, status, op, path, errno, detail, tab-
 * separated. droidcheck-init gives the errno as a number; the sh backend leaves
 * it empty and the tool's message says it. A line that is not a STEP or TOOL line
 * continues the previous detail (a tool's message over several lines).
 */
export function parseStepLines(lines: readonly string[]): StepOutcome[] {
  const raw: string[][] = [];
  for (const line of lines.flatMap((l) => l.split('\n'))) {
    if (line.startsWith('STEP\t')) {
      const f = line.split('\t');
      raw.push([...f.slice(1, 6), f.slice(6).join('\t')]);
    } else if (line && !line.startsWith('TOOL\t') && raw.length) {
      const last = raw[raw.length - 1] as string[];
      last[5] = `${last[5] ?? ''} ${line}`.trim();
    }
  }
  return raw.map(([name = '', status = '', op = '', path = '', errnum = '', detail = '']) => {
    const d = detail.trim();
    const step: StepOutcome = { name, status: status === 'failed' || status === 'skipped' ? status : 'ok' };
    if (op) step.op = op;
    if (path) step.path = path;
    if (/^\d+$/.test(errnum)) step.errno = errnoName(Number(errnum));
    else if (status === 'failed') step.errno = errnoFromMessage(d);
    if (d) step.detail = d;
    if (status === 'failed') step.class = classify(op || name, step.errno ?? 'UNKNOWN');
    return step;
  });
}

/** "exec format error" for a binary of another machine: say which. */
export function explainExecFailure(step: StepOutcome, rootfs: string, host: string): StepOutcome {
  if (step.name !== 'exec' || step.status !== 'failed' || !step.path || (step.errno !== 'ENOEXEC' && step.errno !== 'ENOENT') || step.detail) return step;
  const detail = foreignElfDetail(resolveInRootfs(rootfs, step.path), step.path, host);
  return detail ? { ...step, detail, class: 'architecture' } : step;
}

/** What droidcheck did when it was interrupted (see supervise). */
export function interruptedStep(sig: NodeJS.Signals, own: number | null): StepOutcome {
  const status = own === null ? '' : `; its own exit status was ${own}`;
  return { name: 'interrupted', status: 'ok', detail: `droidcheck got ${sig}: the container was stopped (${sig} to its PID 1, SIGKILL after 2 s if it stayed)${status}` };
}

/** The result once the init has exited: started when no step failed; 126/127 when the exec itself failed, else 125. */
export function finishLaunch(steps: StepOutcome[], exit: Supervised, plan: Pick<LaunchPlan, 'args'>, spawned: string): LaunchResult {
  if (exit.error) {
    steps.push({ name: 'spawn init', status: 'failed', op: `spawn ${spawned}`, errno: exit.error.code ?? 'EIO', class: 'internal' });
    return { exitCode: 125, started: false, steps };
  }
  const started = !steps.some((s) => s.status === 'failed');
  if (started) steps.push({ name: 'exec', status: 'ok', detail: `${plan.args.join(' ')} ran as PID 1` });
  const code = exitStatus(exit, 125);
  if (exit.interrupted) return { exitCode: code, started, steps: [...steps, interruptedStep(exit.interrupted, exitStatus({ code: exit.code, signal: exit.signal }, 125))] };
  // Like docker: 126/127 when the workload could not be exec'd, 125 when the launch failed before.
  const execFailed = steps.some((s) => s.name === 'exec' && s.status === 'failed');
  return { exitCode: started || execFailed ? code : 125, started, steps };
}
