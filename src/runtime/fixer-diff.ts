// How the fixer's changes are shown: one line per change, and a unified diff
// of config.json before and after. Pure.

import type { ConfigChange } from './fixer.js';
import type { OciSpec } from './spec.js';

const SIGN: Record<ConfigChange['op'], string> = { remove: '-', add: '+', replace: '~' };

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** One line: "- .linux.namespaces[type=ipc]  (ns.ipc: the kernel has no IPC namespace ...)". */
export function formatChange(c: ConfigChange): string {
  const value =
    c.op === 'remove' ? '' : c.op === 'add' ? ` = ${short(c.after)}` : ` ${short(c.before)} -> ${short(c.after)}`;
  return `${SIGN[c.op]} ${c.path}${value}  (${c.checkId}: ${c.reason})`;
}

export interface DiffOptions {
  /** Lines of context around each change; 3 unless told. */
  context?: number;
  fromLabel?: string;
  toLabel?: string;
}

type Op = { kind: ' ' | '-' | '+'; text: string; a: number; b: number };

/** Line edit script by longest common subsequence (common head and tail trimmed first). */
function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const n = a.length - head - tail;
  const m = b.length - head - tail;
  // lcs[i][j] = LCS length of a[head+i..] and b[head+j..], row-major (n+1)*(m+1).
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] = a[head + i] === b[head + j] ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  for (let k = 0; k < head; k++) ops.push({ kind: ' ', text: a[k] ?? '', a: k, b: k });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[head + i] === b[head + j]) {
      ops.push({ kind: ' ', text: a[head + i] ?? '', a: head + i, b: head + j });
      i++;
      j++;
    } else if (j < m && (i >= n || (lcs[i * width + j + 1] ?? 0) >= (lcs[(i + 1) * width + j] ?? 0))) {
      ops.push({ kind: '+', text: b[head + j] ?? '', a: head + i, b: head + j });
      j++;
    } else {
      ops.push({ kind: '-', text: a[head + i] ?? '', a: head + i, b: head + j });
      i++;
    }
  }
  for (let k = 0; k < tail; k++) ops.push({ kind: ' ', text: a[a.length - tail + k] ?? '', a: a.length - tail + k, b: b.length - tail + k });
  // Within a run of changes show removals before additions, as diff -u does.
  const out: Op[] = [];
  let run: Op[] = [];
  const flush = (): void => {
    out.push(...run.filter((o) => o.kind === '-'), ...run.filter((o) => o.kind === '+'));
    run = [];
  };
  for (const o of ops) {
    if (o.kind === ' ') {
      flush();
      out.push(o);
    } else run.push(o);
  }
  flush();
  return out;
}

/**
 * A unified diff (diff -u style) of the two documents pretty-printed with two
 * spaces; "" when they print the same.
 */
export function renderDiff(before: OciSpec, after: OciSpec, opts: DiffOptions = {}): string {
  const context = opts.context ?? 3;
  const a = JSON.stringify(before, null, 2).split('\n');
  const b = JSON.stringify(after, null, 2).split('\n');
  const ops = diffLines(a, b);
  const changed = ops.map((o, k) => (o.kind === ' ' ? -1 : k)).filter((k) => k >= 0);
  if (changed.length === 0) return '';
  // Group changed ops into hunks whose context windows touch.
  const hunks: Array<[number, number]> = [];
  for (const k of changed) {
    const start = Math.max(0, k - context);
    const end = Math.min(ops.length - 1, k + context);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1] + 1) last[1] = end;
    else hunks.push([start, end]);
  }
  const lines = [`--- ${opts.fromLabel ?? 'config.json'}`, `+++ ${opts.toLabel ?? 'config.json (fixed)'}`];
  for (const [start, end] of hunks) {
    const slice = ops.slice(start, end + 1);
    const first = slice[0];
    if (!first) continue;
    const aLines = slice.filter((o) => o.kind !== '+');
    const bLines = slice.filter((o) => o.kind !== '-');
    // Unified-diff numbering: 1-based start; for an empty side, the line before.
    const aStart = aLines[0] ? aLines[0].a + 1 : first.a;
    const bStart = bLines[0] ? bLines[0].b + 1 : first.b;
    const aCount = aLines.length;
    const bCount = bLines.length;
    lines.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const o of slice) lines.push(`${o.kind}${o.text}`);
  }
  return `${lines.join('\n')}\n`;
}
