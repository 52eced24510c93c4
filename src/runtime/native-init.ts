// The embedded runtime with droidcheck-init (src/native/droidcheck-init.c) as
// its launcher: one small C process unshares, forks the container's PID 1 and
// relays signals, so the launch path has one node process (droidcheck) and
// needs no koffi. Used when scripts/build-init.mjs built it for this machine.

import { machine } from 'node:os';
import { machineFromUname } from '../sys/elf.js';
import type { LaunchPlan } from './plan.js';
import { launchSteps, type LaunchStep } from './launch-steps.js';
import { explainExecFailure, finishLaunch, parseStepLines, terminalStep, type LaunchResult } from './launch-result.js';
import { withResolvedTargets } from './rootfs-path.js';
import { supervise } from './supervise.js';
import { trace } from '../util/trace.js';

export { findNativeInit, nativeInitPath } from './native-path.js';

/** The launch steps as droidcheck-init's arguments: records of KIND N DESC PATH and N values (one argv entry each, nothing to escape). */
export function initArgv(steps: readonly LaunchStep[]): string[] {
  const a: string[] = [];
  for (const s of steps) {
    a.push('step', '2', s.name, s.path, s.ok, s.skip);
    for (const o of s.ops) a.push(o.kind, String(o.args.length), o.desc, o.path, ...o.args);
  }
  return a;
}

/* c8 ignore start - needs root and a real launch; covered by the integration tests in child processes */
export async function launchNative(plan: LaunchPlan, init: string, opts: { whileRunning?: () => void } = {}): Promise<LaunchResult> {
  const steps = [];
  // A terminal is refused without one on stdin; with one, droidcheck-init makes a pty and reports its own step.
  const terminal = terminalStep(plan, process.stdin.isTTY === true);
  if (terminal?.status === 'failed') return { exitCode: 125, started: false, steps: [terminal] };
  trace('native: spawn droidcheck-init');
  const env = process.env['DROIDCHECK_TRACE'] ? { DROIDCHECK_TRACE: process.env['DROIDCHECK_TRACE'] } : {};
  const exit = await supervise(init, initArgv(launchSteps(withResolvedTargets(plan))), env, opts.whileRunning, 'child', plan.stdin);
  const host = machineFromUname(machine());
  steps.push(...parseStepLines(exit.lines).map((s) => explainExecFailure(s, plan.rootfs, host)));
  return finishLaunch(steps, exit, plan, init);
}
/* c8 ignore stop */
