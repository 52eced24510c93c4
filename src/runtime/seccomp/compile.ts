// config.json's linux.seccomp (the runtime-spec profile: default action,
// architectures, syscall rules with argument conditions) compiled to one
// classic-BPF filter, as libseccomp would build it for runc, but in plain
// TypeScript so droidcheck-init can install it without libseccomp. Pure.
//
// Semantics: per architecture, the first rule that matches a call decides
// (libseccomp orders rules by its own priorities; the profiles runc and Docker
// ship give a call one action, so the order does not change what they mean).
// A call from an architecture the filter does not list gets SCMP_ACT_KILL_PROCESS,
// libseccomp's bad-architecture action.

import { assemble, BPF, SECCOMP_DATA, toHex, type Insn } from './bpf.js';
import { syscallNumbers } from '../../sys/syscalls.js';
import { fieldError } from '../validate.js';

/** AUDIT_ARCH_* values, by the machine names droidcheck uses. */
const AUDIT_ARCH: Record<string, number> = { x86_64: 0xc000003e, x86: 0x40000003, aarch64: 0xc00000b7, arm: 0x40000028 };
const ARCH_OF_SCMP: Record<string, string> = { SCMP_ARCH_X86_64: 'x86_64', SCMP_ARCH_X86: 'x86', SCMP_ARCH_AARCH64: 'aarch64', SCMP_ARCH_ARM: 'arm' };
const BITS64 = new Set(['x86_64', 'aarch64']);
/** x86_64's x32 ABI marks its call numbers with this bit. */
const X32_BIT = 0x40000000;

const RET = { KILL_PROCESS: 0x80000000, KILL_THREAD: 0, TRAP: 0x00030000, ERRNO: 0x00050000, TRACE: 0x7ff00000, LOG: 0x7ffc0000, ALLOW: 0x7fff0000 } as const;
const EPERM = 1;
const ACTIONS = ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG'];
const OPS = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'];

export interface CompiledSeccomp {
  /** struct sock_filter[] as hex (see bpf.ts toHex). */
  hex: string;
  instructions: number;
  /** Machine names the filter has a section for. */
  arches: string[];
  rules: number;
  defaultAction: string;
  /** What the filter does differently from the profile, and why. */
  notes: string[];
}

interface Cond {
  index: number;
  value: bigint;
  valueTwo: bigint;
  op: string;
}
interface Rule {
  names: string[];
  ret: number;
  conds: Cond[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(field: string, value: unknown, allowed: string): never {
  throw new Error(fieldError(field, value, allowed));
}

function u64(v: unknown, field: string): bigint {
  if (v === undefined) return 0n;
  // JSON numbers are doubles: above 2^53 the value in the file is not the value read.
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(field, v, 'an unsigned integer below 2^53');
  return BigInt(v);
}

function errnoRet(v: unknown, field: string): number {
  if (v === undefined) return EPERM;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 4095) fail(field, v, 'an errno number from 0 to 4095');
  return v;
}

/** An action name to a SECCOMP_RET_* value, adjusted for kernels that lack it. */
function actionRet(action: unknown, errno: number, field: string, kernel: readonly [number, number] | null, notes: Set<string>): number {
  if (typeof action !== 'string' || !ACTIONS.includes(action)) {
    if (action === 'SCMP_ACT_NOTIFY') fail(field, action, 'SCMP_ACT_NOTIFY needs a seccomp agent, which droidcheck does not have; use --runtime runc');
    fail(field, action, `one of ${ACTIONS.join(', ')}`);
  }
  const old = kernel !== null && kernel[0] * 100 + kernel[1] < 414;
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return RET.KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS':
      if (old) notes.add('SCMP_ACT_KILL_PROCESS kills only the calling thread before Linux 4.14');
      return RET.KILL_PROCESS;
    case 'SCMP_ACT_TRAP':
      return RET.TRAP;
    case 'SCMP_ACT_ERRNO':
      return RET.ERRNO | errno;
    case 'SCMP_ACT_TRACE':
      return RET.TRACE | errno;
    case 'SCMP_ACT_LOG':
      // A kernel before 4.14 kills on an action it does not know: allow instead, and say so.
      if (old) {
        notes.add('SCMP_ACT_LOG became SCMP_ACT_ALLOW: kernels before 4.14 cannot log and would kill instead');
        return RET.ALLOW;
      }
      return RET.LOG;
    default:
      return RET.ALLOW;
  }
}

