// HostCapabilities from the real fixture hosts, and the rules for unknown
// answers (skip = available) and for cgroups (v1 or v2).

import t from 'tap';
import { CONSOLE_CHECK_ID, citedCheckIds, hostCapabilities, type HostCapabilities } from '../../src/runtime/capabilities.js';
import type { CheckOutcome, Status } from '../../src/probes/types.js';
import { probeFixture } from '../helpers/probe-fixture.js';

/** "field=value" for every boolean fact, one string, for exact assertions. */
function summary(c: HostCapabilities): string {
  const parts: string[] = [];
  for (const [k, f] of Object.entries(c.namespaces)) parts.push(`ns.${k}=${f.value}`);
  for (const [k, f] of Object.entries(c.filesystems)) parts.push(`fs.${k}=${f.value}`);
  const rest = ['devptsInstances', 'pivotRoot', 'rootReadonly', 'hostRun', 'hostTmp', 'seccompFilter', 'noNewPrivs', 'paranoidNetwork', 'cgroup', 'console'] as const;
  for (const k of rest) parts.push(`${k}=${c[k].value}`);
  return parts.join(' ');
}

const ALL_IPC = [
  'fs.mqueue.msg_default',
  'fs.mqueue.msg_max',
  'fs.mqueue.msgsize_default',
  'fs.mqueue.msgsize_max',
  'fs.mqueue.queues_max',
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shm_rmid_forced',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
];

const EXPECTED: Record<string, { line: string; present: string[] | null }> = {
  'debian-6.18': {
    line:
      'ns.mount=true ns.uts=true ns.ipc=true ns.pid=true ns.network=true ns.user=true ns.cgroup=true ' +
      'fs.proc=true fs.sysfs=true fs.tmpfs=true fs.devpts=true fs.mqueue=true fs.cgroup=true fs.cgroup2=true ' +
      'devptsInstances=true pivotRoot=true rootReadonly=false hostRun=true hostTmp=true seccompFilter=true noNewPrivs=true paranoidNetwork=false cgroup=true console=true',
    present: ALL_IPC,
  },
  'android7-3.10': {
    line:
      'ns.mount=true ns.uts=true ns.ipc=false ns.pid=true ns.network=true ns.user=false ns.cgroup=false ' +
      'fs.proc=true fs.sysfs=true fs.tmpfs=true fs.devpts=true fs.mqueue=false fs.cgroup=true fs.cgroup2=false ' +
      'devptsInstances=false pivotRoot=false rootReadonly=true hostRun=false hostTmp=false seccompFilter=true noNewPrivs=true paranoidNetwork=true cgroup=true console=true',
    present: [],
  },
  'android10-4.14': {
    line:
      'ns.mount=true ns.uts=true ns.ipc=false ns.pid=true ns.network=true ns.user=false ns.cgroup=true ' +
      'fs.proc=true fs.sysfs=true fs.tmpfs=true fs.devpts=true fs.mqueue=false fs.cgroup=true fs.cgroup2=true ' +
      'devptsInstances=true pivotRoot=true rootReadonly=true hostRun=false hostTmp=false seccompFilter=true noNewPrivs=true paranoidNetwork=true cgroup=true console=true',
    present: [],
  },
  'noconfig-5.10': {
    line:
      'ns.mount=true ns.uts=true ns.ipc=true ns.pid=true ns.network=true ns.user=false ns.cgroup=true ' +
      'fs.proc=true fs.sysfs=true fs.tmpfs=true fs.devpts=true fs.mqueue=true fs.cgroup=true fs.cgroup2=true ' +
      'devptsInstances=true pivotRoot=true rootReadonly=false hostRun=true hostTmp=true seccompFilter=false noNewPrivs=true paranoidNetwork=false cgroup=true console=true',
    present: ALL_IPC,
  },
};

for (const [fixture, want] of Object.entries(EXPECTED)) {
  t.test(`${fixture}: capabilities`, async (t) => {
    const run = await probeFixture(fixture);
    const caps = hostCapabilities(run.outcomes, run.facts, { stdinIsTty: true });
    t.equal(summary(caps), want.line);
    t.same(caps.sysctls.present, want.present);
    t.same(caps.sysctls.probed, ALL_IPC);
    for (const id of citedCheckIds(caps)) {
      if (id !== CONSOLE_CHECK_ID) t.ok(run.byId.has(id), `${id} is a real check id`);
    }
    t.equal(caps.namespaces.ipc.checkId, 'ns.ipc');
    t.equal(caps.namespaces.network.checkId, 'ns.net');
    t.equal(caps.namespaces.mount.checkId, 'ns.mnt');
    t.equal(caps.devptsInstances.checkId, 'fs.devpts-instances');
    t.equal(caps.pivotRoot.checkId, 'rootfs.pivot-root');
    t.equal(caps.paranoidNetwork.checkId, 'host.paranoid-network');
    t.equal(caps.cgroup.checkId, 'fs.cgroup');
    const noTty = hostCapabilities(run.outcomes, run.facts, { stdinIsTty: false });
    t.equal(noTty.console.value, false);
    t.equal(noTty.console.checkId, CONSOLE_CHECK_ID);
    // Plain data: survives JSON.
    t.same(JSON.parse(JSON.stringify(caps)), caps);
  });
}

