// What explain answers for a text: each known error with its causes judged
// against the device's facts (when there are any), or, when nothing is known,
// the closest entries. Plain data for every output format. Pure.

import { CATALOG, type CatalogEntry } from './catalog.js';
import { closest, explain, type Closest, type Explanation } from './explain.js';
import type { ExplainFacts } from './facts.js';
import { confidence, judge, type CauseVerdict, type Confidence } from './judge.js';

export interface AnsweredCause extends CauseVerdict {
  confidence: Confidence;
  why: string;
  /** The `droidcheck probe` command that confirms it, or null when no check covers it. */
  confirm: string | null;
}

export interface Answered {
  explanation: Explanation;
  causes: AnsweredCause[];
}

export interface Answer {
  explained: Answered[];
  /** Only when nothing matched. */
  closest: Closest[];
  facts: ExplainFacts | null;
}

/** Whether any entry found would use the device's facts (so they are worth gathering). */
export function wantsFacts(found: readonly Explanation[]): boolean {
  return found.some((e) => e.entry.causes.some((c) => c.when?.length));
}

/** Every CONFIG_ option a cause's facts name: what a report must carry for explain. */
export function factOptions(catalog: readonly CatalogEntry[] = CATALOG): string[] {
  const names = catalog.flatMap((e) => e.causes.flatMap((c) => (c.when ?? []).flatMap((t) => ('option' in t ? [t.option] : []))));
  return [...new Set(names)].sort();
}

export function confirmCommand(checkIds: readonly string[]): string | null {
  return checkIds.length ? `droidcheck probe ${checkIds.map((id) => `--check ${id}`).join(' ')}` : null;
}

export function answer(text: string, facts: ExplainFacts | null, found: readonly Explanation[] = explain(text)): Answer {
  const explained = found.map((explanation) => {
    const verdicts = judge(explanation.entry, facts);
    const order = { confirmed: 0, likely: 1, possible: 2, 'ruled-out': 3 } as const;
    const causes = verdicts
      .map((v) => ({ ...v, ...levelOf(explanation.entry, v, verdicts.length), confirm: confirmCommand(v.cause.checkIds) }))
      .sort((a, b) => order[a.verdict] - order[b.verdict]);
    return { explanation, causes };
  });
  return { explained, closest: found.length ? [] : closest(text), facts };
}

function levelOf(entry: CatalogEntry, v: CauseVerdict, siblings: number): { confidence: Confidence; why: string } {
  const c = confidence(entry, v, siblings);
  return { confidence: c.level, why: c.why };
}

/** The answer as a plain document (json/yaml), versioned with the report schemas. */
export function answerData(a: Answer): Record<string, unknown> {
  return {
    schemaVersion: 1,
    explained: a.explained.length > 0,
    facts: a.facts ? { origin: a.facts.origin, kernel: a.facts.kernel, machine: a.facts.machine, userspaceBits: a.facts.userspaceBits } : null,
    explanations: a.explained.map(({ explanation: e, causes }) => ({
      id: e.entry.id,
      title: e.entry.title,
      line: e.line,
      excerpt: e.excerpt,
      runtime: e.entry.runtime,
      sources: e.entry.sources,
      specificity: e.entry.specificity,
      causes: causes.map((c) => ({
        id: c.cause.id,
        verdict: c.verdict,
        confidence: c.confidence,
        why: c.why,
        reasons: c.reasons,
        cause: c.cause.cause,
        configOptions: c.cause.configOptions,
        ...(c.cause.hostFact !== undefined ? { hostFact: c.cause.hostFact } : {}),
        checkIds: c.cause.checkIds,
        confirm: c.confirm,
        remediation: c.cause.remediation,
      })),
    })),
    ...(a.explained.length ? {} : { closest: a.closest.map((c) => ({ id: c.entry.id, title: c.entry.title, score: Math.round(c.score * 100) / 100 })), next: NEXT_STEPS }),
  };
}

export const NO_MATCH = 'no known cause';
/** What to run when nothing matched. */
export const NEXT_STEPS = ['droidcheck probe (what this kernel lacks)', 'droidcheck run BUNDLE --fix-config (a real container, every step reported)'];
