// `droidcheck explain [message..]`: say what a runc/docker/containerd/LXC
// error means on an old or Android kernel, how to fix it and how to confirm.

import { Chalk, type ChalkInstance } from 'chalk';
import { confirmCommand, explain, explanationData, type Explanation } from '../explain/explain.js';

export interface ExplainOptions {
  /** The error text; read from stdin when absent. */
  message?: string;
  format: 'table' | 'json' | 'yaml';
}

export interface ExplainIo {
  /** The whole of stdin; '' when stdin is a terminal. */
  stdin: () => Promise<string>;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  color: boolean;
}

export const NO_MATCH = 'no known cause; run droidcheck probe';

export function defaultExplainIo(): ExplainIo {
  return {
    stdin: async () => {
      if (process.stdin.isTTY) return '';
      // At most 16 MiB: a pasted log, not an endless stream (yes | droidcheck explain).
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of process.stdin) {
        const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        total += b.length;
        if (total > 16 * 1024 * 1024) throw new Error('more than 16 MiB on stdin: pass the part of the log with the error');
        chunks.push(b);
      }
      return Buffer.concat(chunks).toString('utf8');
    },
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    color: Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'],
  };
}

export function renderExplanations(found: readonly Explanation[], c: ChalkInstance): string {
  if (found.length === 0) return `${NO_MATCH}\n`;
  const lines: string[] = [];
  found.forEach((e, i) => {
    const { entry } = e;
    if (i > 0) lines.push('');
    lines.push(`${c.bold(`${i + 1}. ${entry.title}`)}${c.gray(` [${entry.id}]`)}`);
    lines.push(`   ${c.gray('matched:')} ${e.excerpt.length > 160 ? `${e.excerpt.slice(0, 157)}...` : e.excerpt}${c.gray(` (line ${e.line})`)}`);
    lines.push(`   ${c.gray('cause:')} ${entry.cause}`);
    if (entry.configOptions.length) lines.push(`   ${c.gray('kernel:')} ${entry.configOptions.join(', ')}`);
    if (entry.hostFact !== undefined) lines.push(`   ${c.gray('host:')} ${entry.hostFact}`);
    entry.remediation.forEach((r, j) => {
      const label = j === 0 ? 'fix:' : 'or:';
      lines.push(`   ${c.cyan(label)} ${j === 0 ? r.text : r.text.replace(/^or\s+/i, '')}`);
      for (const item of r.items ?? []) lines.push(`        ${item}`);
    });
    const confirm = confirmCommand(entry);
    lines.push(`   ${c.gray('confirm:')} ${confirm ?? 'no probe check covers this; see the cause above'}`);
  });
  return lines.join('\n') + '\n';
}

export async function explainCommand(opts: ExplainOptions, io: ExplainIo = defaultExplainIo()): Promise<number> {
  let text = opts.message;
  if (text === undefined || text.trim() === '') {
    if (text !== undefined) {
      io.stderr('droidcheck explain: the message is empty\n');
      return 2;
    }
    try {
      text = await io.stdin();
    } catch (error) {
      io.stderr(`droidcheck explain: reading stdin: ${(error as Error).message}\n`);
      return 2;
    }
    if (text.trim() === '') {
      io.stderr('droidcheck explain: give the error text as an argument or on stdin, e.g. docker run ... 2>&1 | droidcheck explain\n');
      return 2;
    }
  }
  const found = explain(text);
  if (opts.format === 'table') {
    io.stdout(renderExplanations(found, new Chalk({ level: io.color ? 1 : 0 })));
  } else {
    const doc = { explained: found.length > 0, explanations: found.map(explanationData), ...(found.length ? {} : { hint: NO_MATCH }) };
    if (opts.format === 'json') io.stdout(JSON.stringify(doc, null, 2) + '\n');
    else {
      const yaml = await import('js-yaml');
      io.stdout(yaml.dump(doc, { lineWidth: 120, noRefs: true }));
    }
    if (!found.length) io.stderr(`droidcheck explain: ${NO_MATCH}\n`);
  }
  return found.length ? 0 : 1;
}
