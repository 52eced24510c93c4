// Kernel-option requirement sets kept as data (kernel-configs/*.json) and a
// pure evaluator that checks a parsed .config against one of them.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Severity } from '../probes/types.js';
import { optionName, optionState, type KernelConfig } from './config.js';
import { kernelBelow, parseKernelVersion, type KernelVersion } from './version.js';

// ---------------------------------------------------------------- data

/** When an item applies; all given fields must hold. */
export interface Condition {
  /** Applies on kernels strictly below this version (compared as major.minor.patch). */
  kernelBelow?: string;
  /** Applies on kernels at or above this version. */
  kernelAtLeast?: string;
  /** Applies only when this option is NOT y/m in the config (moby: EXT3 checks unless EXT4_USE_FOR_EXT2). */
  unlessSet?: string;
}

interface ItemCommon {
  /** One line: what breaks without it. */
  note: string;
  /** The error message users actually see when it is missing (Android set). */
  error?: string;
  when?: Condition;
  /** Overrides the group's severity. */
  severity?: Severity;
  /** The option(s) must NOT be enabled (e.g. ANDROID_PARANOID_NETWORK). */
  mustBeOff?: boolean;
}

/** One option (name without or with CONFIG_). */
export interface SingleItem extends ItemCommon {
  option: string;
}

/** Satisfied when any of these is y/m. */
export interface AnyOfItem extends ItemCommon {
  anyOf: string[];
}

/**
 * A Kconfig choice (only one can be set): the first set one is reported;
 * ok when it is in `good`. When none is set nothing is reported (state
 * "missing", ok), as moby does for LEGACY_VSYSCALL_*.
 */
export interface ChoiceItem extends ItemCommon {
  choice: string[];
  good: string[];
}

export type RequirementItem = SingleItem | AnyOfItem | ChoiceItem;

export interface RequirementGroup {
  id: string;
  title: string;
  severity: Severity;
  /** Sub-heading it is printed under, e.g. "Network Drivers". */
  section?: string;
  /** moby: whether a missing flag here changes check-config.sh's exit status. */
  affectsExitCode?: boolean;
  /** Groups sharing this name are alternatives: one complete group is enough (storage drivers). */
  alternativeSet?: string;
  items: RequirementItem[];
}

/** A check the source tool makes that is not a kernel option (mounts, commands, sysctls). */
export interface HostCheck {
  id: string;
  group: string;
  /** The label the source tool prints. */
  label: string;
  note: string;
}

export interface RequirementSet {
  schema: 1;
  id: string;
  title: string;
  source: string;
  notes?: string[];
  groups: RequirementGroup[];
  hostChecks?: HostCheck[];
}

export type VerdictState = 'enabled' | 'module' | 'missing' | 'off-ok' | 'on-bad';

export interface OptionVerdict {
  /** "CONFIG_X", "CONFIG_A|CONFIG_B" for anyOf, or the set choice member ("A|B|C" when none is set). */
  option: string;
  /** Every option the item looks at, as CONFIG_ names. */
  options: string[];
  kind: 'option' | 'anyOf' | 'choice';
  group: string;
  severity: Severity;
  note: string;
  error?: string;
  /** Raw value in the file ("y", "m", "n", a number or string), null when absent or "is not set". */
  value: string | null;
  state: VerdictState;
  /** False when the item's condition (kernel version, unlessSet) excludes it. */
  applicable: boolean;
  /** True when satisfied, or when not applicable. */
  ok: boolean;
  mustBeOff: boolean;
  /** Human-readable condition, e.g. "Linux < 4.8"; absent when unconditional. */
  condition?: string;
}

// ---------------------------------------------------------------- loading

/** Path of a requirement set shipped in kernel-configs/ ("moby-check-config", "android-droidcheck"). */
export function bundledRequirementSetPath(name: string): string {
  // dist/src/kernel/requirements.js → package root
  return fileURLToPath(new URL(`../../../kernel-configs/${name}.json`, import.meta.url));
}

function fail(path: string, what: string): never {
  throw new Error(`${path}: invalid requirement set: ${what}`);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.length > 0);
}

