// Shared building blocks for checks: config evidence, live evidence, and the
// rule that a live answer beats the kernel config.

import { optionName, optionState } from '../../kernel/config.js';
import type { Facts } from '../facts.js';
import type { Attempt } from '../live/types.js';
import type { CheckResult, Evidence, Remediation, Severity, Status } from '../types.js';

export function result(r: Partial<CheckResult> & Pick<CheckResult, 'status' | 'summary'>): CheckResult {
  return { evidence: [], impact: '', remediation: [], configOptions: [], ...r };
}

/** What a missing feature costs: fail for required checks, warn otherwise. */
export function missingStatus(severity: Severity): Status {
  return severity === 'required' ? 'fail' : 'warn';
}

export function configEvidence(facts: Facts, option: string): Evidence | null {
  if (!facts.config) return null;
  const name = optionName(option);
  const value = facts.config.values.get(name) ?? 'missing';
  const byDefault = facts.config.defaults?.get(name);
  if (byDefault !== undefined) return { source: 'kconfig-default', what: `${facts.config.source}: ${name} (not in the defconfig)`, value: byDefault };
  return { source: 'kernel-config', what: `${facts.config.source}: ${name}`, value };
}

/** True/false when the config says the feature is there (any option, y or m), null without a config. */
export function configHas(facts: Facts, options: readonly string[]): boolean | null {
  if (!facts.config || options.length === 0) return null;
  const config = facts.config;
  return options.some((o) => optionState(config, o) !== 'missing');
}

export function liveEvidence(a: Attempt): Evidence {
  const value = a.ok ? (a.detail ? `ok (${a.detail})` : 'ok') : `${a.errno ?? 'failed'}${a.detail ? `: ${a.detail}` : ''}`;
  return { source: 'live', what: a.op, value, ...(a.tool ? { tool: a.tool } : {}) };
}

export function kernelOption(options: readonly string[], text?: string): Remediation {
  return {
    kind: 'kernel-option',
    text: text ?? `rebuild the kernel with ${options.map(optionName).join(' and ')}`,
    items: options.map((o) => `${optionName(o)}=y`),
  };
}

export interface Verdict {
  /** true = available, false = missing, null = unknown. */
  available: boolean | null;
  evidence: Evidence[];
  disagreement?: string;
  /** Whether a live attempt decided the verdict (false when there was none or it was not allowed). */
  liveCounted: boolean;
  /** Why the live attempt did not count, when it was refused rather than unsupported. */
  inconclusive?: string;
}

/**
 * Errnos that say "something stopped the attempt" (no capability, SELinux,
 * a seccomp filter), not "the kernel lacks it": EINVAL, ENOSYS, ENODEV and
 * EOPNOTSUPP say the kernel does not know the feature; EPERM and EACCES only
 * that this caller may not use it here, so they decide nothing about the kernel.
 */
const NOT_ALLOWED = new Set(['EPERM', 'EACCES']);

export function notAllowed(a: Attempt): boolean {
  return !a.ok && a.errno !== undefined && NOT_ALLOWED.has(a.errno);
}

/**
 * Combines the kernel config (options: any one is enough) with a live attempt
 * and any other evidence. The live attempt wins; a disagreement is recorded.
 */
export function decide(facts: Facts, options: readonly string[], live: Attempt | undefined, extra: Evidence[] = []): Verdict {
  const evidence: Evidence[] = [];
  for (const o of options) {
    const e = configEvidence(facts, o);
    if (e) evidence.push(e);
  }
  evidence.push(...extra);
  const fromConfig = configHas(facts, options);
  if (live && notAllowed(live)) {
    const inconclusive = `the live test was not allowed (${live.errno}): a missing capability, SELinux or a seccomp filter stopped it, so it says nothing about the kernel`;
    evidence.push({ ...liveEvidence(live), value: `${live.errno}: not allowed here, inconclusive${live.detail ? ` (${live.detail})` : ''}` });
    return { available: fromConfig, evidence, liveCounted: false, inconclusive };
  }
  if (live) {
    evidence.push(liveEvidence(live));
    const verdict: Verdict = { available: live.ok, evidence, liveCounted: true };
    if (fromConfig !== null && fromConfig !== live.ok) {
      verdict.disagreement = `the kernel config says ${fromConfig ? 'enabled' : 'missing'} but the live test ${live.ok ? 'succeeded' : `failed with ${live.errno ?? 'an error'}`}: the live result counts`;
    }
    return verdict;
  }
  return { available: fromConfig, evidence, liveCounted: false };
}

/** Why a check could not decide. */
export function unknownSummary(facts: Facts, verdict?: Verdict): string {
  const why: string[] = [];
  if (verdict?.inconclusive) why.push(verdict.inconclusive);
  if (!facts.config) why.push('no kernel config');
  if (!facts.live) why.push(facts.liveRequested ? 'live test not run' : 'live tests off');
  return `unknown: ${why.join(', ') || 'no evidence'}`;
}
