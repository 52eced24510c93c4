import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { buildPlan } from '../../src/runtime/plan.js';
import type { OciSpec } from '../../src/runtime/spec.js';
import { findNativeInit, initArgv, nativeInitPath } from '../../src/runtime/native-init.js';
import { launchSteps } from '../../src/runtime/launch-steps.js';
import { explainExecFailure, finishLaunch, terminalStep } from '../../src/runtime/launch-result.js';
import { aarch64Elf } from '../helpers/bundle.js';

const stock = (): OciSpec => JSON.parse(readFileSync(new URL('../../../test/fixtures/bundles/runc-spec.json', import.meta.url), 'utf8')) as OciSpec;

/** initArgv's records read back: what droidcheck-init's parse() sees. */
function records(argv: string[]): { kind: string; desc: string; path: string; args: string[] }[] {
  const out = [];
  for (let i = 0; i < argv.length; ) {
    const n = Number(argv[i + 1]);
    out.push({ kind: argv[i]!, desc: argv[i + 2]!, path: argv[i + 3]!, args: argv.slice(i + 4, i + 4 + n) });
    i += 4 + n;
  }
  return out;
}

t.test('the launch steps as droidcheck-init records', async (t) => {
  const spec = stock();
  spec.process!.user = { uid: 1000, gid: 100, additionalGids: [3003, 3004] };
  spec.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }];
  const steps = launchSteps(buildPlan(spec, '/bundle', { noPivot: true }));
  const recs = records(initArgv(steps));
  const back = recs.filter((r) => r.kind === 'step').map((r) => r.desc);
  t.same(back, steps.map((s) => s.name), 'one step record per step, in order');
  t.same(recs.filter((r) => r.kind !== 'step'), steps.flatMap((s) => s.ops), 'every operation with its desc, path and arguments');
  t.same(recs[0], { kind: 'step', desc: 'namespaces', path: '', args: ['pid, network, ipc, uts', ''] });
  t.same(recs.find((r) => r.kind === 'setrlimit')?.args, ['RLIMIT_NOFILE', '7', '1024', '2048']);
  t.same(recs.find((r) => r.kind === 'setgroups')?.args, ['3003,3004']);
  t.same(recs.find((r) => r.kind === 'chroot')?.args, ['/bundle/rootfs']);
  const exec = recs.find((r) => r.kind === 'exec')!;
  t.same(exec.args, [String(spec.process!.env!.length), ...spec.process!.env!, ...spec.process!.args!], 'NENV, the env, then the workload argv');
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