const SEVERITIES: readonly string[] = ['required', 'recommended', 'optional'];

/** Checks the shape; returns the same object typed. */
export function validateRequirementSet(data: unknown, path = '<data>'): RequirementSet {
  if (typeof data !== 'object' || data === null) fail(path, 'not an object');
  const set = data as Record<string, unknown>;
  if (set['schema'] !== 1) fail(path, `unsupported schema ${JSON.stringify(set['schema'])}`);
  for (const key of ['id', 'title', 'source']) {
    if (typeof set[key] !== 'string') fail(path, `"${key}" must be a string`);
  }
  if (!Array.isArray(set['groups'])) fail(path, '"groups" must be an array');
  const groupIds = new Set<string>();
  for (const g of set['groups'] as unknown[]) {
    const group = g as Record<string, unknown>;
    if (typeof group['id'] !== 'string') fail(path, 'group without id');
    const gid = group['id'];
    if (groupIds.has(gid)) fail(path, `duplicate group ${gid}`);
    groupIds.add(gid);
    if (typeof group['severity'] !== 'string' || !SEVERITIES.includes(group['severity'])) {
      fail(path, `group ${gid}: bad severity`);
    }
    if (!Array.isArray(group['items'])) fail(path, `group ${gid}: "items" must be an array`);
    for (const i of group['items'] as unknown[]) {
      const item = i as Record<string, unknown>;
      const kinds = ['option', 'anyOf', 'choice'].filter((k) => k in item);
      if (kinds.length !== 1) fail(path, `group ${gid}: item needs exactly one of option/anyOf/choice`);
      const label = JSON.stringify(item['option'] ?? item['anyOf'] ?? item['choice']);
      if ('option' in item && (typeof item['option'] !== 'string' || item['option'] === '')) {
        fail(path, `group ${gid}: bad option`);
      }
      if ('anyOf' in item && !isStringArray(item['anyOf'])) fail(path, `${label}: anyOf must list options`);
      if ('choice' in item) {
        if (!isStringArray(item['choice'])) fail(path, `${label}: choice must list options`);
        if (!Array.isArray(item['good']) || !(item['good'] as unknown[]).every((o) => (item['choice'] as string[]).includes(o as string))) {
          fail(path, `${label}: good must be a subset of choice`);
        }
      }
      if (typeof item['note'] !== 'string' || item['note'] === '') fail(path, `${label}: note missing`);
      if ('severity' in item && !SEVERITIES.includes(item['severity'] as string)) fail(path, `${label}: bad severity`);
      if ('when' in item) {
        const when = item['when'] as Record<string, unknown>;
        for (const [k, v] of Object.entries(when)) {
          if (k === 'kernelBelow' || k === 'kernelAtLeast') {
            if (typeof v !== 'string' || parseKernelVersion(v) === null) fail(path, `${label}: bad ${k}`);
          } else if (k === 'unlessSet') {
            if (typeof v !== 'string') fail(path, `${label}: bad unlessSet`);
          } else {
            fail(path, `${label}: unknown condition ${k}`);
          }
        }
      }
    }
  }
  return data as RequirementSet;
}

