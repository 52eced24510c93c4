import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { buildPlan } from '../../src/runtime/plan.js';
import type { OciSpec } from '../../src/runtime/spec.js';
import { findNativeInit, initArgv, nativeInitPath } from '../../src/runtime/native-init.js';
import { explainExecFailure, finishLaunch, parseStepLine, terminalStep } from '../../src/runtime/launch-result.js';
import { aarch64Elf } from '../helpers/bundle.js';

const stock = (): OciSpec => JSON.parse(readFileSync(new URL('../../../test/fixtures/bundles/runc-spec.json', import.meta.url), 'utf8')) as OciSpec;

/** The values after each occurrence of a flag. */
function values(argv: string[], flag: string, n: number): string[][] {
  const out: string[][] = [];
  argv.forEach((a, i) => {
    if (a === flag && i < argv.indexOf('--')) out.push(argv.slice(i + 1, i + 1 + n));
  });
  return out;
}

t.test('the plan as droidcheck-init arguments', async (t) => {
  const spec = stock();
  spec.process!.user = { uid: 1000, gid: 100, additionalGids: [3003, 3004] };
  spec.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }];
  const plan = buildPlan(spec, '/bundle', { noPivot: true });
  const argv = initArgv(plan);
  t.same(values(argv, '--ns', 2), [['pid', '536870912'], ['network', '1073741824'], ['ipc', '134217728'], ['uts', '67108864'], ['mount', '131072']]);
  t.same(values(argv, '--rootfs', 1), [['/bundle/rootfs']]);
  t.same(values(argv, '--hostname', 1), [['runc']]);
  const mounts = values(argv, '--mount', 8);
  t.equal(mounts.length, plan.mounts.length, 'one --mount per mount');
  t.same(mounts[0], ['/proc', 'proc', 'proc', '0', '', '0', '-1', '0']);
  const dev = mounts.find((m) => m[0] === '/dev');
  t.same(dev, ['/dev', 'tmpfs', 'tmpfs', String(0x2 | 0x1000000), 'mode=755,size=65536k', '0', '-1', '0'], 'flags as numbers, data kept together');
  t.ok(argv.includes('--no-pivot'));
  t.ok(argv.includes('--readonly-root'));
  t.ok(argv.includes('--no-new-privs'));
  t.same(values(argv, '--mask', 1).length, plan.maskedPaths.length);
  t.same(values(argv, '--readonly', 1).length, plan.readonlyPaths.length);
  t.same(values(argv, '--rlimit', 4), [['RLIMIT_NOFILE', '7', '1024', '2048']]);
  t.same(values(argv, '--user', 3), [['1000', '100', '3003,3004']]);
  t.same(values(argv, '--caps', 5), [[plan.caps!.bounding, plan.caps!.effective, plan.caps!.permitted, plan.caps!.inheritable, String(plan.caps!.ambient.length)]]);
  t.same(values(argv, '--cwd', 1), [['/']]);
  t.same(values(argv, '--env', 1).map(([e]) => e), plan.env);
  t.same(argv.slice(argv.indexOf('--') + 1), plan.args, 'the workload argv last, after --');

  const bare = buildPlan({ ociVersion: '1.0.2', process: { user: { uid: 0, gid: 0 }, args: ['sh', '--', '-x'], cwd: '/' }, root: { path: 'rootfs' }, linux: { namespaces: [{ type: 'mount' }] } } as OciSpec, '/b');
  const a = initArgv(bare);
  t.notOk(a.includes('--hostname') || a.includes('--caps'), 'no hostname or caps when the config has none');
  t.same(values(a, '--user', 3), [['0', '0', '']], 'no groups: an empty value');
  t.same(a.slice(a.indexOf('--') + 1), ['sh', '--', '-x'], 'a -- inside the workload argv stays the workload\'s');
});

t.test('findNativeInit only takes a binary built for this machine', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dc-native-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.match(findNativeInit('x86_64', join(dir, 'missing')), { reason: /missing was not built \(no C compiler for x86_64/ });
  writeFileSync(join(dir, 'script'), '#!/bin/sh\n');
  t.match(findNativeInit('x86_64', join(dir, 'script')), { reason: /script is not an ELF; this host runs x86_64/ });
  writeFileSync(join(dir, 'arm'), aarch64Elf());
  t.match(findNativeInit('x86_64', join(dir, 'arm')), { reason: /arm is an ELF for aarch64; this host runs x86_64/ });
  t.match(findNativeInit('aarch64', join(dir, 'arm')), { path: join(dir, 'arm'), machine: 'aarch64' });
  t.ok(nativeInitPath('aarch64').endsWith('/dist/native/droidcheck-init-aarch64'), 'beside dist/src, where scripts/build-init.mjs writes it');
  t.match(findNativeInit('riscv64'), { reason: /droidcheck-init-riscv64 was not built/ }, 'one file per machine');
});

