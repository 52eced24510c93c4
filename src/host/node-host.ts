// The real Host: node:fs, child processes and the koffi worker.

import { MiB, readLimited } from './read-limited.js';
import { accessSync, closeSync, constants as fsConstants, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, realpathSync, rmSync } from 'node:fs';
import { hostname, machine, release, type } from 'node:os';
import { delimiter, join } from 'node:path';
import { createRequire } from 'node:module';
import { kindOf } from './file-kind.js';
import { HostError, type ExecResult, type FileKind, type Host } from './host.js';
import type { LiveResults } from '../probes/live/types.js';


/** node:child_process, loaded by the first exec(). */
let childProcess: typeof import('node:child_process') | undefined;

/** Directories tried for scratch space: Android has no /tmp and a read-only /. */
const SCRATCH_PARENTS = [process.env['TMPDIR'], '/tmp', '/data/local/tmp', '/dev/shm', '/dev'];

// The files read are small /proc and /sys entries and a kernel config: synchronous
// calls cost a fraction of fs/promises' (a FileHandle, fstat, read and close, each a
// trip through libuv's pool), and the probe reads a few hundred of them.
export class NodeHost implements Host {
  async readFile(path: string): Promise<Buffer | null> {
    try {
      return readFileSync(path);
    } catch {
      return null;
    }
  }

