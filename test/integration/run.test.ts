// `droidcheck run` launches real containers (root only): the embedded runtime
// and runc, with and without --fix-config, checked from inside the container.

import t from 'tap';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { BUSYBOX, makeBundle, aarch64Elf } from '../helpers/bundle.js';
import { facts, INSIDE, pid1Fds } from '../helpers/inside.js';
import { validateRunReport } from '../helpers/schemas.js';
import { nativeInitPath } from '../../src/runtime/native-init.js';

const BIN = fileURLToPath(new URL('../../../bin/droidcheck', import.meta.url));
const validate = validateRunReport;

const isRoot = process.geteuid?.() === 0;
const runc = spawnSync('runc', ['--version']).status === 0;
const skip = !isRoot ? 'needs root: launching a container unshares namespaces and mounts' : !BUSYBOX ? 'needs a static busybox (apt-get install busybox-static)' : false;

interface Report {
  launch: { started: boolean; exitCode: number; steps: { name: string; status: string; errno?: string; detail?: string; class?: string; tool?: string }[] };
  fixes: { changes: { path: string; checkId: string }[]; written: string | null; diff: string };
  runtime: { name: string; path: string };
  remediation: { source: string }[];
}

function run(bundle: string, ...args: string[]): { status: number | null; stdout: string; stderr: string; report: Report } {
  const reportFile = join(bundle, 'report.yaml');
  const r = spawnSync(process.execPath, [BIN, 'run', bundle, '--report', reportFile, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const report = yaml.load(readFileSync(reportFile, 'utf8')) as Report;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, report };
}


// droidcheck-init (C, built by npm run build where cc exists); the sh backend has its own tests (run-tools.test.ts).
const nativeInit = existsSync(nativeInitPath());
const INITS = [{ init: 'c', tool: 'droidcheck-init', path: 'native', skip: skip || (!nativeInit && `needs ${nativeInitPath()} (npm run build with a C compiler)`) }] as const;

for (const { init, tool, path, skip } of INITS) {
t.test(`embedded runtime on the stock runc spec (--init ${init})`, { skip }, async (t) => {
  const before = readFileSync('/proc/self/mountinfo', 'utf8');
  const bundle = makeBundle((s) => (s.process!.args = ['sh', '-c', INSIDE]));
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));

  const raw = run(bundle, '--init', init);
  t.equal(raw.status, 125, 'without --fix-config the terminal request fails the launch');
  t.match(raw.report.launch.steps.at(-1), { name: 'terminal', status: 'failed', errno: 'ENOTTY', class: 'config' });
  t.match(raw.stderr, /the container did not start \(exit status 125\)/);
  t.ok(validate(raw.report), JSON.stringify(validate.errors));

  const fixed = run(bundle, '--fix-config', '--init', init);
  t.equal(fixed.status, 7, 'the container\'s exit status is droidcheck\'s');
  t.equal(fixed.report.runtime.path, path);
  t.ok(validate(fixed.report), JSON.stringify(validate.errors));
  t.match(fixed.report.fixes.changes, [{ path: '.process.terminal', checkId: 'stdin.tty' }]);
  t.same([...new Set(fixed.report.launch.steps.filter((s) => s.status !== 'skipped').map((s) => s.tool))], [tool], `every step names ${tool} as its tool`);
  t.match(fixed.stderr, /probe \(files only, --live-probe adds the live tests\): \d+ passed/, 'run reads files only by default');
  const live = run(bundle, '--fix-config', '--live-probe', '--init', init);
  t.equal(live.status, 7);
  t.match(live.stderr, /probe \(with live tests\): \d+ passed/);
  t.same(live.report.fixes.changes, fixed.report.fixes.changes, 'the live tests change no fix here');
  t.ok(existsSync(join(bundle, 'config.fixed.json')), 'config.fixed.json written');
  t.match(JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')), { process: { terminal: true } }, 'config.json untouched');
  const f = facts(fixed.stdout);
  t.equal(f['hostname'], 'runc');
  t.equal(f['pid'], '1', 'the workload is PID 1');
  t.equal(f['id'], '0:0:0');
  t.equal(f['CapEff'], '0000000020000420', 'effective capabilities are the bounding set of config.json');
  t.equal(f['CapBnd'], '0000000020000420');
  t.equal(f['SigIgn'], '0000000000000000', 'no ignored signals inherited from node');
  t.equal(f['SigBlk'], '0000000000000000', 'empty signal mask');
  t.equal(f['NoNewPrivs'], '1');
  t.equal(pid1Fds(fixed.stdout), '0 1 2', `no descriptor of droidcheck beyond 0-2: ${fixed.stdout}`);
  t.notMatch(f['stdout_flags'], /4\d{3}$/, 'stdout is blocking (no O_NONBLOCK)');
  t.equal(f['devnull'], 'c');
  t.equal(f['proc'], 'mounted');
  t.not(f['root_ro'], '0', 'root.readonly makes / read-only');
  t.match(fixed.report.launch.steps.map((s) => s.name).slice(0, 6), ['cgroup resources', 'namespaces', 'mount namespace', 'rootfs', 'mount /proc', 'mount /dev']);
  t.match(fixed.report.launch.steps[0], { status: 'skipped', detail: /^linux\.resources\.devices: no devices-cgroup rules are applied/ }, 'the stock devices rule is named, not ignored');
  t.equal(readFileSync('/proc/self/mountinfo', 'utf8'), before, 'no mount left behind on the host');
});

t.test(`embedded runtime: user, groups and a foreign binary (--init ${init})`, { skip }, async (t) => {
  const bundle = makeBundle((s) => {
    s.process!.terminal = false;
    s.process!.user = { uid: 65534, gid: 65534, additionalGids: [3003] };
    s.process!.args = ['sh', '-c', 'echo "id=$(id -u):$(id -g):$(id -G)"; grep CapEff /proc/self/status'];
  });
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  const r = run(bundle, '--init', init);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /id=65534:65534:65534 3003/);
  t.match(r.stdout, /CapEff:\s+0000000000000000/, 'a non-root user has no effective capabilities');

  writeFileSync(join(bundle, 'rootfs/bin/foreign'), aarch64Elf(), { mode: 0o755 });
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  spec.process.args = ['/bin/foreign'];
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const foreign = run(bundle, '--init', init);
  t.equal(foreign.status, 126, `could not execute: ${foreign.stderr}`);
  const exec = foreign.report.launch.steps.find((s) => s.name === 'exec');
  t.match(exec, { status: 'failed', errno: 'ENOEXEC', class: 'architecture', detail: /\/bin\/foreign is an ELF for aarch64; this host runs x86_64/ });
  t.match(foreign.report.remediation[0], { source: 'step: exec' });
});
}