function readRules(profile: Obj, kernel: readonly [number, number] | null, notes: Set<string>): Rule[] {
  const syscalls = profile['syscalls'] ?? [];
  if (!Array.isArray(syscalls)) fail('.linux.seccomp.syscalls', syscalls, 'an array');
  const rules: Rule[] = [];
  syscalls.forEach((s: unknown, i: number) => {
    const at = `.linux.seccomp.syscalls[${i}]`;
    if (!isObj(s)) fail(at, s, 'an object');
    const names = s['names'];
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) fail(`${at}.names`, names, 'an array of system call names');
    const ret = actionRet(s['action'], errnoRet(s['errnoRet'], `${at}.errnoRet`), `${at}.action`, kernel, notes);
    const args = s['args'] ?? [];
    if (!Array.isArray(args)) fail(`${at}.args`, args, 'an array');
    const conds = args.map((a: unknown, j: number): Cond => {
      const af = `${at}.args[${j}]`;
      if (!isObj(a)) fail(af, a, 'an object');
      const index = a['index'];
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 5) fail(`${af}.index`, index, 'an argument index from 0 to 5');
      if (typeof a['op'] !== 'string' || !OPS.includes(a['op'])) fail(`${af}.op`, a['op'], `one of ${OPS.join(', ')}`);
      return { index, value: u64(a['value'], `${af}.value`), valueTwo: u64(a['valueTwo'], `${af}.valueTwo`), op: a['op'] };
    });
    // libseccomp takes one condition per argument: several on one argument are
    // separate rules (as runc splits them), each with the other arguments' conditions.
    const byIndex = new Map<number, Cond[]>();
    for (const c of conds) byIndex.set(c.index, [...(byIndex.get(c.index) ?? []), c]);
    const single = conds.filter((c) => byIndex.get(c.index)!.length === 1);
    const multi = conds.filter((c) => byIndex.get(c.index)!.length > 1);
    if (multi.length === 0) rules.push({ names: names as string[], ret, conds });
    else for (const c of multi) rules.push({ names: names as string[], ret, conds: [...single, c] });
  });
  return rules;
}

/** Exact names: a runtime-spec profile lists setresuid and setresuid32 each where it means them. */
function tableOf(arch: string): ReadonlyMap<string, number> {
  return syscallNumbers(arch);
}

/** One condition on the loaded call: falls through on a match, jumps to `miss` otherwise. */
function condition(c: Cond, wide: boolean, miss: string, ok: string): Insn[] {
  const lo = Number(c.value & 0xffffffffn);
  const hi = Number(c.value >> 32n);
  const ldLo: Insn = { op: 'ld', offset: SECCOMP_DATA.argLow(c.index) };
  const ldHi: Insn = { op: 'ld', offset: SECCOMP_DATA.argHigh(c.index) };
  const j = (code: number, k: number, jt: string, jf: string): Insn => ({ op: 'jmp', code, k, jt, jf });
  const out: Insn[] = [];
  switch (c.op) {
    case 'SCMP_CMP_EQ':
      if (wide) out.push(ldHi, j(BPF.JEQ_K, hi, 'next', miss));
      out.push(ldLo, j(BPF.JEQ_K, lo, ok, miss));
      break;
    case 'SCMP_CMP_NE':
      if (wide) out.push(ldHi, j(BPF.JEQ_K, hi, 'next', ok));
      out.push(ldLo, j(BPF.JEQ_K, lo, miss, ok));
      break;
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE':
      if (wide) out.push(ldHi, j(BPF.JGT_K, hi, ok, 'next'), j(BPF.JEQ_K, hi, 'next', miss));
      out.push(ldLo, j(c.op === 'SCMP_CMP_GT' ? BPF.JGT_K : BPF.JGE_K, lo, ok, miss));
      break;
    case 'SCMP_CMP_LT':
    case 'SCMP_CMP_LE':
      if (wide) out.push(ldHi, j(BPF.JGT_K, hi, miss, 'next'), j(BPF.JEQ_K, hi, 'next', ok));
      out.push(ldLo, j(c.op === 'SCMP_CMP_LT' ? BPF.JGE_K : BPF.JGT_K, lo, miss, ok));
      break;
    default: {
      // SCMP_CMP_MASKED_EQ: (arg & value) == valueTwo.
      const dlo = Number(c.valueTwo & 0xffffffffn);
      const dhi = Number(c.valueTwo >> 32n);
      if (wide) out.push(ldHi, { op: 'and', k: hi }, j(BPF.JEQ_K, dhi, 'next', miss));
      out.push(ldLo, { op: 'and', k: lo }, j(BPF.JEQ_K, dlo, ok, miss));
    }
  }
  out.push({ op: 'label', name: ok });
  return out;
}

