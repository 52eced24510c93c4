// Live kernel tests through koffi, run in a worker thread.
//
// Namespaces belong to a thread, not a process: this worker unshares its own
// mount/uts/ipc/net/pid/cgroup namespaces, mounts only inside its private
// mount namespace and drops its own uid last. When the thread exits, its
// namespaces and mounts go with it, so the host and droidcheck's main thread
// are never changed. Only synchronous fs calls are used here: asynchronous
// ones run on libuv's pool threads, which live in the host's namespaces.

import { nameTable } from '../../sys/namespaces.js';
import { parentPort } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { mkdirSync, statSync } from 'node:fs';
import { errnoName, loadLibc, type Libc } from '../../sys/libc.js';
import { emptyLive, SYSCALL_NAMES, type Attempt, type LiveResults, type NsName, type SyscallName } from './types.js';
import { syscallTable, type SyscallTable } from '../../sys/syscall-numbers.js';
import { trace } from '../../util/trace.js';
trace('worker: modules loaded');

export interface WorkerInput {
  scratch: string;
  arch: string;
  isRoot: boolean;
}

const CLONE: Record<NsName, number> = nameTable((n) => n.clone);
const CLONE_NAME: Record<NsName, string> = nameTable((n) => n.cloneName);
const MS_REC = 0x4000;
const MS_PRIVATE = 0x40000;
const AT_FDCWD = -100;

/* c8 ignore start - only the worker thread runs this, covered by the root integration tests */
class Prober {
  constructor(
    private readonly c: Libc,
    private readonly nr: SyscallTable,
  ) {}

  attempt(op: string, call: () => number): Attempt {
    const rc = call();
    if (rc >= 0) return { op, ok: true };
    return { op, ok: false, errno: errnoName(this.c.errno()) };
  }

  syscall(name: SyscallName): Attempt {
    const n = this.nr[name];
    const L = 'long';
    // Each call is made harmless: bad arguments or an fd closed right away.
    // Any answer but ENOSYS means the kernel knows the call.
    const calls: Record<SyscallName, () => number> = {
      memfd_create: () => this.c.syscall(n, 'str', 'droidcheck-probe', L, 0),
      getrandom: () => this.c.syscall(n, L, 0, L, 0, L, 1),
      renameat2: () => this.c.syscall(n, L, AT_FDCWD, 'str', '', L, AT_FDCWD, 'str', '', L, 0),
      execveat: () => this.c.syscall(n, L, -1, 'str', '', L, 0, L, 0, L, 0),
      seccomp: () => this.c.syscall(n, L, 2 /* SECCOMP_GET_ACTION_AVAIL */, L, 0, L, 0),
      clone3: () => this.c.syscall(n, L, 0, L, 0),
      openat2: () => this.c.syscall(n, L, AT_FDCWD, 'str', '', L, 0, L, 0),
      close_range: () => this.c.syscall(n, L, 0xffffffff, L, 0, L, 0),
      pidfd_open: () => this.c.syscall(n, L, 0, L, 0),
      pidfd_send_signal: () => this.c.syscall(n, L, -1, L, 0, L, 0, L, 0),
    };
    const rc = calls[name]();
    const op = `${name}()`;
    if (rc >= 0) {
      if (name === 'memfd_create') this.c.close(rc);
      return { op, ok: true };
    }
    const errno = errnoName(this.c.errno());
    return errno === 'ENOSYS' ? { op, ok: false, errno } : { op, ok: true, detail: `answered ${errno}` };
  }

  prctl(option: number, arg: number): number {
    return this.c.syscall(this.nr.prctl, 'long', option, 'long', arg, 'long', 0, 'long', 0, 'long', 0);
  }
}

function isCharDevice(path: string): boolean {
  try {
    return statSync(path).isCharacterDevice();
  } catch {
    return false;
  }
}

function devOf(path: string): number | null {
  try {
    return statSync(path).dev;
  } catch {
    return null;
  }
}

