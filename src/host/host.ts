// The one seam between droidcheck and the machine it runs on. Probes read
// files, run commands and ask for live kernel tests only through a Host, so
// every check runs on fixture trees in tests.

import type { LiveResults } from '../probes/live/types.js';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the command could not be started at all (ENOENT, EACCES...). */
  spawnError?: string;
}

/** Reading the machine's files. */
export interface HostFiles {
  /** Reads a file; resolves to null when it does not exist or cannot be read (see readError). */
  readFile(path: string): Promise<Buffer | null>;
  /** The first `bytes` bytes of a file (less when it is shorter), or null like readFile. */
  readHead(path: string, bytes: number): Promise<Buffer | null>;
  /** Like readFile but rejects with a HostError naming the path and errno. */
  readFileStrict(path: string): Promise<Buffer>;
  /** Entries of a directory, or null when absent. */
  readDir(path: string): Promise<string[] | null>;
  /** lstat-like: kind of the entry or null when absent. */
  stat(path: string): Promise<FileKind | null>;
  /** The path with every symbolic link resolved, or null when it does not exist. */
  realpath(path: string): Promise<string | null>;
}

/** Running programs, and who and where this process is. */
export interface HostProcesses {
  /** Runs a program (no shell); never rejects. */
  exec(file: string, args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<ExecResult>;
  /** Absolute path of a program on PATH, or null. */
  which(name: string): Promise<string | null>;
  env(name: string): string | undefined;
  /** uname(2) fields. */
  uname(): { sysname: string; release: string; machine: string; nodename: string };
  /** Effective uid. */
  uid(): number;
}

/** The live kernel tests' own needs: a scratch directory, droidcheck-init's user-namespace try, the FFI tests. */
export interface HostLive {
  /** A new empty directory for live tests (never mounted on in the host's namespace). */
  makeScratchDir(): Promise<string>;
  removeScratchDir(path: string): Promise<void>;
  /**
   * unshare(CLONE_NEWUSER) tried by droidcheck-init, a single-threaded process: errno null when it
   * worked. Null when droidcheck-init was not built for this machine (a tool is asked instead).
   */
  nativeUserNs(): Promise<{ errno: number | null } | null>;
  /** Live kernel tests through the FFI; rejects when the FFI cannot load. */
  ffiLive(input: { scratch: string; arch: string; isRoot: boolean }): Promise<LiveResults>;
}

/** Everything: what NodeHost and FixtureHost implement. A consumer takes only the part it uses. */
export interface Host extends HostFiles, HostProcesses, HostLive {}

export type FileKind = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket' | 'other';

export class HostError extends Error {
  constructor(
    readonly op: string,
    readonly path: string,
    readonly code: string,
    detail?: string,
  ) {
    super(`${op} ${path}: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'HostError';
  }
}
