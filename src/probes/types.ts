// A check is data: what it probes, how much it matters, and a pure-ish run()
// that reads facts through the ProbeContext and returns a verdict.

import type { Facts } from './facts.js';

export type Status = 'pass' | 'warn' | 'fail' | 'skip' | 'error';
export type Severity = 'required' | 'recommended' | 'optional';
export type Category =
  | 'namespaces'
  | 'filesystems'
  | 'rootfs'
  | 'ipc'
  | 'cgroups'
  | 'syscalls'
  | 'security'
  | 'host'
  | 'kernel-config'
  | 'network'
  | 'storage';

/** Where an answer came from; the live probe wins over the config file. */
export type Source =
  | 'live'
  | 'kernel-config'
  /** A defconfig left the option out: its value is the Kconfig default (or what selects it). */
  | 'kconfig-default'
  | 'procfs'
  | 'sysfs'
  | 'mountinfo'
  | 'kallsyms'
  | 'kernel-version'
  | 'command'
  | 'none';

export interface Evidence {
  source: Source;
  /** The file, syscall or command looked at, e.g. "/proc/filesystems" or "unshare(CLONE_NEWIPC)". */
  what: string;
  /** What was seen: a value, "present", "EINVAL", the option's value... */
  value: string;
  /** Live evidence: what made the attempt ("koffi", "busybox /bin/busybox unshare", "util-linux /usr/bin/mount"). */
  tool?: string;
}

export type RemediationKind = 'kernel-option' | 'config-edit' | 'runtime-flag' | 'host-command' | 'rootfs' | 'info';

export interface Remediation {
  kind: RemediationKind;
  text: string;
  /** Commands to run, options to set (CONFIG_X=y), config.json fields to edit. */
  items?: string[];
}

export interface CheckResult {
  status: Status;
  /** One line shown next to the title. */
  summary: string;
  evidence: Evidence[];
  /** What this means for running containers; empty when nothing is lost. */
  impact: string;
  remediation: Remediation[];
  /** CONFIG_ options this result depends on. */
  configOptions: string[];
  /** Set when the kernel config and the live probe disagree (the live result wins). */
  disagreement?: string;
  /** "config": judged from the kernel config and its version only (--kernel-config with --no-live), not on the device. */
  basis?: 'config';
}

export interface Check {
  id: string;
  title: string;
  category: Category;
  severity: Severity;
  /** What it probes, for --list-checks. */
  probes: string;
  /** When it applies, e.g. "Linux < 4.7" or "Android"; undefined = always. */
  appliesTo?: string;
  run(facts: Facts): CheckResult;
}

export interface CheckOutcome extends CheckResult {
  id: string;
  title: string;
  category: Category;
  severity: Severity;
}
