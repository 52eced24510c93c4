// `droidcheck run`: probe, fix config.json when asked, launch the bundle with
// the embedded runtime (or runc/crun), and report every step.

import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Host } from '../host/host.js';
import type { Facts } from '../probes/facts.js';
import type { CheckOutcome } from '../probes/types.js';
import type { RunReport } from '../report/run-report.js';
import type { ConfigChange } from '../runtime/fixer.js';
import { NO_PIVOT_ANNOTATION } from '../runtime/plan.js';
import { parseSpec, type OciSpec } from '../runtime/spec.js';
import type { StepOutcome } from '../runtime/steps.js';
import type { LauncherChoice } from '../runtime/launcher-choice.js';
import { version } from './version.js';
import { trace } from '../util/trace.js';

export interface RunOptions {
  bundle: string;
  fixConfig: boolean;
  inPlace: boolean;
  runtime: string;
  report?: string;
  hostFixes: boolean;
  /** Run the probe's live tests too (off by default: the fixer's checks decide the same from files). */
  liveProbe?: boolean;
  verbose: boolean;
  redact: boolean;
  noFfi: boolean;
  /** The embedded runtime's launcher: droidcheck-init (c), or droidcheck-init where one runs here, else the tools (auto). */
  init?: 'auto' | 'c';
  busybox?: string;
  /** host: leave the network namespace out whatever config.json says (docker run --network host). */
  network?: 'config' | 'host';
  /** -t: process.terminal true whatever config.json says. */
  tty?: boolean;
  /** -i: stdin attached. With -t or -i given, stdin is attached only with -i (docker run). */
  interactive?: boolean;
}

export interface RunIo {
  host: Host;
  stderr: (s: string) => void;
  color: boolean;
  stdinIsTty: boolean;
  now: Date;
  platform: string;
  arch: string;
  execPath: string;
}

export interface Launch {
  started: boolean;
  exitCode: number;
  steps: StepOutcome[];
  hostChanges: RunReport['hostChanges'];
  runtime: RunReport['runtime'];
}

/**
 * Writes the fixed config as a whole, never through a symlink; returns the file written. With
 * --in-place the original text goes to config.json.orig first, and only when there is none yet: a
 * config.json.orig is the original of an earlier (or concurrent) run and is never overwritten.
 */
async function writeFixed(bundle: string, fixed: OciSpec, inPlace: boolean, originalText: string): Promise<string> {
  const { createOnce, writeAtomic } = await import('../host/safe-write.js');
  const text = `${JSON.stringify(fixed, null, 2)}\n`;
  const config = join(bundle, 'config.json');
  if (!inPlace) {
    const out = join(bundle, 'config.fixed.json');
    writeAtomic(out, text);
    return out;
  }
  createOnce(`${config}.orig`, originalText);
  writeAtomic(config, text);
  return config;
}

/**
 * Launches the bundle. `whileRunning` is called once the container is on its
 * way and the host is left as it was (embedded runtime), so the caller can
 * do its own work meanwhile; it is not called otherwise.
 */
export async function launch(asked: OciSpec, bundle: string, opts: RunOptions, io: RunIo, noPivot: boolean, whileRunning?: () => void): Promise<Launch> {
  const { spec, step: network } = networkChoice(asked, opts.network ?? 'config');
  const r = await launchSpec(spec, bundle, opts, io, noPivot, whileRunning);
  if (!network) return r;
  const at = r.steps.findIndex((s) => s.name === 'namespaces');
  return { ...r, steps: at < 0 ? [network, ...r.steps] : [...r.steps.slice(0, at + 1), network, ...r.steps.slice(at + 1)] };
}

/**
 * --network host: the spec without its network namespace (and the net.* sysctls that would then be the
 * host's), and the step that says so; config: the spec as it is.
 */
export function networkChoice(spec: OciSpec, network: 'config' | 'host'): { spec: OciSpec; step: StepOutcome | null } {
  const namespaces = spec.linux?.namespaces;
  if (network !== 'host' || !Array.isArray(namespaces) || !namespaces.some((n) => n?.type === 'network')) return { spec, step: null };
  const sysctl = Object.fromEntries(Object.entries(spec.linux?.sysctl ?? {}).filter(([k]) => !k.startsWith('net.')));
  const dropped = Object.keys(spec.linux?.sysctl ?? {}).length - Object.keys(sysctl).length;
  const linux = { ...spec.linux, namespaces: namespaces.filter((n) => n?.type !== 'network'), ...(spec.linux?.sysctl ? { sysctl } : {}) };
  return {
    spec: { ...spec, linux },
    step: { name: 'network', status: 'ok', detail: `the host's network (--network host): no network namespace${dropped ? `; ${dropped} net.* sysctl${dropped > 1 ? 's' : ''} left out (they would change the host)` : ''}` },
  };
}

