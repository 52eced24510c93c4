// Chooses how to run the live tests: koffi in a worker thread when it loads,
// else tools (busybox, util-linux, toybox). Records which and why.

import type { Host } from '../../host/host.js';
import type { ToolOptions } from '../../host/tools.js';
import { errnoFromMessage } from '../../sys/errno.js';
import { SYSCALL_NAMES, type Attempt, type LiveResults } from './types.js';
import { errnoName } from '../../sys/errno.js';
import { trace } from '../../util/trace.js';

export interface LiveOptions {
  /** --no-ffi or DROIDCHECK_NO_FFI=1. */
  noFfi: boolean;
  busybox?: string;
  /** `run`: the bundle's rootfs, whose static busybox may drive the tools path. */
  bundleRootfs?: string;
  isRoot: boolean;
  arch: string;
  /** Called once the tests are under way (the koffi worker or the tools started, or nothing will run). */
  started?: () => void;
}

export interface LiveRun {
  results: LiveResults | null;
  /** Why FFI was not used, or why nothing ran. */
  notes: string[];
  /** used: koffi ran the tests; off: --no-ffi / DROIDCHECK_NO_FFI=1; unavailable: koffi did not load (reason). */
  ffi?: { state: 'used' | 'off' | 'unavailable'; reason?: string };
}

const SYSCALL_PREFIXES = ['sys_', 'SyS_', '__x64_sys_', '__arm64_sys_', '__ia32_sys_', '__se_sys_', '__do_sys_'];
/** One pass over kallsyms (5 MB, 120 000 lines here): " <prefix><name>" as a whole symbol name. */
const SYSCALL_SYMBOL = new RegExp(` (?:${SYSCALL_PREFIXES.join('|')})(${SYSCALL_NAMES.join('|')})(?=[\t\n]|$)`, 'gm');

/** The compat entry points of keyctl and futex, under any arch prefix (__arm64_, __ia32_, __se_, ...). */
const COMPAT_SYMBOL = / (?:__\w+?_)?(compat_sys_keyctl|compat_sys_futex|sys_futex_time32)(?=[\t\n]|$)/gm;

/** What /proc/kallsyms says about the system calls (names only; addresses may be hidden). */
export interface KallsymsFindings {
  found: Set<string>;
  /** Null when kallsyms lists no compat_sys_ symbol at all. */
  compat: { keyctl: boolean; futex: boolean } | null;
}

/** One pass over kallsyms for each syscall's entry point and the compat entry points. */
export function scanKallsyms(kallsyms: string): KallsymsFindings {
  const found = new Set<string>();
  for (const m of kallsyms.matchAll(SYSCALL_SYMBOL)) found.add(m[1] as string);
  let compat: KallsymsFindings['compat'] = null;
  if (/ (?:__\w+?_)?compat_sys_\w/.test(kallsyms)) {
    const names = new Set([...kallsyms.matchAll(COMPAT_SYMBOL)].map((m) => m[1] as string));
    compat = { keyctl: names.has('compat_sys_keyctl'), futex: names.has('compat_sys_futex') || names.has('sys_futex_time32') };
  }
  return { found, compat };
}

/** The findings as the tools path's system call results. */
export function applyKallsyms(findings: KallsymsFindings, results: LiveResults): void {
  if (findings.compat) results.compatSyscalls = findings.compat;
  for (const name of SYSCALL_NAMES) {
    results.syscalls[name] = findings.found.has(name)
      ? { op: `${name}()`, ok: true, detail: 'symbol in /proc/kallsyms' }
      : { op: `${name}()`, ok: false, errno: 'ENOSYS', detail: 'no symbol in /proc/kallsyms' };
  }
  results.syscallSource = 'kallsyms';
}

/** Finds each syscall's entry point among kernel symbols (names only; addresses may be hidden). */
export function syscallsFromKallsyms(kallsyms: string, results: LiveResults): void {
  applyKallsyms(scanKallsyms(kallsyms), results);
}

/**
 * The user namespace needs a single-threaded caller, so even the FFI path asks
 * droidcheck-init (where it was built) or else a tool. Returns a function that
 * writes the answer into the FFI results, so the test can run while the koffi
 * worker runs its own.
 */
