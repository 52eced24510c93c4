// droidcheck-init's own paths (root only): the unshare it diagnoses itself on a
// kernel without IPC namespaces (test/helpers/oldkernel), and signals relayed
// to the workload through it, as through the tools path.

import t from 'tap';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { BUSYBOX, makeBundle, NO_KOFFI } from '../helpers/bundle.js';
import { getOldKernelHelper } from '../helpers/oldkernel.js';
import { nativeInitPath } from '../../src/runtime/native-init.js';
import type { Step } from '../helpers/launch-env.js';

const BIN = fileURLToPath(new URL('../../../bin/droidcheck', import.meta.url));
const isRoot = process.geteuid?.() === 0;
const skip = !isRoot ? 'needs root: launching a container unshares namespaces and mounts' : !BUSYBOX ? 'needs a static busybox (apt-get install busybox-static)' : false;
const nativeSkip = skip || (!existsSync(nativeInitPath()) && `needs ${nativeInitPath()} (npm run build with a C compiler)`);


const helper = await getOldKernelHelper();
const oldSkip = nativeSkip || (!helper.ok && helper.unsupported ? `needs a C compiler for the seccomp helper: ${helper.reason}` : false);

t.test('droidcheck-init names the namespace the kernel lacks, and --fix-config drops it', { skip: oldSkip }, async (t) => {
  if (!helper.ok) throw new Error(helper.reason);
  const bundle = makeBundle((s) => {
    s.process!.terminal = false;
    s.process!.args = ['true'];
  });
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  const report = join(bundle, 'report.yaml');
  const run = (...args: string[]): { status: number | null; stderr: string; steps: Step[] } => {
    const r = spawnSync(helper.path, ['--', process.execPath, BIN, 'run', bundle, '--init', 'c', '--report', report, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    return { status: r.status, stderr: r.stderr, steps: (yaml.load(readFileSync(report, 'utf8')) as { launch: { steps: Step[] } }).launch.steps };
  };
  const bare = run();
  t.equal(bare.status, 125, bare.stderr);
  t.match(bare.steps.find((s) => s.name === 'namespaces'), {
    status: 'failed',
    op: 'unshare(pid, network, ipc, uts)',
    errno: 'EINVAL',
    class: 'kernel-feature',
    detail: 'the kernel has no ipc namespace: run with --fix-config to drop it',
  });
  // The file-only probe reads this host's config (IPC_NS=y); the live tests see the seccomp profile.
  const fixed = run('--fix-config', '--live-probe');
  t.equal(fixed.status, 0, fixed.stderr);
  t.match(fixed.steps.find((s) => s.name === 'namespaces'), { status: 'ok', detail: 'pid, network, uts' });
});

for (const [init, flag] of [['c', '--init=c'], ['tools', '--no-ffi']] as const) {
  t.test(`a signal to droidcheck reaches the workload (${init})`, { skip: init === 'c' ? nativeSkip : skip }, async (t) => {
    const bundle = makeBundle((s) => {
      s.process!.terminal = false;
      // PID 1 gets a signal from outside its namespace only if it handles it: sh's trap does.
      // Without the signal it gives up after 20 s with status 5, so the test fails rather than hangs.
      s.process!.args = ['sh', '-c', 'trap "echo got TERM; exit 42" TERM; echo ready; i=0; while [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; exit 5'];
    });
    t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
    const child = spawn(process.execPath, [BIN, 'run', bundle, flag], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) resolve();
      });
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    // The run exits 128+15 (issue #16: an interrupted run says so); the workload's own status is in the summary.
    t.equal(code, 143, err);
    t.match(out, /got TERM/, "the workload's trap ran");
    t.match(err, /droidcheck got SIGTERM: the container was stopped .*; its own exit status was 42/);
  });
}

t.test('without koffi (Android 7/8, 32-bit ARM) droidcheck-init still launches: no tools needed', { skip: nativeSkip }, async (t) => {
  const bundle = makeBundle((s) => {
    s.process!.terminal = false;
    s.process!.args = ['sh', '-c', 'echo "pid=$$ host=$(hostname)"; grep CapBnd /proc/self/status'];
  });
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  const report = join(bundle, 'report.yaml');
  const r = spawnSync(process.execPath, [BIN, 'run', bundle, '--report', report], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} ${NO_KOFFI.android}` },
  });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /pid=1 host=runc/);
  t.match(r.stdout, /CapBnd:\s+0000000020000420/, 'the bounding set is dropped (the tools path cannot with busybox)');
  const doc = yaml.load(readFileSync(report, 'utf8')) as { runtime: { path: string }; probe: { live: { ffi: { state: string } } } };
  t.equal(doc.runtime.path, 'native');
});

t.test('a plain run that starts is not probed; a failed one is, to say what to do', { skip: nativeSkip }, async (t) => {
  const bundle = makeBundle((s) => {
    s.process!.terminal = false;
    s.process!.args = ['true'];
  });
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  const ok = spawnSync(process.execPath, [BIN, 'run', bundle], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  t.equal(ok.status, 0, ok.stderr);
  t.match(ok.stderr, /^probe: not needed \(the container started; --report, --fix-config or a failed launch run it\)$/m);
  t.match(ok.stderr, /^container exited with status 0$/m);
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  spec.process.args = ['/bin/no-such-program'];
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const bad = spawnSync(process.execPath, [BIN, 'run', bundle], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  t.equal(bad.status, 127, bad.stderr);
  t.match(bad.stderr, /^probe \(files only, --live-probe adds the live tests\): \d+ passed/m, 'probed after the failure');
  t.match(bad.stderr, /^what to do:\n {2}step: exec: /m);
});

for (const [init, flag] of [['c', '--init=c'], ['tools', '--no-ffi']] as const) {
  t.test(`stdout stays blocking while the workload runs, whatever droidcheck loads meanwhile (${init})`, { skip: init === 'c' ? nativeSkip : skip }, async (t) => {
    // Any module that imports 'node:process' makes node open its stdout, and libuv then sets O_NONBLOCK
    // on the pipe the workload shares. Whether one loads during the run depends on timing, so a
    // preload does it for certain, half a second in: droidcheck must have opened stdout before the spawn.
    const bundle = makeBundle((s) => {
      s.process!.terminal = false;
      s.process!.args = ['sh', '-c', 'sleep 1; grep flags /proc/$$/fdinfo/1'];
    });
    t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
    // Through sh, which sets NODE_OPTIONS itself: tap's processinfo adds its own loader to every node
    // it spawns, and that loader opens stdout at start-up, which would hide the race.
    const preload = '--import=data:text/javascript,setTimeout(()=>process.stdout,500)';
    const env = { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
    const r = spawnSync('/bin/sh', ['-c', 'NODE_OPTIONS="$1" exec "$2" "$3" run "$4" "$5"', 'sh', preload, process.execPath, BIN, bundle, flag], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
    t.equal(r.status, 0, r.stderr);
    const flags = /flags:\s*(\d+)/.exec(r.stdout)?.[1];
    t.ok(flags, r.stdout);
    t.equal(Number.parseInt(flags ?? '0', 8) & 0o4000, 0, `no O_NONBLOCK on stdout: flags ${flags}`);
  });
}
