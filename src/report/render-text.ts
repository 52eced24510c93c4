// The default human output: checks grouped by category, problems first with
// their impact and one remediation line; passes and evidence only with -v.

import type { ChalkInstance } from 'chalk';
import type { Category, CheckOutcome, Status } from '../probes/types.js';
import type { ProbeReport } from './report.js';

export const CATEGORY_TITLES: Record<Category, string> = {
  namespaces: 'Namespaces',
  filesystems: 'Filesystems',
  rootfs: 'Container root',
  ipc: 'IPC',
  cgroups: 'Cgroups',
  syscalls: 'System calls',
  security: 'Security',
  host: 'Host',
  'kernel-config': 'Kernel config',
  network: 'Network',
  storage: 'Storage',
};

const ORDER: Status[] = ['fail', 'error', 'warn', 'skip', 'pass'];

export function statusMark(s: Status, c: ChalkInstance): string {
  switch (s) {
    case 'pass':
      return c.green('✓');
    case 'warn':
      return c.yellow('!');
    case 'fail':
      return c.red('✗');
    case 'skip':
      return c.gray('-');
    case 'error':
      return c.magenta('☠');
  }
}

function firstFix(o: CheckOutcome): string | null {
  const r = o.remediation[0];
  if (!r) return null;
  const item = r.items?.[0];
  return item && r.kind !== 'config-edit' ? `${r.text}: ${item}` : r.text;
}

/** --kernel-config with --no-live: nothing of a host was read. */
export function isConfigOnly(report: Pick<ProbeReport, 'host' | 'live' | 'kernelConfig'>): boolean {
  return report.host.uid === -1 && !report.live.requested && report.kernelConfig.source !== null;
}

/** Renders a probe report, or any report of the same shape (droidcheck docker's: subject "Docker"). */
export function renderText(report: Omit<ProbeReport, 'command'>, c: ChalkInstance, verbose: boolean, subject = 'containers'): string {
  const lines: string[] = [];
  const h = report.host;
  const android = h.android ? `, Android ${h.android.release ?? '?'}${h.android.model ? ` (${h.android.model})` : ''}` : '';
  const live = report.live.path === 'ffi' ? 'live tests via koffi' : report.live.path === 'tools' ? `live tests via ${report.live.tool ?? 'tools'}${report.live.ffi?.state === 'unavailable' ? ' (koffi does not load)' : ''}` : 'no live tests';
  lines.push(c.bold(`droidcheck ${report.tool.version}: Linux ${h.kernel} ${h.machine}${android}; ${live}; kernel config: ${report.kernelConfig.source ?? 'none'}`));
  const configOnly = isConfigOnly(report);
  // Config-only: checks of the device itself (mounts, files, root) cannot apply to a config file; one line says so.
  const needDevice = configOnly ? report.checks.filter((o) => o.status === 'skip') : [];
  const byCategory = new Map<Category, CheckOutcome[]>();
  for (const o of report.checks) if (!needDevice.includes(o)) byCategory.set(o.category, [...(byCategory.get(o.category) ?? []), o]);
  for (const [category, outcomes] of byCategory) {
    const sorted = [...outcomes].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status));
    const shown = verbose ? sorted : sorted.filter((o) => o.status !== 'pass');
    const passed = outcomes.length - sorted.filter((o) => o.status !== 'pass').length;
    lines.push('', c.bold(CATEGORY_TITLES[category]) + c.gray(` (${passed}/${outcomes.length} passed)`));
    for (const o of shown) {
      lines.push(`  ${statusMark(o.status, c)} ${o.title}: ${o.summary}${o.basis === 'config' ? c.gray(' (config-based)') : ''}${c.gray(` [${o.id}]`)}`);
      if (o.status !== 'pass' && o.impact) lines.push(`      ${c.gray('impact:')} ${o.impact}`);
      const fix = o.status === 'pass' ? null : firstFix(o);
      if (fix) lines.push(`      ${c.cyan('fix:')} ${fix}`);
      if (o.disagreement) lines.push(`      ${c.yellow('note:')} ${o.disagreement}`);
      if (verbose) {
        for (const r of o.remediation.slice(o.status === 'pass' ? 0 : 1)) lines.push(`      ${c.cyan('also:')} ${r.text}${r.items?.length ? `: ${r.items.join('; ')}` : ''}`);
        for (const e of o.evidence) lines.push(c.gray(`      · ${e.what} = ${e.value} (${e.source}${e.tool ? `, ${e.tool}` : ''})`));
      }
    }
  }
  if (needDevice.length) lines.push('', `${c.gray('-')} ${needDevice.length} checks need the device itself and cannot be judged from a config: ${c.gray(needDevice.map((o) => o.id).join(', '))}`);
  const s = report.summary;
  const notes = [...report.live.notes, ...(report.kernelConfig.source ? [] : report.kernelConfig.notes)];
  if (notes.length) lines.push('', c.gray(notes.map((n) => `note: ${n}`).join('\n')));
  const verdict =
    s.verdict === 'ok' ? c.green(`${subject} can run`) : s.verdict === 'degraded' ? c.yellow(`${subject} can run with the fixes above`) : c.red(`${subject} cannot run until the failures above are fixed`);
  lines.push('', `${c.bold('Summary:')} ${s.pass} passed, ${s.warn} warnings, ${s.fail} failed, ${s.skip} skipped${s.error ? `, ${s.error} errors` : ''}: ${verdict}`);
  if (!verbose) lines.push(c.gray('Run with -v for passed checks and evidence, --format markdown for a bug report.'));
  return lines.join('\n') + '\n';
}
