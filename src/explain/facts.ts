// The device facts explain can use, read from a probe report: the one
// `droidcheck probe --format json` writes (or a run report's probe part), or
// the one explain builds on this machine from files only. Pure.

import type { Status } from '../probes/types.js';
import { kernelOf } from '../sys/machine.js';

export interface ExplainFacts {
  /** Where they came from: "this machine" or "report FILE". */
  origin: string;
  kernel: string | null;
  machine: string | null;
  /** Width of the userland (the ELF class of the node that ran probe). */
  userspaceBits: 32 | 64 | null;
  /** Kernel options the report carries ("y", "m" or null for not set); null when no config was read. */
  options: Record<string, string | null> | null;
  /** Each check's status. */
  checks: Record<string, Status>;
}

/** Whether the kernel is 64-bit, from uname -m (sys/elf.ts's one table); null when unknown. */
export function isKernel64(machine: string | null): boolean | null {
  const bits = machine === null ? null : kernelOf(machine).bits;
  return bits === null ? null : bits === 64;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Facts from a parsed probe report (or run report). Throws an Error naming what
 * is missing when the document is not one.
 */
export function factsFromReport(doc: unknown, origin: string): ExplainFacts {
  if (!isObject(doc)) throw new Error('not a droidcheck report (expected a JSON object)');
  const probe = doc['command'] === 'probe' ? doc : isObject(doc['probe']) ? doc['probe'] : null;
  if (!probe || !isObject(probe['host']) || !Array.isArray(probe['checks'])) {
    throw new Error('not a droidcheck probe or run report (no host and checks): write one with droidcheck probe --format json');
  }
  const host = probe['host'];
  const kc = isObject(probe['kernelConfig']) ? probe['kernelConfig'] : null;
  const checks: Record<string, Status> = {};
  for (const c of probe['checks']) {
    if (isObject(c) && typeof c['id'] === 'string' && typeof c['status'] === 'string') checks[c['id']] = c['status'] as Status;
  }
  const bits = host['userspaceBits'];
  const options = kc && kc['source'] !== null && isObject(kc['options']) ? (kc['options'] as Record<string, string | null>) : null;
  return {
    origin,
    kernel: typeof host['kernel'] === 'string' ? host['kernel'] : null,
    machine: typeof host['machine'] === 'string' ? host['machine'] : null,
    userspaceBits: bits === 32 || bits === 64 ? bits : null,
    options,
    checks,
  };
}