t.test('android7: facts carry the probe summary and status', async (t) => {
  const run = await probeFixture('android7-3.10');
  const caps = hostCapabilities(run.outcomes, run.facts, { stdinIsTty: false });
  t.equal(caps.namespaces.ipc.status, 'warn');
  t.equal(caps.namespaces.ipc.known, true);
  t.match(caps.namespaces.ipc.summary, /EINVAL/);
  t.match(caps.pivotRoot.summary, /rootfs/);
  t.equal(caps.rootReadonly.status, 'warn');
});

function outcome(id: string, status: Status): CheckOutcome {
  return { id, title: id, category: 'host', severity: 'optional', status, summary: `${id} ${status}`, evidence: [], impact: '', remediation: [], configOptions: [] };
}

t.test('unknown answers are permissive: skip and error count as available, conditions as off', async (t) => {
  const run = await probeFixture('debian-6.18');
  const outcomes = [outcome('ns.ipc', 'skip'), outcome('ns.uts', 'error'), outcome('host.paranoid-network', 'skip'), outcome('host.root-readonly', 'skip')];
  const caps = hostCapabilities(outcomes, run.facts, { stdinIsTty: true });
  t.same([caps.namespaces.ipc.value, caps.namespaces.ipc.known], [true, false]);
  t.same([caps.namespaces.uts.value, caps.namespaces.uts.known], [true, false]);
  t.same([caps.paranoidNetwork.value, caps.paranoidNetwork.known], [false, false]);
  t.same([caps.rootReadonly.value, caps.rootReadonly.known], [false, false]);
  // Checks that did not run at all.
  t.same([caps.namespaces.pid.value, caps.namespaces.pid.status], [true, 'absent']);
  t.same([caps.cgroup.value, caps.cgroup.known], [true, false]);
  t.equal(caps.cgroup.checkId, 'fs.cgroup');
});

t.test('cgroup: v1 or v2 passing is enough; both missing is not', async (t) => {
  const run = await probeFixture('debian-6.18');
  const caps = (v1: Status, v2: Status): HostCapabilities =>
    hostCapabilities([outcome('fs.cgroup', v1), outcome('fs.cgroup2', v2)], run.facts, { stdinIsTty: true });
  t.same([caps('pass', 'warn').cgroup.value, caps('pass', 'warn').cgroup.checkId], [true, 'fs.cgroup']);
  t.same([caps('warn', 'pass').cgroup.value, caps('warn', 'pass').cgroup.checkId], [true, 'fs.cgroup2']);
  t.same([caps('warn', 'warn').cgroup.value, caps('warn', 'warn').cgroup.checkId], [false, 'fs.cgroup']);
  t.equal(caps('warn', 'warn').cgroup.known, true);
  t.same([caps('warn', 'skip').cgroup.value, caps('warn', 'skip').cgroup.known], [true, false]);
});

t.test('--kernel-config with --no-live: no sysctl knowledge', async (t) => {
  const run = await probeFixture('android7-3.10', { live: false, kernelConfig: '/proc/config.gz' });
  t.equal(run.facts.configOnly, true);
  const caps = hostCapabilities(run.outcomes, run.facts, { stdinIsTty: true });
  t.equal(caps.sysctls.present, null);
  t.same(caps.sysctls.probed, []);
  // The config alone still knows the IPC namespace is missing.
  t.equal(caps.namespaces.ipc.value, false);
  // Host facts are "not this host": unknown, so permissive.
  t.same([caps.rootReadonly.value, caps.rootReadonly.known], [false, false]);
  t.same([caps.hostRun.value, caps.hostRun.known], [true, false]);
});

const KNOWN_FILES_ONLY_DIFFERENCES: Record<string, string[]> = { 'noconfig-5.10': ['ns user'] };

t.test('run probes files only: on every fixture host the fixer gets the same answers as with live tests', async (t) => {
  const { fixConfig } = await import('../../src/runtime/fixer.js');
  const { stockSpec } = await import('../helpers/bundle.js');
  for (const fixture of ['debian-6.18', 'android7-3.10', 'android10-4.14', 'noconfig-5.10']) {
    const caps = async (live: boolean): Promise<HostCapabilities> => {
      const f = await probeFixture(fixture, { live });
      return hostCapabilities(f.outcomes, f.facts, { stdinIsTty: false });
    };
    const [live, files] = [await caps(true), await caps(false)];
    const fixed = (c: HostCapabilities): unknown => fixConfig(stockSpec(), c).spec;
    t.same(fixed(files), fixed(live), `${fixture}: the same fixed config`);
    const values = (c: HostCapabilities): Record<string, boolean> => ({
      ...Object.fromEntries(Object.entries(c.namespaces).map(([k, v]) => [`ns ${k}`, v.value])),
      ...Object.fromEntries(Object.entries(c.filesystems).map(([k, v]) => [`fs ${k}`, v.value])),
      devptsInstances: c.devptsInstances.value,
      pivotRoot: c.pivotRoot.value,
      seccompFilter: c.seccompFilter.value,
      noNewPrivs: c.noNewPrivs.value,
      paranoidNetwork: c.paranoidNetwork.value,
    });
    const [a, b] = [values(files), values(live)];
    const differ = Object.keys(a).filter((k) => a[k] !== b[k]);
    // Known: without a config, only a live unshare shows user namespaces switched off by sysctl/LSM.
    t.same(differ, KNOWN_FILES_ONLY_DIFFERENCES[fixture] ?? [], `${fixture}: the same host facts but the known ones`);
  }
});