async function userNsByTool(host: Host, tools: ToolOptions): Promise<(results: LiveResults) => void> {
  const native = await host.nativeUserNs();
  if (native) {
    const op = 'unshare(CLONE_NEWUSER)';
    const attempt = native.errno === null ? { op, ok: true, detail: 'via droidcheck-init', tool: 'droidcheck-init' } : { op, ok: false, errno: errnoName(native.errno), detail: 'via droidcheck-init', tool: 'droidcheck-init' };
    return (results) => void (results.unshare.user = attempt);
  }
  const { findToolset } = await import('../../host/tools.js');
  const t = await findToolset(host, tools);
  if (!t?.unshare) return (results) => void results.notes.push('no unshare tool: the user namespace was not tested live');
  const [file, ...args] = t.unshare as [string, ...string[]];
  const r = await host.exec(file, [...args, '-U', 'true']);
  const tool = t.labels?.unshare ?? t.name;
  return (results) => {
    results.unshare.user =
      r.exitCode === 0
        ? { op: 'unshare(CLONE_NEWUSER)', ok: true, detail: `via ${t.name}`, tool }
        : { op: 'unshare(CLONE_NEWUSER)', ok: false, errno: errnoFromMessage(r.stderr), detail: r.stderr.trim(), tool };
    if (t.labels?.unshare) results.tools = { ...results.tools, unshare: t.labels.unshare };
  };
}

/** Every attempt the FFI worker made, marked as made through koffi. */
function markFfi(results: LiveResults): void {
  const mark = (a: Attempt | undefined): void => {
    if (a && a.tool === undefined) a.tool = 'koffi';
  };
  for (const a of Object.values(results.unshare)) mark(a);
  for (const a of Object.values(results.mount)) mark(a);
  for (const a of Object.values(results.syscalls)) mark(a);
  for (const a of [results.pivotRoot, results.chroot, results.seccompFilter, results.noNewPrivs, results.inetAsNobody]) mark(a);
}

/** Why a failed koffi load failed, in one line. */
export function ffiFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() || 'unknown error';
}

export async function runLive(host: Host, opts: LiveOptions): Promise<LiveRun> {
  const notes: string[] = [];
  const tools: ToolOptions = { ...(opts.busybox ? { busybox: opts.busybox } : {}), ...(opts.bundleRootfs ? { bundleRootfs: opts.bundleRootfs } : {}) };
  let ffi: LiveRun['ffi'];
  const scratch = await host.makeScratchDir();
  try {
    if (!opts.noFfi) {
      try {
        // The worker first (its thread takes longest to start); the tool's user-namespace test runs
        // beside it (a separate process).
        trace('live: koffi worker start');
        const worker = host.ffiLive({ scratch, arch: opts.arch, isRoot: opts.isRoot });
        worker.catch(() => undefined);
        opts.started?.();
        const userNs = opts.isRoot ? userNsByTool(host, tools) : null;
        userNs?.catch(() => undefined);
        const results = await worker;
        trace('live: koffi worker answered');
        markFfi(results);
        if (userNs) (await userNs)(results);
        trace('live: user namespace tested');
        return { results, notes, ffi: { state: 'used' } };
      } catch (error) {
        const reason = ffiFailure(error);
        ffi = { state: 'unavailable', reason };
        notes.push(`FFI unavailable (koffi: ${reason}): live tests used tools`);
      }
    } else {
      ffi = { state: 'off' };
      notes.push('FFI switched off (--no-ffi or DROIDCHECK_NO_FFI=1): live tests used tools');
    }
    if (!opts.isRoot) {
      notes.push('not root: namespace and mount tests need root and were not run');
      return { results: null, notes, ffi };
    }
    trace('live: tools start');
    const { runToolsLive } = await import('./tools.js');
    // kallsyms is large and slow to generate (5 MB, ~50 ms here): read and scanned while the tools' script runs.
    let findings: KallsymsFindings | null = null;
    const toolsRun = runToolsLive(host, scratch, tools, async () => {
      const kallsyms = await host.readFile('/proc/kallsyms');
      if (kallsyms && kallsyms.length > 0) findings = scanKallsyms(kallsyms.toString('utf8'));
    });
    opts.started?.();
    const results = await toolsRun;
    trace('live: tools done');
    if (!results) {
      notes.push('no shell or busybox found: no live tests were run');
      return { results: null, notes, ffi };
    }
    if (findings) applyKallsyms(findings, results);
    else results.notes.push('/proc/kallsyms unreadable: system calls were judged by kernel version');
    return { results, notes, ffi };
  } finally {
    opts.started?.();
    await host.removeScratchDir(scratch);
  }
}
