// The embedded runtime's parent side. Namespaces belong to threads: this
// process unshares the PID, UTS, IPC, network and cgroup namespaces on its main
// thread (not the user namespace, which needs a single-threaded caller, and not
// the mount namespace, which init.js makes its own) and spawns init.js, which
// libuv forks from this thread, so it lands in the new namespaces as PID 1.
// Right after the spawn this thread goes back to the host's namespaces (setns
// on descriptors opened before the unshare), so the parent may go on probing
// or spawning while the container runs; it relays signals to the init and
// collects its step reports until the workload exits.

import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machine } from 'node:os';
import { errnoName, loadLibc, type Libc } from '../sys/libc.js';
import { CLONE_FLAGS, type LaunchPlan } from './plan.js';
import { ociTable } from '../sys/namespaces.js';
import { classify, type StepOutcome } from './steps.js';
import { machineFromUname } from '../sys/elf.js';
import { supervise } from './supervise.js';
import { finishLaunch, parseStepLine, terminalStep, type LaunchResult } from './launch-result.js';
import { trace } from '../util/trace.js';

export type { LaunchResult } from './launch-result.js';

const INIT = fileURLToPath(new URL('./init.js', import.meta.url));

/** After an EINVAL, the namespaces the kernel refuses one by one (unsharing an extra one of a kind is harmless). */
function nameFailingNamespaces(plan: LaunchPlan, tryFlag: (flag: number) => boolean): string[] {
  return plan.namespaces.filter((ns) => !tryFlag(CLONE_FLAGS[ns] as number));
}

/** /proc/self/ns file names of the namespaces the parent unshares (not mount: the init's own; not user). */
const NS_FILE: Partial<Record<string, string>> = { ...ociTable((n) => n.name), mount: undefined, user: undefined };

/* c8 ignore start - needs root and a real launch; covered by the integration tests in child processes */
/** Opens this thread's current namespaces, to come back to them after the spawn. */
function holdNamespaces(namespaces: readonly string[]): { ns: string; fd: number; flag: number }[] {
  const held: { ns: string; fd: number; flag: number }[] = [];
  for (const ns of namespaces) {
    const file = NS_FILE[ns];
    if (!file) continue;
    try {
      held.push({ ns, fd: openSync(`/proc/self/ns/${file}`, 'r'), flag: CLONE_FLAGS[ns as keyof typeof CLONE_FLAGS] as number });
    } catch {
      // No such namespace file (old kernel): nothing to return to, nothing unshared either.
    }
  }
  return held;
}

/** setns back into each held namespace; returns the ones that failed, as "op: errno". */
function returnToNamespaces(c: Libc, held: readonly { ns: string; fd: number; flag: number }[]): string[] {
  const failed: string[] = [];
  for (const h of held) {
    if (c.setns(h.fd, h.flag) < 0) failed.push(`setns ${h.ns}: ${errnoName(c.errno())}`);
    closeSync(h.fd);
  }
  return failed;
}

export interface EmbeddedOptions {
  /** Called once the init is spawned and this thread is back in the host's namespaces. */
  whileRunning?: () => void;
}

export async function launchEmbedded(plan: LaunchPlan, opts: EmbeddedOptions = {}): Promise<LaunchResult> {
  const steps: StepOutcome[] = [];
  const fail = (step: StepOutcome): LaunchResult => {
    steps.push(step);
    return { exitCode: 125, started: false, steps };
  };
  let c;
  try {
    c = loadLibc();
  } catch (error) {
    return fail({ name: 'load koffi', status: 'failed', detail: (error as Error).message, class: 'internal' });
  }
  const terminal = terminalStep(plan, process.stdin.isTTY === true);
  if (terminal?.status === 'failed') return fail(terminal);
  if (terminal) steps.push(terminal);
  // The mount namespace is the init's own (see init.ts): a pivot_root in a namespace
  // this process shared would move this process into the container root too.
  // With cgroups to join, the init makes the cgroup namespace itself, after joining, so it is rooted at the container's group.
  const own = (n: string): boolean => n === 'mount' || (n === 'cgroup' && plan.cgroups.length > 0);
  const flags = plan.namespaces.filter((n) => !own(n)).reduce((f, n) => f | (CLONE_FLAGS[n] as number), 0);
  const names = plan.namespaces.filter((n) => n !== 'mount').join(', ') || 'none';
  const held = holdNamespaces(plan.namespaces.filter((n) => !own(n)));
  if (flags !== 0 && c.unshare(flags) < 0) {
    returnToNamespaces(c, held);
    const errno = errnoName(c.errno());
    // Find which namespace the kernel lacks: unsharing one more of a kind we already have is harmless.
    const missing = errno === 'EINVAL' ? nameFailingNamespaces(plan, (f) => f === CLONE_FLAGS['mount'] || c.unshare(f) === 0) : [];
    return fail({
      name: 'namespaces',
      status: 'failed',
      op: `unshare(${names})`,
      errno,
      ...(missing.length ? { detail: `the kernel has no ${missing.join(', ')} namespace: run with --fix-config to drop ${missing.length > 1 ? 'them' : 'it'}` } : {}),
      class: classify('unshare', errno),
    });
  }
  steps.push({ name: 'namespaces', status: 'ok', detail: names });
  trace('embedded: spawn init');
  const env = { DROIDCHECK_PLAN: JSON.stringify(plan), DROIDCHECK_HOST_MACHINE: machineFromUname(machine()), ...(process.env['DROIDCHECK_TRACE'] ? { DROIDCHECK_TRACE: process.env['DROIDCHECK_TRACE'] } : {}) };
  let back: string[] = [];
  const exit = await supervise(
    process.execPath,
    [INIT],
    env,
    () => {
      back = returnToNamespaces(c, held);
      if (!back.length) opts.whileRunning?.();
    },
    'self',
    plan.stdin,
  );
  if (back.length) steps.push({ name: 'return to host namespaces', status: 'skipped', detail: `${back.join(', ')}: droidcheck stays in the container's namespaces and probes after the launch` });
  steps.push(...exit.lines.map(parseStepLine));
  return finishLaunch(steps, exit, plan, process.execPath);
}
/* c8 ignore stop */
