// The probe report: a versioned, serialisable document (reports/schema/report.v1.json).

import type { Facts } from '../probes/facts.js';
import { androidInfo, type AndroidInfo } from '../probes/checks/host.js';
import type { CheckOutcome, Status } from '../probes/types.js';

export const SCHEMA_VERSION = 1;

export interface Summary {
  pass: number;
  warn: number;
  fail: number;
  skip: number;
  error: number;
  /** ok: every required check passed; degraded: warnings; blocked: a required check failed. */
  verdict: 'ok' | 'degraded' | 'blocked';
}

export interface ProbeReport {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'droidcheck'; version: string };
  command: 'probe';
  generatedAt: string;
  redacted: boolean;
  host: {
    hostname: string;
    kernel: string;
    machine: string;
    platform: string;
    arch: string;
    userspaceBits: 32 | 64 | null;
    uid: number;
    android: AndroidInfo | null;
  };
  kernelConfig: {
    source: string | null;
    version: string | null;
    notes: string[];
    /** Every CONFIG_ option evaluated: its value in the file (y, m, a string) or null when missing. */
    options: Record<string, string | null>;
    /** What --kernel-config's file was (config, defconfig, kernel-image, boot-image, vendor-boot-image) and how the config was obtained. */
    input?: { kind: string; steps: string[]; bannerVersion: string | null };
    /** Options a defconfig left out, resolved to their Kconfig default, with why. */
    defaults?: Record<string, string>;
  };
  live: {
    requested: boolean;
    path: 'ffi' | 'tools' | null;
    tool: string | null;
    notes: string[];
    /** Each tool the tools path used, by role: "busybox /bin/busybox unshare", "util-linux /usr/bin/mount"... */
    tools?: Partial<Record<'sh' | 'unshare' | 'mount' | 'pivot_root' | 'chroot', string>>;
    /** used: koffi ran the tests; off: --no-ffi or DROIDCHECK_NO_FFI=1; unavailable: koffi did not load (reason). */
    ffi?: { state: 'used' | 'off' | 'unavailable'; reason?: string };
  };
  summary: Summary;
  checks: CheckOutcome[];
}

export function summarize(outcomes: readonly CheckOutcome[]): Summary {
  const count = (s: Status): number => outcomes.filter((o) => o.status === s).length;
  const blocked = outcomes.some((o) => o.severity === 'required' && (o.status === 'fail' || o.status === 'error'));
  const degraded = outcomes.some((o) => o.status === 'warn' || o.status === 'fail' || o.status === 'error');
  return { pass: count('pass'), warn: count('warn'), fail: count('fail'), skip: count('skip'), error: count('error'), verdict: blocked ? 'blocked' : degraded ? 'degraded' : 'ok' };
}

/** 0: required checks pass; 1: a required check failed (or, with strict, any warning or failure). */
export function exitCodeFor(summary: Summary, strict: boolean): 0 | 1 {
  if (summary.verdict === 'blocked') return 1;
  if (strict && summary.verdict === 'degraded') return 1;
  return 0;
}

export function buildReport(facts: Facts, outcomes: CheckOutcome[], opts: { version: string; now: Date; extraOptions?: readonly string[] }): ProbeReport {
  const options: Record<string, string | null> = {};
  const names = new Set([...outcomes.flatMap((o) => o.configOptions), ...(opts.extraOptions ?? [])]);
  if (facts.config) for (const name of [...names].sort()) options[name] = facts.config.values.get(name) ?? null;
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'droidcheck', version: opts.version },
    command: 'probe',
    generatedAt: opts.now.toISOString(),
    redacted: false,
    host: {
      hostname: facts.uname.nodename,
      kernel: facts.uname.release,
      machine: facts.uname.machine,
      platform: facts.platform,
      arch: facts.arch,
      userspaceBits: facts.userspaceBits,
      uid: facts.uid,
      android: facts.configOnly ? null : androidInfo(facts),
    },
    kernelConfig: {
      source: facts.config?.source ?? null,
      version: facts.config?.version ?? null,
      notes: facts.configNotes,
      options,
      ...(facts.config?.input ? { input: { ...facts.config.input } } : {}),
      ...(facts.config?.defaults?.size ? { defaults: Object.fromEntries([...facts.config.defaults].filter(([k]) => k in options)) } : {}),
    },
    live: {
      requested: facts.liveRequested,
      path: facts.live?.path ?? null,
      tool: facts.live?.tool ?? null,
      notes: [...facts.liveNotes, ...(facts.live?.notes ?? [])],
      ...(facts.live?.tools ? { tools: facts.live.tools } : {}),
      ...(facts.liveFfi ? { ffi: facts.liveFfi } : {}),
    },
    summary: summarize(outcomes),
    checks: outcomes,
  };
}
