// Runs checks over gathered facts; a check that throws becomes status "error"
// and the others still run.

import { LIVE_FACTS, type Facts, type FileFacts } from './facts.js';
import type { Check, CheckOutcome } from './types.js';

function runOne(check: Check, facts: Facts): CheckOutcome {
  const head = { id: check.id, title: check.title, category: check.category, severity: check.severity };
  try {
    const r = check.run(facts);
    // Config-only mode: whatever was judged was judged from the config (and its version), not the device.
    return { ...head, ...r, ...(facts.configOnly && r.status !== 'skip' ? { basis: 'config' as const } : {}) };
  } catch (error) {
    return {
      ...head,
      status: 'error' as const,
      summary: `the check itself failed: ${(error as Error).message}`,
      evidence: [],
      impact: 'unknown: this is a droidcheck bug, please report it with this output',
      remediation: [],
      configOptions: [],
    };
  }
}

export function runChecks(checks: readonly Check[], facts: Facts): CheckOutcome[] {
  return checks.map((check) => runOne(check, facts));
}

const isLiveFact = (key: string | symbol): boolean => (LIVE_FACTS as readonly (string | symbol)[]).includes(key);

/**
 * Runs the checks on the file facts while the live tests still run, and returns the function
 * that finishes the job with the complete facts. Checks are pure functions of the facts: one
 * that never looked at a live field already has its final outcome; the others run again then.
 * The outcomes are the same, in the same order, as runChecks(checks, facts).
 */
export function runChecksEarly(checks: readonly Check[], files: FileFacts): (facts: Facts) => CheckOutcome[] {
  const early = checks.map((check) => {
    let readLive = false;
    const watched = new Proxy(files, {
      get: (target, key, receiver) => {
        if (isLiveFact(key)) readLive = true;
        return Reflect.get(target, key, receiver) as unknown;
      },
      has: (target, key) => {
        if (isLiveFact(key)) readLive = true;
        return Reflect.has(target, key);
      },
      getOwnPropertyDescriptor: (target, key) => {
        if (isLiveFact(key)) readLive = true;
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
      ownKeys: (target) => {
        readLive = true; // enumerating the facts (a spread, JSON) would see the live fields' absence
        return Reflect.ownKeys(target);
      },
    }) as Facts;
    const outcome = runOne(check, watched);
    return readLive ? null : outcome;
  });
  return (facts) => checks.map((check, i) => early[i] ?? runOne(check, facts));
}
