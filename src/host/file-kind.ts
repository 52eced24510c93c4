// What kind of file a stat says, in one place: the Host's stat() and the
// refusal of special files when reading a file the user named.

import type { Stats } from 'node:fs';
import type { FileKind } from './host.js';

export function kindOf(s: Stats): FileKind {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isCharacterDevice()) return 'char';
  if (s.isBlockDevice()) return 'block';
  if (s.isFIFO()) return 'fifo';
  if (s.isSocket()) return 'socket';
  /* c8 ignore next */
  return 'other';
}

/** The kind in words, for messages: "a directory", "a FIFO". */
export const KIND_WORDS: Record<FileKind, string> = {
  file: 'a regular file',
  dir: 'a directory',
  symlink: 'a symbolic link',
  char: 'a character device',
  block: 'a block device',
  fifo: 'a FIFO',
  socket: 'a socket',
  other: 'not a regular file',
};
