// A tiny classic-BPF assembler for seccomp filters: instructions with symbolic
// jump targets, resolved to offsets once the program is laid out. Classic BPF
// only jumps forward, and a conditional jump reaches at most 255 instructions:
// far targets go through `ja` (32-bit offset), near ones through jt/jf.

/** struct sock_filter: { u16 code; u8 jt; u8 jf; u32 k }. */
export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export const BPF = {
  LD_W_ABS: 0x20,
  ALU_AND_K: 0x54,
  JA: 0x05,
  JEQ_K: 0x15,
  JGT_K: 0x25,
  JGE_K: 0x35,
  RET_K: 0x06,
} as const;

/** Offsets in struct seccomp_data (little-endian: the low word of an argument comes first). */
export const SECCOMP_DATA = {
  nr: 0,
  arch: 4,
  argLow: (i: number): number => 16 + 8 * i,
  argHigh: (i: number): number => 16 + 8 * i + 4,
} as const;

/** A jump target: a label, or "next" (fall through). */
export type Target = string | 'next';

export type Insn =
  | { op: 'ld'; offset: number }
  | { op: 'and'; k: number }
  | { op: 'jmp'; code: number; k: number; jt: Target; jf: Target }
  | { op: 'ja'; to: string }
  | { op: 'ret'; k: number }
  | { op: 'label'; name: string };

/** BPF_MAXINSNS: the kernel refuses longer filters. */
export const MAX_INSNS = 4096;

export function assemble(program: readonly Insn[]): SockFilter[] {
  const at = new Map<string, number>();
  let n = 0;
  for (const insn of program) {
    if (insn.op === 'label') {
      if (at.has(insn.name)) throw new Error(`seccomp: label ${insn.name} defined twice`);
      at.set(insn.name, n);
    } else n++;
  }
  if (n > MAX_INSNS) throw new Error(`seccomp: the filter needs ${n} instructions, more than the kernel's ${MAX_INSNS}`);
  const out: SockFilter[] = [];
  const offset = (target: Target, from: number, max: number): number => {
    if (target === 'next') return 0;
    const to = at.get(target);
    if (to === undefined) throw new Error(`seccomp: no label ${target}`);
    const d = to - (from + 1);
    if (d < 0 || d > max) throw new Error(`seccomp: jump to ${target} out of range (${d})`);
    return d;
  };
  for (const insn of program) {
    const i = out.length;
    switch (insn.op) {
      case 'label':
        break;
      case 'ld':
        out.push({ code: BPF.LD_W_ABS, jt: 0, jf: 0, k: insn.offset });
        break;
      case 'and':
        out.push({ code: BPF.ALU_AND_K, jt: 0, jf: 0, k: insn.k >>> 0 });
        break;
      case 'jmp':
        out.push({ code: insn.code, jt: offset(insn.jt, i, 255), jf: offset(insn.jf, i, 255), k: insn.k >>> 0 });
        break;
      case 'ja':
        out.push({ code: BPF.JA, jt: 0, jf: 0, k: offset(insn.to, i, 0xffffffff) });
        break;
      case 'ret':
        out.push({ code: BPF.RET_K, jt: 0, jf: 0, k: insn.k >>> 0 });
        break;
    }
  }
  return out;
}

/** The program as droidcheck-init reads it: 16 hex digits per instruction, struct sock_filter in little-endian order. */
export function toHex(filter: readonly SockFilter[]): string {
  const buf = Buffer.alloc(filter.length * 8);
  filter.forEach((f, i) => {
    buf.writeUInt16LE(f.code, i * 8);
    buf.writeUInt8(f.jt, i * 8 + 2);
    buf.writeUInt8(f.jf, i * 8 + 3);
    buf.writeUInt32LE(f.k >>> 0, i * 8 + 4);
  });
  return buf.toString('hex');
}

/**
 * Runs a filter over one system call, as the kernel would: for tests, and to
 * check a compiled profile without installing it.
 */
export function evaluate(filter: readonly SockFilter[], data: { nr: number; arch: number; args?: readonly bigint[] }): number {
  const word = (offset: number): number => {
    if (offset === SECCOMP_DATA.nr) return data.nr >>> 0;
    if (offset === SECCOMP_DATA.arch) return data.arch >>> 0;
    const i = Math.floor((offset - 16) / 8);
    const v = BigInt.asUintN(64, data.args?.[i] ?? 0n);
    return Number((offset - 16) % 8 === 0 ? v & 0xffffffffn : v >> 32n) >>> 0;
  };
  let a = 0;
  for (let pc = 0; pc < filter.length; pc++) {
    const f = filter[pc]!;
    switch (f.code) {
      case BPF.LD_W_ABS:
        a = word(f.k);
        break;
      case BPF.ALU_AND_K:
        a = (a & f.k) >>> 0;
        break;
      case BPF.JA:
        pc += f.k;
        break;
      case BPF.JEQ_K:
        pc += a === f.k ? f.jt : f.jf;
        break;
      case BPF.JGT_K:
        pc += a > f.k ? f.jt : f.jf;
        break;
      case BPF.JGE_K:
        pc += a >= f.k ? f.jt : f.jf;
        break;
      case BPF.RET_K:
        return f.k;
      default:
        throw new Error(`seccomp: unknown BPF code 0x${f.code.toString(16)}`);
    }
  }
  throw new Error('seccomp: the filter ran off its end');
}