function mountTests(p: Prober, c: Libc, nr: SyscallTable, input: WorkerInput, out: LiveResults): void {
  const s = input.scratch;
  const priv = p.attempt('mount --make-rprivate /', () => c.mount(null, '/', null, MS_REC | MS_PRIVATE, null));
  const scratch = priv.ok ? p.attempt(`mount tmpfs on ${s}`, () => c.mount('tmpfs', s, 'tmpfs', 0, 'size=1m,mode=0700')) : priv;
  out.mount.scratch = scratch;
  if (!scratch.ok) return;
  for (const d of ['mq', 'pts', 'l', 'u', 'w', 'm', 'new']) mkdirSync(`${s}/${d}`);
  out.mount.mqueue = p.attempt(`mount -t mqueue on ${s}/mq`, () => c.mount('mqueue', `${s}/mq`, 'mqueue', 0, null));
  const pts = p.attempt(`mount -t devpts -o newinstance on ${s}/pts`, () =>
    c.mount('devpts', `${s}/pts`, 'devpts', 0, 'newinstance,ptmxmode=0666,mode=620'),
  );
  const hostPts = isCharDevice('/dev/pts/ptmx') ? devOf('/dev/pts') : null;
  const ownPts = pts.ok ? devOf(`${s}/pts`) : null;
  out.mount.devpts = {
    ...pts,
    ptmx: pts.ok && isCharDevice(`${s}/pts/ptmx`),
    separateInstance: hostPts === null || ownPts === null ? null : hostPts !== ownPts,
  };
  out.mount.overlay = p.attempt(`mount -t overlay on ${s}/m`, () =>
    c.mount('overlay', `${s}/m`, 'overlay', 0, `lowerdir=${s}/l,upperdir=${s}/u,workdir=${s}/w`),
  );
  // pivot_root needs a mount point that is not the current root's filesystem;
  // it fails with EINVAL when the root is rootfs (an initramfs).
  const newRoot = `${s}/new`;
  const bound = p.attempt(`mount tmpfs on ${newRoot}`, () => c.mount('tmpfs', newRoot, 'tmpfs', 0, 'size=1m'));
  if (bound.ok) {
    mkdirSync(`${newRoot}/old`);
    out.pivotRoot = p.attempt(`pivot_root ${newRoot} ${newRoot}/old`, () =>
      c.syscall(nr.pivot_root, 'str', newRoot, 'str', `${newRoot}/old`),
    );
  } else {
    out.pivotRoot = bound;
  }
  const chrootTo = out.pivotRoot.ok ? '/old' : s;
  out.chroot = p.attempt(`chroot ${chrootTo}`, () => c.chroot(chrootTo));
}

function run(input: WorkerInput): LiveResults {
  const out = emptyLive('ffi');
  const nr = syscallTable(input.arch);
  if (!nr) throw new Error(`no system call table for architecture ${input.arch}`);
  const c = loadLibc(input.arch);
  const p = new Prober(c, nr);
  for (const name of SYSCALL_NAMES) out.syscalls[name] = p.syscall(name);
  out.syscallSource = 'live';
  // PR_SET_SECCOMP with a NULL filter: EFAULT when filters are supported (nothing is installed).
  const sf = p.prctl(22, 2);
  const sfErr = sf < 0 ? errnoName(c.errno()) : 'installed';
  out.seccompFilter = { op: 'prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL)', ok: sfErr === 'EFAULT', errno: sfErr };
  const nnp = p.prctl(39, 0);
  out.noNewPrivs = nnp >= 0
    ? { op: 'prctl(PR_GET_NO_NEW_PRIVS)', ok: true, detail: `value ${nnp}` }
    : { op: 'prctl(PR_GET_NO_NEW_PRIVS)', ok: false, errno: errnoName(c.errno()) };
  if (!input.isRoot) {
    out.notes.push('not root: namespace and mount tests were not run');
    return out;
  }
  trace('worker: syscalls tested');
  for (const ns of ['uts', 'ipc', 'net', 'pid', 'cgroup', 'mnt'] as const) {
    out.unshare[ns] = p.attempt(`unshare(${CLONE_NAME[ns]})`, () => c.unshare(CLONE[ns]));
  }
  trace('worker: namespaces tested');
  out.notes.push('unshare(CLONE_NEWUSER) needs a single-threaded caller: tested with a tool');
  if (out.unshare.mnt?.ok) mountTests(p, c, nr, input, out);
  // Last: drop this thread's ids (raw system calls change one thread only).
  const L = 'long';
  const dropped =
    c.syscall(nr.setgroups, L, 0, L, 0) === 0 &&
    c.syscall(nr.setresgid, L, 65534, L, 65534, L, 65534) === 0 &&
    c.syscall(nr.setresuid, L, 65534, L, 65534, L, 65534) === 0;
  trace('worker: mounts tested');
  if (dropped) {
    const fd = c.socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */, 0);
    out.inetAsNobody = fd >= 0 ? { op: 'socket(AF_INET) as uid 65534', ok: true } : { op: 'socket(AF_INET) as uid 65534', ok: false, errno: errnoName(c.errno()) };
    if (fd >= 0) c.close(fd);
  }
  return out;
}

if (parentPort) {
  const port = parentPort;
  // koffi loads while the worker waits for its input (NodeHost may start it ahead); a failure is
  // reported when loadLibc tries again for the input.
  try {
    createRequire(import.meta.url)('koffi');
  } catch {
    // see above
  }
  trace('worker: koffi loaded');
  port.once('message', (input: WorkerInput) => {
    try {
      port.postMessage({ ok: true, results: run(input) });
    } catch (error) {
      port.postMessage({ ok: false, error: (error as Error).message });
    }
  });
}
/* c8 ignore stop */
