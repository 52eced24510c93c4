// Markdown to paste into a GitHub issue: a summary table, then each problem
// with impact and remediation, evidence folded away.

import type { CheckOutcome, Status } from '../probes/types.js';
import type { ProbeReport } from './report.js';
import { CATEGORY_TITLES, isConfigOnly } from './render-text.js';

const MARK: Record<Status, string> = { pass: '✅', warn: '⚠️', fail: '❌', skip: '➖', error: '💥' };

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(report: Omit<ProbeReport, 'command'>): string {
  const h = report.host;
  const out: string[] = [];
  out.push(`## droidcheck ${report.tool.version} report`, '');
  out.push(`- Kernel: \`${h.kernel}\` (${h.machine}, ${h.userspaceBits ?? '?'}-bit userspace)`);
  if (h.android) out.push(`- Android: ${h.android.release ?? '?'} (API ${h.android.sdk ?? '?'})${h.android.model ? `, ${h.android.model}` : ''}`);
  out.push(`- Kernel config: ${report.kernelConfig.source ?? 'none found'}`);
  out.push(`- Live tests: ${report.live.path ?? 'none'}${report.live.tool ? ` (${report.live.tool})` : ''}${report.live.ffi ? `; koffi: ${report.live.ffi.state}${report.live.ffi.reason ? ` (${report.live.ffi.reason})` : ''}` : ''}`);
  if (report.live.tools) out.push(`- Tools: ${Object.entries(report.live.tools).map(([role, tool]) => `${role}: \`${tool}\``).join(', ')}`);
  const s = report.summary;
  out.push(`- Result: **${s.verdict}**: ${s.pass} passed, ${s.warn} warnings, ${s.fail} failed, ${s.skip} skipped${s.error ? `, ${s.error} errors` : ''}`, '');
  out.push('| | Check | Result |', '|---|---|---|');
  const needDevice = isConfigOnly(report) ? report.checks.filter((o) => o.status === 'skip') : [];
  for (const o of report.checks) {
    if (!needDevice.includes(o)) out.push(`| ${MARK[o.status]} | ${cell(CATEGORY_TITLES[o.category])}: ${cell(o.title)} (\`${o.id}\`) | ${cell(o.summary)}${o.basis === 'config' ? ' (config-based)' : ''} |`);
  }
  if (needDevice.length) out.push(`| ${MARK.skip} | ${needDevice.length} checks need the device itself | ${cell(needDevice.map((o) => o.id).join(', '))} |`);
  const problems = report.checks.filter((o) => o.status === 'fail' || o.status === 'warn' || o.status === 'error');
  if (problems.length) out.push('', '### Problems and fixes');
  for (const o of problems) out.push(...problem(o));
  out.push('', '<details><summary>Evidence</summary>', '');
  for (const o of report.checks) {
    for (const e of o.evidence) out.push(`- \`${o.id}\`: ${e.what} = \`${e.value.replace(/`/g, "'")}\` (${e.source}${e.tool ? `, ${e.tool}` : ''})`);
  }
  out.push('', '</details>', '');
  return out.join('\n');
}

function problem(o: CheckOutcome): string[] {
  const lines = ['', `#### ${MARK[o.status]} ${o.title} (\`${o.id}\`, ${o.severity})`, '', `${o.summary}.`];
  if (o.impact) lines.push('', `**Impact:** ${o.impact}`);
  if (o.disagreement) lines.push('', `**Note:** ${o.disagreement}`);
  for (const r of o.remediation) {
    lines.push('', `- **${r.kind}**: ${r.text}`);
    for (const item of r.items ?? []) lines.push(`  - \`${item}\``);
  }
  return lines;
}
