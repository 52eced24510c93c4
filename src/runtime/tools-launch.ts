// The embedded runtime without FFI or droidcheck-init: the launch steps
// (launch-steps.ts) run by the sh backend (launch-sh.ts) through a static
// busybox, toybox or util-linux found on this host or in the bundle. This
// module finds the tools, starts `unshare -f <sh>`, and turns what the script
// reported into the launch result.

import { resolveInRootfs, withResolvedTargets } from './rootfs-path.js';
import { exitStatus, supervise } from './supervise.js';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { machine } from 'node:os';
import type { HostFiles, HostProcesses } from '../host/host.js';
import { findToolset, type ToolOptions, type Toolset } from '../host/tools.js';
import { errnoFromMessage } from '../sys/errno.js';
import { interruptedStep, parseStepLines, terminalStep, type LaunchResult } from './launch-result.js';
import { nsByOci } from '../sys/namespaces.js';
import { elfMachineName, machineFromUname } from '../sys/elf.js';
import type { LaunchPlan } from './plan.js';
import { classify, type StepOutcome } from './steps.js';
import { launchSteps } from './launch-steps.js';
import { shLaunchScript } from './launch-sh.js';
import { trace } from '../util/trace.js';

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
  if (name === 'cgroup join' || name === 'sysctl') return `${tool('sh', 'sh')}: echo`;
  if (name === 'cgroup namespace') return chosen['cgroup namespace'] ? tool('unshare', 'unshare') : undefined;
  if (name === 'rlimits') return `${tool('sh', 'sh')}: ulimit`;
  if (['user', 'groups', 'bounding set', 'capabilities', 'no_new_privs'].includes(name)) {
    const u = chosen['user'];
    return u ? u.split(' ').map((a) => tool(a)).join(' + ') : undefined;
  }
  if (name === 'exec' || name === 'cwd') return tool('sh', 'sh');
  return undefined;
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
export async function findLaunchTools(host: HostFiles & HostProcesses, tools: ToolOptions = {}): Promise<LaunchTools | { missing: string; tool: string; notes?: string[] }> {
  const t = await findToolset(host, tools);
  if (!t) return { missing: 'a shell (sh)', tool: 'none' };
  const notes = t.notes ?? [];
  if (!t.unshare) return { missing: 'unshare', tool: t.name, notes };
  if (!t.mount) return { missing: 'mount', tool: t.name, notes };
  const bb = t.sh[0] === t.name && t.sh[1] === 'sh' ? t.name : null;
  return { name: t.name, sh: t.sh, unshare: t.unshare, busybox: bb, ...(t.labels ? { labels: t.labels } : {}), ...(t.busyboxSource ? { busyboxSource: t.busyboxSource } : {}), notes };
}

/* c8 ignore start - needs root and a real launch; covered by test/integration/run-tools.test.ts */
export async function launchWithTools(plan: LaunchPlan, host: HostFiles & HostProcesses, opts: { busybox?: string }): Promise<ToolsLaunchResult> {
  const result = await launchWithToolsInner(plan, host, opts);
  return result.tools ? { ...result, steps: result.steps.map((s) => withTool(s, result.tools as LaunchTools, result.chosen ?? {})) } : result;
}

function withTool(s: StepOutcome, t: LaunchTools, chosen: Record<string, string>): StepOutcome {
  if (s.tool !== undefined) return s;
  const tool = stepTool(s.name, t, chosen);
  return tool ? { ...s, tool } : s;
}

async function launchWithToolsInner(plan: LaunchPlan, host: HostFiles & HostProcesses, opts: { busybox?: string }): Promise<ToolsLaunchResult & { tools?: LaunchTools; chosen?: Record<string, string> }> {
  const steps: StepOutcome[] = [];
  // --busybox, busybox on PATH, the bundle's own static busybox, util-linux, toybox.
  const found = await findLaunchTools(host, { ...(opts.busybox !== undefined ? { busybox: opts.busybox } : {}), bundleRootfs: plan.rootfs });
  if ('missing' in found) {
    const passed = found.notes?.length ? `; ${found.notes.join('; ')}` : '';
    steps.push({ name: 'tools', status: 'failed', op: `find ${found.missing}`, errno: 'ENOENT', detail: `no ${found.missing} (looked for --busybox, busybox on PATH, the bundle's own busybox, util-linux, toybox): install a static busybox and pass --busybox${passed}`, class: 'host-layout' });
    return { exitCode: 125, started: false, steps, tool: found.tool };
  }
  const t = found;
  trace('tools: found');
  // run.ts reports "launched through <tool>": the launcher, and the candidates passed over.
  const label = `${launcherLabel(t)}${t.notes?.length ? ` (passed over: ${t.notes.join('; ')})` : ''}`;
  const fail = (step: StepOutcome): ToolsLaunchResult & { tools: LaunchTools } => {
    steps.push(step);
    return { exitCode: 125, started: false, steps, tool: label, tools: t };
  };
  if (t.busybox && !basename(t.busybox).startsWith('busybox')) {
    return fail({ name: 'tools', status: 'failed', op: `use ${t.busybox}`, errno: 'EINVAL', detail: `${t.busybox}: the busybox file name must begin with "busybox" for its applets to run each other`, class: 'host-layout' });
  }
  // A terminal is refused without one on stdin; with one, the script's terminal step says the workload uses it directly.
  const terminal = terminalStep(plan, process.stdin.isTTY === true);
  if (terminal?.status === 'failed') return fail(terminal);
  const { unshare: letters, script, rest } = shLaunchScript(launchSteps(withResolvedTargets(plan)), t);
  const [sh, ...shArgs] = t.sh as [string, ...string[]];
  const [unshare, ...unshareRest] = t.unshare as [string, ...string[]];
  // Only PATH: the tools are found by name where there is no busybox (toybox, util-linux); the workload gets config.json's env (env -i).
  const env = { PATH: process.env['PATH'] ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/system/bin:/system/xbin' };
  trace('tools: spawn');
  const exit = await supervise(unshare, [...unshareRest, ...letters, sh, ...shArgs, '-c', script, 'sh', ...(rest ? [rest] : [])], env, undefined, 'child', plan.stdin);
  const text = exit.lines.map((l) => `${l}\n`).join('');
  const chosen = parseToolLines(text);
  if (exit.error) return fail({ name: 'spawn', status: 'failed', op: `spawn ${unshare}`, errno: exit.error.code ?? 'EIO', class: 'internal' });
  const reported = parseStepLines(exit.lines);
  if (reported.length === 0) {
    // unshare itself failed: ask it again, capturing its message.
    const names = plan.namespaces.join(', ') || 'none';
    const again = await host.exec(unshare, [...unshareRest, ...letters.filter((a) => a !== '-f'), sh, ...shArgs, '-c', 'true']);
    const message = `${again.stderr}${again.stdout}`.trim();
    const errno = errnoFromMessage(message);
    let missing: string[] = [];
    if (errno === 'EINVAL' || /invalid option|unrecognized option/i.test(message)) {
      const probes = await Promise.all(plan.namespaces.map(async (n) => [n, (await host.exec(unshare, [...unshareRest, `-${nsByOci(n)?.letter ?? '?'}`, sh, ...shArgs, '-c', 'true'])).exitCode === 0] as const));
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

