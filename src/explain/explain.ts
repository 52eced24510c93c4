// Match pasted runtime output against the catalog of known errors. Pure.

import { CATALOG, type CatalogEntry } from './catalog.js';
import { MAX_WRAP, normalizeLine, windows, type Window } from './normalize.js';

export { normalizeLine };

export interface Explanation {
  entry: CatalogEntry;
  /** The text the pattern matched, quoting collapsed and timestamps removed. */
  excerpt: string;
  /** 1-based line number where the match starts in the input. */
  line: number;
}

/**
 * Every catalog entry that matches the text, each once, in the order the
 * messages appear (a log's errors in order); on one line the most specific
 * first; harmless debug lines (specificity 0) last.
 */
export function explain(text: string, catalog: readonly CatalogEntry[] = CATALOG): Explanation[] {
  const { lines, joined } = windows(text);
  // One pass over the whole text first: most entries match nowhere in a long log.
  const all = lines.map((l) => l.text).join(' ');
  const found: Explanation[] = [];
  for (const entry of catalog) {
    if (!entry.pattern.test(all)) continue;
    const hit = firstMatch(entry.pattern, lines) ?? joined.map((w) => firstMatch(entry.pattern, w)).find((h) => h !== null) ?? null;
    if (hit) found.push({ entry, ...hit });
  }
  return order(found);
}

/**
 * Errors in the order they appear; matches within a few lines of each other
 * are one error (docker's line, then runc's, then the syscall's) and give the
 * most specific first; debug lines (specificity 0) go last.
 */
function order(found: Explanation[]): Explanation[] {
  const byLine = [...found].sort((a, b) => a.line - b.line);
  const clusters: Explanation[][] = [];
  for (const e of byLine) {
    const last = clusters.at(-1);
    if (last && e.line - (last[0] as Explanation).line < MAX_WRAP) last.push(e);
    else clusters.push([e]);
  }
  const sorted = clusters.flatMap((c) => c.sort((a, b) => b.entry.specificity - a.entry.specificity || a.line - b.line));
  return [...sorted.filter((e) => e.entry.specificity > 0), ...sorted.filter((e) => e.entry.specificity === 0)];
}

function firstMatch(pattern: RegExp, list: readonly Window[]): { excerpt: string; line: number } | null {
  for (const w of list) {
    const m = pattern.exec(w.text);
    if (m) return { excerpt: m[0], line: w.line };
  }
  return null;
}

/** Lower-case words of three letters or more: what "closest" compares. */
function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[a-z][a-z0-9_]{2,}/g) ?? []);
}

const COMMON = new Set(['the', 'and', 'for', 'not', 'failed', 'error', 'unknown', 'caused', 'container', 'process', 'with', 'from', 'this', 'start', 'starting', 'create', 'unable', 'daemon', 'response', 'docker', 'runc', 'oci', 'runtime']);

/** The words of an entry: its id, title and the literal words of its pattern. */
function entryWords(entry: CatalogEntry): Set<string> {
  const literal = entry.pattern.source.replace(/\\[sSdDwWbB]|\(\?[:!=]|\[\^?[^\]]*\]|[\\()[\]{}|?*+^$.]/g, ' ');
  return new Set([...words(`${entry.id.replace(/-/g, ' ')} ${entry.title} ${literal}`)].filter((w) => !COMMON.has(w)));
}

export interface Closest {
  entry: CatalogEntry;
  /** Shared words over the entry's words, 0..1. */
  score: number;
}

/** For a message nothing matched: the entries sharing the most words with it (at most `n`). */
export function closest(text: string, n = 3, catalog: readonly CatalogEntry[] = CATALOG): Closest[] {
  const have = new Set([...words(text.split('\n').map(normalizeLine).join(' '))].filter((w) => !COMMON.has(w)));
  return catalog
    .map((entry) => {
      const want = entryWords(entry);
      let shared = 0;
      for (const w of want) if (have.has(w)) shared++;
      return { entry, score: want.size ? shared / want.size : 0 };
    })
    .filter((c) => c.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, n);
}