function section(arch: string, rules: readonly Rule[], defaultRet: number, badArch: number, known: Set<string>): { insns: Insn[]; count: number } {
  const table = tableOf(arch);
  const wide = BITS64.has(arch);
  const L = (s: string): string => `${arch}:${s}`;
  const insns: Insn[] = [{ op: 'label', name: L('start') }, { op: 'ld', offset: SECCOMP_DATA.nr }];
  if (arch === 'x86_64') insns.push({ op: 'jmp', code: BPF.JGE_K, k: X32_BIT, jt: 'next', jf: L('native') }, { op: 'ret', k: badArch }, { op: 'label', name: L('native') });
  let count = 0;
  let n = 0;
  // Consecutive unconditional rules with one action share one return: up to 200 calls a group, so jt stays below 256.
  let group: number[] = [];
  let groupRet = -1;
  const flush = (): void => {
    if (!group.length) return;
    const id = n++;
    for (const nr of group) insns.push({ op: 'jmp', code: BPF.JEQ_K, k: nr, jt: L(`g${id}`), jf: 'next' });
    insns.push({ op: 'ja', to: L(`g${id}:end`) }, { op: 'label', name: L(`g${id}`) }, { op: 'ret', k: groupRet }, { op: 'label', name: L(`g${id}:end`) });
    group = [];
  };
  for (const rule of rules) {
    const nrs = rule.names.flatMap((name) => {
      const nr = table.get(name);
      if (nr === undefined) return [];
      known.add(name);
      return [nr];
    });
    if (!nrs.length) continue;
    count++;
    if (!rule.conds.length) {
      if (groupRet !== rule.ret) flush();
      groupRet = rule.ret;
      for (const nr of nrs) {
        if (group.length === 200) flush();
        group.push(nr);
      }
      continue;
    }
    flush();
    for (const nr of nrs) {
      const id = n++;
      const miss = L(`r${id}:miss`);
      insns.push({ op: 'jmp', code: BPF.JEQ_K, k: nr, jt: 'next', jf: miss });
      rule.conds.forEach((c, ci) => insns.push(...condition(c, wide, miss, L(`r${id}:ok${ci}`))));
      insns.push({ op: 'ret', k: rule.ret }, { op: 'label', name: miss }, { op: 'ld', offset: SECCOMP_DATA.nr });
    }
  }
  flush();
  insns.push({ op: 'ret', k: defaultRet });
  return { insns, count };
}

/**
 * Compiles linux.seccomp for a launcher of machine `native` (x86_64, aarch64,
 * arm, x86) on a kernel of version `kernel`. Throws with the field, the value
 * and what is allowed when the profile cannot be honoured.
 */
export function compileSeccomp(profile: unknown, native: string, kernel: readonly [number, number] | null): CompiledSeccomp {
  if (!isObj(profile)) fail('.linux.seccomp', profile, 'an object');
  const notes = new Set<string>();
  const defaultRet = actionRet(profile['defaultAction'], errnoRet(profile['defaultErrnoRet'], '.linux.seccomp.defaultErrnoRet'), '.linux.seccomp.defaultAction', kernel, notes);
  const listed = profile['architectures'] ?? [];
  if (!Array.isArray(listed) || listed.some((a) => typeof a !== 'string')) fail('.linux.seccomp.architectures', listed, 'an array of SCMP_ARCH_* names');
  const arches: string[] = [];
  for (const a of listed as string[]) {
    const m = ARCH_OF_SCMP[a];
    if (m) arches.includes(m) || arches.push(m);
    else if (a === 'SCMP_ARCH_X32') notes.add('SCMP_ARCH_X32: no x32 table, so x32 calls get the bad-architecture action (kill)');
    else notes.add(`${a}: not a machine droidcheck runs on; its calls get the bad-architecture action (kill)`);
  }
  if (!arches.length) {
    if (!AUDIT_ARCH[native]) fail('.linux.seccomp.architectures', listed, `a machine droidcheck has a system call table for (x86_64, x86, aarch64, arm), not ${native}`);
    arches.push(native);
  }
  const flags = profile['flags'];
  if (Array.isArray(flags) && flags.length) notes.add(`flags ${flags.join(', ')} not applied (droidcheck installs the filter without flags)`);
  const rules = readRules(profile, kernel, notes);
  const known = new Set<string>();
  const program: Insn[] = [{ op: 'ld', offset: SECCOMP_DATA.arch }];
  for (const a of arches) program.push({ op: 'jmp', code: BPF.JEQ_K, k: AUDIT_ARCH[a]!, jt: 'next', jf: `${a}:skip` }, { op: 'ja', to: `${a}:start` }, { op: 'label', name: `${a}:skip` });
  program.push({ op: 'ret', k: RET.KILL_PROCESS });
  let count = 0;
  for (const a of arches) {
    const s = section(a, rules, defaultRet, RET.KILL_PROCESS, known);
    program.push(...s.insns);
    count = Math.max(count, s.count);
  }
  const unknown = [...new Set(rules.flatMap((r) => r.names))].filter((n) => !known.has(n));
  if (unknown.length) notes.add(`${unknown.length} system call name${unknown.length > 1 ? 's' : ''} unknown on ${arches.join('/')} (rules for them do nothing): ${unknown.slice(0, 8).join(', ')}${unknown.length > 8 ? ', ...' : ''}`);
  const filter = assemble(program);
  return { hex: toHex(filter), instructions: filter.length, arches, rules: count, defaultAction: String(profile['defaultAction']), notes: [...notes] };
}

