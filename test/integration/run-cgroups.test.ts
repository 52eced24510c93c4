// linux.resources in the embedded runtime (root only), through each launcher:
// a 200 MB tmpfs write under a 64 MiB memory limit is stopped, 40 background
// processes under a pids limit of 16 are not all started, the cpu limits read
// back from the container's group while it runs, the container sees its own
// cgroup (cgroup namespace), and the groups are gone afterwards. Each limit
// is also run without its limit, so the test can fail.

import t from 'tap';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { makeBundle } from '../helpers/bundle.js';
import { BIN, launchSkip, runBundle } from '../helpers/launch-env.js';
import { nativeInitPath } from '../../src/runtime/native-init.js';
import type { OciSpec } from '../../src/runtime/spec.js';

const mounted = (c: string): boolean => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => / - cgroup /.test(l) && l.split(' - ')[1]!.split(' ')[2]!.split(',').includes(c));
const skip =
  launchSkip ||
  (!(mounted('memory') && mounted('pids') && mounted('cpu')) && 'needs cgroup v1 memory, pids and cpu controllers mounted (this test is for v1 hosts like Android)');

const LAUNCHERS = [
  ['droidcheck-init', ['--init', 'c'], !existsSync(nativeInitPath()) && `needs ${nativeInitPath()} (npm run build with a C compiler)`],
  ['busybox', ['--no-ffi'], false],
] as const;

function bundleWith(args: string[], edit: (s: OciSpec) => void): string {
  return makeBundle((s) => {
    s.process!.terminal = false;
    s.process!.args = args;
    s.linux!.namespaces!.push({ type: 'cgroup' });
    // A tmpfs without a size of its own: only the memory cgroup can stop a 200 MB write there.
    s.mounts!.push({ destination: '/big', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] });
    edit(s);
  });
}

const run = runBundle;

/** Every droidcheck-PID group left in any v1 hierarchy. */
function leftovers(): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      if (e.name.startsWith('droidcheck-')) out.push(join(dir, e.name));
      else if (depth < 3) walk(join(dir, e.name), depth + 1);
    }
  };
  for (const c of ['memory', 'pids', 'cpu']) walk(`/sys/fs/cgroup/${c}`, 0);
  return out;
}

const WRITE = ['sh', '-c', 'dd if=/dev/zero of=/big/f bs=1M count=200 2>/dev/null && echo wrote-all; exit 0'];
// The loop runs in a child shell (ash exits when a fork fails); after it, PID 1 uses
// builtins only: with the pids limit reached, nothing more can fork.
const FORK = [
  'sh',
  '-c',
  'sh -c \'i=0; while [ $i -lt 40 ]; do sleep 3 & i=$((i+1)); done\' 2>/dev/null; set -- /proc/[0-9]*; echo procs=$#; while read -r l; do case $l in *:pids:*) echo "$l";; esac; done </proc/self/cgroup',
];

for (const [label, args, missing] of LAUNCHERS) {
  t.test(`cgroup limits through ${label}`, { skip: skip || missing }, async (t) => {
    const before = leftovers();

    const unlimitedWrite = bundleWith([...WRITE], () => undefined);
    const limitedWrite = bundleWith([...WRITE], (s) => (s.linux!.resources = { memory: { limit: 64 * 1024 * 1024 } }));
    const unlimitedFork = bundleWith([...FORK], () => undefined);
    const limitedFork = bundleWith([...FORK], (s) => (s.linux!.resources = { pids: { limit: 16 } }));
    t.teardown(() => [unlimitedWrite, limitedWrite, unlimitedFork, limitedFork].forEach((b) => rmSync(b, { recursive: true, force: true })));

    const free = run(unlimitedWrite, args);
    t.match(free.stdout, 'wrote-all', 'without a limit the 200 MB write completes');
    const capped = run(limitedWrite, args);
    t.notMatch(capped.stdout, 'wrote-all', `under 64 MiB it is stopped (exit ${capped.status})`);
    t.match(capped.steps.find((s) => s.name === 'cgroup memory'), { status: 'ok', detail: /^memory limit 67108864 in \/sys\/fs\/cgroup\/memory\/.*droidcheck-\d+$/ });
    t.match(capped.steps.find((s) => s.name === 'cgroup join'), { status: 'ok', detail: /^1 group/ });

    const many = run(unlimitedFork, args);
    const manyCount = Number(/procs=(\d+)/.exec(many.stdout)?.[1]);
    t.ok(manyCount >= 40, `without a limit all 40 start (${manyCount} processes)`);
    const few = run(limitedFork, args);
    const fewCount = Number(/procs=(\d+)/.exec(few.stdout)?.[1]);
    t.ok(fewCount > 0 && fewCount <= 16, `under pids.max 16 at most 16 run (${fewCount})`);
    if (label === 'busybox') {
      // busybox's unshare has no -C: the step says so, and the container sees its group's host path.
      t.match(few.steps.find((s) => s.name === 'cgroup namespace'), { status: 'skipped', detail: /has no -C: the container shares the host's cgroup namespace/ });
      t.match(few.stdout, /^\d+:pids:\/droidcheck-\d+$/m, 'in its own pids group, seen by its host path');
    } else {
      t.match(few.stdout, /^\d+:pids:\/$/m, 'the container sees its own pids group as / (cgroup namespace)');
    }

    t.same(leftovers(), before, 'every group droidcheck made is removed');
  });

  t.test(`cpu limits read back from the container's group while it runs (${label})`, { skip: skip || missing }, async (t) => {
    const bundle = bundleWith(['sh', '-c', 'echo ready; sleep 2'], (s) => (s.linux!.resources = { cpu: { shares: 512, quota: 50000, period: 100000 } }));
    t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
    const child = spawn(process.execPath, [BIN, 'run', bundle, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
    const group = `/sys/fs/cgroup/cpu/droidcheck-${child.pid}`;
    const read = (f: string): string => readFileSync(join(group, f), 'utf8').trim();
    t.equal(read('cpu.shares'), '512');
    t.equal(read('cpu.cfs_quota_us'), '50000');
    t.equal(read('cpu.cfs_period_us'), '100000');
    t.ok(read('cgroup.procs').split('\n').length >= 1, 'the container runs in it');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    t.equal(code, 0);
    t.notOk(existsSync(group), 'removed after the container exits');
  });
}
