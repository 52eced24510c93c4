// Reading a defconfig: every option droidcheck evaluates that the defconfig
// leaves out is resolved to what `make olddefconfig` would give it, from the
// Kconfig facts in kernel-configs/kconfig-defaults.json (type, prompt,
// "depends on", defaults, selects; generated from linux-source-6.1 by
// scripts/kconfig-table.mjs) and the dated changes in
// kernel-configs/kconfig-default-changes.json. Pure once the table is loaded.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KernelConfig } from '../config.js';
import { evalExpr, type ExprEnv, type Tri } from './kconfig-expr.js';

export type KconfigArch = 'x86' | 'arm64';

interface Def {
  arch?: string;
  dep?: string;
  /** true, or the prompt's "if" condition. */
  prompt?: true | string;
  /** [value, condition?] in file order. */
  defaults?: Array<[string] | [string, string]>;
  choice?: string;
}

export interface KconfigSymbol {
  type: 'bool' | 'tristate' | 'int' | 'hex' | 'string' | 'undefined';
  defs?: Def[];
  /** `if` is the select's condition and the selecting entry's own dependencies (Kconfig ANDs them). */
  selectedBy?: Array<{ by: string; if?: string; arch?: string }>;
}

export interface KconfigTable {
  schema: 1;
  source: string;
  kernel: string | null;
  evaluated: string[];
  symbols: Record<string, KconfigSymbol>;
  choices: Record<string, { members: string[]; dep?: string; arch?: string; defaults: Array<[string] | [string, string]> }>;
}

export interface DefaultChange {
  option: string;
  /** The kernel version the change landed in. */
  kernel: string;
  change: string;
}

let cached: { table: KconfigTable; changes: DefaultChange[] } | null = null;

/** The bundled table (kernel-configs/kconfig-defaults.json) and dated changes. */
export function bundledKconfigTable(): { table: KconfigTable; changes: DefaultChange[] } {
  if (!cached) {
    const dir = new URL('../../../../kernel-configs/', import.meta.url);
    const table = JSON.parse(readFileSync(fileURLToPath(new URL('kconfig-defaults.json', dir)), 'utf8')) as KconfigTable;
    const changes = (JSON.parse(readFileSync(fileURLToPath(new URL('kconfig-default-changes.json', dir)), 'utf8')) as { changes: DefaultChange[] }).changes;
    cached = { table, changes };
  }
  return cached;
}

/** The architecture a config is for: its header, else the options only one architecture has. */
export function guessArch(config: KernelConfig, headerText = ''): KconfigArch {
  const header = /^# Linux\/(\S+) /m.exec(headerText)?.[1];
  if (header) return /^(x86|i386|x86_64)$/.test(header) ? 'x86' : 'arm64';
  let arm = 0;
  let x86 = 0;
  for (const name of [...config.values.keys(), ...config.unset]) {
    if (/^CONFIG_(ARM64|ARCH_(QCOM|MEDIATEK|EXYNOS|HISI|ROCKCHIP|SUNXI|MESON|TEGRA|BCM)|ARM_|ARM64_|CPU_BIG_ENDIAN|ANDROID)/.test(name)) arm++;
    if (/^CONFIG_(X86|IA32|INTEL_|AMD_|ACPI|PCI_MSI|HPET|MICROCODE|KVM_INTEL)/.test(name)) x86++;
  }
  return x86 > arm ? 'x86' : 'arm64';
}

const TRI: Record<string, Tri> = { y: 2, m: 1, n: 0 };
const triText = (t: Tri): string => (t === 2 ? 'y' : t === 1 ? 'm' : 'n');

export interface Resolved {
  /** name (no CONFIG_) -> tristate value for bool/tristate symbols. */
  tri(name: string): Tri;
  /** Why the symbol has its value. */
  why(name: string): string;
}

