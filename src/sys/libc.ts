// The C library calls droidcheck needs (live probes and the embedded runtime), through koffi. Every call
// returns the raw result; `errno()` reads errno right after it. Loading fails
// with a clear message where koffi has no module (Android 7/8, 32-bit ARM).

import { createRequire } from 'node:module';
import { syscallTable } from './syscall-numbers.js';

export { errnoName } from './errno.js';

export interface Libc {
  errno(): number;
  /** syscall(2) with koffi's variadic convention: a type string before each argument. */
  syscall(nr: number, ...args: unknown[]): number;
  close(fd: number): number;
  socket(domain: number, type: number, proto: number): number;
  /** ioctl(2) with a struct passed as bytes (struct ifreq for SIOC[GS]IFFLAGS). */
  ioctl(fd: number, request: number, arg: Buffer): number;
  unshare(flags: number): number;
  setns(fd: number, nstype: number): number;
  mount(src: string | null, target: string, type: string | null, flags: number, data: string | null): number;
  umount2(target: string, flags: number): number;
  chroot(path: string): number;
  chdir(path: string): number;
  pivotRoot(newRoot: string, putOld: string): number;
  sethostname(name: string, len: number): number;
  mknod(path: string, mode: number, dev: number): number;
  prctl(option: number, arg2: number): number;
  setrlimit(resource: number, soft: bigint, hard: bigint): number;
  setgroups(gids: number[]): number;
  setresgid(gid: number): number;
  setresuid(uid: number): number;
  capset(effective: bigint, permitted: bigint, inheritable: bigint): number;
  fcntl(fd: number, cmd: number, arg?: number): number;
  sigprocmaskClear(): number;
  signalDefault(sig: number): number;
  execve(path: string, argv: string[], envp: string[]): number;
  closeRangeCloexec(first: number): number;
  /** _exit(2): no node exit hooks (they would run inside the container root). */
  exit(code: number): never;
}

const LIBC_NAMES = ['libc.so.6', 'libc.so', 'libc.musl-x86_64.so.1', 'libc.musl-aarch64.so.1'];
const CAPSET_NR: Record<string, number> = { x64: 126, arm64: 91, arm: 185, ia32: 185 };
const PRLIMIT64_NR: Record<string, number> = { x64: 302, arm64: 261, arm: 369, ia32: 340 };

let cached: Libc | null = null;

/* c8 ignore start - exercised by the root integration tests through child processes */
export function loadLibc(arch: string = process.arch): Libc {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  // koffi is optional and CommonJS; the few calls below need no typings.
  const koffi = require('koffi') as {
    load(name: string): { func(decl: string): (...args: unknown[]) => number };
    errno(): number;
  };
  let lib: ReturnType<typeof koffi.load> | undefined;
  const failures: string[] = [];
  for (const name of LIBC_NAMES) {
    try {
      lib = koffi.load(name);
      break;
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  if (!lib) throw new Error(`load libc: ${failures.join('; ')}`);
  const nr = syscallTable(arch);
  const capsetNr = CAPSET_NR[arch];
  const prlimitNr = PRLIMIT64_NR[arch];
  if (!nr || capsetNr === undefined || prlimitNr === undefined) throw new Error(`no system call table for ${arch}`);
  const syscall = lib.func('long syscall(long, ...)');
  const fcntl = lib.func('int fcntl(int, int, ...)');
  const signal = lib.func('intptr_t signal(int, intptr_t)');
  const sigprocmask = lib.func('int sigprocmask(int, const uint8_t *, uint8_t *)');
  const setgroups = lib.func('int setgroups(size_t, const uint32_t *)');
  const execve = lib.func('int execve(const char *, const char **, const char **)');
  const setresgid = lib.func('int setresgid(uint32_t, uint32_t, uint32_t)');
  const setresuid = lib.func('int setresuid(uint32_t, uint32_t, uint32_t)');
  const exitNow = lib.func('void _exit(int)');
  const L = 'long';
  cached = {
    errno: () => koffi.errno(),
    syscall: (n, ...args) => syscall(n, ...args),
    close: lib.func('int close(int)'),
    socket: lib.func('int socket(int, int, int)'),
    ioctl: lib.func('int ioctl(int, unsigned long, _Inout_ uint8_t *)'),
    unshare: lib.func('int unshare(int)'),
    setns: lib.func('int setns(int, int)'),
    mount: lib.func('int mount(const char *, const char *, const char *, unsigned long, const char *)'),
    umount2: lib.func('int umount2(const char *, int)'),
    chroot: lib.func('int chroot(const char *)'),
    chdir: lib.func('int chdir(const char *)'),
    pivotRoot: (a, b) => syscall(nr.pivot_root, 'str', a, 'str', b),
    sethostname: lib.func('int sethostname(const char *, size_t)'),
    mknod: lib.func('int mknod(const char *, uint32_t, uint64_t)'),
    prctl: (option, arg2) => syscall(nr.prctl, L, option, L, arg2, L, 0, L, 0, L, 0),
    setrlimit: (resource, soft, hard) => {
      const buf = Buffer.alloc(16);
      buf.writeBigUInt64LE(soft, 0);
      buf.writeBigUInt64LE(hard, 8);
      return syscall(prlimitNr, L, 0, L, resource, 'uint8_t *', buf, 'void *', null);
    },
    setgroups: (gids) => setgroups(gids.length, gids.length ? Uint32Array.from(gids) : null),
    setresgid: (g) => setresgid(g, g, g),
    setresuid: (u) => setresuid(u, u, u),
    capset: (eff, perm, inh) => {
      const header = Buffer.alloc(8);
      header.writeUInt32LE(0x20080522, 0); // _LINUX_CAPABILITY_VERSION_3
      const data = Buffer.alloc(24);
      const lo = (v: bigint): number => Number(v & 0xffffffffn);
      const hi = (v: bigint): number => Number((v >> 32n) & 0xffffffffn);
      data.writeUInt32LE(lo(eff), 0);
      data.writeUInt32LE(lo(perm), 4);
      data.writeUInt32LE(lo(inh), 8);
      data.writeUInt32LE(hi(eff), 12);
      data.writeUInt32LE(hi(perm), 16);
      data.writeUInt32LE(hi(inh), 20);
      return syscall(capsetNr, 'uint8_t *', header, 'uint8_t *', data);
    },
    fcntl: (fd, cmd, arg) => (arg === undefined ? fcntl(fd, cmd) : fcntl(fd, cmd, 'int', arg)),
    sigprocmaskClear: () => sigprocmask(2 /* SIG_SETMASK */, Buffer.alloc(128), null),
    signalDefault: (sig) => signal(sig, 0),
    execve: (path, argv, envp) => execve(path, [...argv, null], [...envp, null]),
    closeRangeCloexec: (first) => syscall(nr.close_range, L, first, L, 0xffffffff, L, 4 /* CLOSE_RANGE_CLOEXEC */),
    exit: (code) => {
      exitNow(code);
      throw new Error('_exit returned');
    },
  };
  return cached;
}
/* c8 ignore stop */