  async readHead(path: string, bytes: number): Promise<Buffer | null> {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      const buf = Buffer.alloc(bytes);
      const bytesRead = readSync(fd, buf, 0, bytes, 0);
      return buf.subarray(0, bytesRead);
    } catch {
      return null;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** A file the user named: a regular file of at most 256 MiB (kernel images included), else a HostError. */
  async readFileStrict(path: string): Promise<Buffer> {
    return readLimited(path, 256 * MiB);
  }

  async readDir(path: string): Promise<string[] | null> {
    try {
      return readdirSync(path);
    } catch {
      return null;
    }
  }

  async stat(path: string): Promise<FileKind | null> {
    try {
      // No exception for a missing path: the probe asks about many that are not there.
      const st = lstatSync(path, { throwIfNoEntry: false });
      return st ? kindOf(st) : null;
    } catch {
      return null;
    }
  }

  async exec(file: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    // node's own child_process, not execa: execa's ~190 modules took ~110 ms to load, more than
    // the tools path's programs take to run. Kept from execa: stdin gets the input and is closed,
    // SIGTERM on timeout and SIGKILL 5 s later, the same results and spawnError texts.
    // Loaded on first use; from then on the program is spawned before exec() returns, so a caller
    // can do its own work while it runs (the tools path reads /proc/kallsyms meanwhile).
    childProcess ??= await import('node:child_process');
    const { spawn } = childProcess;
    const timeoutMs = opts.timeoutMs ?? 10000;
    return new Promise((resolve) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let failed: string | undefined;
      let timedOut = false;
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const stdout = Buffer.concat(out).toString('utf8');
        const stderr = Buffer.concat(err).toString('utf8');
        if (failed === undefined && code !== null) resolve({ exitCode: code, stdout, stderr });
        else if (timedOut) resolve({ exitCode: 124, stdout, stderr, spawnError: `${file}: timed out after ${timeoutMs} ms` });
        else resolve({ exitCode: 127, stdout, stderr, spawnError: `spawn ${file}: ${failed ?? `Command was killed with ${signal ?? 'a signal'}`}` });
      };
      const child = spawn(file, args, { stdio: 'pipe' });
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }, timeoutMs);
      child.on('error', (e: NodeJS.ErrnoException) => {
        failed ??= e.code ?? e.message;
        // A program that could not be started never closes its pipes.
        if (child.pid === undefined) finish(null, null);
      });
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.stdin.on('error', () => undefined); // a program that exits without reading its input
      child.stdin.end(opts.input ?? '');
      child.on('close', finish);
    });
  }

  async which(name: string): Promise<string | null> {
    for (const dir of (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin:/system/bin:/system/xbin').split(delimiter)) {
      if (!dir) continue;
      const candidate = join(dir, name);
      try {
        accessSync(candidate, fsConstants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
    return null;
  }

  async realpath(path: string): Promise<string | null> {
    try {
      return realpathSync(path);
    } catch {
      return null;
    }
  }

  env(name: string): string | undefined {
    return process.env[name];
  }

  uname(): { sysname: string; release: string; machine: string; nodename: string } {
    return { sysname: type(), release: release(), machine: machine(), nodename: hostname() };
  }

  uid(): number {
    return process.geteuid?.() ?? -1;
  }

  async makeScratchDir(): Promise<string> {
    const failures: string[] = [];
    for (const parent of SCRATCH_PARENTS) {
      if (!parent) continue;
      try {
        return mkdtempSync(join(parent, 'droidcheck-'));
      } catch (error) {
        failures.push(`${parent}: ${(error as NodeJS.ErrnoException).code}`);
      }
    }
    throw new HostError('mkdtemp', SCRATCH_PARENTS.filter(Boolean).join(','), 'EROFS', failures.join('; '));
  }

  async removeScratchDir(path: string): Promise<void> {
    rmSync(path, { recursive: true, force: true });
  }

  nativeUserNs(): Promise<{ errno: number | null } | null> {
    const answer = prestartedUserNs ?? userNsByNativeInit();
    prestartedUserNs = null;
    return answer;
  }

  ffiLive(input: FfiInput): Promise<LiveResults> {
    const run = prestarted ?? startFfiWorker();
    prestarted = null;
    return run(input);
  }
}

type FfiInput = { scratch: string; arch: string; isRoot: boolean };
type FfiAnswer = { ok: true; results: LiveResults } | { ok: false; error: string };

/** A koffi worker started ahead by prestartLiveTests, not yet given its input. */
let prestarted: ((input: FfiInput) => Promise<LiveResults>) | null = null;
/** droidcheck-init's user-namespace answer, asked ahead by prestartLiveTests. */
let prestartedUserNs: Promise<{ errno: number | null } | null> | null = null;

/**
 * Starts the FFI probe's live tests now, for the next ffiLive and nativeUserNs: the koffi
 * worker's thread takes longer to start than anything else the probe does (~35 ms, koffi
 * ~8 ms more), so `droidcheck probe` starts it before its own modules load. The worker waits,
 * without keeping the process alive, for its input; as root, droidcheck-init tries the user
 * namespace meanwhile (its process is as cheap to start now as later).
 */
export function prestartLiveTests(): void {
  prestarted ??= startFfiWorker();
  if (process.geteuid?.() === 0) prestartedUserNs ??= userNsByNativeInit();
}

/** unshare(CLONE_NEWUSER) tried by droidcheck-init (a single-threaded process); null where it was not built. */
async function userNsByNativeInit(): Promise<{ errno: number | null } | null> {
  const { findNativeInit } = await import('../runtime/native-path.js');
  const found = findNativeInit();
  if (!('path' in found)) return null;
  // node's own child_process, not execa: droidcheck-init is droidcheck's, not a tool.
  childProcess ??= await import('node:child_process');
  const { execFile } = childProcess;
  const stdout = await new Promise<string>((resolve) => execFile(found.path, ['--probe-userns'], { encoding: 'utf8', timeout: 10000 }, (_error, out) => resolve(out)));
  if (stdout.trim() === 'ok') return { errno: null };
  const errno = /^errno (\d+)/.exec(stdout)?.[1];
  return errno === undefined ? null : { errno: Number(errno) };
}

/** A worker thread loading koffi, its listeners attached from the start; runs the tests once given the input. */
function startFfiWorker(): (input: FfiInput) => Promise<LiveResults> {
  // worker_threads loaded here, synchronously, only when FFI tests start: run and explain never load it.
  const { Worker } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  const worker = new Worker(new URL('../probes/live/ffi-worker.js', import.meta.url), { stdout: false, stderr: false });
  worker.unref();
  // The worker's answer counts even when the thread then fails on its way out (e.g. an
  // exit hook preloaded with --import that cannot write after the worker dropped to uid
  // 65534): decide on the answer, and on an error only once the thread is gone.
  let answer: FfiAnswer | null = null;
  let failure: Error | null = null;
  let timer: NodeJS.Timeout | undefined;
  let fail = (_error: Error): void => undefined;
  const done = new Promise<LiveResults>((resolve, reject) => {
    fail = reject;
    worker.once('message', (m: FfiAnswer) => {
      answer = m;
      clearTimeout(timer);
      if (m.ok) resolve(m.results);
      else reject(new Error(m.error));
    });
    worker.once('error', (e) => {
      failure = e;
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      if (answer) return;
      reject(failure ?? new Error(`the koffi worker exited with status ${code} before answering`));
    });
  });
  done.catch(() => undefined); // a worker that fails before it is used is reported when it is
  return (input) => {
    worker.ref();
    worker.postMessage(input);
    timer = setTimeout(() => {
      void worker.terminate();
      fail(new Error('live tests through koffi took over 15 s'));
    }, 15000);
    return done;
  };
}
