// The run report: probe results, config fixes, launch steps, the container's
// exit status and a remediation list ordered by impact
// (reports/schema/run-report.v1.json).

import type { CheckOutcome, Remediation } from '../probes/types.js';
import type { ConfigChange } from '../runtime/fixer.js';
import type { StepOutcome } from '../runtime/steps.js';
import type { ProbeReport } from './report.js';

export interface RemediationEntry {
  /** The check id or launch step it comes from. */
  source: string;
  /** Why it matters: the failure or the check's impact. */
  problem: string;
  remediation: Remediation[];
}

export interface RunReport {
  schemaVersion: 1;
  tool: { name: 'droidcheck'; version: string };
  command: 'run';
  generatedAt: string;
  redacted: boolean;
  bundle: string;
  /** launcher: which droidcheck-init ran and why, or "none: why not" before the next path. */
  runtime: { name: string; path: 'native' | 'tools' | 'external'; flags: string[]; launcher?: string };
  probe: Pick<ProbeReport, 'host' | 'kernelConfig' | 'live' | 'summary' | 'checks'>;
  fixes: { requested: boolean; written: string | null; changes: ConfigChange[]; diff: string };
  hostChanges: { op: string; undone: boolean; error?: string }[];
  launch: { started: boolean; exitCode: number; steps: StepOutcome[] };
  remediation: RemediationEntry[];
}

const STEP_FIX: Record<string, Remediation> = {
  'kernel-feature': { kind: 'config-edit', text: 'run with --fix-config: droidcheck drops what this kernel lacks and says why' },
  'host-layout': { kind: 'config-edit', text: 'run with --fix-config (it chooses chroot where pivot_root cannot work and adds writable /run and /tmp)' },
  architecture: { kind: 'rootfs', text: 'use a rootfs built for this machine: droidcheck rootfs DIR --busybox PATH makes one from a static busybox' },
  permission: { kind: 'host-command', text: 'run as root from a full root shell; on Android try SELinux permissive for the test (setenforce 0)' },
  config: { kind: 'config-edit', text: 'fix the named field in config.json' },
  internal: { kind: 'info', text: 'this is a droidcheck problem: attach this report to a bug' },
};

const WEIGHT = { required: 0, recommended: 1, optional: 2 } as const;

/** Failed launch steps first, then failing checks by severity, then warnings. */
export function orderRemediation(steps: readonly StepOutcome[], checks: readonly CheckOutcome[]): RemediationEntry[] {
  const out: RemediationEntry[] = [];
  for (const s of steps) {
    if (s.status !== 'failed') continue;
    const fix = STEP_FIX[s.class ?? 'internal'] as Remediation;
    out.push({ source: `step: ${s.name}`, problem: `${s.op ?? s.name}${s.path && !(s.op ?? '').includes(s.path) ? ` ${s.path}` : ''}: ${s.errno ?? 'failed'}${s.detail ? ` (${s.detail})` : ''}`, remediation: [fix] });
  }
  const problems = checks
    .filter((c) => (c.status === 'fail' || c.status === 'warn' || c.status === 'error') && c.remediation.length > 0)
    .sort((a, b) => (a.status === 'fail' ? 0 : 1) - (b.status === 'fail' ? 0 : 1) || WEIGHT[a.severity] - WEIGHT[b.severity]);
  for (const c of problems) out.push({ source: c.id, problem: `${c.title}: ${c.summary}${c.impact ? `; ${c.impact}` : ''}`, remediation: c.remediation });
  return out;
}