async function launchSpec(spec: OciSpec, bundle: string, opts: RunOptions, io: RunIo, noPivot: boolean, whileRunning?: () => void): Promise<Launch> {
  if (opts.runtime === 'embedded') {
    const { buildPlan } = await import('../runtime/plan.js');
    // droidcheck-init is chosen first: its machine (arm for a 32-bit userland on arm64) is the seccomp filter's own.
    const launcher = !opts.noFfi ? (await import('../runtime/native-path.js')).chooseNativeInit(spec.linux?.seccomp) : null;
    let plan;
    try {
      const { machine, release } = await import('node:os');
      const { machineFromUname } = await import('../sys/elf.js');
      const version = /^(\d+)\.(\d+)/.exec(release());
      const asked = opts.tty ? { ...spec, process: spec.process ? { ...spec.process, terminal: true } : spec.process } : spec;
      const stdin = (opts.tty || opts.interactive) && !opts.interactive ? 'null' : 'inherit';
      const compile = spec.linux?.seccomp !== undefined ? { compileSeccomp: (await import('../runtime/seccomp/compile.js')).compileSeccomp } : {};
      plan = buildPlan(asked as OciSpec, bundle, { ...compile, noPivot, machine: launcher && 'path' in launcher ? launcher.machine : machineFromUname(machine()), kernel: version ? [Number(version[1]), Number(version[2])] : null, stdin });
    } catch (error) {
      const step: StepOutcome = { name: 'plan', status: 'failed', detail: (error as Error).message, class: 'config' };
      return { started: false, exitCode: 125, steps: [step], hostChanges: [], runtime: { name: 'embedded', path: 'native', flags: [] } };
    }
    // linux.resources: the container's groups, made and filled before the launch, removed after it.
    let cgroups: import('../runtime/cgroups/apply.js').PreparedCgroups | null = null;
    const noLimits = spec.linux?.resources !== undefined ? (await import('../runtime/cgroups/plan.js')).withoutLimits(spec.linux.resources) : null;
    if (noLimits) {
      cgroups = { steps: noLimits, join: [], ok: true, cleanup: () => Promise.resolve() };
    } else if (spec.linux?.resources !== undefined) {
      const { applyCgroups, cgroupPlanForHost } = await import('../runtime/cgroups/apply.js');
      cgroups = applyCgroups(cgroupPlanForHost(spec.linux.resources, `droidcheck-${process.pid}`, typeof spec.linux.cgroupsPath === 'string' ? spec.linux.cgroupsPath : undefined));
      plan.cgroups = cgroups.join;
    }
    try {
      if (cgroups && !cgroups.ok) return { started: false, exitCode: 125, steps: cgroups.steps, hostChanges: [], runtime: { name: 'embedded', path: 'native', flags: [] } };
      const r = await launchPlan(plan, opts, io, noPivot, launcher, whileRunning);
      if (!cgroups) return r;
      // The groups were made just before the namespaces: their steps go there, after the launcher's notes.
      const ns = r.steps.findIndex((st) => st.name === 'namespaces');
      const at = ns >= 0 ? ns : r.steps[0]?.name === 'tools' ? 1 : 0;
      const steps = [...r.steps.slice(0, at), ...cgroups.steps, ...r.steps.slice(at)];
      return { ...r, steps };
    } finally {
      await cgroups?.cleanup();
    }
  }
  const { launchExternal } = await import('../runtime/external.js');
  return launchExternal(spec, bundle, { runtime: opts.runtime, noPivot, hostFixes: opts.hostFixes }, io);
}