/** olddefconfig's value of every symbol in the table for this defconfig. */
export function resolveDefconfig(config: KernelConfig, arch: KconfigArch, table: KconfigTable = bundledKconfigTable().table): Resolved {
  const memo = new Map<string, Tri>();
  const reason = new Map<string, string>();
  const busy = new Set<string>();
  const provisional = new Map<string, Tri>();
  const explicit = (name: string): string | undefined => {
    const full = `CONFIG_${name}`;
    if (config.values.has(full)) return config.values.get(full);
    return config.unset.has(full) ? 'n' : undefined;
  };
  const defsOf = (s: KconfigSymbol): Def[] => (s.defs ?? []).filter((d) => d.arch === undefined || d.arch === arch);
  const env: ExprEnv = {
    tri: (n) => tri(n),
    text: (n) => {
      const s = table.symbols[n];
      if (s && (s.type === 'bool' || s.type === 'tristate')) return triText(tri(n));
      const e = explicit(n);
      if (e !== undefined) return e.replace(/^"|"$/g, '');
      const d = s ? defsOf(s).flatMap((x) => x.defaults ?? []).find((x) => x[1] === undefined || evalExpr(x[1], env) > 0) : undefined;
      return d ? d[0].replace(/^"|"$/g, '') : '';
    },
  };
  const modules = (): Tri => tri('MODULES');

  function choiceTri(name: string, s: KconfigSymbol, id: string): Tri {
    const c = table.choices[id];
    if (!c) return 0;
    const dep = evalExpr(c.dep ?? '', env);
    if (dep === 0) return 0;
    const visible = c.members.filter((m) => {
      const ms = table.symbols[m];
      return ms !== undefined && defsOf(ms).some((d) => evalExpr(d.dep ?? '', env) > 0);
    });
    const chosenExplicit = visible.find((m) => explicit(m) === 'y');
    if (chosenExplicit) {
      reason.set(name, chosenExplicit === name ? 'set in the file' : `choice: ${chosenExplicit} is set in the file`);
      return chosenExplicit === name ? 2 : 0;
    }
    const def = c.defaults.find((d) => visible.includes(d[0]) && (d[1] === undefined || evalExpr(d[1], env) > 0))?.[0] ?? visible[0];
    reason.set(name, `choice default: ${def ?? 'none'}`);
    void s;
    return def === name ? 2 : 0;
  }

  function compute(name: string): Tri {
    const s = table.symbols[name];
    const e = explicit(name);
    if (!s || s.type === 'undefined') {
      reason.set(name, e !== undefined ? 'set in the file (not in the Kconfig table)' : 'not in the Kconfig table: off unless set');
      return e !== undefined ? (TRI[e] ?? 2) : 0;
    }
    if (s.type !== 'bool' && s.type !== 'tristate') return 0;
    const defs = defsOf(s);
    if (defs.length === 0) {
      reason.set(name, `not defined for ${arch}`);
      return 0;
    }
    const choice = defs.find((d) => d.choice)?.choice;
    if (choice) return choiceTri(name, s, choice);
    let visible: Tri = 0;
    for (const d of defs) {
      if (d.prompt === undefined) continue;
      const v = Math.min(evalExpr(d.dep ?? '', env), d.prompt === true ? 2 : evalExpr(d.prompt, env)) as Tri;
      if (v > visible) visible = v;
    }
    let value: Tri = 0;
    if (visible > 0 && e !== undefined) {
      value = Math.min(TRI[e] ?? 0, visible) as Tri;
      reason.set(name, value === (TRI[e] ?? 0) ? 'set in the file' : `set to ${e} in the file, but its dependencies allow at most ${triText(visible)}`);
    } else {
      reason.set(name, e !== undefined && visible === 0 ? `set in the file, but not settable (${defs.map((d) => d.dep).filter(Boolean).join(' || ') || 'no prompt'}): Kconfig computes it` : 'default n');
      outer: for (const d of defs) {
        for (const [v, cond] of d.defaults ?? []) {
          const when = Math.min(evalExpr(cond ?? '', env), evalExpr(d.dep ?? '', env)) as Tri;
          if (when === 0) {
            if (d.dep && evalExpr(d.dep, env) === 0 && e === undefined) reason.set(name, `off: depends on ${d.dep}, which does not hold`);
            continue;
          }
          value = Math.min(evalExpr(v, env), when) as Tri;
          reason.set(name, `default ${v}${cond ? ` if ${cond}` : ''}${d.dep ? ` (depends on ${d.dep})` : ''}`);
          break outer;
        }
      }
    }
    // A selector's condition can name this symbol (its menu depends on it): it sees the value so far.
    provisional.set(name, value);
    for (const sel of s.selectedBy ?? []) {
      if (sel.arch !== undefined && sel.arch !== arch) continue;
      const by = Math.min(tri(sel.by), evalExpr(sel.if ?? '', env)) as Tri;
      if (by > value) {
        value = by;
        reason.set(name, `selected by ${sel.by}${sel.if ? ` if ${sel.if}` : ''}`);
      }
    }
    if (value === 1 && (s.type === 'bool' || modules() === 0)) value = 2;
    return value;
  }

  function tri(name: string): Tri {
    const known = memo.get(name);
    if (known !== undefined) return known;
    if (busy.has(name)) return provisional.get(name) ?? 0; // only through a select's condition; Kconfig forbids other loops
    busy.add(name);
    const v = compute(name);
    busy.delete(name);
    memo.set(name, v);
    return v;
  }
  return { tri, why: (n) => (tri(n), reason.get(n) ?? '') };
}

/**
 * A full config for what droidcheck evaluates: the defconfig's own lines plus
 * every table symbol resolved by Kconfig's rules; `defaults` says which
 * values came from a default (or a select) and why.
 */
export function expandDefconfig(config: KernelConfig, arch: KconfigArch, loaded = bundledKconfigTable()): KernelConfig {
  const r = resolveDefconfig(config, arch, loaded.table);
  const values = new Map(config.values);
  const unset = new Set(config.unset);
  const defaults = new Map<string, string>();
  for (const [name, s] of Object.entries(loaded.table.symbols)) {
    if (s.type !== 'bool' && s.type !== 'tristate') continue;
    const full = `CONFIG_${name}`;
    const v = r.tri(name);
    const before = config.values.get(full) ?? (config.unset.has(full) ? 'n' : undefined);
    const after = triText(v);
    if (before === after || (before === undefined && after === 'n' && !loaded.table.evaluated.includes(name))) continue;
    if (v === 0) {
      values.delete(full);
      unset.add(full);
    } else {
      values.set(full, after);
      unset.delete(full);
    }
    const changes = loaded.changes.filter((c) => c.option === name).map((c) => `Linux ${c.kernel}: ${c.change}`);
    defaults.set(full, `${after}: ${r.why(name)} (Kconfig of Linux ${loaded.table.kernel ?? '?'}${changes.length ? `; ${changes.join('; ')}` : ''})`);
  }
  return { ...config, values, unset, defaults };
}
