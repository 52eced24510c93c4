// `droidcheck probe --fragment`: the config fragment that makes this kernel
// container-ready, for its version and architecture. The options the
// requirement sets (kernel-configs/*.json) want and the kernel lacks, plus
// what each depends on in Kconfig (kernel-configs/kconfig-defaults.json), in
// dependency order, each with what it fixes and which check wants it. Pure.

import type { KernelConfig } from './config.js';
import { evaluateRequirementSet, type OptionVerdict, type RequirementSet } from './requirements.js';
import { bundledKconfigTable, resolveDefconfig, type KconfigArch, type KconfigTable } from './input/defconfig.js';
import { evalExpr, type ExprEnv, type Tri } from './input/kconfig-expr.js';
import { compareKernelVersion, parseKernelVersion } from './version.js';

export type FragmentSection = 'runc' | 'docker' | 'optional';

export const SECTION_TITLES: Record<FragmentSection, string> = {
  runc: 'needed for runc/droidcheck (a container with its own namespaces, /dev/mqueue and device rules)',
  docker: 'needed for Docker (dockerd: bridge networking, NAT, the cgroup controllers it asks for)',
  optional: 'optional (limits, swap accounting, overlay networks, other storage drivers)',
};

export interface FragmentLine {
  option: string;
  value: 'y' | 'm' | 'n';
  section: FragmentSection;
  /** What it fixes, and which check wants it ("kconfig.android", "ns.ipc"...); for dependencies, which option needs it. */
  comment: string;
  /** Set when added only because another option depends on it. */
  dependencyOf?: string;
}

export interface Fragment {
  lines: FragmentLine[];
  /** Options wanted but not settable here (not in this architecture's Kconfig, out of tree, or blocked by a "depends on !X"). */
  notes: string[];
  caveats: string[];
  version: string | null;
  arch: KconfigArch;
}

export interface FragmentInput {
  config: KernelConfig;
  version: string | null;
  arch: KconfigArch;
  /** The Android set and moby's check-config set. */
  android: RequirementSet;
  moby: RequirementSet;
  /** CONFIG_ name -> ids of probe checks whose remediation asks for it. */
  wantedBy?: Map<string, string[]>;
  table?: KconfigTable;
}

/** Options that change the frozen GKI kernel ABI (structs vendor modules were built against). */
const KABI_SENSITIVE: Record<string, string> = {
  SYSVIPC: 'GKI/kABI: turning SYSVIPC on changes struct task_struct (sysvsem/sysvshm) and the IPC namespace; vendor modules built against the frozen KMI then see a different layout: a boot loop unless the kABI is preserved (Droidspaces ships kABI patches for GKI: Documentation/Kernel-Configuration.md)',
  IPC_NS: 'GKI/kABI: needs SYSVIPC or POSIX_MQUEUE, with the same kABI risk; naive enabling on GKI can bootloop (Droidspaces)',
  POSIX_MQUEUE: 'GKI/kABI: changes struct user_struct/ipc_namespace; on GKI 5.10 and older Droidspaces carries an extra kABI patch for it',
  USER_NS: 'GKI: vendor modules are unaffected, but SELinux policy and apps may behave differently with user namespaces on',
};

function isAndroid(config: KernelConfig): boolean {
  return ['CONFIG_ANDROID', 'CONFIG_ANDROID_BINDER_IPC', 'CONFIG_ANDROID_PARANOID_NETWORK'].some((o) => config.values.has(o));
}

function isGki(config: KernelConfig): boolean {
  return config.values.has('CONFIG_GKI_HACKS_TO_FIX') || config.values.has('CONFIG_GKI_HIDDEN_DRM_CONFIGS') || /-android\d+-/.test(config.version ?? '');
}

function sectionOf(v: OptionVerdict, set: 'android' | 'moby'): FragmentSection {
  if (set === 'android' && v.severity === 'required') return 'runc';
  if (set === 'moby' && v.severity === 'required') return 'docker';
  if (set === 'android' && v.group === 'networking') return 'docker';
  return 'optional';
}

/** The "&&" terms of a Kconfig expression, flattened, outer parentheses removed. */
function andTerms(expr: string): string[] {
  const t = strip(expr);
  if (t === '') return [];
  const parts = splitTop(t, '&&');
  return parts.length === 1 ? [t] : parts.flatMap(andTerms);
}

