// Chooses how to run the live tests: koffi in a worker thread when it loads,
// else tools (busybox, util-linux, toybox). Records which and why.

import type { Host } from '../../host/host.js';
import { errnoFromMessage, findToolset, runToolsLive } from './tools.js';
import { SYSCALL_NAMES, type LiveResults } from './types.js';

export interface LiveOptions {
  /** --no-ffi or DROIDCHECK_NO_FFI=1. */
  noFfi: boolean;
  busybox?: string;
  isRoot: boolean;
  arch: string;
}

export interface LiveRun {
  results: LiveResults | null;
  /** Why FFI was not used, or why nothing ran. */
  notes: string[];
}

/** Finds each syscall's entry point among kernel symbols (names only; addresses may be hidden). */
export function syscallsFromKallsyms(kallsyms: string, results: LiveResults): void {
  const names = new Set<string>();
  for (const line of kallsyms.split('\n')) {
    const sym = line.split(' ')[2];
    if (sym && /sys_/i.test(sym)) names.add(sym);
  }
  const prefixes = ['sys_', 'SyS_', '__x64_sys_', '__arm64_sys_', '__ia32_sys_', '__se_sys_', '__do_sys_'];
  for (const name of SYSCALL_NAMES) {
    const found = prefixes.some((p) => names.has(p + name));
    results.syscalls[name] = found
      ? { op: `${name}()`, ok: true, detail: 'symbol in /proc/kallsyms' }
      : { op: `${name}()`, ok: false, errno: 'ENOSYS', detail: 'no symbol in /proc/kallsyms' };
  }
  results.syscallSource = 'kallsyms';
}

/** The user namespace needs a single-threaded caller, so even the FFI path asks a tool. */
async function userNsByTool(host: Host, results: LiveResults, busybox?: string): Promise<void> {
  const t = await findToolset(host, busybox);
  if (!t?.unshare) {
    results.notes.push('no unshare tool: the user namespace was not tested live');
    return;
  }
  const [file, ...args] = t.unshare as [string, ...string[]];
  const r = await host.exec(file, [...args, '-U', 'true']);
  results.unshare.user =
    r.exitCode === 0
      ? { op: 'unshare(CLONE_NEWUSER)', ok: true, detail: `via ${t.name}` }
      : { op: 'unshare(CLONE_NEWUSER)', ok: false, errno: errnoFromMessage(r.stderr), detail: r.stderr.trim() };
}

export async function runLive(host: Host, opts: LiveOptions): Promise<LiveRun> {
  const notes: string[] = [];
  const scratch = await host.makeScratchDir();
  try {
    if (!opts.noFfi) {
      try {
        const results = await host.ffiLive({ scratch, arch: opts.arch, isRoot: opts.isRoot });
        if (opts.isRoot) await userNsByTool(host, results, opts.busybox);
        return { results, notes };
      } catch (error) {
        notes.push(`FFI unavailable (${(error as Error).message}): live tests used tools`);
      }
    } else {
      notes.push('FFI switched off (--no-ffi or DROIDCHECK_NO_FFI=1): live tests used tools');
    }
    if (!opts.isRoot) {
      notes.push('not root: namespace and mount tests need root and were not run');
      return { results: null, notes };
    }
    const results = await runToolsLive(host, scratch, opts.busybox);
    if (!results) {
      notes.push('no shell or busybox found: no live tests were run');
      return { results: null, notes };
    }
    const kallsyms = await host.readFile('/proc/kallsyms');
    if (kallsyms && kallsyms.length > 0) syscallsFromKallsyms(kallsyms.toString('utf8'), results);
    else results.notes.push('/proc/kallsyms unreadable: system calls were judged by kernel version');
    return { results, notes };
  } finally {
    await host.removeScratchDir(scratch);
  }
}
