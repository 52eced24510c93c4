// `droidcheck run`: probe, fix config.json when asked, launch the bundle with
// the embedded runtime (or runc/crun), and report every step.

import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Chalk, type ChalkInstance } from 'chalk';
import type { Host } from '../host/host.js';
import { gatherFacts } from '../probes/facts.js';
import { ALL_CHECKS } from '../probes/registry.js';
import { runChecks } from '../probes/run.js';
import { buildReport } from '../report/report.js';
import { redact } from '../report/redact.js';
import { orderRemediation, type RunReport } from '../report/run-report.js';
import { hostCapabilities } from '../runtime/capabilities.js';
import { fixConfig, formatChange, renderDiff, NO_PIVOT_ANNOTATION, type ConfigChange } from '../runtime/fixer.js';
import { parseSpec, type OciSpec } from '../runtime/spec.js';
import { describeStep, type StepOutcome } from '../runtime/steps.js';
import { version } from './main.js';
import { serializeDoc } from './probe.js';

export interface RunOptions {
  bundle: string;
  fixConfig: boolean;
  inPlace: boolean;
  runtime: string;
  report?: string;
  hostFixes: boolean;
  verbose: boolean;
  redact: boolean;
  noFfi: boolean;
  busybox?: string;
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

/** Writes the fixed config; returns the file written. */
async function writeFixed(bundle: string, fixed: OciSpec, inPlace: boolean): Promise<string> {
  const text = `${JSON.stringify(fixed, null, 2)}\n`;
  const config = join(bundle, 'config.json');
  if (!inPlace) {
    const out = join(bundle, 'config.fixed.json');
    await writeFile(out, text);
    return out;
  }
  await copyFile(config, `${config}.orig`);
  await writeFile(config, text);
  return config;
}

export async function launch(spec: OciSpec, bundle: string, opts: RunOptions, io: RunIo, noPivot: boolean): Promise<Launch> {
  if (opts.runtime === 'embedded') {
    const { buildPlan } = await import('../runtime/plan.js');
    let plan;
    try {
      plan = buildPlan(spec, bundle, { noPivot });
    } catch (error) {
      const step: StepOutcome = { name: 'plan', status: 'failed', detail: (error as Error).message, class: 'config' };
      return { started: false, exitCode: 125, steps: [step], hostChanges: [], runtime: { name: 'embedded', path: 'ffi', flags: [] } };
    }
    const flags = noPivot ? ['chroot'] : [];
    // Without koffi (--no-ffi, or it does not load: Android 7/8, 32-bit ARM) the same launch runs through busybox/util-linux.
    let why = opts.noFfi ? '--no-ffi' : null;
    if (!why) {
      try {
        (await import('../runtime/libc.js')).loadLibc();
      } catch (error) {
        why = `koffi does not load (${(error as Error).message.split('\n')[0] ?? ''})`;
      }
    }
    if (why) {
      const { launchWithTools } = await import('../runtime/tools-launch.js');
      const r = await launchWithTools(plan, io.host, opts.busybox !== undefined ? { busybox: opts.busybox } : {});
      const note: StepOutcome = { name: 'tools', status: r.tool && r.tool !== 'none' ? 'ok' : 'failed', detail: `${why}: launched through ${r.tool ?? 'no tool'}` };
      io.stderr(`droidcheck: ${note.detail}\n`);
      return { started: r.started, exitCode: r.exitCode, steps: [note, ...r.steps], hostChanges: [], runtime: { name: 'embedded', path: 'tools', flags } };
    }
    const { launchEmbedded } = await import('../runtime/embedded.js');
    const r = await launchEmbedded(plan);
    return { ...r, hostChanges: [], runtime: { name: 'embedded', path: 'ffi', flags } };
  }
  const { launchExternal } = await import('../runtime/external.js');
  return launchExternal(spec, bundle, { runtime: opts.runtime, noPivot, hostFixes: opts.hostFixes }, io);
}

function summary(report: RunReport, c: ChalkInstance, verbose: boolean): string {
  const lines: string[] = [];
  const mark = (s: StepOutcome['status']): string => (s === 'ok' ? c.green('✓') : s === 'skipped' ? c.gray('-') : c.red('✗'));
  lines.push(c.bold(`droidcheck run: ${report.bundle} with the ${report.runtime.name} runtime${report.runtime.flags.length ? ` (${report.runtime.flags.join(' ')})` : ''}`));
  const p = report.probe.summary;
  lines.push(`probe: ${p.pass} passed, ${p.warn} warnings, ${p.fail} failed (droidcheck probe -v for details)`);
  if (report.fixes.requested) {
    lines.push(`fixes: ${report.fixes.changes.length} change${report.fixes.changes.length === 1 ? '' : 's'}${report.fixes.written ? ` written to ${report.fixes.written}` : ''}`);
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
  lines.push(report.launch.started ? `container exited with status ${code}` : c.red(`the container did not start (exit status ${code})`));
  return lines.join('\n') + '\n';
}

export async function runCommand(opts: RunOptions, io: RunIo): Promise<number> {
  const bundle = resolve(opts.bundle);
  const configPath = join(bundle, 'config.json');
  let spec: OciSpec;
  try {
    spec = parseSpec(await readFile(configPath, 'utf8'), configPath);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    io.stderr(`droidcheck: ${e.code ? `read ${configPath}: ${e.code}` : e.message}\n`);
    return 125;
  }
  const facts = await gatherFacts(io.host, {
    live: true,
    noFfi: opts.noFfi,
    ...(opts.busybox ? { busybox: opts.busybox } : {}),
    bundleRootfs: resolve(bundle, spec.root?.path ?? 'rootfs'),
    platform: io.platform,
    arch: io.arch,
    execPath: io.execPath,
  });
  const outcomes = runChecks(ALL_CHECKS, facts);
  const original = spec;
  let changes: ConfigChange[] = [];
  let written: string | null = null;
  if (opts.fixConfig) {
    const fixed = fixConfig(spec, hostCapabilities(outcomes, facts, { stdinIsTty: io.stdinIsTty }));
    changes = fixed.changes;
    spec = fixed.spec;
    try {
      written = await writeFixed(bundle, spec, opts.inPlace);
    } catch (error) {
      io.stderr(`droidcheck: write the fixed config in ${bundle}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      return 125;
    }
  }
  const annotations = (spec['annotations'] ?? {}) as Record<string, string>;
  const noPivot = annotations[NO_PIVOT_ANNOTATION] === 'true';
  const launched = await launch(spec, bundle, opts, io, noPivot);
  const probe = buildReport(facts, outcomes, { version: version(), now: io.now });
  let report: RunReport = {
    schemaVersion: 1,
    tool: probe.tool,
    command: 'run',
    generatedAt: io.now.toISOString(),
    redacted: false,
    bundle,
    runtime: launched.runtime,
    probe: { host: probe.host, kernelConfig: probe.kernelConfig, live: probe.live, summary: probe.summary, checks: probe.checks },
    fixes: { requested: opts.fixConfig, written, changes, diff: opts.fixConfig ? renderDiff(original, spec) : '' },
    hostChanges: launched.hostChanges,
    launch: { started: launched.started, exitCode: launched.exitCode, steps: launched.steps },
    remediation: orderRemediation(launched.steps, outcomes),
  };
  if (opts.redact) {
    report = redact(report, { hostname: facts.uname.nodename, user: io.host.env('USER') ?? io.host.env('LOGNAME'), home: io.host.env('HOME') });
    report.probe.host.hostname = '<redacted>';
    report.redacted = true;
  }
  io.stderr(summary(report, new Chalk({ level: io.color ? 1 : 0 }), opts.verbose));
  if (opts.report !== undefined) {
    try {
      await writeFile(opts.report, await serializeDoc(report, opts.report.endsWith('.json') ? 'json' : 'yaml'));
      io.stderr(`report written to ${opts.report}\n`);
    } catch (error) {
      io.stderr(`droidcheck: write ${opts.report}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
    }
  }
  return launched.exitCode;
}
