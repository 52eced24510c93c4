// `droidcheck probe`: gather facts, run checks, render, choose the exit code.

import { writeFile } from 'node:fs/promises';
import { Chalk } from 'chalk';
import { NodeHost } from '../host/node-host.js';
import type { Host } from '../host/host.js';
import { gatherFacts } from '../probes/facts.js';
import { ALL_CHECKS, selectChecks } from '../probes/registry.js';
import { runChecks } from '../probes/run.js';
import type { Check } from '../probes/types.js';
import { buildReport, exitCodeFor } from '../report/report.js';
import { redact } from '../report/redact.js';
import { renderMarkdown } from '../report/render-markdown.js';
import { renderText } from '../report/render-text.js';
import { version } from './version.js';
import { parseKernelVersion } from '../kernel/version.js';

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
  checks: readonly Check[];
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
    checks: ALL_CHECKS,
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

export async function probeCommand(opts: ProbeOptions, io: ProbeIo = defaultIo()): Promise<number> {
  if (opts.listChecks) {
    io.stdout(listChecks(io.checks));
    return 0;
  }
  const { checks, unknown } = selectChecks(opts.check, io.checks);
  if (unknown.length) {
    io.stderr(`droidcheck: unknown check id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (see droidcheck probe --list-checks)\n`);
    return 2;
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
  const facts = await gatherFacts(io.host, {
    ...(opts.kernelConfig !== undefined ? { kernelConfig: opts.kernelConfig } : {}),
    ...(opts.kernelVersion !== undefined ? { kernelVersion: opts.kernelVersion } : {}),
    live: opts.live,
    noFfi: opts.noFfi,
    ...(opts.busybox !== undefined ? { busybox: opts.busybox } : {}),
    platform: io.platform,
    arch: io.arch,
    execPath: io.execPath,
  });
  if (opts.kernelConfig !== undefined && !facts.config) {
    io.stderr(`droidcheck: --kernel-config ${opts.kernelConfig}: ${facts.configNotes.join('; ')}\n`);
    return 2;
  }
  const outcomes = runChecks(checks, facts);
  if (opts.fragment) return (await import('./fragment.js')).fragmentCommand(facts, outcomes, opts, io);
  let report = buildReport(facts, outcomes, { version: version(), now: io.now });
  if (opts.redact) {
    report = redact(report, { hostname: facts.uname.nodename, user: io.host.env('USER') ?? io.host.env('LOGNAME'), home: io.host.env('HOME') });
    report.host.hostname = '<redacted>';
    report.redacted = true;
  }
  const text =
    opts.format === 'table'
      ? renderText(report, new Chalk({ level: io.color && opts.output === undefined ? 1 : 0 }), opts.verbose)
      : opts.format === 'markdown'
        ? renderMarkdown(report)
        : await serializeDoc(report, opts.format);
  if (opts.output !== undefined) {
    try {
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
