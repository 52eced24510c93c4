// `droidcheck probe` end to end on fixture hosts: formats, schema, redaction, exit codes.

import t from 'tap';
import { mkdtempSync, readFileSync as read, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { listChecks, probeCommand, type ProbeOptions } from '../../src/cli/probe.js';
import { ALL_CHECKS } from '../../src/probes/registry.js';
import type { Check } from '../../src/probes/types.js';
import { fixtureIo } from '../helpers/probe-io.js';
import { validateProbeReport } from '../helpers/schemas.js';

const validate = validateProbeReport;

const base: ProbeOptions = { live: true, noFfi: false, format: 'table', verbose: false, listChecks: false, strict: false, redact: true };

for (const fixture of ['debian-6.18', 'android7-3.10', 'android10-4.14', 'noconfig-5.10']) {
  t.test(`${fixture}: the JSON and YAML reports validate against the schema`, async (t) => {
    const io = fixtureIo(fixture);
    t.equal(await probeCommand({ ...base, format: 'json' }, io), 0);
    const report = JSON.parse(io.out()) as Record<string, unknown>;
    t.ok(validate(report), JSON.stringify(validate.errors));
    t.equal(report['schemaVersion'], 1);
    const io2 = fixtureIo(fixture);
    await probeCommand({ ...base, format: 'yaml' }, io2);
    t.same(yaml.load(io2.out()), report, 'YAML carries the same document');
  });
}

t.test('a report that breaks the schema is caught', async (t) => {
  const io = fixtureIo('debian-6.18');
  await probeCommand({ ...base, format: 'json' }, io);
  const report = JSON.parse(io.out()) as { checks: { status: string }[] };
  report.checks[0]!.status = 'maybe';
  t.notOk(validate(report));
});

t.test('the table: problems with impact and fix, passes only with -v, no colour codes off a TTY', async (t) => {
  const io = fixtureIo('android7-3.10');
  t.equal(await probeCommand(base, io), 0);
  const out = io.out();
  t.notMatch(out, /\x1b\[/, 'no escape codes');
  t.match(out, /droidcheck \S+: Linux 3\.10\.40-g8a2e9a7 aarch64, Android 7\.1\.1 \(Nexus 9\); live tests via \/data\/local\/tmp\/busybox \(koffi does not load\); kernel config: \/proc\/config\.gz/);
  t.match(out, /Namespaces \(4\/7 passed\)\n  ! IPC namespace: unshare fails with EINVAL \[ns\.ipc\]\n      impact: runc fails with "nsenter/);
  t.match(out, /fix: drop the ipc namespace/);
  t.notMatch(out, /Mount namespace/, 'passes are hidden');
  t.match(out, /Summary: \d+ passed, \d+ warnings, 0 failed, 0 skipped: containers can run with the fixes above/);
  const v = fixtureIo('android7-3.10');
  await probeCommand({ ...base, verbose: true }, v);
  t.match(v.out(), /✓ Mount namespace: available/);
  t.match(v.out(), /· unshare\(CLONE_NEWIPC\) = EINVAL: unshare: unshare\(0x8000000\): Invalid argument \(live, busybox \/data\/local\/tmp\/busybox unshare\)/);
  const c = { ...fixtureIo('android7-3.10'), color: true };
  await probeCommand(base, c);
  t.match(c.out(), /\x1b\[/, 'colour on a TTY');
});

t.test('markdown for a GitHub issue', async (t) => {
  const io = fixtureIo('android7-3.10');
  await probeCommand({ ...base, format: 'markdown' }, io);
  const md = io.out();
  t.match(md, /^## droidcheck \S+ report/);
  t.match(md, /\| ⚠️ \| Namespaces: IPC namespace \(`ns\.ipc`\) \| unshare fails with EINVAL \|/);
  t.match(md, /#### ⚠️ IPC namespace \(`ns\.ipc`, recommended\)/);
  t.match(md, /- \*\*kernel-option\*\*: IPC_NS depends on SYSVIPC or POSIX_MQUEUE\n  - `CONFIG_SYSVIPC=y`/);
  t.match(md, /<details><summary>Evidence<\/summary>/);
});

t.test('redaction hides host and user names, home paths, addresses and serials unless --no-redact', async (t) => {
  const fixture = 'noconfig-5.10';
  const overrides = { exec: { '/usr/bin/sh -c': { exitCode: 0, stdout: 'unshare.net\t1\tfailed for alice on alice-pi at 192.168.1.20 (aa:bb:cc:dd:ee:ff) in /home/alice/x, serial=ABC123\n', stderr: '' } } };
  const io = fixtureIo(fixture, overrides);
  await probeCommand({ ...base, format: 'json' }, io);
  const text = io.out();
  t.notMatch(text, /alice|192\.168\.1\.20|aa:bb:cc|ABC123/);
  t.match(text, /failed for <user> on <hostname> at <ipv4> \(<mac>\) in ~\/x, serial=<serial>/);
  const report = JSON.parse(text) as { redacted: boolean; host: { hostname: string } };
  t.equal(report.redacted, true);
  t.equal(report.host.hostname, '<redacted>');
  const raw = fixtureIo(fixture, overrides);
  await probeCommand({ ...base, format: 'json', redact: false }, raw);
  t.match(raw.out(), /alice-pi/);
  t.equal((JSON.parse(raw.out()) as { redacted: boolean }).redacted, false);
});

t.test('exit codes: 1 when a required check fails, --strict fails on warnings, 2 when droidcheck cannot run', async (t) => {
  t.equal(await probeCommand(base, fixtureIo('android7-3.10')), 0, 'warnings only');
  t.equal(await probeCommand({ ...base, strict: true }, fixtureIo('android7-3.10')), 1, '--strict');
  t.equal(await probeCommand({ ...base, strict: true, check: ['ns.mnt', 'fs.proc'] }, fixtureIo('debian-6.18')), 0, '--strict with nothing to warn about');
  const notRoot = fixtureIo('android7-3.10', { uid: 2000 });
  t.equal(await probeCommand(base, notRoot), 1, 'not root: sec.root is required');
  t.match(notRoot.out(), /✗ Running as root: uid 2000/);
  const unknown = fixtureIo('debian-6.18');
  t.equal(await probeCommand({ ...base, check: ['ns.ipc', 'nope'] }, unknown), 2);
  t.match(unknown.err(), /unknown check id: nope/);
  const noFile = fixtureIo('debian-6.18');
  t.equal(await probeCommand({ ...base, kernelConfig: '/nonexistent/config' }, noFile), 2);
  t.match(noFile.err(), /--kernel-config: read \/nonexistent\/config: ENOENT/);
  const notConfig = fixtureIo('debian-6.18');
  t.equal(await probeCommand({ ...base, kernelConfig: '/proc/filesystems' }, notConfig), 2);
  t.match(notConfig.err(), /no CONFIG_ lines/);
  const badOut = fixtureIo('debian-6.18');
  t.equal(await probeCommand({ ...base, output: '/nonexistent/dir/report.txt' }, badOut), 2);
  t.match(badOut.err(), /write \/nonexistent\/dir\/report\.txt: ENOENT/);
});

t.test('a check that throws is reported as an error and the others still run', async (t) => {
  const boom: Check = { id: 'test.boom', title: 'Boom', category: 'host', severity: 'required', probes: 'nothing', run: () => { throw new Error('kaboom'); } };
  const io = { ...fixtureIo('debian-6.18'), checks: [boom, ...ALL_CHECKS.slice(0, 2)] };
  t.equal(await probeCommand({ ...base, format: 'json' }, io), 1);
  const report = JSON.parse(io.out()) as { checks: { id: string; status: string; summary: string }[]; summary: { error: number } };
  t.match(report.checks[0], { id: 'test.boom', status: 'error', summary: 'the check itself failed: kaboom' });
  t.equal(report.checks.length, 3);
  t.equal(report.summary.error, 1);
  const table = { ...fixtureIo('debian-6.18'), checks: [boom] };
  await probeCommand(base, table);
  t.match(table.out(), /☠ Boom: the check itself failed: kaboom/);
  t.match(table.out(), /, 1 errors: containers cannot run/);
});

t.test('--check runs only the named checks; --list-checks lists every check', async (t) => {
  const io = fixtureIo('android7-3.10');
  await probeCommand({ ...base, format: 'json', check: ['ns.ipc', 'fs.mqueue'] }, io);
  t.same((JSON.parse(io.out()) as { checks: { id: string }[] }).checks.map((c) => c.id), ['ns.ipc', 'fs.mqueue']);
  const list = fixtureIo('android7-3.10');
  t.equal(await probeCommand({ ...base, listChecks: true }, list), 0);
  for (const c of ALL_CHECKS) t.match(list.out(), c.id);
  t.match(listChecks(ALL_CHECKS), /fs\.devpts-instances\s+recommended\s+devpts multiple instances\n\s+probes: .*\n\s+applies to: all kernels/);
});

t.test('--output writes the file and says so on stderr', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const io = fixtureIo('android10-4.14');
  await probeCommand({ ...base, format: 'yaml', output: join(dir, 'r.yaml') }, io);
  t.equal(io.out(), '');
  t.match(io.err(), /report written to .*r\.yaml \(degraded\)/);
  t.match(read(join(dir, 'r.yaml'), 'utf8'), /^schemaVersion: 1/);
});

t.test('--kernel-config FILE --no-live lists every option evaluated with its value', async (t) => {
  const io = fixtureIo('debian-6.18');
  t.equal(await probeCommand({ ...base, format: 'json', live: false, kernelConfig: '/proc/config.gz' }, io), 0);
  const r = JSON.parse(io.out()) as { kernelConfig: { source: string; options: Record<string, string | null> }; host: { android: unknown } };
  t.equal(r.kernelConfig.source, '/proc/config.gz');
  t.equal(r.kernelConfig.options['CONFIG_IPC_NS'], 'y');
  t.equal(r.host.android, null);
  const android = fixtureIo('debian-6.18');
  await probeCommand({ ...base, format: 'json', live: false, kernelConfig: '/proc/config.gz' }, { ...android, host: new (await import('../helpers/fixture-host.js')).FixtureHost('android7-3.10') });
  const a = JSON.parse(android.out()) as { kernelConfig: { version: string; options: Record<string, string | null> } };
  t.equal(a.kernelConfig.version, '3.10.40');
  t.equal(a.kernelConfig.options['CONFIG_IPC_NS'], null, 'missing options are null');
  t.equal(a.kernelConfig.options['CONFIG_PID_NS'], 'y');
});
