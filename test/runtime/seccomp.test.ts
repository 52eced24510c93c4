// The seccomp compiler, checked by running its BPF the way the kernel does
// (evaluate), against the runtime-spec's meaning of each action and operator.

import t from 'tap';
import { compileSeccomp } from '../../src/runtime/seccomp/compile.js';
import { evaluate, type SockFilter } from '../../src/runtime/seccomp/bpf.js';
import { SYSCALL_TABLES } from '../../src/sys/syscalls.js';

const ARCH = { x86_64: 0xc000003e, x86: 0x40000003, aarch64: 0xc00000b7, arm: 0x40000028 };
const ALLOW = 0x7fff0000;
const ERRNO = (e: number): number => 0x00050000 | e;
const KILL_PROCESS = 0x80000000;

function nr(arch: string, name: string): number {
  const m = new RegExp(`(?:^| )${name}:(\\d+)(?: |$)`).exec(SYSCALL_TABLES[arch]!);
  if (!m) throw new Error(`${name} not in ${arch}`);
  return Number(m[1]);
}

function decode(hex: string): SockFilter[] {
  const b = Buffer.from(hex, 'hex');
  const out: SockFilter[] = [];
  for (let i = 0; i < b.length; i += 8) out.push({ code: b.readUInt16LE(i), jt: b[i + 2]!, jf: b[i + 3]!, k: b.readUInt32LE(i + 4) });
  return out;
}

t.test('the tables come from the kernel headers: known numbers per architecture', async (t) => {
  t.equal(nr('x86_64', 'mkdir'), 83);
  t.equal(nr('x86_64', 'openat'), 257);
  t.equal(nr('aarch64', 'openat'), 56);
  t.equal(nr('aarch64', 'fcntl'), 25, 'asm-generic names resolved through __NR3264_*');
  t.equal(nr('arm', 'mkdir'), 39);
  t.equal(nr('x86', 'mkdir'), 39);
  t.notOk(/(?:^| )mkdir:/.test(SYSCALL_TABLES['aarch64']!), 'arm64 has no mkdir, only mkdirat');
});

t.test('default allow, one call answered with EPERM; other architectures killed', async (t) => {
  const c = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }, 'x86_64', [6, 1]);
  const f = decode(c.hex);
  t.equal(f.length, c.instructions);
  t.same(c.arches, ['x86_64'], 'no architectures: the launcher\'s own');
  t.equal(evaluate(f, { arch: ARCH.x86_64, nr: 83 }), ERRNO(1));
  t.equal(evaluate(f, { arch: ARCH.x86_64, nr: nr('x86_64', 'mkdirat') }), ERRNO(1));
  t.equal(evaluate(f, { arch: ARCH.x86_64, nr: 0 }), ALLOW);
  t.equal(evaluate(f, { arch: ARCH.x86, nr: 39 }), KILL_PROCESS, 'an unlisted architecture');
  t.equal(evaluate(f, { arch: ARCH.x86_64, nr: 0x40000000 + 83 }), KILL_PROCESS, 'x32 calls');
});

