// A minimal ELF header reader: class, machine, and whether the binary needs a
// program interpreter (dynamic loader). Used to check a busybox before it goes
// into a bundle and to diagnose "exec format error".

import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

export interface ElfInfo {
  class: 32 | 64;
  /** uname -m style name: x86_64, aarch64, arm, i386... or "unknown(N)". */
  machine: string;
  machineId: number;
  /** No PT_INTERP program header: runs without a dynamic loader. */
  static: boolean;
}

/** e_machine values (elf.h) for the architectures Android and Docker care about. */
export const ELF_MACHINES: Readonly<Record<number, string>> = {
  2: 'sparc',
  3: 'i386',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390x',
  40: 'arm',
  43: 'sparc64',
  62: 'x86_64',
  183: 'aarch64',
  243: 'riscv64',
  258: 'loongarch64',
};

const PT_INTERP = 3;

export class ElfError extends Error {
  constructor(
    readonly path: string,
    message: string,
    readonly code?: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** Parses an ELF header and its program headers from the file's first bytes; throws ElfError naming the path. */
export function parseElf(path: string, bytes: Buffer): ElfInfo {
  const head = bytes.subarray(0, 64);
  if (head.length < 52 || head.readUInt32BE(0) !== 0x7f454c46) throw new ElfError(path, 'not an ELF file', 'ENOEXEC');
  const cls = head[4];
  const data = head[5];
  if (cls !== 1 && cls !== 2) throw new ElfError(path, `unknown ELF class ${cls}`, 'ENOEXEC');
  if (data !== 1 && data !== 2) throw new ElfError(path, `unknown ELF byte order ${data}`, 'ENOEXEC');
  if (cls === 2 && head.length < 64) throw new ElfError(path, 'truncated ELF header', 'ENOEXEC');
  const le = data === 1;
  const u16 = (b: Buffer, o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const u64 = (b: Buffer, o: number): number => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
  const machineId = u16(head, 18);
  const phoff = cls === 2 ? u64(head, 32) : u32(head, 28);
  const phentsize = u16(head, cls === 2 ? 54 : 42);
  const phnum = u16(head, cls === 2 ? 56 : 44);
  let isStatic = true;
  if (phnum > 0) {
    if (phentsize < 4 || phnum > 4096) throw new ElfError(path, 'bad program header table', 'ENOEXEC');
    const table = bytes.subarray(phoff, phoff + phentsize * phnum);
    if (table.length < phentsize * phnum) throw new ElfError(path, 'truncated program header table', 'ENOEXEC');
    for (let i = 0; i < phnum; i++) {
      if (u32(table, i * phentsize) === PT_INTERP) {
        isStatic = false;
        break;
      }
    }
  }
  return { class: cls === 2 ? 64 : 32, machine: ELF_MACHINES[machineId] ?? `unknown(${machineId})`, machineId, static: isStatic };
}

/** What the header says about the ABI beyond the machine: e_flags and, for 32-bit ARM, the EABI version and float ABI. */
export interface ElfAbi {
  flags: number;
  /** ARM only: EF_ARM_EABIMASK >> 24 (5 for every current toolchain); null elsewhere. */
  armEabi: number | null;
  /** ARM only: hard (EF_ARM_ABI_FLOAT_HARD, armhf), soft (EF_ARM_ABI_FLOAT_SOFT, armel) or unmarked; null elsewhere. */
  armFloat: 'hard' | 'soft' | 'unmarked' | null;
}

/** e_flags of an ELF header (offset 36 in ELF32, 48 in ELF64) decoded for ARM; throws ElfError when it is no ELF. */
export function parseElfAbi(path: string, bytes: Buffer): ElfAbi {
  const info = parseElf(path, bytes);
  const le = bytes[5] === 1;
  const at = info.class === 64 ? 48 : 36;
  const flags = le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
  if (info.machine !== 'arm') return { flags, armEabi: null, armFloat: null };
  // elf.h: EF_ARM_EABIMASK 0xff000000, EF_ARM_ABI_FLOAT_HARD 0x400, EF_ARM_ABI_FLOAT_SOFT 0x200.
  const armFloat = flags & 0x400 ? 'hard' : flags & 0x200 ? 'soft' : 'unmarked';
  return { flags, armEabi: flags >>> 24, armFloat };
}

/** Reads the ELF header and program headers of `path`; throws ElfError naming the path. */
export async function readElfInfo(path: string): Promise<ElfInfo> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ElfError(path, `cannot open: ${code ?? (error as Error).message}`, code);
  }
  try {
    // The program header table follows the header in practice (offset 52 or 64): 64 KiB hold it.
    const head = Buffer.alloc(65536);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const bytes = head.subarray(0, bytesRead);
    return parseElf(path, bytes);
  } catch (error) {
    if (error instanceof ElfError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ElfError(path, `cannot read: ${code ?? (error as Error).message}`, code);
  } finally {
    await fh.close();
  }
}

/** Accepted --arch spellings (uname -m, Docker/Go, Debian) to the ELF machine name. */
const ARCH_ALIASES: Readonly<Record<string, string>> = {
  x86_64: 'x86_64', amd64: 'x86_64', x64: 'x86_64',
  aarch64: 'aarch64', arm64: 'aarch64', armv8: 'aarch64', arm64v8: 'aarch64',
  arm: 'arm', armv7: 'arm', armv7l: 'arm', armhf: 'arm', armel: 'arm', armv6: 'arm', armv6l: 'arm', arm32v7: 'arm',
  i386: 'i386', i686: 'i386', '386': 'i386', x86: 'i386', ia32: 'i386',
  riscv64: 'riscv64', ppc64le: 'ppc64', ppc64: 'ppc64', s390x: 's390x', mips: 'mips', mipsel: 'mips', loong64: 'loongarch64',
};

/** The ELF machine name for an architecture spelling, or null when unknown. */
export function normalizeArch(arch: string): string | null {
  return ARCH_ALIASES[arch.trim().toLowerCase()] ?? null;
}

/** Node's process.arch as an ELF machine name. */
export function hostMachine(nodeArch: string = process.arch): string | null {
  return normalizeArch(nodeArch);
}

/** The name of an e_machine value, for messages ("machine 999" when unknown). */
export function elfMachineName(id: number): string {
  return ELF_MACHINES[id] ?? `machine ${id}`;
}

/** The ELF machine name for a `uname -m` value (armv7l -> arm, i686 -> i386); unknown ones as they are. */
export function machineFromUname(machine: string): string {
  return normalizeArch(machine) ?? machine;
}

/** The machine an ELF file is built for, read synchronously (null when it is not an ELF or cannot be read). */
export function elfMachineOf(path: string): string | null {
  try {
    const fd = openSync(path, 'r');
    const head = Buffer.alloc(20);
    try {
      readSync(fd, head, 0, 20, 0);
    } finally {
      closeSync(fd);
    }
    if (head.toString('latin1', 1, 4) !== 'ELF') return null;
    return elfMachineName(head.readUInt16LE(18));
  } catch {
    return null;
  }
}

/** The ELF header and program headers of `path`, read synchronously; null when it is not an ELF or cannot be read. */
export function elfInfoOf(path: string): ElfInfo | null {
  try {
    const fd = openSync(path, 'r');
    const head = Buffer.alloc(65536);
    let n: number;
    try {
      n = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    return parseElf(path, head.subarray(0, n));
  } catch {
    return null;
  }
}

/** For an execve that failed with ENOEXEC or ENOENT: the message when the file is an ELF for another machine. */
export function foreignElfDetail(path: string, shownAs: string, host: string): string | null {
  const machine = elfMachineOf(path);
  if (!machine || machine === host) return null;
  return `${shownAs} is an ELF for ${machine}; this host runs ${host}: use a rootfs (e.g. a static busybox) built for ${host}`;
}

export { kernelOf } from './machine.js';
