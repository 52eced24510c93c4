// errno numbers to names (ENOENT...), from node's own table: no koffi, no syscall tables.

import { constants } from 'node:os';

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, no]) => [no, name]));

export const errnoName = (no: number): string => ERRNO_NAMES.get(no) ?? `errno ${no}`;
