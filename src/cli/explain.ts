// `droidcheck explain [message..]`: say what a runc/docker/containerd/LXC
// error means on an old or Android kernel, which cause this device's facts
// point to, how to fix it and how to confirm it.

import { Chalk } from 'chalk';
import { answer, answerData, factOptions, NO_MATCH, wantsFacts } from '../explain/answer.js';
import { explain } from '../explain/explain.js';
import { factsFromReport, type ExplainFacts } from '../explain/facts.js';
import { renderMarkdown, renderTable } from './explain-render.js';

export { NO_MATCH };

export interface ExplainOptions {
  /** The error text; read from --file or stdin when absent. */
  message?: string;
  file?: string;
  /** A device's probe report (JSON or YAML) to take facts from. */
  report?: string;
  /** Read this machine's facts when a cause needs them (default true). */
  facts?: boolean;
  format: 'table' | 'json' | 'yaml' | 'markdown';
}

export interface ExplainIo {
  /** The whole of stdin; '' when stdin is a terminal. */
  stdin: () => Promise<string>;
  /** A file the user named, at most `limit` bytes. */
  readFile: (path: string, limit: number) => Promise<string>;
  /** This machine's files-only facts, the way `droidcheck probe --no-live` reads them. */
  hostFacts: (options: readonly string[]) => Promise<ExplainFacts>;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  color: boolean;
}

const MiB = 1024 * 1024;
/** A pasted log, not an endless stream (yes | droidcheck explain). */
const TEXT_LIMIT = 16 * MiB;

export function defaultExplainIo(): ExplainIo {
  return {
    stdin: async () => {
      if (process.stdin.isTTY) return '';
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of process.stdin) {
        const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        total += b.length;
        if (total > TEXT_LIMIT) throw new Error('more than 16 MiB on stdin: pass the part of the log with the error');
        chunks.push(b);
      }
      return Buffer.concat(chunks).toString('utf8');
    },
    // Loaded only for --file/--report: one message on the command line reads no file.
    readFile: async (path, limit) => (await import('../host/read-limited.js')).readLimited(path, limit).toString('utf8'),
    hostFacts: async (options) => (await import('./explain-host.js')).hostFacts(options),
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    color: Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'],
  };
}

type Input = { text: string } | { code: number };

async function input(opts: ExplainOptions, io: ExplainIo): Promise<Input> {
  if (opts.message !== undefined && opts.file !== undefined) {
    io.stderr('droidcheck explain: give the message or --file, not both\n');
    return { code: 2 };
  }
  if (opts.file !== undefined) {
    try {
      return { text: await io.readFile(opts.file, TEXT_LIMIT) };
    } catch (error) {
      io.stderr(`droidcheck explain: --file: ${(error as Error).message}\n`);
      return { code: 2 };
    }
  }
  if (opts.message !== undefined) {
    if (opts.message.trim() === '') {
      io.stderr('droidcheck explain: the message is empty\n');
      return { code: 2 };
    }
    return { text: opts.message };
  }
  let text: string;
  try {
    text = await io.stdin();
  } catch (error) {
    io.stderr(`droidcheck explain: reading stdin: ${(error as Error).message}\n`);
    return { code: 2 };
  }
  if (text.trim() === '') {
    io.stderr('droidcheck explain: give the error text as an argument, with --file LOG or on stdin, e.g. docker run ... 2>&1 | droidcheck explain\n');
    return { code: 2 };
  }
  return { text };
}

async function reportFacts(path: string, io: ExplainIo): Promise<ExplainFacts> {
  const text = await io.readFile(path, 64 * MiB);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    const yaml = await import('js-yaml');
    doc = yaml.load(text);
  }
  return factsFromReport(doc, `report ${path}`);
}

export async function explainCommand(opts: ExplainOptions, io: ExplainIo = defaultExplainIo()): Promise<number> {
  const got = await input(opts, io);
  if ('code' in got) return got.code;
  const found = explain(got.text);
  let facts: ExplainFacts | null = null;
  if (opts.report !== undefined) {
    try {
      facts = await reportFacts(opts.report, io);
    } catch (error) {
      io.stderr(`droidcheck explain: --report: ${(error as Error).message}\n`);
      return 2;
    }
  } else if (opts.facts !== false && wantsFacts(found)) {
    try {
      facts = await io.hostFacts(factOptions());
    } catch (error) {
      // Without facts every cause is listed with the check that tells them apart.
      io.stderr(`droidcheck explain: this machine's facts: ${(error as Error).message}\n`);
    }
  }
  const a = answer(got.text, facts, found);
  if (opts.format === 'table') io.stdout(renderTable(a, new Chalk({ level: io.color ? 1 : 0 })));
  else if (opts.format === 'markdown') io.stdout(renderMarkdown(a));
  else if (opts.format === 'json') io.stdout(JSON.stringify(answerData(a), null, 2) + '\n');
  else io.stdout((await import('js-yaml')).dump(answerData(a), { lineWidth: 120, noRefs: true }));
  if (!found.length && opts.format !== 'table') io.stderr(`droidcheck explain: ${NO_MATCH}\n`);
  return found.length ? 0 : 1;
}
