// The docker checks on fixture hosts: this Debian machine (captured) and an
// Android 7 / 3.10 tablet (synthetic, from the anchors' layout).

import t from 'tap';
import { dockerFixture, statuses } from '../helpers/docker-fixture.js';
import { iptablesChoice } from '../../src/docker/checks/network.js';
import { storageDriver } from '../../src/docker/checks/storage.js';
import { v1Usable } from '../../src/docker/checks/cgroups.js';
import { DOCKER_CHECKS } from '../../src/docker/registry.js';
import { runDockerChecks } from '../../src/docker/check.js';
import { buildDockerReport } from '../../src/docker/report.js';
import { dockerSettings } from '../../src/docker/settings.js';
import { validateDockerReport } from '../helpers/schemas.js';

t.test('every check has a docker. id, unique', async (t) => {
  const ids = DOCKER_CHECKS.map((c) => c.id);
  t.equal(new Set(ids).size, ids.length);
  for (const id of ids) t.match(id, /^docker\./);
});

t.test('Debian 12 (captured): everything Docker needs is there', async (t) => {
  const { outcomes, facts } = await dockerFixture('debian-6.18');
  const bad = outcomes.filter((o) => o.status !== 'pass').map((o) => `${o.id}=${o.status}: ${o.summary}`);
  t.same(bad, []);
  t.equal(iptablesChoice(facts)?.backend, 'nft', 'Debian 12 defaults to iptables-nft, and it works on 6.18');
  t.equal(storageDriver(facts), 'overlay2');
});

t.test('Android 7 / 3.10 (synthetic): what fails, and why', async (t) => {
  const { outcomes, byId, facts } = await dockerFixture('android7-3.10');
  t.same(statuses(outcomes), {
    'docker.binaries': 'pass',
    'docker.ns.ipc': 'fail',
    'docker.mqueue': 'fail',
    'docker.ns.user': 'warn',
    'docker.keyring': 'pass',
    'docker.run-dir': 'fail',
    'docker.pivot-root': 'warn',
    'docker.seccomp': byId.get('docker.seccomp')?.status ?? 'missing',
    'docker.kernel': 'warn',
    'docker.net.veth': 'fail',
    'docker.net.bridge': 'fail',
    'docker.iptables': 'pass',
    'docker.nat': 'pass',
    'docker.ip6tables': 'warn',
    'docker.storage.overlay': 'warn',
    'docker.data-root': 'pass',
    'docker.cgroup.cpu': 'pass',
    'docker.cgroup.cpuacct': 'pass',
    'docker.cgroup.cpuset': 'pass',
    'docker.cgroup.memory': 'pass',
    'docker.cgroup.devices': 'fail',
    'docker.cgroup.pids': 'warn',
    'docker.cgroup.freezer': 'pass',
    'docker.cgroup.blkio': 'pass',
    'docker.cgroup.layout': 'warn',
    'docker.cgroup2.bpf': byId.get('docker.cgroup2.bpf')?.status ?? 'missing',
  });
  t.match(byId.get('docker.ns.ipc')?.impact, /exit status 46/);
  t.match(byId.get('docker.net.veth')?.summary, /EOPNOTSUPP/);
  t.match(byId.get('docker.iptables')?.summary, /XTABLES_LOCKFILE/);
  t.match(byId.get('docker.cgroup.devices')?.impact, /Devices cgroup isn't mounted/);
  t.match(byId.get('docker.cgroup.layout')?.summary, /noprefix/);
  t.match(byId.get('docker.cgroup.cpu')?.summary, /the host has it at \/dev\/cpuctl/);
  t.match(byId.get('docker.cgroup.memory')?.summary, /not mounted on the host/);
  t.equal(storageDriver(facts), 'vfs');
  t.equal(v1Usable(facts, 'devices'), false);
});

t.test('without live tests the checks say so instead of guessing', async (t) => {
  const { outcomes } = await dockerFixture('debian-6.18', (f) => {
    f.live = null;
    f.notes = ['--no-live: the docker tests were judged from files and the kernel config'];
  });
  const s = statuses(outcomes);
  for (const id of ['docker.net.veth', 'docker.net.bridge', 'docker.iptables', 'docker.ip6tables', 'docker.nat']) t.equal(s[id], 'skip', id);
  t.equal(s['docker.cgroup.memory'], 'pass', 'from /proc/cgroups');
  t.match(outcomes.find((o) => o.id === 'docker.net.veth')?.summary, /--no-live/);
});

t.test('the default iptables failing while the other backend works: warn, and the settings put it first', async (t) => {
  const { byId, facts } = await dockerFixture('debian-6.18', (f) => {
    const nft = f.live?.iptables.nft;
    if (nft) nft.steps[0] = { ...nft.steps[0]!, ok: false, errno: 'EINVAL', detail: 'iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Invalid argument' };
  });
  t.equal(byId.get('docker.iptables')?.status, 'warn');
  t.equal(iptablesChoice(facts)?.backend, 'legacy');
  t.equal(iptablesChoice(facts)?.isDefault, false);
});

t.test('a check that throws becomes an error outcome, not a crash', async (t) => {
  const { facts } = await dockerFixture('debian-6.18');
  const [o] = runDockerChecks([{ ...DOCKER_CHECKS[0]!, run: () => { throw new Error('boom'); } }], facts);
  t.equal(o?.status, 'error');
  t.match(o?.summary, /boom/);
});

t.test('the docker report follows reports/schema/docker.v1.json', async (t) => {
  for (const name of ['android7-3.10', 'debian-6.18']) {
    const { facts, outcomes } = await dockerFixture(name);
    const report = buildDockerReport(facts, outcomes, dockerSettings(facts, outcomes, { dir: '/x' }), { version: 'test', now: new Date(0) });
    const doc: unknown = JSON.parse(JSON.stringify(report));
    t.ok(validateDockerReport(doc), `${name}: ${JSON.stringify(validateDockerReport.errors)}`);
  }
});
