// The config a kernel built with CONFIG_IKCONFIG carries: a gzip'ed .config
// between the markers "IKCFG_ST" and "IKCFG_ED" (kernel/configs.c), found the
// way the kernel's scripts/extract-ikconfig finds it: in the raw image first
// (arm64 Image, vmlinux, configs.ko), else inside each compressed payload the
// image holds (x86 bzImage, ARM zImage, Image.gz, Image.lz4). Pure: bytes in.

import { gunzipSync } from 'node:zlib';
import { LZ4_FRAME_MAGIC, LZ4_LEGACY_MAGIC, lz4Decompress } from './lz4.js';

const START = Buffer.from('IKCFG_ST');
const END = Buffer.from('IKCFG_ED');
const GZIP = Buffer.from([0x1f, 0x8b, 0x08]);
const LINUX_VERSION = Buffer.from('Linux version ');

/** Compressions the kernel can use for its payload that Node cannot undo (zlib only; LZ4 is decoded here). */
export const UNSUPPORTED_COMPRESSIONS: ReadonlyArray<{ name: string; magic: Buffer; option: string }> = [
  { name: 'xz', magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), option: 'CONFIG_KERNEL_XZ' },
  { name: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), option: 'CONFIG_KERNEL_ZSTD' },
  { name: 'bzip2', magic: Buffer.from('BZh91AY&SY'), option: 'CONFIG_KERNEL_BZIP2' },
  { name: 'lzma', magic: Buffer.from([0x5d, 0x00, 0x00, 0x00]), option: 'CONFIG_KERNEL_LZMA' },
  { name: 'lzo', magic: Buffer.from([0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a]), option: 'CONFIG_KERNEL_LZO' },
];

export interface IkconfigFound {
  /** The .config text. */
  text: string;
  /** How it was found, outermost first: "gzip payload at byte 17059 (17020888 bytes)", "IKCONFIG blob at byte 10533440". */
  steps: string[];
  /** From the image's "Linux version X" banner, when seen. */
  bannerVersion: string | null;
}

export interface IkconfigMissing {
  text: null;
  steps: string[];
  bannerVersion: string | null;
  /** Whether a Linux kernel (its version banner) was seen at all. */
  kernelSeen: boolean;
  /** Payload compressions seen that could not be decoded (xz, zstd...). */
  unsupported: string[];
  /** Compressed payloads whose header was valid but whose data would not decompress (truncated or damaged). */
  damaged: string[];
}

/** The most any payload may inflate to: kernels are tens of MiB; more is a damaged or hostile file. */
export const MAX_INFLATED = 512 * 1024 * 1024;

/** At most this many compressed-payload candidates are tried (a magic can occur by chance). */
const MAX_CANDIDATES = 24;

/** Which kernel image header bytes carries, if any: x86 bzImage ("HdrS" at 0x202), ARM zImage (magic at 0x24), arm64 Image ("ARM\x64" at 0x38). */
export function imageFormat(bytes: Buffer): 'bzImage' | 'zImage' | 'arm64 Image' | null {
  if (bytes.length >= 0x206 && bytes.toString('latin1', 0x202, 0x206) === 'HdrS') return 'bzImage';
  if (bytes.length >= 0x28 && bytes.readUInt32LE(0x24) === 0x016f2818) return 'zImage';
  if (bytes.length >= 0x3c && bytes.readUInt32LE(0x38) === 0x644d5241) return 'arm64 Image';
  return null;
}

/** The file size the image's own header declares (x86: setup + syssize), null when unknown (arm64's image_size includes the BSS). */
export function declaredImageSize(bytes: Buffer): number | null {
  const format = imageFormat(bytes);
  if (format === 'bzImage') {
    const setupSects = (bytes[0x1f1] as number) || 4;
    return (setupSects + 1) * 512 + bytes.readUInt32LE(0x1f4) * 16;
  }
  return null;
}

function banner(bytes: Buffer): string | null {
  const at = bytes.indexOf(LINUX_VERSION);
  if (at < 0) return null;
  const m = /^Linux version (\d+\.\d+(?:\.\d+)?\S*)/.exec(bytes.toString('latin1', at, at + 80));
  return m ? (m[1] as string) : null;
}

