// A small pure LZ4 decoder: the frame format (`lz4 FILE`) and the legacy
// format the kernel's Image.lz4 uses (`lz4 -l`, magic 0x184C2102, then the
// kernel's 4-byte size_append). Node has zlib only, so this is what lets
// `--kernel-config Image.lz4` work without an external tool.

export const LZ4_FRAME_MAGIC = 0x184d2204;
export const LZ4_LEGACY_MAGIC = 0x184c2102;

/** Thrown on malformed input; the message names the offset. */
export class Lz4Error extends Error {}

/** Decodes one LZ4 block into out starting at outPos; returns the new outPos. */
function decodeBlock(src: Buffer, start: number, end: number, out: Buffer, outPos: number): number {
  let ip = start;
  let op = outPos;
  while (ip < end) {
    const token = src[ip++] as number;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= end) throw new Lz4Error(`truncated literal length at byte ${ip}`);
        b = src[ip++] as number;
        lit += b;
      } while (b === 255);
    }
    if (ip + lit > end || op + lit > out.length) throw new Lz4Error(`literal run past the end at byte ${ip}`);
    src.copy(out, op, ip, ip + lit);
    ip += lit;
    op += lit;
    if (ip >= end) break; // the last sequence has literals only
    if (ip + 2 > end) throw new Lz4Error(`truncated match offset at byte ${ip}`);
    const offset = (src[ip] as number) | ((src[ip + 1] as number) << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw new Lz4Error(`bad match offset ${offset} at byte ${ip - 2}`);
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (ip >= end) throw new Lz4Error(`truncated match length at byte ${ip}`);
        b = src[ip++] as number;
        len += b;
      } while (b === 255);
    }
    len += 4;
    if (op + len > out.length) throw new Lz4Error(`match past the end of the output at byte ${ip}`);
    let from = op - offset;
    // Overlapping copies repeat bytes, so copy one at a time when they overlap.
    if (offset >= len) {
      out.copy(out, op, from, from + len);
      op += len;
    } else {
      for (let i = 0; i < len; i++) out[op++] = out[from++] as number;
    }
  }
  return op;
}

/** An output buffer that grows; earlier blocks stay addressable (linked frame blocks refer back). */
class Output {
  buf = Buffer.allocUnsafe(1 << 20);
  pos = 0;
  constructor(private readonly limit: number) {}
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos + n > this.limit) throw new Lz4Error(`output would exceed ${this.limit} bytes`);
    let size = this.buf.length;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  block(src: Buffer, start: number, end: number, max: number): void {
    this.reserve(max);
    this.pos = decodeBlock(src, start, end, this.buf, this.pos);
  }
  raw(src: Buffer, start: number, end: number): void {
    this.reserve(end - start);
    src.copy(this.buf, this.pos, start, end);
    this.pos += end - start;
  }
  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

function legacy(src: Buffer, limit: number): Buffer {
  const out = new Output(limit);
  const blockMax = 8 << 20;
  let blocks = 0;
  let ip = 4;
  while (ip + 4 <= src.length) {
    const size = src.readUInt32LE(ip);
    if (size === LZ4_LEGACY_MAGIC) {
      ip += 4; // concatenated legacy streams
      continue;
    }
    // The kernel appends the uncompressed size; a "block" that does not fit ends the stream.
    if (size === 0 || ip + 4 + size > src.length) break;
    out.block(src, ip + 4, ip + 4 + size, blockMax);
    blocks++;
    ip += 4 + size;
  }
  if (blocks === 0) throw new Lz4Error('legacy LZ4 stream has no complete block');
  return out.result();
}

function frame(src: Buffer, limit: number): Buffer {
  if (src.length < 7) throw new Lz4Error('truncated LZ4 frame header');
  const flg = src[4] as number;
  const bd = src[5] as number;
  if (flg >>> 6 !== 1) throw new Lz4Error(`unsupported LZ4 frame version ${flg >>> 6}`);
  const blockChecksum = (flg & 0x10) !== 0;
  const contentSize = (flg & 0x08) !== 0;
  const dictId = (flg & 0x01) !== 0;
  const blockMax = 1 << (2 * ((bd >>> 4) & 7) + 8);
  let ip = 6 + (contentSize ? 8 : 0) + (dictId ? 4 : 0) + 1;
  const out = new Output(limit);
  for (;;) {
    if (ip + 4 > src.length) throw new Lz4Error(`LZ4 frame truncated at byte ${ip}`);
    const word = src.readUInt32LE(ip);
    ip += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (ip + size > src.length) throw new Lz4Error(`LZ4 block at byte ${ip - 4} runs past the end`);
    if (word & 0x80000000) out.raw(src, ip, ip + size);
    else out.block(src, ip, ip + size, blockMax);
    ip += size + (blockChecksum ? 4 : 0);
  }
  return out.result();
}

/** Decodes an LZ4 frame or legacy stream starting at byte 0 of src, to at most `limit` bytes. */
export function lz4Decompress(src: Buffer, limit = 512 * 1024 * 1024): Buffer {
  if (src.length < 4) throw new Lz4Error('too short for LZ4');
  const magic = src.readUInt32LE(0);
  if (magic === LZ4_LEGACY_MAGIC) return legacy(src, limit);
  if (magic === LZ4_FRAME_MAGIC) return frame(src, limit);
  throw new Lz4Error('no LZ4 magic');
}
