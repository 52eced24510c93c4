// Docker checks use the probe's check model (id, severity, status, evidence,
// impact, remediation) but read DockerFacts: the probe's facts plus the docker
// live tests. Runs like runChecks: a check that throws becomes "error".

import type { Attempt } from '../probes/live/types.js';
import { ALL_CHECKS } from '../probes/registry.js';
import type { Check, CheckOutcome, CheckResult } from '../probes/types.js';
import type { DockerFacts } from './types.js';

export interface DockerCheck extends Omit<Check, 'run'> {
  run(facts: DockerFacts): CheckResult;
}

export function runDockerChecks(checks: readonly DockerCheck[], facts: DockerFacts): CheckOutcome[] {
  return checks.map((check) => {
    const head = { id: check.id, title: check.title, category: check.category, severity: check.severity };
    try {
      return { ...head, ...check.run(facts) };
    } catch (error) {
      return { ...head, status: 'error' as const, summary: `the check itself failed: ${(error as Error).message}`, evidence: [], impact: 'unknown: this is a droidcheck bug, please report it with this output', remediation: [], configOptions: [] };
    }
  });
}

/** A probe check's own result on the same facts: one source for what both commands say. */
export function probeResult(id: string, facts: DockerFacts): CheckResult {
  const check = ALL_CHECKS.find((c) => c.id === id);
  if (!check) throw new Error(`no probe check ${id}`);
  return check.run(facts.base);
}

/** The first failed attempt of a list, or undefined when all passed. */
export const firstFailure = (steps: readonly (Attempt | undefined)[]): Attempt | undefined => steps.find((a) => a !== undefined && !a.ok);

/** "EINVAL (the tool's message)" for a summary. */
export const why = (a: Attempt): string => `${a.errno ?? 'failed'}${a.detail ? ` (${a.detail.slice(0, 160)})` : ''}`;

/** runc's version as [major, minor], from "runc version 1.1.5+ds1"; null when unknown. */
export function runcVersion(facts: DockerFacts): [number, number] | null {
  const m = /runc version (\d+)\.(\d+)/.exec(facts.binaries.versions.runc ?? '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** True when /sys/fs/cgroup itself is cgroup2: dockerd and runc then use cgroup v2 only. */
export function unifiedHost(facts: DockerFacts): boolean {
  return facts.base.mounts.some((m) => m.fsType === 'cgroup2' && m.mountPoint === '/sys/fs/cgroup');
}
