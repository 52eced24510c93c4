// The docker tests only a system call can make, through koffi, in a worker
// thread: BPF_PROG_LOAD of a trivial BPF_PROG_TYPE_CGROUP_DEVICE program and
// BPF_PROG_QUERY/ATTACH/DETACH on a child group of a private cgroup2 mount (what
// runc does on cgroup v2), and joining a new session keyring (what runc does
// for every container). The thread unshares its own mount namespace, so the
// cgroup2 mount goes away with it; the child group is removed before it
// answers; the keyring belongs to the thread's credentials and goes with them.

import { parentPort, workerData } from 'node:worker_threads';
import { closeSync, mkdirSync, openSync, rmdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { errnoName, loadLibc, type Libc } from '../sys/libc.js';
import type { Attempt } from '../probes/live/types.js';
import type { Cgroup2Run, DockerFfiResults } from './types.js';
import { syscallsFor } from '../sys/syscalls.js';

export interface DockerWorkerInput {
  scratch: string;
  arch: string;
}

const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_DETACH = 9;
const BPF_PROG_QUERY = 16;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
const BPF_F_ALLOW_MULTI = 2;
const KEYCTL_JOIN_SESSION_KEYRING = 1;
const CLONE_NEWNS = 0x20000;
const MS_REC = 0x4000;
const MS_PRIVATE = 0x40000;
const ATTR_SIZE = 128;

/** `r0 = 1; exit`: allow every device. */
const PROGRAM = Buffer.from([0xb7, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x95, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);

interface Koffi {
  alloc(type: string, n: number): unknown;
  address(p: unknown): bigint;
  view(p: unknown, len: number): ArrayBuffer;
  free(p: unknown): void;
}

/* c8 ignore start - only the worker thread runs this, covered by the root integration tests */
class Bpf {
  private readonly mem: unknown[] = [];
  constructor(
    private readonly c: Libc,
    private readonly k: Koffi,
    private readonly nr: number,
  ) {}

  /** Native memory holding `bytes`: its address for an attr field. */
  private place(bytes: Buffer): bigint {
    const p = this.k.alloc('uint8_t', Math.max(bytes.length, 1));
    this.mem.push(p);
    Buffer.from(this.k.view(p, bytes.length)).set(bytes);
    return this.k.address(p);
  }

  call(op: string, cmd: number, fill: (attr: Buffer) => void): { attempt: Attempt; rc: number; attr: Buffer } {
    const p = this.k.alloc('uint8_t', ATTR_SIZE);
    this.mem.push(p);
    const attr = Buffer.from(this.k.view(p, ATTR_SIZE));
    attr.fill(0);
    fill(attr);
    const rc = this.c.syscall(this.nr, 'long', cmd, 'void *', p, 'long', ATTR_SIZE);
    const attempt: Attempt = rc >= 0 ? { op, ok: true } : { op, ok: false, errno: errnoName(this.c.errno()) };
    return { attempt, rc, attr };
  }

  load(): { attempt: Attempt; fd: number } {
    const insns = this.place(PROGRAM);
    const license = this.place(Buffer.from('Apache-2.0\0'));
    const r = this.call('bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE)', BPF_PROG_LOAD, (a) => {
      a.writeUInt32LE(BPF_PROG_TYPE_CGROUP_DEVICE, 0);
      a.writeUInt32LE(PROGRAM.length / 8, 4);
      a.writeBigUInt64LE(insns, 8);
      a.writeBigUInt64LE(license, 16);
    });
    return { attempt: r.attempt, fd: r.rc };
  }

  free(): void {
    for (const p of this.mem) this.k.free(p);
  }
}

function cgroup2(c: Libc, k: Koffi, arch: string, scratch: string): Cgroup2Run {
  const out: Cgroup2Run = {};
  const nr = syscallsFor(arch, ['bpf'])?.bpf;
  if (c.unshare(CLONE_NEWNS) !== 0 || c.mount(null, '/', null, MS_REC | MS_PRIVATE, null) !== 0) {
    out.mount = { op: 'unshare(CLONE_NEWNS) for a private cgroup2 mount', ok: false, errno: errnoName(c.errno()) };
    return out;
  }
  const dir = `${scratch}/unified`;
  mkdirSync(dir, { recursive: true });
  const rc = c.mount('cgroup2', dir, 'cgroup2', 0, null);
  out.mount = rc === 0 ? { op: `mount -t cgroup2 on ${dir}`, ok: true } : { op: `mount -t cgroup2 on ${dir}`, ok: false, errno: errnoName(c.errno()) };
  if (rc !== 0) return out;
  const child = `${dir}/droidcheck-docker-${process.pid}`;
  try {
    mkdirSync(child);
    out.child = { op: 'mkdir a child group', ok: true };
  } catch (error) {
    out.child = { op: 'mkdir a child group', ok: false, errno: (error as NodeJS.ErrnoException).code ?? 'EIO' };
    return out;
  }
  const bpf = nr === undefined ? null : new Bpf(c, k, nr);
  let cg = -1;
  let prog = -1;
  try {
    if (!bpf) {
      out.bpfLoad = { op: 'bpf()', ok: false, errno: 'ENOSYS', detail: `no bpf syscall number for ${arch}` };
      return out;
    }
    cg = openSync(child, 'r');
    const query = bpf.call('bpf(BPF_PROG_QUERY, BPF_CGROUP_DEVICE)', BPF_PROG_QUERY, (a) => {
      a.writeUInt32LE(cg, 0);
      a.writeUInt32LE(BPF_CGROUP_DEVICE, 4);
    });
    out.bpfQuery = query.attempt;
    const loaded = bpf.load();
    out.bpfLoad = loaded.attempt;
    if (!loaded.attempt.ok) return out;
    prog = loaded.fd;
    const fill = (a: Buffer): void => {
      a.writeUInt32LE(cg, 0);
      a.writeUInt32LE(prog, 4);
      a.writeUInt32LE(BPF_CGROUP_DEVICE, 8);
      a.writeUInt32LE(BPF_F_ALLOW_MULTI, 12);
    };
    out.bpfAttach = bpf.call('bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE) on the child group', BPF_PROG_ATTACH, fill).attempt;
    if (out.bpfAttach.ok) bpf.call('bpf(BPF_PROG_DETACH)', BPF_PROG_DETACH, fill);
    return out;
  } finally {
    if (prog >= 0) c.close(prog);
    if (cg >= 0) closeSync(cg);
    bpf?.free();
    try {
      rmdirSync(child);
    } catch {
      // an attached program keeps no reference to the group once its fd is closed; nothing else can hold it
    }
  }
}

function keyring(c: Libc, arch: string): Attempt {
  const nr = syscallsFor(arch, ['keyctl'])?.keyctl;
  const op = 'keyctl(KEYCTL_JOIN_SESSION_KEYRING)';
  if (nr === undefined) return { op, ok: false, errno: 'ENOSYS', detail: `no keyctl syscall number for ${arch}` };
  const rc = c.syscall(nr, 'long', KEYCTL_JOIN_SESSION_KEYRING, 'str', `droidcheck-docker-${process.pid}`);
  return rc >= 0 ? { op, ok: true } : { op, ok: false, errno: errnoName(c.errno()) };
}

function main(): void {
  const input = workerData as DockerWorkerInput;
  try {
    const c = loadLibc(input.arch);
    const k = createRequire(import.meta.url)('koffi') as Koffi;
    // The keyring first: after it, this thread's credentials differ from the process's; nothing here needs them.
    const results: DockerFfiResults = { keyring: keyring(c, input.arch), cgroup2: cgroup2(c, k, input.arch, input.scratch) };
    parentPort?.postMessage({ ok: true, results });
  } catch (error) {
    parentPort?.postMessage({ ok: false, error: (error as Error).message });
  }
}

main();
/* c8 ignore stop */
