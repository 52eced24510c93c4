// Termux's node says process.platform === 'android'; droidcheck treats it as
// Linux everywhere. Audit of what is platform-gated (src/ and the runtime
// dependencies, node_modules as installed):
//   src/cli/probe.ts defaultIo, src/cli/main.ts (run): record process.platform only;
//   src/probes/checks/host.ts androidInfo: 'android' means Android (as build.prop does);
//   src/host/node-host.ts uname: os.type() is uname(2)'s sysname, "Linux" on Android too.
//   execa, cross-spawn, which, isexe, path-key, is-unicode-supported, chalk's
//   supports-color: only 'win32' is special; node:path is POSIX unless win32.
//   signal-exit: traps SIGIO/SIGPOLL/SIGPWR/SIGSTKFLT only on 'linux' (cleanup of
//   children on those signals, nothing droidcheck relies on).
//   koffi: picks its native module by platform (android_arm64, android_x64): on
//   Android 7/8 and 32-bit ARM it has none that loads, and droidcheck falls back.
// The tests below fake the platform in this process and restore it.

import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultIo, probeCommand } from '../../src/cli/probe.js';
import { runCommand, type RunOptions } from '../../src/cli/run.js';
import { NodeHost } from '../../src/host/node-host.js';
import { gatherFacts } from '../../src/probes/facts.js';
import { runLive } from '../../src/probes/live/index.js';
import { ALL_CHECKS } from '../../src/probes/registry.js';
import { runChecks } from '../../src/probes/run.js';
import { loadLibc } from '../../src/sys/libc.js';
import { FixtureHost } from '../helpers/fixture-host.js';
import { fixtureIo } from '../helpers/probe-io.js';
import { stockSpec } from '../helpers/bundle.js';

const real = Object.getOwnPropertyDescriptor(process, 'platform') as PropertyDescriptor;
/** process.platform is 'android' until the test ends. */
function asAndroid(t: Test): void {
  Object.defineProperty(process, 'platform', { value: 'android', configurable: true });
  t.teardown(() => Object.defineProperty(process, 'platform', real));
}

t.test('the fake is real for the code under test, and is undone', async (t) => {
  await t.test('inside', async (t) => {
    asAndroid(t);
    t.equal(process.platform, 'android');
  });
  t.equal(process.platform, real.value, 'restored');
});

t.test('probe facts and checks: android is Linux', async (t) => {
  const statuses = async (platform: string, name: string): Promise<Record<string, string>> => {
    const host = new FixtureHost(name);
    const facts = await gatherFacts(host, { live: true, noFfi: false, platform, arch: host.json.arch, execPath: '/proc/self/exe' });
    return Object.fromEntries(runChecks(ALL_CHECKS, facts).map((o) => [o.id, o.status]));
  };
  for (const name of ['debian-6.18', 'android7-3.10', 'android10-4.14', 'noconfig-5.10']) {
    t.same(await statuses('android', name), await statuses('linux', name), `${name}: every check has the same status as on 'linux'`);
  }
  asAndroid(t);
  const io = defaultIo();
  t.equal(io.platform, 'android', 'probe records the platform node reports');
  const fixture = fixtureIo('debian-6.18');
  fixture.platform = process.platform;
  const code = await probeCommand({ live: true, noFfi: false, format: 'json', verbose: false, listChecks: false, strict: false, redact: false }, fixture);
  t.equal(code, 0, fixture.err());
  const report = JSON.parse(fixture.out()) as { host: { platform: string; android: unknown }; checks: { id: string; summary: string }[] };
  t.equal(report.host.platform, 'android');
  t.same(report.host.android, { release: null, sdk: null, model: null }, 'platform android alone says Android');
  t.match(report.checks.find((c) => c.id === 'host.android'), { summary: 'Android' });
});

t.test('host detection: NodeHost under android', async (t) => {
  asAndroid(t);
  const host = new NodeHost();
  t.equal(host.uname().sysname, 'Linux', 'os.type() is the kernel name, not the platform');
  t.ok(await host.which('sh'), 'PATH lookup (POSIX delimiter) works');
  const r = await host.exec('/bin/sh', ['-c', 'echo $0 ok', 'sh-as-android']);
  t.same(r, { exitCode: 0, stdout: 'sh-as-android ok\n', stderr: '' }, 'NodeHost spawns as on Linux');
  const missing = await host.exec('/nonexistent/tool', []);
  t.match(missing, { exitCode: 127, spawnError: /ENOENT/ });
  t.equal(await host.realpath('/nonexistent/x'), null);
  const dir = await host.makeScratchDir();
  t.ok(dir.includes('droidcheck-'));
  await host.removeScratchDir(dir);
});

t.test('live-path selection does not look at the platform', async (t) => {
  const pick = async (): Promise<unknown> => {
    const ffi = await runLive(new FixtureHost('android10-4.14'), { noFfi: false, isRoot: true, arch: 'arm64' });
    const tools = await runLive(new FixtureHost('android7-3.10'), { noFfi: false, isRoot: true, arch: 'arm64' });
    const off = await runLive(new FixtureHost('android10-4.14', { which: { sh: '/system/bin/sh', busybox: '/data/local/tmp/busybox' }, exec: {} }), { noFfi: true, isRoot: true, arch: 'arm64' });
    return [ffi, tools, off].map((r) => [r.results?.path ?? null, r.ffi, r.results?.tool ?? null]);
  };
  const linux = await pick();
  asAndroid(t);
  t.same(await pick(), linux);
  t.same((linux as unknown[][]).map((r) => r[0]), ['ffi', 'tools', 'tools']);
});

t.test('the tools launch under android: koffi finds no module, which the launch no longer needs', async (t) => {
  asAndroid(t);
  t.throws(() => loadLibc(), { message: /Cannot find the native Koffi module/ }, "koffi's own loader fails for android-x64, as on a 32-bit ARM phone");
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-android-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'rootfs'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(stockSpec()));
  let err = '';
  const host = new FixtureHost('android7-3.10');
  const opts: RunOptions = { bundle: dir, fixConfig: false, inPlace: false, runtime: 'embedded', hostFixes: false, verbose: true, redact: false, noFfi: true, init: 'auto', report: join(dir, 'r.json') };
  // stdin is not a terminal here: the tools launch stops at process.terminal before anything runs.
  // (--no-ffi: a droidcheck-init built for this machine would launch instead of the tools.)
  const code = await runCommand(opts, { host, stderr: (s) => void (err += s), color: false, stdinIsTty: false, now: new Date(0), platform: process.platform, arch: 'arm64', execPath: '/proc/self/exe' });
  t.equal(code, 125, err);
  t.match(err, /--no-ffi: launched through busybox \/data\/local\/tmp\/busybox/);
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { runtime: { path: string }; probe: { host: { platform: string } }; launch: { steps: { name: string; status: string }[] } };
  t.equal(report.runtime.path, 'tools');
  t.equal(report.probe.host.platform, 'android');
  t.match(report.launch.steps.map((s) => `${s.name}:${s.status}`), ['tools:ok', 'cgroup resources:skipped', 'terminal:failed']);
});