/** Reads and validates a requirement-set JSON file. */
export function loadRequirementSet(path: string): RequirementSet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: cannot read requirement set: ${(err as Error).message}`);
  }
  return validateRequirementSet(parsed, path);
}

// ---------------------------------------------------------------- evaluation

function rawValue(config: KernelConfig, name: string): string | null {
  return config.values.get(optionName(name)) ?? null;
}

function isSet(config: KernelConfig, name: string): boolean {
  return optionState(config, name) !== 'missing';
}

function describeCondition(when: Condition): string {
  const parts: string[] = [];
  if (when.kernelAtLeast !== undefined) parts.push(`Linux >= ${when.kernelAtLeast}`);
  if (when.kernelBelow !== undefined) parts.push(`Linux < ${when.kernelBelow}`);
  if (when.unlessSet !== undefined) parts.push(`${optionName(when.unlessSet)} not set`);
  return parts.join(', ');
}

/**
 * Unknown version (null or unparseable) makes version conditions hold, so
 * the item is checked rather than silently skipped.
 */
function isApplicable(when: Condition | undefined, config: KernelConfig, version: KernelVersion | null): boolean {
  if (!when) return true;
  if (version) {
    if (when.kernelBelow !== undefined && !kernelBelow(version, when.kernelBelow)) return false;
    if (when.kernelAtLeast !== undefined && kernelBelow(version, when.kernelAtLeast)) return false;
  }
  if (when.unlessSet !== undefined && isSet(config, when.unlessSet)) return false;
  return true;
}

function evaluateItem(
  item: RequirementItem,
  group: RequirementGroup,
  config: KernelConfig,
  version: KernelVersion | null,
): OptionVerdict {
  const applicable = isApplicable(item.when, config, version);
  const mustBeOff = item.mustBeOff === true;
  const base = {
    group: group.id,
    severity: item.severity ?? group.severity,
    note: item.note,
    applicable,
    mustBeOff,
    ...(item.error !== undefined ? { error: item.error } : {}),
    ...(item.when ? { condition: describeCondition(item.when) } : {}),
  };

  if ('choice' in item) {
    const options = item.choice.map(optionName);
    const chosen = options.find((o) => isSet(config, o));
    if (chosen === undefined) {
      return { ...base, kind: 'choice', option: options.join('|'), options, value: null, state: 'missing', ok: true };
    }
    const state = optionState(config, chosen);
    const good = item.good.map(optionName).includes(chosen);
    return { ...base, kind: 'choice', option: chosen, options, value: rawValue(config, chosen), state, ok: !applicable || good };
  }

  const names = 'anyOf' in item ? item.anyOf : [item.option];
  const options = names.map(optionName);
  const kind = 'anyOf' in item ? 'anyOf' : 'option';
  const states = options.map((o) => optionState(config, o));
  // Prefer built-in over module over missing when several are given.
  const pick = states.indexOf('enabled') >= 0 ? states.indexOf('enabled') : states.indexOf('module');
  const chosen = pick >= 0 ? (options[pick] as string) : undefined;
  const value = chosen !== undefined ? rawValue(config, chosen) : firstRaw(config, options);
  const found: 'enabled' | 'module' | 'missing' = pick >= 0 ? (states[pick] as 'enabled' | 'module') : 'missing';

  if (mustBeOff) {
    const state: VerdictState = found === 'missing' ? 'off-ok' : 'on-bad';
    return { ...base, kind, option: options.join('|'), options, value, state, ok: !applicable || state === 'off-ok' };
  }
  return { ...base, kind, option: options.join('|'), options, value, state: found, ok: !applicable || found !== 'missing' };
}

function firstRaw(config: KernelConfig, options: string[]): string | null {
  for (const o of options) {
    const v = rawValue(config, o);
    if (v !== null) return v;
  }
  return null;
}

/**
 * One verdict per item, in data order. `kernelVersion` is the running
 * kernel's release (uname -r); when null the config header's version is
 * used, and when that is unknown too every version condition holds.
 */
export function evaluateRequirementSet(
  set: RequirementSet,
  config: KernelConfig,
  kernelVersion: string | null,
): OptionVerdict[] {
  const versionText = kernelVersion ?? config.version;
  const version = versionText === null ? null : parseKernelVersion(versionText);
  const verdicts: OptionVerdict[] = [];
  for (const group of set.groups) {
    for (const item of group.items) verdicts.push(evaluateItem(item, group, config, version));
  }
  return verdicts;
}

/** Every option name (CONFIG_X) a set checks (not the unlessSet condition options). */
export function requirementSetOptions(set: RequirementSet): string[] {
  const names = new Set<string>();
  for (const group of set.groups) {
    for (const item of group.items) {
      const list = 'choice' in item ? item.choice : 'anyOf' in item ? item.anyOf : [item.option];
      for (const o of list) names.add(optionName(o));
    }
  }
  return [...names];
}