/** The blob between the markers, gunzipped; null when there is none; throws when it is there but broken. */
function blob(bytes: Buffer): { text: string; at: number } | null {
  const at = bytes.indexOf(START);
  if (at < 0) return null;
  const end = bytes.indexOf(END, at + START.length);
  const body = bytes.subarray(at + START.length, end < 0 ? bytes.length : end);
  let text: string;
  try {
    text = gunzipSync(body, { maxOutputLength: MAX_INFLATED }).toString('utf8');
  } catch (error) {
    throw new Error(`IKCONFIG blob at byte ${at}${end < 0 ? ' (no IKCFG_ED end marker: truncated image?)' : ''}: cannot gunzip (${(error as Error).message})`);
  }
  return { text, at };
}

function offsets(bytes: Buffer, magic: Buffer): number[] {
  const found: number[] = [];
  for (let i = bytes.indexOf(magic); i >= 0 && found.length < MAX_CANDIDATES; i = bytes.indexOf(magic, i + 1)) found.push(i);
  return found;
}

function tryDecompress(bytes: Buffer, at: number, kind: 'gzip' | 'lz4'): Buffer | string {
  try {
    return kind === 'gzip' ? gunzipSync(bytes.subarray(at), { maxOutputLength: MAX_INFLATED }) : lz4Decompress(bytes.subarray(at), MAX_INFLATED);
  } catch (error) {
    return (error as Error).message; // a chance match of the magic, or damaged data: try the next one
  }
}

/**
 * Looks for the IKCONFIG blob in bytes, then in every gzip or LZ4 payload
 * inside them (one level deep: a compressed kernel holds a raw one).
 */
export function extractIkconfig(bytes: Buffer, depth = 0): IkconfigFound | IkconfigMissing {
  const direct = blob(bytes);
  const seenVersion = banner(bytes);
  if (direct) return { text: direct.text, steps: [`IKCONFIG blob at byte ${direct.at}`], bannerVersion: seenVersion };
  const unsupported: string[] = [];
  const damaged: string[] = [];
  let kernelSeen = seenVersion !== null || imageFormat(bytes) !== null;
  let bannerVersion = seenVersion;
  const steps: string[] = [];
  if (depth < 2) {
    const lz4Magics = [LZ4_LEGACY_MAGIC, LZ4_FRAME_MAGIC].map((m) => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(m);
      return b;
    });
    const candidates: Array<{ at: number; kind: 'gzip' | 'lz4' }> = [
      ...offsets(bytes, GZIP).map((at) => ({ at, kind: 'gzip' as const })),
      ...lz4Magics.flatMap((m) => offsets(bytes, m).map((at) => ({ at, kind: 'lz4' as const }))),
    ].sort((a, b) => a.at - b.at);
    for (const c of candidates.slice(0, MAX_CANDIDATES)) {
      const inner = tryDecompress(bytes, c.at, c.kind);
      if (typeof inner === 'string') {
        // "unexpected end of file" is a real payload cut short; other errors are mostly chance matches of the magic.
        if (/unexpected end|truncated|past the end/i.test(inner)) damaged.push(`${c.kind} payload at byte ${c.at}: ${inner}`);
        continue;
      }
      const step = `${c.kind} payload at byte ${c.at} (${inner.length} bytes)`;
      const found = extractIkconfig(inner, depth + 1);
      if (found.text !== null) return { text: found.text, steps: [step, ...found.steps], bannerVersion: found.bannerVersion ?? bannerVersion };
      kernelSeen ||= found.kernelSeen;
      bannerVersion ??= found.bannerVersion;
      unsupported.push(...found.unsupported);
      damaged.push(...found.damaged);
      steps.push(`${step}: no IKCONFIG inside`);
    }
    if (depth === 0 && kernelSeen && bannerVersion === null) {
      for (const u of UNSUPPORTED_COMPRESSIONS) {
        if (bytes.indexOf(u.magic) >= 0) unsupported.push(u.name);
      }
    }
  }
  return { text: null, steps, bannerVersion, kernelSeen, unsupported: [...new Set(unsupported)], damaged };
}
