// explain's answer as a terminal table-like listing or as Markdown for a bug
// tracker. Pure: the answer and a chalk instance in, text out.

import type { ChalkInstance } from 'chalk';
import { NEXT_STEPS, NO_MATCH, type Answer, type AnsweredCause } from '../explain/answer.js';
import type { Remediation } from '../probes/types.js';

const VERDICT_WORD: Record<AnsweredCause['verdict'], string> = {
  confirmed: 'confirmed by the facts',
  likely: 'likely',
  possible: 'possible',
  'ruled-out': 'ruled out',
};

function factsLine(a: Answer): string | null {
  const f = a.facts;
  if (!f) return null;
  return `facts from ${f.origin}: Linux ${f.kernel ?? '?'} ${f.machine ?? '?'}${f.userspaceBits ? `, ${f.userspaceBits}-bit userland` : ''}`;
}

function fixLines(remediation: readonly Remediation[], label: (j: number) => string, item: (s: string) => string): string[] {
  const out: string[] = [];
  remediation.forEach((r, j) => {
    out.push(`${label(j)} ${j === 0 ? r.text : r.text.replace(/^or\s+/i, '')}`);
    for (const i of r.items ?? []) out.push(item(i));
  });
  return out;
}

export function renderTable(a: Answer, c: ChalkInstance): string {
  if (!a.explained.length) return renderUnknown(a, (s) => c.bold(s));
  const lines: string[] = [];
  const facts = factsLine(a);
  if (facts) lines.push(c.gray(facts), '');
  a.explained.forEach(({ explanation: e, causes }, i) => {
    if (i > 0) lines.push('');
    lines.push(`${c.bold(`${i + 1}. ${e.entry.title}`)}${c.gray(` [${e.entry.id}]`)}`);
    lines.push(`   ${c.gray('matched:')} ${e.excerpt.length > 160 ? `${e.excerpt.slice(0, 157)}...` : e.excerpt}${c.gray(` (line ${e.line})`)}`);
    const many = causes.length > 1;
    causes.forEach((v, k) => {
      const pad = many ? '     ' : '   ';
      if (many) lines.push(`   ${c.bold(`${String.fromCharCode(97 + k)})`)} ${v.verdict === 'ruled-out' ? c.gray(VERDICT_WORD[v.verdict]) : c.cyan(VERDICT_WORD[v.verdict])}${v.reasons.length ? c.gray(` (${v.reasons.join('; ')})`) : ''}`);
      lines.push(`${pad}${c.gray('cause:')} ${v.cause.cause}`);
      if (v.verdict === 'ruled-out') return;
      if (v.cause.configOptions.length) lines.push(`${pad}${c.gray('kernel:')} ${v.cause.configOptions.join(', ')}`);
      if (v.cause.hostFact !== undefined) lines.push(`${pad}${c.gray('host:')} ${v.cause.hostFact}`);
      lines.push(...fixLines(v.cause.remediation, (j) => `${pad}${c.cyan(j === 0 ? 'fix:' : 'or:')}`, (s) => `${pad}     ${s}`));
      lines.push(`${pad}${c.gray('confirm:')} ${v.confirm ?? 'no probe check covers this; see the cause above'}`);
      lines.push(`${pad}${c.gray('sure:')} ${v.confidence} (${v.why})`);
    });
    lines.push(`   ${c.gray('seen in:')} ${e.entry.sources.join(', ')}`);
  });
  return lines.join('\n') + '\n';
}

function renderUnknown(a: Answer, bold: (s: string) => string): string {
  const lines = [`${NO_MATCH}: droidcheck does not know this message.`];
  if (a.closest.length) {
    lines.push('', bold('closest known messages:'));
    for (const c of a.closest) lines.push(`  - ${c.entry.title} [${c.entry.id}]`);
  }
  lines.push('', bold('next:'), ...NEXT_STEPS.map((s) => `  - ${s}`));
  return lines.join('\n') + '\n';
}

const md = (s: string): string => s.replace(/([|`*_])/g, '\\$1');

export function renderMarkdown(a: Answer): string {
  if (!a.explained.length) return `## droidcheck explain\n\n${renderUnknown(a, (s) => `**${s}**`)}`;
  const lines = ['## droidcheck explain', ''];
  const facts = factsLine(a);
  if (facts) lines.push(`_${md(facts)}_`, '');
  a.explained.forEach(({ explanation: e, causes }, i) => {
    lines.push(`### ${i + 1}. ${md(e.entry.title)} (\`${e.entry.id}\`)`, '', '```', e.excerpt, '```', '');
    for (const v of causes) {
      lines.push(`- **${VERDICT_WORD[v.verdict]}**${v.reasons.length ? ` (${md(v.reasons.join('; '))})` : ''}: ${md(v.cause.cause)}`);
      if (v.verdict === 'ruled-out') continue;
      if (v.cause.configOptions.length) lines.push(`  - kernel: ${v.cause.configOptions.map((o) => `\`${o}\``).join(', ')}`);
      if (v.cause.hostFact !== undefined) lines.push(`  - host: ${md(v.cause.hostFact)}`);
      lines.push(...fixLines(v.cause.remediation, (j) => `  - ${j === 0 ? 'fix' : 'or'}:`, (s) => `    - \`${s}\``));
      if (v.confirm) lines.push(`  - confirm: \`${v.confirm}\``);
      lines.push(`  - sure: ${v.confidence} (${md(v.why)})`);
    }
    lines.push('', `Seen in: ${e.entry.sources.map(md).join(', ')}`, '');
  });
  return lines.join('\n');
}
