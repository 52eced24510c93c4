// errno numbers to names (ENOENT...), from node's own table: no koffi, no syscall tables.

import { constants } from 'node:os';

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, no]) => [no, name]));

export const errnoName = (no: number): string => ERRNO_NAMES.get(no) ?? `errno ${no}`;

const MESSAGES: [RegExp, string][] = [
  [/invalid argument/i, 'EINVAL'],
  [/operation not permitted/i, 'EPERM'],
  [/no such device|unknown filesystem type/i, 'ENODEV'],
  [/function not implemented/i, 'ENOSYS'],
  [/permission denied/i, 'EACCES'],
  [/no such file or directory/i, 'ENOENT'],
  [/device or resource busy/i, 'EBUSY'],
  [/no space left on device/i, 'ENOSPC'],
  [/too many users/i, 'EUSERS'],
  [/not supported/i, 'EOPNOTSUPP'],
  [/too many levels of symbolic links/i, 'ELOOP'],
];


/** The errno a tool's error message stands for. */
export function errnoFromMessage(message: string): string {
  for (const [re, name] of MESSAGES) if (re.test(message)) return name;
  return 'UNKNOWN';
}

