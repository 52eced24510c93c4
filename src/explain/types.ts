// The shape of the explain catalog. An entry is a message (a pattern) with one
// or more causes; a cause names what is behind it, the fix, the probe checks
// that detect it and, where the device's facts can tell causes apart, the
// facts that must hold for it (see judge.ts).

import type { Remediation, Status } from '../probes/types.js';

export type Runtime =
  | 'runc'
  | 'crun'
  | 'docker'
  | 'dockerd'
  | 'containerd'
  | 'lxc'
  | 'podman'
  | 'k3s'
  | 'kubelet'
  | 'iptables'
  | 'proot'
  | 'bwrap'
  | 'debootstrap'
  | 'any';

/**
 * One fact a cause needs, read from a probe report (see facts.ts):
 * - option: a CONFIG_ option is built in or as a module ('set') or not set ('unset');
 * - kernel: the kernel version compared with `version`;
 * - check: a probe check ended with one of the statuses;
 * - userland32on64: the userland (node's ELF class) is 32-bit on a 64-bit kernel, or not.
 */
export type FactTest =
  | { option: string; is: 'set' | 'unset' }
  | { kernel: '<' | '>='; version: string }
  | { check: string; status: readonly Status[] }
  | { userland32on64: boolean };

export interface Cause {
  /** Names the cause among its entry's causes, e.g. "keys-missing". */
  id: string;
  cause: string;
  /** CONFIG_ options whose absence causes it; empty when it is not a kernel option. */
  configOptions: string[];
  /** When the cause is a fact about the host rather than a kernel option. */
  hostFact?: string;
  /** `droidcheck probe` check ids that detect the cause (and tell it apart from its siblings). */
  checkIds: string[];
  remediation: Remediation[];
  /** Facts that all hold when this is the cause; absent = nothing in a probe report decides it. */
  when?: FactTest[];
}

export interface CatalogEntry {
  id: string;
  /** One line naming the problem. */
  title: string;
  /** Run against each normalized line (and each pair of lines) of the input: see normalize.ts. */
  pattern: RegExp;
  /** Which programs print it. */
  runtime: Runtime[];
  /** Public places the message was seen: "owner/repo#N", or a document. At least one. */
  sources: string[];
  /** The candidate causes, most common first. */
  causes: [Cause, ...Cause[]];
  /**
   * How precisely the message names its cause: 3 names one feature (mqueue,
   * pivot_root, ptmx...), 2 narrows it to a few, 1 is a symptom with many
   * causes, 0 is a harmless debug line. Higher is shown first on one line.
   */
  specificity: 0 | 1 | 2 | 3;
}