function splitTop(expr: string, op: '&&' | '||'): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && expr.startsWith(op, i)) {
      out.push(expr.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  out.push(expr.slice(start));
  return out.map(strip).filter((t) => t !== '');
}

function strip(term: string): string {
  let t = term.trim();
  while (t.startsWith('(') && t.endsWith(')')) {
    let depth = 0;
    let wraps = true;
    for (let i = 0; i < t.length - 1; i++) {
      if (t[i] === '(') depth++;
      else if (t[i] === ')') depth--;
      if (depth === 0) {
        wraps = false;
        break;
      }
    }
    if (!wraps) break;
    t = t.slice(1, -1).trim();
  }
  return t;
}

function orTerms(expr: string): string[] {
  return splitTop(strip(expr), '||');
}

export function buildFragment(input: FragmentInput): Fragment {
  const table = input.table ?? bundledKconfigTable().table;
  const changes = bundledKconfigTable().changes;
  const { arch } = input;
  const lines: FragmentLine[] = [];
  const notes: string[] = [];
  // The config as it would be with the fragment so far: explicit values = the file's, overridden by the fragment.
  const values = new Map(input.config.values);
  const unset = new Set(input.config.unset);
  let resolved = resolveDefconfig({ ...input.config, values, unset }, arch, table);
  const refresh = (): void => {
    resolved = resolveDefconfig({ ...input.config, values, unset }, arch, table);
  };
  const env: ExprEnv = { tri: (n) => resolved.tri(n), text: (n) => (resolved.tri(n) === 2 ? 'y' : resolved.tri(n) === 1 ? 'm' : 'n') };
  const defsOf = (name: string) => (table.symbols[name]?.defs ?? []).filter((d) => d.arch === undefined || d.arch === arch);
  const settable = (name: string): boolean => defsOf(name).some((d) => d.prompt !== undefined);
  const emitted = new Set<string>();
  const own = parseKernelVersion(input.version);
  const tableVersion = parseKernelVersion(table.kernel);
  const olderThanTable = own !== null && tableVersion !== null && compareKernelVersion(own, tableVersion) < 0;

  function set(name: string, value: 'y' | 'm' | 'n', section: FragmentSection, comment: string, dependencyOf?: string): void {
    if (emitted.has(name)) return;
    emitted.add(name);
    const full = `CONFIG_${name}`;
    if (value === 'n') {
      values.delete(full);
      unset.add(full);
    } else {
      values.set(full, value);
      unset.delete(full);
    }
    lines.push({ option: full, value, section, comment, ...(dependencyOf ? { dependencyOf } : {}) });
    refresh();
  }

  /** Makes `name` y (or m where its dependencies allow only m), its dependencies first. */
  function enable(name: string, section: FragmentSection, comment: string, stack: string[] = [], dependencyOf?: string): boolean {
    if (stack.includes(name) || stack.length > 12) return resolved.tri(name) > 0;
    const s = table.symbols[name];
    if (!s || s.type === 'undefined') {
      // Gone by the table's kernel but wanted at this (older) version, e.g. DEVPTS_MULTIPLE_INSTANCES before 4.7: set it, unchecked.
      if (stack.length === 0 && olderThanTable) {
        set(name, 'y', section, `${comment} (for Linux ${input.version}: gone by Linux ${table.kernel}, so its dependencies are not checked here)`, dependencyOf);
        return true;
      }
      notes.push(`CONFIG_${name} is not in Linux ${table.kernel}'s Kconfig (out of tree, or gone by then): set it by hand if this kernel has it (${comment})`);
      return false;
    }
    const added = changes.find((c) => c.option === name && c.change.startsWith('added'));
    const addedIn = added ? parseKernelVersion(added.kernel) : null;
    if (own && addedIn && compareKernelVersion(own, addedIn) < 0) {
      notes.push(`CONFIG_${name} does not exist before Linux ${added?.kernel} (this kernel is ${input.version}): it needs a newer kernel or a backport (${comment})`);
      return false;
    }
    const defs = defsOf(name);
    if (defs.length === 0) {
      notes.push(`CONFIG_${name} does not exist on ${arch} (${comment})`);
      return false;
    }
    for (const d of defs) {
      for (const term of andTerms(d.dep ?? '')) {
        if (evalExpr(term, env) > 0) continue;
        const alternatives = orTerms(term);
        let done = false;
        for (const alt of alternatives) {
          if (/^[A-Za-z0-9_]+$/.test(alt) && table.symbols[alt] && (settable(alt) || resolved.tri(alt) > 0)) {
            done = enable(alt, section, `needed by CONFIG_${name}`, [...stack, name], `CONFIG_${dependencyOf ?? name}`);
            if (done) break;
          }
        }
        if (!done && evalExpr(term, env) === 0) {
          notes.push(`CONFIG_${name}: its dependency "${term}" cannot be met by this fragment (${comment})`);
          return false;
        }
      }
      if (typeof d.prompt === 'string' && evalExpr(d.prompt, env) === 0) {
        for (const term of andTerms(d.prompt)) {
          if (/^[A-Za-z0-9_]+$/.test(term) && settable(term)) enable(term, section, `makes CONFIG_${name} settable`, [...stack, name], `CONFIG_${dependencyOf ?? name}`);
        }
      }
    }
    if (!settable(name)) {
      if (resolved.tri(name) > 0) return true;
      // No prompt: Kconfig turns it on when something selects it; enable the first selector that can be set.
      const selectors = (s.selectedBy ?? []).filter((x) => (x.arch === undefined || x.arch === arch) && settable(x.by));
      for (const sel of selectors.slice(0, 3)) {
        if (enable(sel.by, section, `selects CONFIG_${name}, which CONFIG_${dependencyOf ?? stack[stack.length - 1] ?? name} needs`, [...stack, name], `CONFIG_${dependencyOf ?? name}`) && resolved.tri(name) > 0) return true;
      }
      const by = (s.selectedBy ?? []).filter((x) => x.arch === undefined || x.arch === arch).map((x) => x.by).slice(0, 3);
      notes.push(`CONFIG_${name} has no prompt: Kconfig sets it${by.length ? ` when one of ${by.map((b) => `CONFIG_${b}`).join(', ')} is on` : ''} (${comment})`);
      return false;
    }
    // A dependency already on needs no line; an option a check wants gets one even when the new dependencies turned it on by default.
    if (resolved.tri(name) > 0 && (stack.length > 0 || values.get(`CONFIG_${name}`) === 'y')) return true;
    set(name, 'y', section, comment, dependencyOf);
    const after: Tri = resolved.tri(name);
    if (after === 1) {
      // A dependency is a module: the option can only be a module too.
      const line = lines.find((l) => l.option === `CONFIG_${name}`);
      if (line) line.value = 'm';
      values.set(`CONFIG_${name}`, 'm');
      refresh();
    }
    return resolved.tri(name) > 0;
  }

  const wantedBy = input.wantedBy ?? new Map<string, string[]>();
  const plan: Array<{ v: OptionVerdict; set: 'android' | 'moby' }> = [
    ...evaluateRequirementSet(input.android, input.config, input.version).map((v) => ({ v, set: 'android' as const })),
    ...evaluateRequirementSet(input.moby, input.config, input.version).map((v) => ({ v, set: 'moby' as const })),
  ];
  const order: FragmentSection[] = ['runc', 'docker', 'optional'];
  const storageDone = new Set<string>();
  for (const section of order) {
    for (const { v, set: setName } of plan) {
      if (!v.applicable || v.ok || sectionOf(v, setName) !== section) continue;
      // Storage drivers are alternatives: overlay is the one to add.
      if (setName === 'moby' && v.group.startsWith('storage-') && v.group !== 'storage-overlay') continue;
      if (storageDone.has(v.option)) continue;
      storageDone.add(v.option);
      const checks = [setName === 'android' ? 'kconfig.android' : 'kconfig.moby', ...(wantedBy.get(v.options[0] as string) ?? [])];
      const comment = `${v.error ?? v.note} [${[...new Set(checks)].join(', ')}]`;
      const name = (v.options[0] as string).replace(/^CONFIG_/, '');
      if (v.mustBeOff) {
        for (const o of v.options) if (resolved.tri(o.replace(/^CONFIG_/, '')) > 0) set(o.replace(/^CONFIG_/, ''), 'n', section, comment);
        continue;
      }
      if (v.kind === 'choice') {
        notes.push(`${v.option}: pick one of ${v.options.join(', ')} in menuconfig (${comment})`);
        continue;
      }
      // anyOf: the first that this architecture's Kconfig has.
      const pick = v.options.map((o) => o.replace(/^CONFIG_/, '')).find((o) => defsOf(o).length > 0) ?? name;
      enable(pick, section, comment);
    }
  }
  // Lines of a dependency belong with the first option that needed them; a later, stricter section keeps them.
  const caveats: string[] = [];
  if (isAndroid(input.config)) {
    caveats.push('Android: changing the config of a vendor kernel means building and flashing that kernel (boot.img); keep a working boot.img to fall back to.');
    if (isGki(input.config)) {
      caveats.push('GKI: the kernel module interface (KMI/kABI) is frozen per branch; options that change struct layouts break the vendor modules built against it. Build the whole kernel and its modules from the same tree, or keep the kABI (Droidspaces: Documentation/Kernel-Configuration.md and its GKI kABI patches).');
    }
    for (const l of lines) {
      const k = KABI_SENSITIVE[l.option.replace(/^CONFIG_/, '')];
      if (k && l.value !== 'n') l.comment += ` -- CAUTION ${k}`;
    }
  }
  return { lines, notes, caveats, version: input.version, arch };
}

export function renderFragment(f: Fragment, source: string): string {
  const out: string[] = [
    `# droidcheck fragment for ${source}`,
    `# Linux ${f.version ?? '(version unknown)'} ${f.arch}; dependencies from Linux ${bundledKconfigTable().table.kernel}'s Kconfig.`,
    '# Merge: scripts/kconfig/merge_config.sh -m .config THIS_FILE && make olddefconfig',
  ];
  for (const c of f.caveats) out.push(`# CAUTION: ${c}`);
  for (const section of ['runc', 'docker', 'optional'] as const) {
    const lines = f.lines.filter((l) => l.section === section);
    out.push('', `# --- ${SECTION_TITLES[section]} ---`);
    if (lines.length === 0) out.push('# (nothing missing)');
    for (const l of lines) {
      out.push(`# ${l.dependencyOf && !l.comment.includes(l.dependencyOf) ? `${l.comment}, for ${l.dependencyOf}` : l.comment}`);
      out.push(l.value === 'n' ? `# ${l.option} is not set` : `${l.option}=${l.value}`);
    }
  }
  if (f.notes.length) out.push('', '# --- not in this fragment ---', ...f.notes.map((n) => `# ${n}`));
  return out.join('\n') + '\n';
}
