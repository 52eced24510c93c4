// Builds (once) and locates test/helpers/oldkernel.c, the seccomp wrapper that
// makes x86_64 Linux look like an Android 3.10 kernel to a command: syscalls
// newer than 3.10 (nr >= 314) fail with ENOSYS, and unshare/clone with
// CLONE_NEWIPC fail with EINVAL.  See the header comment of oldkernel.c.
//
//   const bin = await buildOldKernelHelper()   // string | null
//   if (bin) execFile(bin, ['--', 'node', 'dist/bin.js', ...])
//
// The binary is written next to this compiled module (dist/test/helpers/
// oldkernel) and rebuilt only when the C source or compiler changes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type OldKernelHelper =
  | { readonly ok: true; readonly path: string }
  | {
      readonly ok: false;
      readonly reason: string;
      /** true: this host cannot build/run it (skip); false: the helper itself is broken (fail). */
      readonly unsupported: boolean;
    };

interface RunResult {
  readonly code: number | string | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[]): Promise<RunResult> {
  return new Promise((res) => {
    execFile(file, [...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      /* c8 ignore next */
      const code = err === null ? 0 : ((err as NodeJS.ErrnoException).code ?? null);
      res({ code, stdout, stderr });
    });
  });
}

const here = dirname(fileURLToPath(import.meta.url));

/** Absolute path of oldkernel.c (works from dist/test/helpers and from test/helpers). */
export function oldKernelSourcePath(): string | null {
  const candidates = [join(here, 'oldkernel.c'), resolve(here, '../../../test/helpers/oldkernel.c')];
  /* c8 ignore next */
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** argv to run `cmd args...` under the helper: [file, args]. */
export function oldKernelArgv(helper: string, cmd: string, args: readonly string[] = []): [string, string[]] {
  return [helper, ['--', cmd, ...args]];
}

export interface CompileOptions {
  /** C compiler; default $CC or 'cc'. */
  readonly cc?: string;
  /** Where to put the binary; default next to this module (dist/test/helpers). */
  readonly outDir?: string;
}

/** Compile (unless up to date) and self-check the helper. Not memoized; tests normally use getOldKernelHelper(). */
export async function compileOldKernelHelper(opts: CompileOptions = {}): Promise<OldKernelHelper> {
  /* c8 ignore start */
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { ok: false, unsupported: true, reason: `oldkernel helper needs linux/x64, this is ${process.platform}/${process.arch}` };
  }
  const src = oldKernelSourcePath();
  if (src === null) return { ok: false, unsupported: false, reason: `oldkernel.c not found from ${here}` };
  /* c8 ignore stop */
  const cc = opts.cc ?? process.env['CC'] ?? 'cc';
  const source = await readFile(src);
  const stamp = createHash('sha256').update(cc).update('\0').update(source).digest('hex');
  const bin = join(opts.outDir ?? here, 'oldkernel');
  const stampFile = `${bin}.stamp`;
  const old = await readFile(stampFile, 'utf8').catch(() => '');
  if (old !== stamp || !existsSync(bin)) {
    // Compile to a private name and rename: test files may build concurrently.
    const tmp = `${bin}.${process.pid}.tmp`;
    const r = await run(cc, ['-O2', '-Wall', '-o', tmp, src]);
    if (r.code === 'ENOENT') {
      return { ok: false, unsupported: true, reason: `no C compiler: '${cc}' not found (install gcc or set CC)` };
    }
    if (r.code !== 0) {
      await rm(tmp, { force: true });
      /* c8 ignore start */
      const noHeaders = /linux\/(seccomp|filter|audit)\.h/.test(r.stderr) && /No such file/.test(r.stderr);
      return {
        ok: false,
        unsupported: noHeaders,
        reason: noHeaders
          ? `kernel UAPI headers missing (install linux-libc-dev): ${r.stderr.trim()}`
          : `'${cc} ${src}' failed (${String(r.code)}): ${r.stderr.trim()}`,
      };
      /* c8 ignore stop */
    }
    await rename(tmp, bin);
    await writeFile(stampFile, stamp);
  }
  // Prove the filter can be installed here (seccomp may be unavailable, e.g. in some sandboxes).
  const check = await run(bin, ['--arch-check']);
  /* c8 ignore next 3 */
  if (check.code !== 0 || check.stdout.trim() !== 'ok') {
    return { ok: false, unsupported: true, reason: `'${bin} --arch-check' failed (${String(check.code)}): ${check.stderr.trim()}` };
  }
  return { ok: true, path: bin };
}

let cached: Promise<OldKernelHelper> | undefined;

/** Build once per process; the result (including why not) is memoized. */
export function getOldKernelHelper(): Promise<OldKernelHelper> {
  cached ??= compileOldKernelHelper();
  return cached;
}

/** Path of the built helper, or null (reason from getOldKernelHelper()). */
export async function buildOldKernelHelper(): Promise<string | null> {
  const h = await getOldKernelHelper();
  /* c8 ignore next */
  return h.ok ? h.path : null;
}
