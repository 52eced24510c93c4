// `droidcheck run --no-ffi` launches real containers through busybox (root
// only), checked from inside the container like the koffi path in run.test.ts.

import t from 'tap';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { BUSYBOX, makeBundle, aarch64Elf } from '../helpers/bundle.js';
import { facts, INSIDE, pid1Fds } from '../helpers/inside.js';
import { validateRunReport } from '../helpers/schemas.js';

const BIN = fileURLToPath(new URL('../../../bin/droidcheck', import.meta.url));
const validate = validateRunReport;

const isRoot = process.geteuid?.() === 0;
const skip = !isRoot ? 'needs root: launching a container unshares namespaces and mounts' : !BUSYBOX ? 'needs a static busybox (apt-get install busybox-static)' : false;

interface Step {
  name: string;
  status: string;
  tool?: string;
  errno?: string;
  detail?: string;
  class?: string;
}
interface Report {
  launch: { started: boolean; exitCode: number; steps: Step[] };
  runtime: { name: string; path: string; flags: string[] };
  remediation: { source: string }[];
}

function run(bundle: string, name: string, ...args: string[]): { status: number | null; stdout: string; stderr: string; report: Report; ms: number } {
  return runEnv({}, bundle, name, ...args);
}

function runEnv(env: Record<string, string>, bundle: string, name: string, ...args: string[]): { status: number | null; stdout: string; stderr: string; report: Report; ms: number } {
  const reportFile = join(bundle, name);
  const start = Date.now();
  const r = spawnSync(process.execPath, [BIN, 'run', bundle, '--report', reportFile, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
  const ms = Date.now() - start;
  const report = yaml.load(readFileSync(reportFile, 'utf8')) as Report;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, report, ms };
}


const statuses = (steps: Step[]): Record<string, string> => Object.fromEntries(steps.filter((s) => s.name !== 'tools').map((s) => [s.name, s.status]));

t.test('--no-ffi: the tools path on the stock runc spec', { skip }, async (t) => {
  const before = readFileSync('/proc/self/mountinfo', 'utf8');
  const bundle = makeBundle((s) => (s.process!.args = ['sh', '-c', INSIDE]));
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));

  const raw = run(bundle, 'raw.yaml', '--no-ffi');
  t.equal(raw.status, 125, 'without --fix-config the terminal request fails the launch');
  t.match(raw.report.launch.steps.at(-1), { name: 'terminal', status: 'failed', errno: 'ENOTTY', class: 'config' });

  const r = run(bundle, 'tools.yaml', '--fix-config', '--no-ffi');
  t.equal(r.status, 7, `the container's exit status is droidcheck's: ${r.stderr}`);
  t.ok(validate(r.report), JSON.stringify(validate.errors));
  t.match(r.report.runtime, { name: 'embedded', path: 'tools' });
  t.match(r.report.launch.steps[0], { name: 'tools', status: 'ok', detail: /^--no-ffi: launched through \S*busybox/ }, 'the report names the tool');
  t.match(r.stderr, /launched through \S*busybox/);
  const f = facts(r.stdout);
  t.equal(f['hostname'], 'runc');
  t.equal(f['pid'], '1', 'the workload is PID 1');
  t.equal(f['id'], '0:0:0');
  const caps = r.report.launch.steps.find((s) => s.name === 'capabilities');
  if (caps?.status === 'ok') {
    t.equal(f['CapEff'], '0000000020000420', 'effective capabilities are the bounding set of config.json');
    t.equal(f['CapBnd'], '0000000020000420');
  } else {
    // busybox's setpriv has no --bounding-set: the tools path says so instead of pretending.
    t.match(caps, { status: 'skipped', detail: /busybox cannot set the capabilities/ });
    t.match(r.report.launch.steps.find((s) => s.name === 'bounding set'), { status: 'skipped', detail: /busybox cannot drop the bounding set to 0x20000420/ });
    t.equal(f['CapEff'], f['CapBnd'], 'root keeps its bounding set as effective capabilities');
  }
  t.equal(f['SigIgn'], '0000000000000000', 'no ignored signals inherited');
  t.equal(f['SigBlk'], '0000000000000000', 'empty signal mask');
  t.equal(f['NoNewPrivs'], '1');
  t.equal(pid1Fds(r.stdout), '0 1 2', `no descriptor beyond 0-2: ${r.stdout}`);
  t.notMatch(f['stdout_flags'], /4\d{3}$/, 'stdout is blocking (no O_NONBLOCK)');
  t.equal(f['devnull'], 'c');
  t.equal(f['proc'], 'mounted');
  t.not(f['root_ro'], '0', 'root.readonly makes / read-only');
  t.match(r.report.launch.steps.map((s) => s.name).slice(0, 6), ['tools', 'cgroup resources', 'namespaces', 'mount namespace', 'rootfs', 'mount /proc']);
  t.match(r.report.launch.steps.at(-1), { name: 'exec', status: 'ok' });
  t.equal(readFileSync('/proc/self/mountinfo', 'utf8'), before, 'no mount left behind on the host');

  // droidcheck-init on the same bundle: the same steps with the same outcomes, but for what busybox cannot do.
  const native = run(bundle, 'native.yaml', '--fix-config', '--init', 'c');
  t.equal(native.status, 7, native.stderr);
  t.equal(native.report.runtime.path, 'native');
  const a = statuses(native.report.launch.steps);
  const b = statuses(r.report.launch.steps);
  for (const name of ['bounding set', 'capabilities']) {
    if (b[name] !== 'skipped') continue;
    t.equal(a[name], 'ok', `${name}: droidcheck-init does it`);
    delete a[name];
    delete b[name];
  }
  delete a['tools'];
  delete b['tools'];
  t.same(b, a, 'the same steps and statuses through both backends');
  const seen = (x: { stdout: string }, capsAlike: boolean): Record<string, string> => {
    const f = facts(x.stdout);
    if (!capsAlike) {
      delete f['CapEff'];
      delete f['CapBnd'];
    }
    return { ...f, fds: pid1Fds(x.stdout) };
  };
  const capsAlike = caps?.status === 'ok';
  t.same(seen(r, capsAlike), seen(native, capsAlike), `the same view from inside the container through both backends${capsAlike ? '' : ' (but for the capabilities busybox cannot drop)'}`);
  t.comment(`launch times: droidcheck-init ${native.ms} ms, tools ${r.ms} ms`);

  // Every way onto the tools path: the same steps, statuses and view from inside as --no-ffi.
  const ways: [string, Record<string, string>, RegExp][] = [
    ['DROIDCHECK_NO_FFI=1', { DROIDCHECK_NO_FFI: '1' }, /^--no-ffi: launched through busybox \S*busybox/],
    // No busybox, util-linux or toybox on PATH: the bundle's own static busybox (same machine) does everything.
    ["the bundle's own busybox only (PATH=/nonexistent)", { PATH: '/nonexistent', DROIDCHECK_NO_FFI: '1' }, /launched through busybox \S+\/rootfs\/bin\/busybox \(the bundle's own\)/],
  ];
  for (const [how, env, detail] of ways) {
    const w = runEnv(env, bundle, `${how.replace(/\W+/g, '-')}.yaml`, '--fix-config');
    t.equal(w.status, 7, `${how}: ${w.stderr}`);
    t.ok(validate(w.report), JSON.stringify(validate.errors));
    t.match(w.report.runtime, { name: 'embedded', path: 'tools' }, how);
    t.match(w.report.launch.steps[0], { name: 'tools', status: 'ok', detail }, `${how}: the report names why and through what`);
    t.same(statuses(w.report.launch.steps), statuses(r.report.launch.steps), `${how}: the same steps and statuses as --no-ffi`);
    t.same(seen(w, true), seen(r, true), `${how}: the same view from inside as --no-ffi`);
    const untooled = w.report.launch.steps.filter((s) => !s.tool && !['tools', 'terminal', 'reset process'].includes(s.name));
    t.same(untooled.map((s) => s.name), [], `${how}: every step names its tool`);
  }
  t.equal(readFileSync('/proc/self/mountinfo', 'utf8'), before, 'no mount left behind on the host');
});

t.test('--no-ffi: another user, a missing command, a foreign binary, a failing mount', { skip }, async (t) => {
  const bundle = makeBundle((s) => {
    s.process!.terminal = false;
    s.process!.user = { uid: 65534, gid: 65534 };
    s.process!.args = ['sh', '-c', 'echo "id=$(id -u):$(id -g):$(id -G)"; grep CapEff /proc/self/status'];
  });
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  const r = run(bundle, 'user.yaml', '--no-ffi');
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /id=65534:65534:65534\n/);
  t.match(r.stdout, /CapEff:\s+0000000000000000/, 'a non-root user has no effective capabilities');

  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  spec.process.args = ['/bin/nonexistent'];
  spec.process.user = { uid: 0, gid: 0 };
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const missing = run(bundle, 'missing.yaml', '--no-ffi');
  t.equal(missing.status, 127);
  t.match(missing.report.launch.steps.at(-1), { name: 'exec', status: 'failed', errno: 'ENOENT' });

  writeFileSync(join(bundle, 'rootfs/bin/foreign'), aarch64Elf(), { mode: 0o755 });
  spec.process.args = ['/bin/foreign'];
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const foreign = run(bundle, 'foreign.yaml', '--no-ffi');
  t.equal(foreign.status, 126, foreign.stderr);
  t.match(foreign.report.launch.steps.at(-1), { name: 'exec', status: 'failed', errno: 'ENOEXEC', class: 'architecture', detail: /\/bin\/foreign is an ELF for aarch64; this host runs x86_64/ });

  spec.process.args = ['true'];
  spec.mounts.push({ destination: '/nope', type: 'nosuchfs', source: 'x' });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const before = readFileSync('/proc/self/mountinfo', 'utf8');
  const bad = run(bundle, 'bad.yaml', '--no-ffi');
  t.equal(bad.status, 125);
  t.match(bad.report.launch.steps.at(-1), { name: 'mount /nope', status: 'failed', errno: 'ENODEV', class: 'kernel-feature' });
  t.match(bad.report.remediation[0], { source: 'step: mount /nope' });
  t.equal(readFileSync('/proc/self/mountinfo', 'utf8'), before, 'no mount survives a failed launch');
});
