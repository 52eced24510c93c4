// Which of an entry's causes the device's facts confirm, rule out or leave
// open. Each cause lists the facts that hold when it is the cause (types.ts);
// this evaluates them against ExplainFacts. Pure.

import type { Cause, CatalogEntry, FactTest } from './types.js';
import { isKernel64, type ExplainFacts } from './facts.js';

export type Verdict = 'confirmed' | 'likely' | 'possible' | 'ruled-out';

export interface CauseVerdict {
  cause: Cause;
  verdict: Verdict;
  /** The facts behind the verdict, e.g. "CONFIG_KEYS=y", "kernel 4.9.112 < 4.15". */
  reasons: string[];
}

interface TestResult {
  holds: boolean | null;
  text: string;
}

function versionParts(v: string): number[] {
  return (v.match(/^\d+(?:\.\d+)*/)?.[0] ?? '').split('.').filter(Boolean).map(Number);
}

/** a < b by numeric parts. */
function versionBelow(a: string, b: string): boolean {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0;
  }
  return false;
}

export function evaluate(test: FactTest, facts: ExplainFacts): TestResult {
  if ('option' in test) {
    if (facts.options === null) return { holds: null, text: `no kernel config to read ${test.option} from` };
    if (!(test.option in facts.options)) return { holds: null, text: `the report does not include ${test.option}` };
    const value = facts.options[test.option];
    const set = value === 'y' || value === 'm';
    return { holds: test.is === 'set' ? set : !set, text: set ? `${test.option}=${value}` : `${test.option} is not set` };
  }
  if ('kernel' in test) {
    if (facts.kernel === null || versionParts(facts.kernel).length === 0) return { holds: null, text: 'kernel version unknown' };
    const below = versionBelow(facts.kernel, test.version);
    return { holds: test.kernel === '<' ? below : !below, text: `kernel ${facts.kernel} ${below ? '<' : '>='} ${test.version}` };
  }
  if ('check' in test) {
    const status = facts.checks[test.check];
    if (status === undefined || status === 'skip' || status === 'error') return { holds: null, text: `check ${test.check} ${status ?? 'not in the report'}` };
    return { holds: test.status.includes(status), text: `check ${test.check}: ${status}` };
  }
  const k64 = isKernel64(facts.machine);
  if (facts.userspaceBits === null || k64 === null) return { holds: null, text: 'userland or kernel width unknown' };
  const is = facts.userspaceBits === 32 && k64;
  const text = `${facts.userspaceBits}-bit userland on a ${k64 ? '64' : '32'}-bit kernel (${facts.machine})`;
  return { holds: test.userland32on64 === is, text };
}

/** Every cause of the entry with its verdict; without facts every cause is "possible". */
export function judge(entry: CatalogEntry, facts: ExplainFacts | null): CauseVerdict[] {
  const verdicts = entry.causes.map((cause): CauseVerdict => {
    if (!facts || !cause.when?.length) return { cause, verdict: 'possible', reasons: [] };
    const results = cause.when.map((t) => evaluate(t, facts));
    const failed = results.filter((r) => r.holds === false);
    if (failed.length) return { cause, verdict: 'ruled-out', reasons: failed.map((r) => r.text) };
    const verdict = results.every((r) => r.holds === true) ? 'confirmed' : 'possible';
    return { cause, verdict, reasons: results.map((r) => r.text) };
  });
  // The last cause standing once its siblings are ruled out.
  const open = verdicts.filter((v) => v.verdict !== 'ruled-out');
  const only = open[0];
  if (open.length === 1 && only && only.verdict === 'possible' && verdicts.length > 1) {
    only.verdict = 'likely';
    only.reasons.push('the other causes are ruled out');
  }
  return verdicts;
}

export type Confidence = 'high' | 'medium' | 'low';

/** How sure the answer is, in one phrase. */
export function confidence(entry: CatalogEntry, v: CauseVerdict, siblings: number): { level: Confidence; why: string } {
  if (v.verdict === 'confirmed') return { level: 'high', why: 'the device\'s facts confirm it' };
  if (v.verdict === 'likely') return { level: 'high', why: 'the device\'s facts rule out the other causes' };
  if (v.verdict === 'ruled-out') return { level: 'low', why: 'the device\'s facts rule it out' };
  if (siblings > 1) return { level: 'medium', why: `one of ${siblings} causes of this message: the checks named tell them apart` };
  if (entry.specificity >= 3) return { level: 'high', why: 'the message names it' };
  if (entry.specificity === 2) return { level: 'medium', why: 'the message narrows it to this' };
  return { level: 'low', why: 'a symptom with several possible causes' };
}
