// The embedded runtime with droidcheck-init (src/native/droidcheck-init.c) as
// its launcher: one small C process unshares, forks the container's PID 1 and
// relays signals, so the launch path has one node process (droidcheck) and
// needs no koffi. Used when scripts/build-init.mjs built it for this machine.

import { machine } from 'node:os';
import { machineFromUname } from '../sys/elf.js';
import { CLONE_FLAGS, type LaunchPlan } from './plan.js';
import { explainExecFailure, finishLaunch, parseStepLine, seccompDetail, terminalStep, type LaunchResult } from './launch-result.js';
import { supervise } from './supervise.js';
import { trace } from '../util/trace.js';

export { findNativeInit, nativeInitPath } from './native-path.js';

/** The launch plan as droidcheck-init's arguments (one value per argv entry, nothing to escape). */
export function initArgv(plan: LaunchPlan): string[] {
  const a: string[] = [];
  for (const ns of plan.namespaces) a.push('--ns', ns, String(CLONE_FLAGS[ns]));
  a.push('--rootfs', plan.rootfs);
  for (const dir of plan.cgroups) a.push('--cgroup', dir);
  if (plan.hostname !== null) a.push('--hostname', plan.hostname);
  for (const m of plan.mounts) {
    a.push('--mount', m.destination, m.source, m.type ?? '', String(m.flags), m.data, String(m.propagation), m.remountFlags === null ? '-1' : String(m.remountFlags), m.bind ? '1' : '0');
  }
  if (plan.noPivot) a.push('--no-pivot');
  if (plan.terminal) a.push('--terminal');
  if (plan.readonlyRoot) a.push('--readonly-root');
  for (const p of plan.maskedPaths) a.push('--mask', p);
  for (const p of plan.readonlyPaths) a.push('--readonly', p);
  for (const r of plan.rlimits) a.push('--rlimit', r.name, String(r.resource), String(r.soft), String(r.hard));
  if (plan.noNewPrivileges) a.push('--no-new-privs');
  a.push('--user', String(plan.user.uid), String(plan.user.gid), plan.user.additionalGids.join(','));
  if (plan.caps) a.push('--caps', plan.caps.bounding, plan.caps.effective, plan.caps.permitted, plan.caps.inheritable, String(plan.caps.ambient.length));
  for (const s of plan.sysctls) a.push('--sysctl', s.key, s.path, s.value);
  a.push('--umask', String(plan.umask));
  if (plan.seccomp) a.push('--seccomp', plan.seccomp.hex, seccompDetail(plan.seccomp));
  a.push('--cwd', plan.cwd);
  for (const e of plan.env) a.push('--env', e);
  a.push('--', ...plan.args);
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
  const exit = await supervise(init, initArgv(plan), env, opts.whileRunning, 'child', plan.stdin);
  const host = machineFromUname(machine());
  steps.push(...exit.lines.map((l) => explainExecFailure(parseStepLine(l), plan.rootfs, host)));
  return finishLaunch(steps, exit, plan, init);
}
/* c8 ignore stop */