/** The embedded runtime's launch of a built plan: droidcheck-init, else the tools path. */
async function launchPlan(plan: import('../runtime/plan.js').LaunchPlan, opts: RunOptions, io: RunIo, noPivot: boolean, found: LauncherChoice | null, whileRunning?: () => void): Promise<Launch> {
  const flags = noPivot ? ['chroot'] : [];
  /** Steps without a tool of their own were done by `tool`. */
  const toolOf = (steps: StepOutcome[], tool: string): StepOutcome[] => steps.map((st) => (st.status === 'skipped' || st.tool ? st : { ...st, tool }));
  // droidcheck-init (C) when one runs here (src/runtime/launcher-choice.ts): one node process on the launch path, no koffi.
  if (found) {
    const { launchNative } = await import('../runtime/native-init.js');
    if ('path' in found) {
      const r = await launchNative(plan, found.path, whileRunning ? { whileRunning } : {});
      const launcher = `droidcheck-init-${found.machine}: ${found.why}`;
      return { ...r, steps: toolOf(r.steps, 'droidcheck-init'), hostChanges: [], runtime: { name: 'embedded', path: 'native', flags, launcher } };
    }
    if (opts.init === 'c') {
      const step: StepOutcome = { name: 'droidcheck-init', status: 'failed', detail: `--init c: ${found.reason}`, class: 'internal' };
      return { started: false, exitCode: 125, steps: [step], hostChanges: [], runtime: { name: 'embedded', path: 'native', flags, launcher: `none: ${found.reason}` } };
    }
  }
  // Without droidcheck-init for this machine (or with --no-ffi), the same steps run through busybox, toybox or util-linux.
  const launcher = found && 'reason' in found ? { launcher: `none: ${found.reason}` } : {};
  const why = opts.noFfi ? '--no-ffi' : `no droidcheck-init to run here (${found && 'reason' in found ? found.reason : 'none built'})`;
  const { launchWithTools } = await import('../runtime/tools-launch.js');
  whileRunning?.();
  const r = await launchWithTools(plan, io.host, opts.busybox !== undefined ? { busybox: opts.busybox } : {});
  const note: StepOutcome = { name: 'tools', status: r.tool && r.tool !== 'none' ? 'ok' : 'failed', detail: `${why}: launched through ${r.tool ?? 'no tool'}` };
  io.stderr(`droidcheck: ${note.detail}\n`);
  return { started: r.started, exitCode: r.exitCode, steps: [note, ...r.steps], hostChanges: [], runtime: { name: 'embedded', path: 'tools', flags, ...launcher } };
}

/** How the embedded runtime launched, for the summary's first line. */
const LAUNCHERS: Record<RunReport['runtime']['path'], string | null> = { native: 'droidcheck-init', tools: 'tools', external: null };

/** What the summary shows: the run report, whose probe is null when the run needed none. */
type SummaryView = Omit<RunReport, 'probe'> & { probe: RunReport['probe'] | null };

type Paint = Record<'green' | 'gray' | 'red' | 'bold' | 'yellow', (s: string) => string>;

/** chalk where there is colour to show; without (NO_COLOR, not a terminal) plain text, and chalk is not loaded. */
async function paint(color: boolean): Promise<Paint> {
  if (!color) {
    const same = (s: string): string => s;
    return { green: same, gray: same, red: same, bold: same, yellow: same };
  }
  const { Chalk } = await import('chalk');
  return new Chalk({ level: 1 });
}

async function summary(report: SummaryView, color: boolean, verbose: boolean): Promise<string> {
  const [c, { describeStep }] = await Promise.all([paint(color), import('../runtime/steps.js')]);
  const lines: string[] = [];
  const mark = (s: StepOutcome['status']): string => (s === 'ok' ? c.green('✓') : s === 'skipped' ? c.gray('-') : c.red('✗'));
  const launcher = [LAUNCHERS[report.runtime.path], ...report.runtime.flags].filter(Boolean);
  lines.push(c.bold(`droidcheck run: ${report.bundle} with the ${report.runtime.name} runtime${launcher.length ? ` (${launcher.join(', ')})` : ''}`));
  if (report.probe) {
    const p = report.probe.summary;
    const how = report.probe.live.requested ? 'with live tests' : 'files only, --live-probe adds the live tests';
    lines.push(`probe (${how}): ${p.pass} passed, ${p.warn} warnings, ${p.fail} failed (droidcheck probe -v for details)`);
  } else {
    lines.push(c.gray('probe: not needed (the container started; --report, --fix-config or a failed launch run it)'));
  }
  if (report.fixes.requested) {
    lines.push(`fixes: ${report.fixes.changes.length} change${report.fixes.changes.length === 1 ? '' : 's'}${report.fixes.written ? ` written to ${report.fixes.written}` : ''}`);
    const { formatChange } = await import('../runtime/fixer.js');
    for (const ch of report.fixes.changes) lines.push(`  ${formatChange(ch)}`);
  }
  for (const h of report.hostChanges) lines.push(`host: ${h.op}${h.undone ? ' (undone)' : ''}${h.error ? `: ${h.error}` : ''}`);
  lines.push('launch:');
  for (const s of report.launch.steps) if (verbose || s.status !== 'ok') lines.push(`  ${mark(s.status)} ${describeStep(s)}${s.class ? c.gray(` [${s.class}]`) : ''}`);
  if (!verbose) lines.push(c.gray(`  ${report.launch.steps.filter((s) => s.status === 'ok').length} steps ok (-v lists them)`));
  if (!report.launch.started && report.remediation.length) {
    lines.push('what to do:');
    for (const r of report.remediation.slice(0, 5)) lines.push(`  ${r.source}: ${r.remediation[0]?.text ?? ''}`);
  }
  const code = report.launch.exitCode;
  const stopped = report.launch.steps.find((s) => s.name === 'interrupted');
  if (stopped) lines.push(c.yellow(stopped.detail ?? 'interrupted'));
  lines.push(report.launch.started ? `container exited with status ${code}` : c.red(`the container did not start (exit status ${code})`));
  return lines.join('\n') + '\n';
}

