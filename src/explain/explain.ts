// Match pasted runtime output against the catalog of known errors. Pure.

import { CATALOG, type CatalogEntry } from './catalog.js';

export interface Explanation {
  entry: CatalogEntry;
  /** The text the pattern matched, with runc's nested quoting collapsed. */
  excerpt: string;
  /** 1-based line number of the first match in the input. */
  line: number;
}

/**
 * runc wraps each level of a nested error in another layer of %q quoting:
 * caused \"mounting \\\"mqueue\\\" ...\". Collapse any run of backslashes
 * before a quote (and stray \n escapes) so patterns can use plain quotes.
 */
export function normalizeLine(line: string): string {
  return line.replace(/\\+"/g, '"').replace(/\\+n/g, ' ').replace(/\r$/, '');
}

/**
 * Every catalog entry that matches some line of `text`, each once (first
 * match), most specific first; equal specificity keeps the order in the text.
 */
export function explain(text: string, catalog: readonly CatalogEntry[] = CATALOG): Explanation[] {
  const raw = text.split('\n');
  const lines = raw.map(normalizeLine);
  // Pastes are often hard-wrapped mid-message: also try each line joined to the next.
  const pairs = raw.slice(0, -1).map((l, i) => normalizeLine(l.endsWith('\\') ? l + (raw[i + 1] ?? '') : `${l} ${raw[i + 1] ?? ''}`));
  const found: Explanation[] = [];
  for (const entry of catalog) {
    const hit = firstMatch(entry.pattern, lines) ?? firstMatch(entry.pattern, pairs);
    if (hit) found.push({ entry, ...hit });
  }
  return found.sort((a, b) => b.entry.specificity - a.entry.specificity || a.line - b.line);
}

function firstMatch(pattern: RegExp, lines: readonly string[]): { excerpt: string; line: number } | null {
  for (let i = 0; i < lines.length; i++) {
    const m = pattern.exec(lines[i] ?? '');
    if (m) return { excerpt: m[0], line: i + 1 };
  }
  return null;
}

/** The `droidcheck probe` command that confirms an explanation, or null when no check covers it. */
export function confirmCommand(entry: CatalogEntry): string | null {
  if (entry.checkIds.length === 0) return null;
  return `droidcheck probe ${entry.checkIds.map((id) => `--check ${id}`).join(' ')}`;
}

/** A plain object for JSON/YAML output (the RegExp as its source). */
export function explanationData(e: Explanation): Record<string, unknown> {
  const { entry } = e;
  return {
    id: entry.id,
    title: entry.title,
    line: e.line,
    excerpt: e.excerpt,
    runtime: entry.runtime,
    cause: entry.cause,
    configOptions: entry.configOptions,
    ...(entry.hostFact !== undefined ? { hostFact: entry.hostFact } : {}),
    checkIds: entry.checkIds,
    confirm: confirmCommand(entry),
    remediation: entry.remediation,
    specificity: entry.specificity,
  };
}
