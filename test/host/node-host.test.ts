// The real Host on this machine (no root needed).

import t from 'tap';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { NodeHost, prestartLiveTests } from '../../src/host/node-host.js';
import { HostError } from '../../src/host/host.js';
import { findNativeInit } from '../../src/runtime/native-path.js';

const h = new NodeHost();

t.test('files', async (t) => {
  t.match((await h.readFile('/proc/self/status'))?.toString(), /^Name:/);
  t.equal(await h.readFile('/nonexistent'), null);
  t.equal((await h.readHead(process.execPath, 4))?.toString('latin1'), '\x7fELF');
  t.equal((await h.readHead('/proc/self/status', 5))?.toString(), 'Name:');
  t.equal(await h.readHead('/nonexistent', 4), null);
  await t.rejects(h.readFileStrict('/nonexistent/x'), new HostError('read', '/nonexistent/x', 'ENOENT'));
  t.equal((await h.readFileStrict('/proc/self/status')).length > 0, true);
  t.ok((await h.readDir('/proc/self/ns'))?.includes('mnt'));
  t.equal(await h.readDir('/nonexistent'), null);
  t.equal(await h.stat('/proc'), 'dir');
  t.equal(await h.stat('/dev/null'), 'char');
  t.equal(await h.stat('/proc/self'), 'symlink');
  t.equal(await h.stat('/etc/hostname'), 'file');
  t.equal(await h.stat('/nonexistent'), null);
  t.equal(new HostError('mount', '/x', 'EINVAL', 'flags 0').message, 'mount /x: EINVAL (flags 0)');
});

t.test('commands', async (t) => {
  t.same(await h.exec('sh', ['-c', 'cat; echo err >&2; exit 3'], { input: 'in\n' }), { exitCode: 3, stdout: 'in\n', stderr: 'err\n' });
  t.match(await h.exec('/nonexistent/prog', []), { exitCode: 127, spawnError: 'spawn /nonexistent/prog: ENOENT' });
  t.match(await h.exec('sleep', ['5'], { timeoutMs: 100 }), { exitCode: 124, spawnError: /timed out after 100 ms/ });
  // As execa did: a program that outlives SIGTERM and exits on its own keeps its status.
  t.same(await h.exec('sh', ['-c', 'trap "" TERM; sleep 0.3; exit 4'], { timeoutMs: 100 }), { exitCode: 4, stdout: '', stderr: '' });
  t.match(await h.exec('sh', ['-c', 'kill -9 $$']), { exitCode: 127, spawnError: /^spawn sh: Command was killed with SIGKILL/ });
  t.match(await h.exec('/dev/null', []), { exitCode: 127, spawnError: 'spawn /dev/null: EACCES' });
  t.same(await h.exec('sh', ['-c', 'exit 0'], { input: 'x'.repeat(1 << 20) }), { exitCode: 0, stdout: '', stderr: '' }, 'input nobody reads');
  const big = await h.exec('sh', ['-c', 'head -c 3000000 /dev/zero | tr "\\0" a']);
  t.equal(big.stdout.length, 3000000, 'output of any size');
  t.match(await h.which('sh'), /\/sh$/);
  t.equal(await h.which('no-such-program-here'), null);
});

t.test('identity and scratch space', async (t) => {
  t.equal(h.uname().sysname, 'Linux');
  t.equal(h.uid(), process.geteuid?.());
  t.equal(h.env('PATH'), process.env['PATH']);
  const dir = await h.makeScratchDir();
  t.match(dir, /droidcheck-/);
  t.ok(existsSync(dir));
  await h.removeScratchDir(dir);
  t.notOk(existsSync(dir));
});

t.test('the FFI worker reports a load failure instead of crashing', async (t) => {
  await t.rejects(h.ffiLive({ scratch: '/nonexistent', arch: 'mips', isRoot: false }), /no system call table for architecture mips/);
});

t.test('a worker started ahead (prestartLiveTests) runs the next ffiLive, and alone keeps no process alive', async (t) => {
  prestartLiveTests();
  await t.rejects(h.ffiLive({ scratch: '/nonexistent', arch: 'mips', isRoot: false }), /no system call table for architecture mips/);
  // Where koffi does not load, the worker says so: either way not the first input's answer.
  const next = await h.ffiLive({ scratch: '/nonexistent', arch: process.arch, isRoot: false }).then((r) => r.path, (e: Error) => e.message);
  t.notMatch(next, /mips/, 'the next ffiLive starts its own worker');
  const url = new URL('../../src/host/node-host.js', import.meta.url).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `(await import(${JSON.stringify(url)})).prestartLiveTests()`], { timeout: 10000 });
  t.equal(r.status, 0, `node exits with the worker waiting, unused${r.error ? ` (${r.error.message})` : ''}`);
});

const nativeBuilt = 'path' in findNativeInit();
const unshareTool = await h.which('unshare');
t.test("droidcheck-init's user-namespace answer agrees with unshare(1)", { skip: !nativeBuilt || !unshareTool ? 'needs droidcheck-init (npm run build with a C compiler) and unshare (util-linux)' : false }, async (t) => {
  const tool = unshareTool as string;
  const native = await h.nativeUserNs();
  const byTool = await h.exec(tool, ['-U', 'true']);
  t.not(native, null);
  t.equal(native?.errno === null, byTool.exitCode === 0, `droidcheck-init: ${JSON.stringify(native)}, unshare -U: ${byTool.exitCode} ${byTool.stderr}`);
});
