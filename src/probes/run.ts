// Runs checks over gathered facts; a check that throws becomes status "error"
// and the others still run.

import type { Facts } from './facts.js';
import type { Check, CheckOutcome } from './types.js';

export function runChecks(checks: readonly Check[], facts: Facts): CheckOutcome[] {
  return checks.map((check) => {
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
  });
}