t.test('errnoRet and defaultErrnoRet, several architectures, each with its own numbers', async (t) => {
  const c = compileSeccomp(
    {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      architectures: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
      syscalls: [
        { names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' },
        { names: ['openat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      ],
    },
    'aarch64',
    [4, 14],
  );
  const f = decode(c.hex);
  t.same(c.arches, ['aarch64', 'arm']);
  t.equal(evaluate(f, { arch: ARCH.aarch64, nr: nr('aarch64', 'read') }), ALLOW);
  t.equal(evaluate(f, { arch: ARCH.arm, nr: nr('arm', 'read') }), ALLOW);
  t.equal(evaluate(f, { arch: ARCH.aarch64, nr: nr('aarch64', 'openat') }), ERRNO(13));
  t.equal(evaluate(f, { arch: ARCH.arm, nr: nr('arm', 'openat') }), ERRNO(13));
  t.equal(evaluate(f, { arch: ARCH.aarch64, nr: nr('aarch64', 'mkdirat') }), ERRNO(38), 'the default, with defaultErrnoRet');
  t.equal(evaluate(f, { arch: ARCH.x86_64, nr: 0 }), KILL_PROCESS);
});

t.test('every comparison operator, on 64- and 32-bit architectures, matches unsigned 64-bit arithmetic', async (t) => {
  const ops: Record<string, (arg: bigint, v: bigint, v2: bigint) => boolean> = {
    SCMP_CMP_EQ: (a, v) => a === v,
    SCMP_CMP_NE: (a, v) => a !== v,
    SCMP_CMP_LT: (a, v) => a < v,
    SCMP_CMP_LE: (a, v) => a <= v,
    SCMP_CMP_GT: (a, v) => a > v,
    SCMP_CMP_GE: (a, v) => a >= v,
    SCMP_CMP_MASKED_EQ: (a, v, v2) => (a & v) === v2,
  };
  // Values around the 32-bit boundary and the interesting small ones.
  const values = [0n, 1n, 2n, 0xffffffffn, 0x100000000n, 0x100000001n, 0x1ffffffffn, 0x1fffff00000000n, 2n ** 53n - 1n];
  let mismatches = 0;
  let checked = 0;
  for (const [op, want] of Object.entries(ops)) {
    for (const v of values) {
      const v2 = op === 'SCMP_CMP_MASKED_EQ' ? v & 0x100000001n : 0n;
      for (const [arch, wide] of [['x86_64', true], ['arm', false]] as const) {
        const c = compileSeccomp(
          { defaultAction: 'SCMP_ACT_ALLOW', architectures: [arch === 'x86_64' ? 'SCMP_ARCH_X86_64' : 'SCMP_ARCH_ARM'], syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: Number(v), valueTwo: Number(v2), op }] }] },
          arch,
          [6, 1],
        );
        const f = decode(c.hex);
        for (const a of values) {
          // A 32-bit task's arguments are 32 bits wide: compare the low words, as libseccomp does there.
          const arg = wide ? a : a & 0xffffffffn;
          const expect = wide ? want(arg, v, v2) : want(arg, v & 0xffffffffn, v2 & 0xffffffffn);
          const got = evaluate(f, { arch: ARCH[arch], nr: nr(arch, 'personality'), args: [0n, arg] }) === ERRNO(1);
          checked++;
          if (got !== expect) {
            mismatches++;
            t.fail(`${arch} ${op} value ${v} valueTwo ${v2} arg ${arg}: filter says ${got}, expected ${expect}`);
          }
        }
        t.equal(evaluate(f, { arch: ARCH[arch], nr: nr(arch, 'read'), args: [0n, 1n] }), ALLOW, 'other calls are not affected');
      }
    }
  }
  t.equal(mismatches, 0, `${checked} comparisons agree`);
});

t.test('several conditions: all must hold; two on one argument are two rules (as runc splits them)', async (t) => {
  const c = compileSeccomp(
    {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }, { index: 1, value: 1, op: 'SCMP_CMP_EQ' }] },
        { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }, { index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
      ],
    },
    'x86_64',
    [6, 1],
  );
  const f = decode(c.hex);
  const socket = nr('x86_64', 'socket');
  const personality = nr('x86_64', 'personality');
  t.equal(evaluate(f, { arch: ARCH.x86_64, nr: socket, args: [2n, 1n] }), ALLOW);
  t.equal(evaluate(f, { arch: ARCH.x86_64, nr: socket, args: [2n, 2n] }), ERRNO(1));
  t.equal(evaluate(f, { arch: ARCH.x86_64, nr: socket, args: [10n, 1n] }), ERRNO(1));
  t.equal(evaluate(f, { arch: ARCH.x86_64, nr: personality, args: [0n] }), ALLOW);
  t.equal(evaluate(f, { arch: ARCH.x86_64, nr: personality, args: [8n] }), ALLOW);
  t.equal(evaluate(f, { arch: ARCH.x86_64, nr: personality, args: [9n] }), ERRNO(1));
});