interface Probed {
  facts: Facts;
  outcomes: CheckOutcome[];
}

async function probeHost(io: RunIo, opts: RunOptions, bundleRootfs: string): Promise<Probed> {
  const [{ gatherFacts }, { ALL_CHECKS }, { runChecks }] = await Promise.all([import('../probes/facts.js'), import('../probes/registry.js'), import('../probes/run.js')]);
  const facts = await gatherFacts(io.host, {
    live: opts.liveProbe ?? false,
    noFfi: opts.noFfi,
    ...(opts.busybox ? { busybox: opts.busybox } : {}),
    bundleRootfs,
    platform: io.platform,
    arch: io.arch,
    execPath: io.execPath,
  });
  const outcomes = runChecks(ALL_CHECKS, facts);
  trace('run: probed');
  return { facts, outcomes };
}

interface ReportModules {
  redact: typeof import('../report/redact.js').redact;
  orderRemediation: typeof import('../report/run-report.js').orderRemediation;
}

/** The modules the summary needs, loaded while the container runs; with `full`, the report's too. */
async function loadReportModules(full: boolean, color: boolean): Promise<ReportModules> {
  // chalk and steps.js are for the summary: loading them now keeps them off the path after the exit.
  const [redact, runReport] = await Promise.all([import('../report/redact.js'), import('../report/run-report.js'), color ? import('chalk') : null, import('../runtime/steps.js'), full ? import('../report/report.js') : null]);
  return { redact: redact.redact, orderRemediation: runReport.orderRemediation };
}

