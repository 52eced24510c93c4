// explain picks among a message's causes with a device's facts: the probe's
// files-only pass on fixture hosts, made into a report and read back the way
// `explain --report` reads one from a device.

import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { answer, factOptions } from '../../src/explain/answer.js';
import { factsFromReport, type ExplainFacts } from '../../src/explain/facts.js';
import { explainCommand, type ExplainIo } from '../../src/cli/explain.js';
import { hostFacts } from '../../src/cli/explain-host.js';
import { readLimited } from '../../src/host/read-limited.js';
import type { Facts } from '../../src/probes/facts.js';
import { buildReport, type ProbeReport } from '../../src/report/report.js';
import { runChecks } from '../../src/probes/run.js';
import { ALL_CHECKS } from '../../src/probes/registry.js';
import { probeFixture } from '../helpers/probe-fixture.js';
import { validateExplain } from '../helpers/schemas.js';

/** The report `droidcheck probe --no-live --format json` writes on a fixture host, after `change` edits its facts. */
async function fixtureReport(name: string, change: (f: Facts) => void = () => {}): Promise<ProbeReport> {
  const { facts } = await probeFixture(name, { live: false });
  change(facts);
  return buildReport(facts, runChecks(ALL_CHECKS, facts), { version: 'test', now: new Date(0), extraOptions: factOptions() });
}

const fixtureFacts = async (name: string, change?: (f: Facts) => void): Promise<ExplainFacts> => factsFromReport(await fixtureReport(name, change), `fixture ${name}`);

const unset = (option: string) => (f: Facts) => void f.config?.values.delete(option);

/** cause id -> verdict of the first explanation. */
function verdicts(text: string, facts: ExplainFacts | null): Record<string, string> {
  const [first] = answer(text, facts).explained;
  return Object.fromEntries((first?.causes ?? []).map((c) => [c.cause.id, c.verdict]));
}

const SESSION_KEY = String.raw`container_linux.go:262: starting container process caused "process_linux.go:339: container init caused \"could not create session key: function not implemented\""`;
const BPF = 'error setting cgroup config for procHooks process: bpf_prog_query(BPF_CGROUP_DEVICE) failed: invalid argument: unknown';

t.test('session key ENOSYS: a 32-bit docker on the arm64 3.10 tablet (KEYS, no KEYS_COMPAT), as docker/for-linux#53', async (t) => {
  const facts = await fixtureFacts('android7-3.10', (f) => void (f.userspaceBits = 32));
  t.same(verdicts(SESSION_KEY, facts), { 'keys-compat-missing': 'confirmed', 'keys-missing': 'ruled-out', 'keyctl-filtered': 'ruled-out' });
  const [first] = answer(SESSION_KEY, facts).explained;
  t.equal(first?.causes[0]?.cause.id, 'keys-compat-missing', 'listed first');
  t.match(first?.causes.find((c) => c.cause.id === 'keys-missing')?.reasons, ['CONFIG_KEYS=y']);
  t.match(first?.causes[0]?.reasons, ['CONFIG_KEYS=y', /32-bit userland on a 64-bit kernel/, 'CONFIG_KEYS_COMPAT is not set', /kernel 3\.10\S* < 5\.6/]);
  t.match(first?.causes.find((c) => c.cause.id === 'keyctl-filtered')?.reasons, [/32-bit userland on a 64-bit kernel \(aarch64\)/]);
});

t.test('session key ENOSYS: the same tablet with a 64-bit userland and no KEYS at all', async (t) => {
  const facts = await fixtureFacts('android7-3.10', unset('CONFIG_KEYS'));
  t.same(verdicts(SESSION_KEY, facts), { 'keys-missing': 'confirmed', 'keys-compat-missing': 'ruled-out', 'keyctl-filtered': 'ruled-out' });
});

t.test('session key ENOSYS: a 64-bit host with KEYS (a guest whose outer seccomp blocks keyctl, docker/for-linux#409)', async (t) => {
  const facts = await fixtureFacts('debian-6.18', (f) => void (f.userspaceBits = 64));
  t.same(verdicts(SESSION_KEY, facts), { 'keyctl-filtered': 'confirmed', 'keys-missing': 'ruled-out', 'keys-compat-missing': 'ruled-out' });
});

t.test('bpf_prog_query: cgroup2 on the 4.14 phone is the kernel version, not CGROUP_BPF', async (t) => {
  const facts = await fixtureFacts('android10-4.14');
  t.same(verdicts(BPF, facts), { 'kernel-before-4.15': 'confirmed', 'cgroup-bpf-missing': 'ruled-out' });
  const [first] = answer(BPF, facts).explained;
  t.match(first?.causes[1]?.reasons, [/kernel 4\.14\.\S* < 4\.15/]);
  t.equal(first?.causes[0]?.confidence, 'high');
});