t.test('a Docker-sized allow list fits: long groups split below the 255-instruction jump limit', async (t) => {
  const names = SYSCALL_TABLES['x86_64']!.split(' ').map((e) => e.split(':')[0]!);
  const c = compileSeccomp({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls: [{ names, action: 'SCMP_ACT_ALLOW' }] }, 'x86_64', [6, 1]);
  const f = decode(c.hex);
  t.ok(c.instructions < 4096);
  for (const name of ['read', 'mkdir', 'io_uring_setup', 'futex_waitv']) t.equal(evaluate(f, { arch: ARCH.x86_64, nr: nr('x86_64', name) }), ALLOW, name);
  t.equal(evaluate(f, { arch: ARCH.x86, nr: nr('x86', 'read') }), ALLOW, 'names shared with x86 are allowed there too');
  t.equal(evaluate(f, { arch: ARCH.x86_64, nr: 999 }), ERRNO(1));
  t.match(c.notes.join('\n'), /SCMP_ARCH_X32: no x32 table/);
});

t.test('old kernels: SCMP_ACT_LOG would kill there, so it allows and says so', async (t) => {
  const profile = { defaultAction: 'SCMP_ACT_LOG', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_KILL_PROCESS' }] };
  const old = compileSeccomp(profile, 'x86_64', [3, 10]);
  t.equal(evaluate(decode(old.hex), { arch: ARCH.x86_64, nr: 0 }), ALLOW);
  t.match(old.notes.join('\n'), /SCMP_ACT_KILL_PROCESS kills only the calling thread/);
  t.match(old.notes.join('\n'), /SCMP_ACT_LOG became SCMP_ACT_ALLOW/);
  const recent = compileSeccomp(profile, 'x86_64', [5, 10]);
  t.equal(evaluate(decode(recent.hex), { arch: ARCH.x86_64, nr: 0 }), 0x7ffc0000);
  t.same(recent.notes, []);
});

t.test('what cannot be honoured is an error naming the field, the value and what is allowed', async (t) => {
  const bad: [unknown, RegExp][] = [
    ['allow', /^\.linux\.seccomp: "allow" is not allowed \(an object\)/],
    [{ defaultAction: 'SCMP_ACT_NOPE' }, /^\.linux\.seccomp\.defaultAction: "SCMP_ACT_NOPE" is not allowed \(one of SCMP_ACT_KILL/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_NOTIFY' }] }, /syscalls\[0\]\.action: "SCMP_ACT_NOTIFY" is not allowed \(SCMP_ACT_NOTIFY needs a seccomp agent/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: 'read', action: 'SCMP_ACT_ERRNO' }] }, /syscalls\[0\]\.names: "read" is not allowed \(an array of system call names\)/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }, /args\[0\]\.index: 6 is not allowed/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }] }, /args\[0\]\.value: -1 is not allowed \(an unsigned integer below 2\^53\)/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_LIKE' }] }] }, /args\[0\]\.op: "SCMP_CMP_LIKE" is not allowed/],
    [{ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 5000 }, /defaultErrnoRet: 5000 is not allowed/],
  ];
  for (const [profile, message] of bad) t.throws(() => compileSeccomp(profile, 'x86_64', [6, 1]), message);
  t.throws(() => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' }, 'riscv64', [6, 1]), /architectures: \[\] is not allowed \(a machine droidcheck has a system call table for/);
});

t.test('unknown names and flags are named in the notes', async (t) => {
  const c = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG'], architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_PPC64LE'], syscalls: [{ names: ['mkdir', 'no_such_call'], action: 'SCMP_ACT_ERRNO' }] }, 'x86_64', [6, 1]);
  t.match(c.notes, [/SCMP_ARCH_PPC64LE: not a machine droidcheck runs on/, /flags SECCOMP_FILTER_FLAG_LOG not applied/, /1 system call name unknown on x86_64 .*no_such_call/]);
});
