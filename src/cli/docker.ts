// `droidcheck docker`: what Docker needs on this host, tested live in
// throwaway namespaces; the settings that make it work (--write DIR); and a
// real private dockerd running one container (--prove).

import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { gatherDockerFacts } from '../docker/facts.js';
import { NodeDockerHost } from '../docker/node-host.js';
import { runDockerChecks } from '../docker/check.js';
import { DOCKER_CHECKS } from '../docker/registry.js';
import { buildDockerReport, type DockerReport } from '../docker/report.js';
import { dockerSettings } from '../docker/settings.js';
import { exitCodeFor } from '../report/report.js';
import { redact } from '../report/redact.js';
import { renderMarkdown } from '../report/render-markdown.js';
import { renderText } from '../report/render-text.js';
import { version } from './version.js';

export interface DockerOptions {
  live: boolean;
  noFfi: boolean;
  busybox?: string;
  dockerd?: string;
  format: 'table' | 'json' | 'yaml' | 'markdown';
  output?: string;
  verbose: boolean;
  strict: boolean;
  redact: boolean;
  write?: string;
  prove: boolean;
  command: string[];
}

const out = (s: string): boolean => process.stdout.write(s);
const err = (s: string): boolean => process.stderr.write(s);

function settingsText(report: DockerReport, c: InstanceType<typeof Chalk>): string {
  const lines = ['', c.bold('Settings that make Docker work here') + c.gray(' (droidcheck docker --write DIR writes them)')];
  for (const l of report.docker.settings.lines) lines.push(`  ${l.what}${c.gray(` [${l.from}]`)}`);
  const skipped = report.checks.filter((o) => o.status === 'skip').length;
  if (!report.docker.settings.lines.length) lines.push(skipped ? `  none from the checks that ran; ${skipped} were skipped (see above): run as root for all of them` : '  none: dockerd\'s defaults work');
  const p = report.docker.prove;
  if (p) {
    lines.push('', c.bold('--prove: a private dockerd'));
    for (const s of p.steps) lines.push(`  ${s.status === 'ok' ? c.green('ok') : s.status === 'failed' ? c.red('FAILED') : c.gray('skipped')} ${s.name}${s.detail ? c.gray(`: ${s.detail}`) : ''}${s.ms !== undefined ? c.gray(` (${s.ms} ms)`) : ''}`);
    if (p.dockerdLog?.length) lines.push(c.gray('  dockerd log (last lines):'), ...p.dockerdLog.map((l) => c.gray(`    ${l}`)));
  }
  return lines.join('\n') + '\n';
}

export async function dockerCommand(opts: DockerOptions): Promise<number> {
  const host = new NodeDockerHost();
  if (opts.prove && host.uid() !== 0) {
    err('droidcheck docker --prove: run it as root (it starts dockerd)\n');
    return 2;
  }
  const facts = await gatherDockerFacts(host, {
    live: opts.live,
    noFfi: opts.noFfi,
    ...(opts.busybox ? { busybox: opts.busybox } : {}),
    ...(opts.dockerd ? { dockerd: opts.dockerd } : {}),
    platform: process.platform,
    arch: process.arch,
    execPath: process.execPath,
  });
  const outcomes = runDockerChecks(DOCKER_CHECKS, facts);
  const dir = opts.write ?? join(tmpdir(), 'droidcheck-docker');
  const settings = dockerSettings(facts, outcomes, { dir });
  let report = buildDockerReport(facts, outcomes, settings, { version: version(), now: new Date() });
  if (opts.write) {
    try {
      mkdirSync(opts.write, { recursive: true });
      // temp + rename, never through a symlink someone left in DIR
      const { writeAtomic } = await import('../host/safe-write.js');
      for (const [name, text] of Object.entries(settings.files)) writeAtomic(join(opts.write, name), text, name.endsWith('.sh') ? 0o755 : 0o644);
      err(`droidcheck docker: wrote ${Object.keys(settings.files).join(', ')} to ${opts.write}\n`);
    } catch (error) {
      err(`droidcheck docker: --write ${opts.write}: ${(error as Error).message}\n`);
      return 2;
    }
  }
  let code: number = exitCodeFor(report.summary, opts.strict);
  if (opts.prove) {
    const b = facts.binaries;
    if (!b.dockerd || !b.docker) {
      err(`droidcheck docker --prove: ${!b.dockerd ? 'dockerd' : 'docker'} not found: install Docker (Debian: apt-get install docker.io), or name it with --dockerd PATH\n`);
      return 2;
    }
    const busybox = opts.busybox ?? (await host.which('busybox'));
    if (!busybox) {
      err('droidcheck docker --prove: no static busybox for the image: install busybox-static or give --busybox PATH\n');
      return 2;
    }
    const { prove } = await import('../docker/prove.js');
    // Android has no /tmp: the host's scratch place (TMPDIR, /tmp, /data/local/tmp...).
    const scratch = await host.makeScratchDir();
    const p = await prove(facts, outcomes, { dockerd: b.dockerd, docker: b.docker, busybox, command: opts.command, tmp: scratch, stderr: err }).finally(() => host.removeScratchDir(scratch));
    report = { ...report, docker: { ...report.docker, prove: p } };
    if (p.dockerdLog?.length) {
      const { explain } = await import('../explain/explain.js');
      // Errors only: dockerd's warnings (no docker-init, no os-release...) are not why it failed.
      const known = explain(p.dockerdLog.filter((l) => /level=(?:error|fatal)|failed to start daemon|Error response/i.test(l)).join('\n'));
      if (known.length) p.steps.push({ name: 'droidcheck explain on the dockerd log', status: 'ok', detail: known.map((k) => `${k.entry.id}: ${k.entry.title}`).join('; ') });
    }
    code = p.exitCode;
  }
  if (opts.redact) {
    report = redact(report, { hostname: facts.base.uname.nodename, user: host.env('USER') ?? host.env('LOGNAME'), home: host.env('HOME') });
    report.host.hostname = '<redacted>';
    report.redacted = true;
  }
  // With --prove the report goes to stderr (stdout is the container's): colour follows that stream.
  const stream = opts.prove ? process.stderr : process.stdout;
  const chalk = new Chalk({ level: stream.isTTY && !process.env['NO_COLOR'] && !opts.output ? 1 : 0 });
  const text =
    opts.format === 'table'
      ? renderText(report, chalk, opts.verbose, 'Docker') + settingsText(report, chalk)
      : opts.format === 'markdown'
        ? renderMarkdown(report)
        : opts.format === 'json'
          ? JSON.stringify(report, null, 2) + '\n'
          : (await import('js-yaml')).dump(report, { lineWidth: 120, noRefs: true });
  if (opts.output) {
    try {
      writeFileSync(opts.output, text);
    } catch (error) {
      err(`droidcheck docker: write ${opts.output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      return 2;
    }
  } else if (opts.prove) err(text);
  else out(text);
  return code;
}