export async function runCommand(opts: RunOptions, io: RunIo): Promise<number> {
  trace('run: start');
  // The embedded launch's modules (koffi among them) load while config.json is read.
  if (opts.runtime === 'embedded') {
    void Promise.all([import('../runtime/plan.js'), import(opts.noFfi ? '../runtime/tools-launch.js' : '../runtime/native-init.js')]).catch(() => undefined);
  }
  if (opts.runtime !== 'embedded' || opts.hostFixes) {
    // Only runs that change the host journal their changes; an earlier one may have been killed.
    const notice = (await import('./undo.js')).leftJournalNotice();
    if (notice) io.stderr(notice);
  }
  const bundle = resolve(opts.bundle);
  const configPath = join(bundle, 'config.json');
  let spec: OciSpec;
  let configText = '';
  try {
    // A regular file of at most 8 MiB: runc's own configs are a few KiB.
    configText = (await import('../host/read-limited.js')).readLimited(configPath, 8 * 1024 * 1024).toString('utf8');
    spec = parseSpec(configText, configPath);
  } catch (error) {
    io.stderr(`droidcheck: ${(error as Error).message}\n`);
    return 125;
  }
  // The probe reads files only (unless --live-probe): no process is spawned, so it may run while the
  // container starts. The fixer and the external runtimes (whose host fixes it would see) need it first.
  let probing: Promise<Probed> | null = null;
  const bundleRootfs = resolve(bundle, spec.root?.path ?? 'rootfs');
  const probe = (): Promise<Probed> => (probing ??= probeHost(io, opts, bundleRootfs));
  const original = spec;
  let changes: ConfigChange[] = [];
  let written: string | null = null;
  if (opts.fixConfig || opts.liveProbe || opts.runtime !== 'embedded') await probe();
  if (opts.fixConfig) {
    const [{ fixConfig }, { hostCapabilities }] = await Promise.all([import('../runtime/fixer.js'), import('../runtime/capabilities.js')]);
    const { facts, outcomes } = await probe();
    const fixed = fixConfig(spec, hostCapabilities(outcomes, facts, { stdinIsTty: io.stdinIsTty }));
    changes = fixed.changes;
    spec = fixed.spec;
    try {
      written = await writeFixed(bundle, spec, opts.inPlace, configText);
    } catch (error) {
      io.stderr(`droidcheck: ${(error as NodeJS.ErrnoException).code ? `write the fixed config in ${bundle}: ${(error as NodeJS.ErrnoException).code}` : (error as Error).message}\n`);
      return 125;
    }
  }
  const annotations = (spec['annotations'] ?? {}) as Record<string, string>;
  const noPivot = annotations[NO_PIVOT_ANNOTATION] === 'true';
  trace('run: launch');
  // The probe is needed for the report, for the fixes (done above), for an external runtime, and to
  // explain a failed launch. A plain run that starts needs none of that: it is not probed at all.
  const probeWanted = opts.fixConfig || opts.liveProbe === true || opts.runtime !== 'embedded' || opts.report !== undefined;
  // While the container runs: the probe (when wanted and not done yet) and the report's modules.
  let reportModules: Promise<ReportModules> | null = null;
  const prepare = (): Promise<ReportModules> => (reportModules ??= loadReportModules(probeWanted, io.color));
  const launched = await launch(spec, bundle, opts, io, noPivot, () => {
    if (probeWanted) void probe().catch(() => undefined);
    if (probeWanted) void prepare().catch(() => undefined);
  });
  trace('run: launched');
  // A plain run that starts shows no remediation and writes no report: the summary needs only redaction.
  const plain = async (): Promise<ReportModules> => ({ redact: (await import('../report/redact.js')).redact, orderRemediation: () => [] });
  const [probed, m] = await Promise.all([probeWanted || !launched.started ? probe() : null, probeWanted || !launched.started ? prepare() : plain()]);
  const base = {
    schemaVersion: 1 as const,
    command: 'run' as const,
    generatedAt: io.now.toISOString(),
    redacted: false,
    bundle,
    runtime: launched.runtime,
    fixes: { requested: opts.fixConfig, written, changes, diff: opts.fixConfig ? (await import('../runtime/fixer.js')).renderDiff(original, spec) : '' },
    hostChanges: launched.hostChanges,
    launch: { started: launched.started, exitCode: launched.exitCode, steps: launched.steps },
    remediation: m.orderRemediation(launched.steps, probed?.outcomes ?? []),
  };
  const secrets = { hostname: probed?.facts.uname.nodename ?? io.host.uname().nodename, user: io.host.env('USER') ?? io.host.env('LOGNAME'), home: io.host.env('HOME') };
  if (!probed) {
    const view: SummaryView = { ...base, probe: null, tool: { name: 'droidcheck', version: version() } };
    io.stderr(await summary(opts.redact ? m.redact(view, secrets) : view, io.color, opts.verbose));
    trace('run: end');
    return launched.exitCode;
  }
  const { facts, outcomes } = probed;
  const { buildReport } = await import('../report/report.js');
  const probeReport = buildReport(facts, outcomes, { version: version(), now: io.now });
  let report: RunReport = {
    ...base,
    tool: probeReport.tool,
    probe: { host: probeReport.host, kernelConfig: probeReport.kernelConfig, live: probeReport.live, summary: probeReport.summary, checks: probeReport.checks },
  };
  if (opts.redact) {
    report = m.redact(report, secrets);
    report.probe.host.hostname = '<redacted>';
    report.redacted = true;
  }
  io.stderr(await summary(report, io.color, opts.verbose));
  if (opts.report !== undefined) {
    try {
      const { serializeDoc } = await import('./probe.js');
      await writeFile(opts.report, await serializeDoc(report, opts.report.endsWith('.json') ? 'json' : 'yaml'));
      io.stderr(`report written to ${opts.report}\n`);
    } catch (error) {
      io.stderr(`droidcheck: write ${opts.report}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      // The container's status is in the summary above; the report the caller asked for is not written.
      trace('run: end');
      return 125;
    }
  }
  trace('run: end');
  return launched.exitCode;
}
