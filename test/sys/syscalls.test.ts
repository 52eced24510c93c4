// The one syscall table: generated numbers, read by machine and by Node arch.

import t from 'tap';
import { MACHINE_OF_NODE_ARCH, syscallNumbers, syscallsFor } from '../../src/sys/syscalls.js';
import { syscallTable } from '../../src/sys/syscall-numbers.js';

t.test('numbers the kernel ABI fixes', async (t) => {
  t.equal(syscallNumbers('x86_64').get('pivot_root'), 155);
  t.equal(syscallNumbers('aarch64').get('bpf'), 280);
  t.equal(syscallNumbers('arm').get('keyctl'), 311);
  t.equal(syscallNumbers('x86').get('bpf'), 357);
  t.equal(syscallNumbers('mips').size, 0, 'unknown machine: empty');
});

t.test('32-bit x86 and ARM get the 32-bit uid calls, as libc does', async (t) => {
  t.same(syscallsFor('arm', ['setresuid', 'setresgid', 'setgroups']), { setresuid: 208, setresgid: 210, setgroups: 206 });
  t.same(syscallsFor('ia32', ['setresuid']), { setresuid: 208 });
  t.same(syscallsFor('arm64', ['setresuid']), { setresuid: 147 }, 'no 16-bit calls on arm64');
  t.equal(syscallNumbers('arm').get('setresuid'), 164, 'the table itself keeps the exact (16-bit) name for seccomp profiles');
});

t.test('unknown arch or call: null', async (t) => {
  t.equal(syscallsFor('mips', ['read']), null);
  t.equal(syscallsFor('x64', ['no_such_call']), null);
  t.same(Object.keys(MACHINE_OF_NODE_ARCH).sort(), ['arm', 'arm64', 'ia32', 'x64']);
});

t.test('the live probes read the same table', async (t) => {
  t.equal(syscallTable('x64')?.memfd_create, 319);
  t.equal(syscallTable('arm')?.pidfd_open, 434);
  t.equal(syscallTable('sparc'), null);
});