t.test('step lines: errno numbers become names and classes', async (t) => {
  t.same(parseStepLine('{"name":"rootfs","status":"ok","path":"/b/rootfs"}'), { name: 'rootfs', status: 'ok', path: '/b/rootfs' });
  t.same(parseStepLine('{"name":"mount /dev/mqueue","status":"failed","op":"mount -t mqueue mqueue on /dev/mqueue","path":"/r/dev/mqueue","errnum":19}'), {
    name: 'mount /dev/mqueue', status: 'failed', op: 'mount -t mqueue mqueue on /dev/mqueue', path: '/r/dev/mqueue', errno: 'ENODEV', class: 'kernel-feature',
  });
  t.match(parseStepLine('{"name":"namespaces","status":"failed","op":"unshare(ipc)","errnum":22,"detail":"the kernel has no ipc namespace"}'), { errno: 'EINVAL', class: 'kernel-feature' });
  t.match(parseStepLine('{"name":"no_new_privs","status":"skipped","errnum":22}'), { errno: 'EINVAL', status: 'skipped' });
  t.notOk('class' in parseStepLine('{"name":"no_new_privs","status":"skipped","errnum":22}'), 'only failures get a class');
  t.match(parseStepLine('{"name":"x","status":"failed","errnum":99999}'), { errno: 'errno 99999' });
  t.match(parseStepLine('{"name":"x","status":"failed","errno":"EPERM","class":"internal"}'), { class: 'internal' }, 'a class given is kept');
  t.same(parseStepLine('not json'), { name: 'init', status: 'failed', detail: 'unreadable step report: not json', class: 'internal' });
});

t.test('an exec failure on a foreign ELF says which machine', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'dc-rootfs-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'bin'));
  writeFileSync(join(root, 'bin/foreign'), aarch64Elf());
  writeFileSync(join(root, 'bin/script'), 'echo\n');
  const failed = { name: 'exec', status: 'failed' as const, op: 'execve /bin/foreign', path: '/bin/foreign', errno: 'ENOEXEC', class: 'architecture' as const };
  t.match(explainExecFailure(failed, root, 'x86_64'), { detail: '/bin/foreign is an ELF for aarch64; this host runs x86_64: use a rootfs (e.g. a static busybox) built for x86_64', class: 'architecture' });
  t.same(explainExecFailure(failed, root, 'aarch64'), failed, 'same machine: nothing to add');
  const script = { ...failed, op: 'execve /bin/script', path: '/bin/script' };
  t.same(explainExecFailure(script, root, 'x86_64'), script, 'not an ELF: nothing to add');
  const other = { name: 'cwd', status: 'failed' as const, path: '/bin/foreign', errno: 'ENOENT' };
  t.same(explainExecFailure(other, root, 'x86_64'), other, 'only the exec step');
});

t.test('terminal and the launch result', async (t) => {
  t.equal(terminalStep({ terminal: false, stdin: 'inherit' }, false), null);
  t.match(terminalStep({ terminal: true, stdin: 'inherit' }, false), { status: 'failed', errno: 'ENOTTY', class: 'config' });
  t.match(terminalStep({ terminal: true, stdin: 'inherit' }, true), { status: 'ok' });
  t.match(terminalStep({ terminal: true, stdin: 'null' }, false), { status: 'ok', detail: /-t without -i/ }, 'docker run -t: no terminal needed on our side');
  const plan = { args: ['/bin/true'] };
  const ok = finishLaunch([{ name: 'rootfs', status: 'ok' }], { lines: [], code: 3, signal: null }, plan, '/x/droidcheck-init');
  t.same(ok, { exitCode: 3, started: true, steps: [{ name: 'rootfs', status: 'ok' }, { name: 'exec', status: 'ok', detail: '/bin/true ran as PID 1' }] });
  t.match(finishLaunch([], { lines: [], code: null, signal: 'SIGTERM' }, plan, 'x'), { exitCode: 143, started: true });
  t.match(finishLaunch([{ name: 'mount /proc', status: 'failed' }], { lines: [], code: 125, signal: null }, plan, 'x'), { exitCode: 125, started: false });
  t.match(finishLaunch([{ name: 'exec', status: 'failed', errno: 'ENOENT' }], { lines: [], code: 127, signal: null }, plan, 'x'), { exitCode: 127, started: false });
  const err = Object.assign(new Error('spawn'), { code: 'EACCES' });
  t.match(finishLaunch([], { lines: [], code: null, signal: null, error: err }, plan, '/x/droidcheck-init'), {
    exitCode: 125, started: false, steps: [{ name: 'spawn init', status: 'failed', op: 'spawn /x/droidcheck-init', errno: 'EACCES', class: 'internal' }],
  });
});

t.test('droidcheck-init reports the network step in the same words as the other launchers', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { LOOPBACK_ONLY } = await import('../../src/runtime/steps.js');
  const source = readFileSync(new URL('../../../src/native/droidcheck-init.c', import.meta.url), 'utf8');
  t.equal(/#define LOOPBACK_ONLY "([^"]*)"/.exec(source)?.[1], LOOPBACK_ONLY);
});
