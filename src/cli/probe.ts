// `droidcheck probe`: gather facts, run checks, render, choose the exit code.

import { NodeHost } from '../host/node-host.js';
import type { Host } from '../host/host.js';
import { startGathering } from '../probes/facts.js';
import type { Check } from '../probes/types.js';
import type { ProbeReport } from '../report/report.js';
import { version } from './version.js';
import { parseKernelVersion } from '../kernel/version.js';
import { trace } from '../util/trace.js';

// Only what starts the live tests is imported up front: the checks, the report and its renderers
// load while the tests run (see probeCommand).

export interface ProbeOptions {
  kernelConfig?: string;
  live: boolean;
  noFfi: boolean;
  busybox?: string;
  format: 'table' | 'json' | 'yaml' | 'markdown';
  output?: string;
  verbose: boolean;
  listChecks: boolean;
  /** Print the config fragment (src/kernel/fragment.ts) instead of the report. */
  fragment?: boolean;
  /** The version of a --kernel-config file that has none (a defconfig). */
  kernelVersion?: string;
  check?: string[];
  strict: boolean;
  redact: boolean;
}

export interface ProbeIo {
  host: Host;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Colour on: a TTY and no NO_COLOR. */
  color: boolean;
  now: Date;
  platform: string;
  arch: string;
  execPath: string;
  /** The checks to run; absent: every check (the registry, loaded while the live tests run). */
  checks?: readonly Check[];
}

export function defaultIo(): ProbeIo {
  return {
    host: new NodeHost(),
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    color: Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'],
    now: new Date(),
    platform: process.platform,
    arch: process.arch,
    execPath: process.execPath,
  };
}

/** A report as JSON or YAML (js-yaml is loaded only when asked for). */
export async function serializeDoc(doc: object, format: 'json' | 'yaml'): Promise<string> {
  if (format === 'json') return JSON.stringify(doc, null, 2) + '\n';
  const yaml = await import('js-yaml');
  return yaml.dump(doc, { lineWidth: 120, noRefs: true });
}

export function listChecks(checks: readonly Check[]): string {
  return checks.map((c) => `${c.id.padEnd(28)} ${c.severity.padEnd(11)} ${c.title}\n${' '.repeat(41)}probes: ${c.probes}${c.appliesTo ? `\n${' '.repeat(41)}applies to: ${c.appliesTo}` : ''}\n`).join('');
}

const allChecks = async (): Promise<readonly Check[]> => (await import('../probes/registry.js')).ALL_CHECKS;

export async function probeCommand(opts: ProbeOptions, io: ProbeIo = defaultIo()): Promise<number> {
  trace('probe: start');
  if (opts.listChecks) {
    io.stdout(listChecks(io.checks ?? (await allChecks())));
    return 0;
  }
  // --check ids are checked before anything is probed; without them every check runs, and the
  // registry loads while the live tests run.
  let checks: readonly Check[] | undefined = io.checks;
  if (opts.check?.length) {
    const { selectChecks } = await import('../probes/registry.js');
    const selected = selectChecks(opts.check, checks ?? (await allChecks()));
    if (selected.unknown.length) {
      io.stderr(`droidcheck: unknown check id${selected.unknown.length > 1 ? 's' : ''}: ${selected.unknown.join(', ')} (see droidcheck probe --list-checks)\n`);
      return 2;
    }
    checks = selected.checks;
  }
  if (opts.kernelConfig !== undefined) {
    try {
      await io.host.readFileStrict(opts.kernelConfig);
    } catch (error) {
      io.stderr(`droidcheck: --kernel-config: ${(error as Error).message}\n`);
      return 2;
    }
  }
  if (opts.kernelVersion !== undefined && parseKernelVersion(opts.kernelVersion) === null) {
    io.stderr(`droidcheck: --kernel-version ${opts.kernelVersion}: not a kernel version (like 5.15 or 4.14.190)\n`);
    return 2;
  }
  const { facts: gathering, files } = await startGathering(io.host, {
    ...(opts.kernelConfig !== undefined ? { kernelConfig: opts.kernelConfig } : {}),
    ...(opts.kernelVersion !== undefined ? { kernelVersion: opts.kernelVersion } : {}),
    live: opts.live,
    noFfi: opts.noFfi,
    ...(opts.busybox !== undefined ? { busybox: opts.busybox } : {}),
    platform: io.platform,
    arch: io.arch,
    execPath: io.execPath,
  });
  const [all, { runChecksEarly }, { buildReport, exitCodeFor }] = await Promise.all([checks ?? allChecks(), import('../probes/run.js'), import('../report/report.js')]);
  // The checks that need no live result run while the live tests do.
  const finishChecks = runChecksEarly(all, await files);
  const facts = await gathering;
  trace('probe: facts gathered');
  if (opts.kernelConfig !== undefined && !facts.config) {
    io.stderr(`droidcheck: --kernel-config ${opts.kernelConfig}: ${facts.configNotes.join('; ')}\n`);
    return 2;
  }
  const outcomes = finishChecks(facts);
  if (opts.fragment) return (await import('./fragment.js')).fragmentCommand(facts, outcomes, opts, io);
  let report = buildReport(facts, outcomes, { version: version(), now: io.now });
  if (opts.redact) {
    const { redact } = await import('../report/redact.js');
    report = redact(report, { hostname: facts.uname.nodename, user: io.host.env('USER') ?? io.host.env('LOGNAME'), home: io.host.env('HOME') });
    report.host.hostname = '<redacted>';
    report.redacted = true;
  }
  const text = await render(report, opts, io.color);
  trace('probe: rendered');
  if (opts.output !== undefined) {
    try {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(opts.output, text);
    } catch (error) {
      io.stderr(`droidcheck: write ${opts.output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      return 2;
    }
    io.stderr(`droidcheck: report written to ${opts.output} (${report.summary.verdict})\n`);
  } else {
    io.stdout(text);
  }
  return exitCodeFor(report.summary, opts.strict);
}

/** The report in the format asked for; each renderer (and chalk) loads only when used. */
async function render(report: ProbeReport, opts: ProbeOptions, color: boolean): Promise<string> {
  if (opts.format === 'table') {
    const [{ Chalk }, { renderText }] = await Promise.all([import('chalk'), import('../report/render-text.js')]);
    return renderText(report, new Chalk({ level: color && opts.output === undefined ? 1 : 0 }), opts.verbose);
  }
  if (opts.format === 'markdown') return (await import('../report/render-markdown.js')).renderMarkdown(report);
  return serializeDoc(report, opts.format);
}
