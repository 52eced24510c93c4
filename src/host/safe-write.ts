// Files droidcheck writes in a bundle someone else made: never through a
// symlink, never half-written, never over a file it must keep.

import { closeSync, constants, fsyncSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'EIO';
}

/** An error in droidcheck's one wording: the operation, the path, the errno. */
export class WriteError extends Error {
  constructor(op: string, path: string, errno: string, why?: string) {
    super(`${op} ${path}: ${errno}${why ? ` (${why})` : ''}`);
  }
}

/** Refuses a path that is a symlink or anything but a regular file; a missing path is fine. */
function checkTarget(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if (code(e) === 'ENOENT') return;
    throw new WriteError('write', path, code(e));
  }
  if (st.isSymbolicLink()) throw new WriteError('write', path, 'ELOOP', 'a symlink: droidcheck does not write through links in a bundle');
  if (!st.isFile()) throw new WriteError('write', path, 'EINVAL', 'not a regular file');
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
  fsyncSync(fd);
}

/** Writes `text` to `path` as a whole: a new file beside it (O_EXCL, O_NOFOLLOW), then rename over it. */
export function writeAtomic(path: string, text: string, mode = 0o644): void {
  checkTarget(path);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, CREATE, mode);
  } catch (e) {
    throw new WriteError('create', tmp, code(e));
  }
  try {
    writeAll(fd, text);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // Already renamed or never made: nothing to remove.
    }
    throw new WriteError('write', path, code(e));
  }
}

/** Creates `path` with `text` only when nothing is there (a link included); false when something is. */
export function createOnce(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, CREATE, 0o644);
  } catch (e) {
    if (code(e) === 'EEXIST') return false;
    throw new WriteError('create', path, code(e));
  }
  try {
    writeAll(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}