t.test('bpf_prog_query: a 6.x kernel without CONFIG_CGROUP_BPF', async (t) => {
  const facts = await fixtureFacts('debian-6.18', unset('CONFIG_CGROUP_BPF'));
  t.same(verdicts(BPF, facts), { 'cgroup-bpf-missing': 'confirmed', 'kernel-before-4.15': 'ruled-out' });
});

t.test('without facts every cause is listed with the checks that tell them apart', async (t) => {
  const [first] = answer(BPF, null).explained;
  t.same(first?.causes.map((c) => [c.cause.id, c.verdict, c.confidence]), [
    ['kernel-before-4.15', 'possible', 'medium'],
    ['cgroup-bpf-missing', 'possible', 'medium'],
  ]);
  t.equal(first?.causes[0]?.confirm, 'droidcheck probe --check host.kernel --check cgroup.v2');
  t.match(first?.causes[0]?.why, /one of 2 causes/);
});

t.test('a report without the option leaves the cause open, and says why', async (t) => {
  const report = await fixtureReport('android7-3.10', (f) => void (f.userspaceBits = 32));
  delete report.kernelConfig.options['CONFIG_KEYS'];
  const [first] = answer(SESSION_KEY, factsFromReport(report, 'r')).explained;
  t.same(Object.fromEntries(first?.causes.map((c) => [c.cause.id, c.verdict]) ?? []), { 'keys-compat-missing': 'possible', 'keys-missing': 'possible', 'keyctl-filtered': 'ruled-out' });
  t.match(first?.causes.find((c) => c.cause.id === 'keys-missing')?.reasons, ['the report does not include CONFIG_KEYS']);
});

t.test('factsFromReport refuses what is not a probe or run report', async (t) => {
  t.throws(() => factsFromReport([], 'x'), /not a droidcheck report/);
  t.throws(() => factsFromReport({ command: 'probe' }, 'x'), /no host and checks/);
  const run = { command: 'run', probe: await fixtureReport('android10-4.14') };
  t.equal(factsFromReport(run, 'run.json').kernel, '4.14.180-perf+');
});

// --- the command, with real files ---

function io(): ExplainIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdin: async () => '',
    readFile: async (path, limit) => readLimited(path, limit).toString('utf8'),
    hostFacts: async () => Promise.reject(new Error('no host facts in this test')),
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
    color: false,
    out: () => out,
    err: () => err,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'droidcheck-explain-'));

t.test('--report FILE (json or yaml) from a device decides the cause', async (t) => {
  const report = await fixtureReport('android10-4.14');
  writeFileSync(join(dir, 'probe.json'), JSON.stringify(report));
  writeFileSync(join(dir, 'probe.yaml'), yaml.dump(report));
  for (const file of ['probe.json', 'probe.yaml']) {
    const x = io();
    t.equal(await explainCommand({ message: BPF, report: join(dir, file), format: 'table' }, x), 0);
    t.match(x.out(), new RegExp(`facts from report ${join(dir, file).replace(/[.]/g, '\\.')}: Linux 4\\.14`));
    t.match(x.out(), /a\) confirmed by the facts \(kernel 4\.14\S* < 4\.15\)/);
    t.match(x.out(), /b\) ruled out/);
  }
  const bad = io();
  writeFileSync(join(dir, 'x.json'), '{"hello": 1}');
  t.equal(await explainCommand({ message: BPF, report: join(dir, 'x.json'), format: 'table' }, bad), 2);
  t.match(bad.err(), /--report: not a droidcheck probe or run report/);
  const missing = io();
  t.equal(await explainCommand({ message: BPF, report: join(dir, 'none.json'), format: 'table' }, missing), 2);
  t.match(missing.err(), /--report: read .*none\.json: ENOENT/);
});

t.test('facts of this machine are asked for only when a cause needs them', async (t) => {
  let asked = 0;
  const facts = await fixtureFacts('android10-4.14');
  const x = { ...io(), hostFacts: async () => (asked++, facts) };
  await explainCommand({ message: 'open /dev/ptmx: no such file or directory', format: 'json' }, x);
  t.equal(asked, 0, 'single-cause entry: no facts gathered');
  await explainCommand({ message: BPF, format: 'json' }, x);
  t.equal(asked, 1);
  await explainCommand({ message: BPF, facts: false, format: 'json' }, x);
  t.equal(asked, 1, '--no-facts');
  const failing = io();
  t.equal(await explainCommand({ message: BPF, format: 'table' }, failing), 0, 'facts that cannot be read: still an answer');
  t.match(failing.err(), /this machine's facts: no host facts in this test/);
  t.match(failing.out(), /a\) possible/);
});