t.test('runc on the same bundle', { skip: skip || (!runc && 'needs runc (apt-get install runc)') }, async (t) => {
  const bundle = makeBundle((s) => (s.process!.args = ['sh', '-c', INSIDE]));
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  const raw = run(bundle, '--runtime', 'runc');
  t.not(raw.status, 0, 'runc refuses terminal: true without a console');
  t.equal(raw.report.launch.started, false);
  t.equal(raw.report.runtime.name, 'runc');
  const fixed = run(bundle, '--runtime', 'runc', '--fix-config', '--host-fixes');
  t.equal(fixed.status, 7, fixed.stderr);
  t.ok(validate(fixed.report), JSON.stringify(validate.errors));
  const f = facts(fixed.stdout);
  t.match(f, { hostname: 'runc', pid: '1', id: '0:0:0', CapEff: '0000000020000420', CapBnd: '0000000020000420', proc: 'mounted' });
  t.not(f['root_ro'], '0', 'root.readonly makes / read-only');
  t.match(fixed.report.launch.steps.at(-1), { name: 'runc run', status: 'ok' });
});

t.test('--in-place keeps config.json.orig', { skip }, async (t) => {
  const bundle = makeBundle((s) => (s.process!.args = ['true']));
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  const r = run(bundle, '--fix-config', '--in-place');
  t.equal(r.status, 0, r.stderr);
  t.match(JSON.parse(readFileSync(join(bundle, 'config.json.orig'), 'utf8')), { process: { terminal: true } });
  t.match(JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')), { process: { terminal: false } });
  t.equal(r.report.fixes.written, join(bundle, 'config.json'));
});

t.test('a bundle without config.json', async (t) => {
  const r = spawnSync(process.execPath, [BIN, 'run', '/nonexistent-bundle'], { encoding: 'utf8' });
  t.equal(r.status, 125);
  t.match(r.stderr, /droidcheck: read \/nonexistent-bundle\/config\.json: ENOENT/);
});


