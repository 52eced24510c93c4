// Reading a file the user named (a kernel config, config.json): only a
// regular file, and only up to a limit, so /dev/zero or a FIFO cannot make
// droidcheck read forever. Errors are HostErrors: operation, path, errno.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { HostError } from './host.js';
import { KIND_WORDS, kindOf } from './file-kind.js';

export const MiB = 1024 * 1024;


export function readLimited(path: string, limit: number): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever; regular files ignore it.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new HostError('read', path, (error as NodeJS.ErrnoException).code ?? 'EIO');
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new HostError('read', path, 'EINVAL', `${KIND_WORDS[kindOf(st)]}: droidcheck reads regular files only`);
    // /proc files say size 0 and still have content: read to the end, up to the limit.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(Math.min(1 * MiB, limit + 1 - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > limit) throw new HostError('read', path, 'EFBIG', `larger than ${Math.round(limit / MiB)} MiB`);
    }
    return Buffer.concat(chunks, total);
  } catch (error) {
    if (error instanceof HostError) throw error;
    throw new HostError('read', path, (error as NodeJS.ErrnoException).code ?? 'EIO');
  } finally {
    closeSync(fd);
  }
}