t.test("this machine's facts come from the probe's files-only pass", async (t) => {
  const facts = await hostFacts(factOptions());
  t.equal(facts.origin, 'this machine');
  t.equal(facts.kernel, release());
  t.ok(Object.keys(facts.checks).length > 20, 'every check has a status');
});

t.test('--file LOG: every known error, in order, each once, through timestamps and prefixes', async (t) => {
  const log = [
    'Dec 04 10:00:00 phone dockerd[812]: time="2026-12-04T10:00:00.123456789Z" level=info msg="Starting up"',
    'Dec 04 10:00:01 phone dockerd[812]: time="2026-12-04T10:00:01.5Z" level=warning msg="failed to mount overlay: invalid argument" storage-driver=overlay2',
    '\x1b[31mERRO\x1b[0m[0001] failed to start daemon: Devices cgroup isn\'t mounted',
    'Dec 04 10:00:02 phone dockerd[812]: failed to start daemon: Devices cgroup isn\'t mounted',
    '2026-12-04T10:00:03Z docker: Error response from daemon: failed to create endpoint x on network bridge: failed to add the host (veth1) <=> sandbox (veth2) pair interfaces: operation not supported.',
  ].join('\n');
  writeFileSync(join(dir, 'dockerd.log'), log);
  const x = io();
  t.equal(await explainCommand({ file: join(dir, 'dockerd.log'), facts: false, format: 'json' }, x), 0);
  const doc = JSON.parse(x.out()) as { explanations: Array<{ id: string; line: number }> };
  t.same(doc.explanations.map((e) => [e.id, e.line]), [['overlay-unsupported', 2], ['cgroup-devices-missing', 3], ['veth-missing', 5]]);
  const both = io();
  t.equal(await explainCommand({ file: join(dir, 'dockerd.log'), message: 'x', format: 'json' }, both), 2);
  const dev = io();
  t.equal(await explainCommand({ file: '/dev/zero', format: 'json' }, dev), 2);
  t.match(dev.err(), /--file: read \/dev\/zero: EINVAL/);
});

t.test('markdown for a bug tracker', async (t) => {
  const facts = await fixtureFacts('android10-4.14');
  const x = { ...io(), hostFacts: async () => facts };
  t.equal(await explainCommand({ message: BPF, format: 'markdown' }, x), 0);
  t.match(x.out(), /^## droidcheck explain\n\n_facts from fixture android10-4\.14: Linux 4\.14/);
  t.match(x.out(), /### 1\. cgroup v2 device control needs Linux 4\.15 \(`cgroup2-bpf-device`\)/);
  t.match(x.out(), /- \*\*confirmed by the facts\*\* \(kernel 4\.14\S* < 4\.15\)/);
  t.match(x.out(), /  - confirm: `droidcheck probe --check host\.kernel --check cgroup\.v2`/);
  t.match(x.out(), /Seen in: .*opencontainers\/runc#3867/);
});

t.test('unknown messages: the closest entries and what to run next, never a made-up cause', async (t) => {
  const x = io();
  t.equal(await explainCommand({ message: 'failed to create veth thing: some new words', format: 'table' }, x), 1);
  t.match(x.out(), /no known cause: droidcheck does not know this message/);
  t.match(x.out(), /closest known messages:\n(  - .*\n)*  - no veth pairs \[veth-missing\]/);
  t.notMatch(x.out(), /\n\s+cause:/, "no cause is offered");
  const j = io();
  await explainCommand({ message: 'failed to create veth thing: some new words', format: 'json' }, j);
  const doc = JSON.parse(j.out()) as { closest: Array<{ id: string }> };
  t.ok(doc.closest.some((c) => c.id === 'veth-missing'), 'veth-missing is among the closest');
});

t.test('json answers follow reports/schema/explain.v1.json (found, judged, unknown)', async (t) => {
  const facts = await fixtureFacts('android10-4.14');
  for (const [message, report] of [[BPF, true], [SESSION_KEY, false], ['everything is fine', false]] as const) {
    const x = { ...io(), hostFacts: async () => facts };
    await explainCommand({ message, format: 'json', ...(report ? {} : { facts: false }) }, x);
    const doc: unknown = JSON.parse(x.out());
    t.ok(validateExplain(doc), `${message.slice(0, 40)}: ${JSON.stringify(validateExplain.errors)}`);
  }
  t.notOk(validateExplain({ schemaVersion: 1, explained: true, facts: null, explanations: [{ id: 'x' }] }), 'an incomplete answer fails');
});
