// The config fixer: edits an OCI config.json so that it asks only for what
// this kernel has, and says why for every edit. Pure and deterministic: the
// input is deep-copied, never touched; the same input gives the same output.
// Fixing a fixed config changes nothing. The rules are data (fixer-rules.ts);
// the diff shown to the user is fixer-diff.ts.

import type { HostCapabilities } from './capabilities.js';
import { clone, FIX_RULES, type FixRule } from './fixer-rules.js';
import type { OciSpec } from './spec.js';

export { ANDROID_NET_GIDS, DEVPTS_BIND, FIX_RULES, NO_PIVOT_ANNOTATION, RUN_TMPFS, TMP_TMPFS, type FixRule } from './fixer-rules.js';
export { isIpcSysctl } from '../sys/namespaces.js';
export { formatChange, renderDiff, type DiffOptions } from './fixer-diff.js';

export interface ConfigChange {
  /** JSON path with selectors that survive removals: ".linux.namespaces[type=ipc]", ".mounts[/dev/mqueue]", ".linux.sysctl[\"kernel.shmmax\"]". */
  path: string;
  op: 'remove' | 'add' | 'replace';
  before?: unknown;
  after?: unknown;
  reason: string;
  /** The probe check that motivated the change (or "stdin.tty" for the console). */
  checkId: string;
}

export interface FixResult {
  spec: OciSpec;
  changes: ConfigChange[];
}

/**
 * Returns a copy of spec that this host can run, and the changes in the order
 * they were applied. Nothing changes when nothing is missing.
 */
export function fixConfig(input: OciSpec, caps: HostCapabilities, rules: readonly FixRule[] = FIX_RULES): FixResult {
  const spec = clone(input);
  const changes: ConfigChange[] = [];
  for (const rule of rules) rule.apply(spec, caps, (c) => void changes.push(c));
  return { spec, changes };
}
