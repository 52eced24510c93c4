// The config fixer, table-tested: the stock `runc spec` config and variants,
// fixed for capabilities derived from the real fixture hosts.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { CONSOLE_CHECK_ID, hostCapabilities, type HostCapabilities, type HostFact } from '../../src/runtime/capabilities.js';
import { fixConfig, formatChange, isIpcSysctl, renderDiff, type ConfigChange } from '../../src/runtime/fixer.js';
import { parseSpec, type OciSpec } from '../../src/runtime/spec.js';
import { probeFixture, type FixtureRun } from '../helpers/probe-fixture.js';

const RUNC_SPEC_PATH = fileURLToPath(new URL('../../../test/fixtures/bundles/runc-spec.json', import.meta.url));
const RUNC_SPEC = parseSpec(readFileSync(RUNC_SPEC_PATH, 'utf8'), RUNC_SPEC_PATH);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** A fresh copy of the stock config with edits applied, frozen so any mutation by the fixer throws. */
function variant(edit: (s: OciSpec) => void = () => {}): OciSpec {
  const s = structuredClone(RUNC_SPEC);
  edit(s);
  return deepFreeze(s);
}

const SECCOMP = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_AARCH64'], syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }] };

const VARIANTS: Record<string, OciSpec> = {
  stock: variant(),
  'ipc sysctls': variant((s) => {
    s.linux!.sysctl = { 'kernel.shmmax': '68719476736', 'kernel.msgmax': '8192', 'kernel.sem': '250 32000 100 128', 'fs.mqueue.msg_max': '10', 'net.ipv4.ip_forward': '1' };
  }),
  seccomp: variant((s) => {
    s.linux!.seccomp = SECCOMP;
  }),
  'user namespace': variant((s) => {
    s.linux!.namespaces!.push({ type: 'user' }, { type: 'cgroup' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  }),
  resources: variant((s) => {
    s.linux!.resources = { memory: { limit: 268435456 }, pids: { limit: 64 } };
    s.linux!.cgroupsPath = '/droidcheck/test';
  }),
  'no terminal, groups': variant((s) => {
    s.process!.terminal = false;
    s.process!.user.additionalGids = [3004, 10];
    s.annotations = { 'org.example': 'x' };
  }),
};

/** "op path checkId" per change. */
const brief = (changes: readonly ConfigChange[]): string[] => changes.map((c) => `${c.op} ${c.path} ${c.checkId}`);

const ANDROID7_STOCK = [
  'remove .linux.namespaces[type=ipc] ns.ipc',
  'replace .mounts[/dev/pts] fs.devpts-instances',
  'remove .mounts[/dev/mqueue] fs.mqueue',
  'add .mounts[/run] host.run',
  'add .mounts[/tmp] host.tmp',
  'add .annotations["org.droidcheck.no-pivot"] rootfs.pivot-root',
  'replace .process.terminal stdin.tty',
  'add .process.user.additionalGids host.paranoid-network',
];
const without = (list: string[], drop: string): string[] => list.filter((l) => !l.includes(drop));
const after = (list: string[], anchor: string, extra: string[]): string[] => {
  const i = list.findIndex((l) => l.includes(anchor));
  return [...list.slice(0, i + 1), ...extra, ...list.slice(i + 1)];
};

const ANDROID10_STOCK = [
  'remove .linux.namespaces[type=ipc] ns.ipc',
  'remove .mounts[/dev/mqueue] fs.mqueue',
  'add .mounts[/run] host.run',
  'add .mounts[/tmp] host.tmp',
  'replace .process.terminal stdin.tty',
  'add .process.user.additionalGids host.paranoid-network',
];

const IPC_SYSCTL_REMOVALS = ['fs.mqueue.msg_max', 'kernel.msgmax', 'kernel.sem', 'kernel.shmmax'].map((n) => `remove .linux.sysctl["${n}"] ns.ipc`);

/** fixture -> stdinIsTty -> variant -> expected changes. */
const TABLE: Array<{ fixture: string; tty: boolean; variant: string; want: string[] }> = [
  { fixture: 'android7-3.10', tty: false, variant: 'stock', want: ANDROID7_STOCK },
  { fixture: 'android7-3.10', tty: true, variant: 'stock', want: without(ANDROID7_STOCK, '.process.terminal') },
  { fixture: 'android7-3.10', tty: false, variant: 'ipc sysctls', want: after(ANDROID7_STOCK, 'namespaces[type=ipc]', IPC_SYSCTL_REMOVALS) },
  // android7 has seccomp filters: the profile stays.
  { fixture: 'android7-3.10', tty: false, variant: 'seccomp', want: ANDROID7_STOCK },
  {
    fixture: 'android7-3.10',
    tty: false,
    variant: 'user namespace',
    want: after(ANDROID7_STOCK, 'namespaces[type=ipc]', [
      'remove .linux.namespaces[type=user] ns.user',
      'remove .linux.uidMappings ns.user',
      'remove .linux.gidMappings ns.user',
      'remove .linux.namespaces[type=cgroup] ns.cgroup',
    ]),
  },
  // cgroup v1 works on android7: resources stay.
  { fixture: 'android7-3.10', tty: false, variant: 'resources', want: ANDROID7_STOCK },
  {
    fixture: 'android7-3.10',
    tty: false,
    variant: 'no terminal, groups',
    want: [...without(without(ANDROID7_STOCK, '.process.terminal'), 'additionalGids'), 'replace .process.user.additionalGids host.paranoid-network'],
  },
  { fixture: 'android10-4.14', tty: false, variant: 'stock', want: ANDROID10_STOCK },
  {
    fixture: 'android10-4.14',
    tty: false,
    variant: 'user namespace',
    want: after(ANDROID10_STOCK, 'namespaces[type=ipc]', ['remove .linux.namespaces[type=user] ns.user', 'remove .linux.uidMappings ns.user', 'remove .linux.gidMappings ns.user']),
  },
  { fixture: 'debian-6.18', tty: false, variant: 'stock', want: ['replace .process.terminal stdin.tty'] },
  { fixture: 'debian-6.18', tty: true, variant: 'stock', want: [] },
  ...['ipc sysctls', 'seccomp', 'user namespace', 'resources', 'no terminal, groups'].map((v) => ({ fixture: 'debian-6.18', tty: true, variant: v, want: [] })),
  { fixture: 'noconfig-5.10', tty: true, variant: 'stock', want: [] },
  { fixture: 'noconfig-5.10', tty: true, variant: 'seccomp', want: ['remove .linux.seccomp sec.seccomp'] },
  {
    fixture: 'noconfig-5.10',
    tty: true,
    variant: 'user namespace',
    want: ['remove .linux.namespaces[type=user] ns.user', 'remove .linux.uidMappings ns.user', 'remove .linux.gidMappings ns.user'],
  },
];

const runs = new Map<string, FixtureRun>();
async function run(fixture: string): Promise<FixtureRun> {
  let r = runs.get(fixture);
  if (!r) {
    r = await probeFixture(fixture);
    runs.set(fixture, r);
  }
  return r;
}

function checkInvariants(t: Test, input: OciSpec, caps: HostCapabilities, realIds: ReadonlyMap<string, unknown>): ReturnType<typeof fixConfig> {
  const snapshot = JSON.stringify(input);
  const fixed = fixConfig(input, caps);
  t.equal(JSON.stringify(input), snapshot, 'the input is not mutated');
  t.not(fixed.spec, input, 'a new object');
  for (const c of fixed.changes) {
    t.ok(c.reason.length > 20, `${c.path} has a reason`);
    t.ok(realIds.has(c.checkId) || c.checkId === CONSOLE_CHECK_ID, `${c.path} cites a real check (${c.checkId})`);
  }
  const again = fixConfig(deepFreeze(structuredClone(fixed.spec)), caps);
  t.same(again.changes, [], 'fixing the fixed config changes nothing');
  t.same(again.spec, fixed.spec);
  t.same(fixConfig(input, caps), fixed, 'deterministic');
  t.equal(renderDiff(input, fixed.spec) === '', fixed.changes.length === 0, 'a diff exactly when something changed');
  return fixed;
}

for (const row of TABLE) {
  t.test(`${row.fixture}, stdin ${row.tty ? 'a' : 'not a'} TTY: ${row.variant}`, async (t) => {
    const r = await run(row.fixture);
    const caps = hostCapabilities(r.outcomes, r.facts, { stdinIsTty: row.tty });
    const input = VARIANTS[row.variant];
    if (!input) throw new Error(row.variant);
    const fixed = checkInvariants(t, input, caps, r.byId);
    t.same(brief(fixed.changes), row.want);
  });
}

t.test('android7, stock config: the fixed config in detail', async (t) => {
  const r = await run('android7-3.10');
  const caps = hostCapabilities(r.outcomes, r.facts, { stdinIsTty: false });
  const { spec, changes } = fixConfig(VARIANTS.stock!, caps);
  t.same(
    spec.linux?.namespaces?.map((n) => n.type),
    ['pid', 'network', 'uts', 'mount'],
  );
  t.same(
    spec.mounts?.map((m) => `${m.destination}:${m.type}`),
    ['/proc:proc', '/dev:tmpfs', '/dev/pts:bind', '/dev/shm:tmpfs', '/sys:sysfs', '/sys/fs/cgroup:cgroup', '/run:tmpfs', '/tmp:tmpfs'],
  );
  t.same(spec.mounts?.find((m) => m.destination === '/dev/pts'), { destination: '/dev/pts', type: 'bind', source: '/dev/pts', options: ['rbind', 'nosuid', 'noexec'] });
  t.same(spec.mounts?.find((m) => m.destination === '/run'), { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755', 'size=65536k'] });
  t.same(spec.mounts?.find((m) => m.destination === '/tmp'), { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', 'size=65536k'] });
  t.same(spec['annotations'], { 'org.droidcheck.no-pivot': 'true' });
  t.equal(spec.process?.terminal, false);
  t.same(spec.process?.user.additionalGids, [3003, 3004]);
  t.equal(spec.hostname, 'runc', 'UTS namespace exists: the hostname stays');
  t.same(spec.linux?.resources, RUNC_SPEC.linux?.resources);
  t.equal(spec.process?.noNewPrivileges, true);

  const lines = changes.map(formatChange);
  t.equal(lines[0], '- .linux.namespaces[type=ipc]  (ns.ipc: the kernel has no IPC namespace (unsharing it fails with "Invalid argument"): the container shares the host\'s SysV IPC and POSIX message queues [probe: unshare fails with EINVAL])');
  t.match(lines[1], /^~ \.mounts\[\/dev\/pts\] \{.*"devpts".* -> \{.*"bind".*  \(fs\.devpts-instances: .*shares the host's ptys/);
  t.match(lines[1], /ptmx/);
  t.match(lines[3], /^\+ \.mounts\[\/run\] = .*\(host\.run: the process needs a writable \/run and \/tmp/);
  t.equal(lines[5]?.startsWith('+ .annotations["org.droidcheck.no-pivot"] = "true"  (rootfs.pivot-root: '), true);
  t.match(lines[5], /chroot/);
  t.equal(lines[6], '~ .process.terminal true -> false  (stdin.tty: stdin is not a terminal: there is no console to attach "terminal": true to; the process gets plain pipes)');
  t.match(lines[7], /^\+ \.process\.user\.additionalGids = \[3003,3004\]  \(host\.paranoid-network: .*socket: permission denied/);
  for (const line of lines) t.notOk(line.includes('\n'), 'one line');
  t.comment(lines.join('\n'));
});

t.test('android7 with ipc sysctls: only the IPC ones go, net.* stays', async (t) => {
  const r = await run('android7-3.10');
  const caps = hostCapabilities(r.outcomes, r.facts, { stdinIsTty: true });
  const { spec, changes } = fixConfig(VARIANTS['ipc sysctls']!, caps);
  t.same(spec.linux?.sysctl, { 'net.ipv4.ip_forward': '1' });
  const shm = changes.find((c) => c.path === '.linux.sysctl["kernel.shmmax"]');
  t.same(shm?.before, '68719476736');
  t.match(shm?.reason, /IPC namespace/);
});

t.test('paranoid network: existing groups are kept, sorted and unique', async (t) => {
  const r = await run('android7-3.10');
  const caps = hostCapabilities(r.outcomes, r.facts, { stdinIsTty: true });
  const { spec, changes } = fixConfig(VARIANTS['no terminal, groups']!, caps);
  t.same(spec.process?.user.additionalGids, [10, 3003, 3004]);
  const c = changes.find((x) => x.path === '.process.user.additionalGids');
  t.same([c?.op, c?.before, c?.after], ['replace', [3004, 10], [10, 3003, 3004]]);
  t.same(spec['annotations'], { 'org.example': 'x', 'org.droidcheck.no-pivot': 'true' }, 'other annotations are kept');
});

// Capabilities with single facts switched off, for the rules no fixture exercises.
function off(caps: HostCapabilities, edit: (c: HostCapabilities) => void): HostCapabilities {
  const c = structuredClone(caps);
  edit(c);
  return c;
}
const missing = (f: HostFact, summary = 'missing'): void => {
  f.value = false;
  f.known = true;
  f.status = 'warn';
  f.summary = summary;
};

t.test('rules no fixture host exercises', async (t) => {
  const r = await run('debian-6.18');
  const base = hostCapabilities(r.outcomes, r.facts, { stdinIsTty: true });
  const ids = r.byId;

  t.test('no UTS namespace: hostname goes too', async (t) => {
    const caps = off(base, (c) => missing(c.namespaces.uts));
    const input = variant((s) => {
      s['domainname'] = 'example.org';
      s.linux!.sysctl = { 'kernel.hostname': 'x', 'kernel.shmmax': '1' };
    });
    const { spec, changes } = checkInvariants(t, input, caps, ids);
    t.same(brief(changes), ['remove .linux.namespaces[type=uts] ns.uts', 'remove .hostname ns.uts', 'remove .domainname ns.uts', 'remove .linux.sysctl["kernel.hostname"] ns.uts']);
    t.equal(spec.hostname, undefined);
    t.same(spec.linux?.sysctl, { 'kernel.shmmax': '1' });
  });

  t.test('namespaces joined by path are kept', async (t) => {
    const caps = off(base, (c) => missing(c.namespaces.network));
    const input = variant((s) => {
      s.linux!.namespaces = [{ type: 'network', path: '/proc/1/ns/net' }, { type: 'mount' }];
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
    });
    const { spec, changes } = checkInvariants(t, input, caps, ids);
    t.same(brief(changes), ['remove .linux.sysctl["net.ipv4.ip_forward"] ns.net']);
    t.same(spec.linux?.namespaces, [{ type: 'network', path: '/proc/1/ns/net' }, { type: 'mount' }]);
  });

  t.test('sysctls that do not exist are dropped; unprobed ones are kept', async (t) => {
    const caps = off(base, (c) => {
      c.sysctls.present = c.sysctls.present!.filter((n) => n !== 'kernel.shmmax');
    });
    const input = variant((s) => {
      s.linux!.sysctl = { 'kernel.shmmax': '1', 'kernel.shmall': '2', 'vm.overcommit_memory': '1' };
    });
    const { spec, changes } = checkInvariants(t, input, caps, ids);
    t.same(brief(changes), ['remove .linux.sysctl["kernel.shmmax"] ipc.sysctls']);
    t.match(changes[0]?.reason, /\/proc\/sys\/kernel\/shmmax does not exist/);
    t.same(spec.linux?.sysctl, { 'kernel.shmall': '2', 'vm.overcommit_memory': '1' });
  });

  t.test('unknown sysctls (config only): nothing dropped', async (t) => {
    const caps = off(base, (c) => {
      c.sysctls.present = null;
      c.sysctls.probed = [];
    });
    const input = variant((s) => {
      s.linux!.sysctl = { 'kernel.shmmax': '1' };
    });
    t.same(checkInvariants(t, input, caps, ids).changes, []);
  });

  t.test('no seccomp filters, no no_new_privs', async (t) => {
    const caps = off(base, (c) => {
      missing(c.seccompFilter, 'no seccomp filter support');
      missing(c.noNewPrivs, 'prctl(PR_SET_NO_NEW_PRIVS) unsupported');
    });
    const { spec, changes } = checkInvariants(t, VARIANTS.seccomp!, caps, ids);
    t.same(brief(changes), ['replace .process.noNewPrivileges sec.no-new-privs', 'remove .linux.seccomp sec.seccomp']);
    t.equal(spec.linux?.seccomp, undefined);
    t.equal(spec.process?.noNewPrivileges, false);
    t.same(changes[1]?.before, SECCOMP);
  });

  t.test('no cgroup filesystem: cgroup mount, resources and cgroupsPath go', async (t) => {
    const caps = off(base, (c) => missing(c.cgroup));
    const { spec, changes } = checkInvariants(t, VARIANTS.resources!, caps, ids);
    t.same(brief(changes), ['remove .mounts[/sys/fs/cgroup] fs.cgroup', 'remove .linux.resources fs.cgroup', 'remove .linux.cgroupsPath fs.cgroup']);
    t.equal(spec.linux?.resources, undefined);
    t.equal(spec.linux?.cgroupsPath, undefined);
  });

  t.test('cgroup v1 missing but v2 there: the cgroup mount stays', async (t) => {
    const caps = off(base, (c) => missing(c.filesystems.cgroup));
    t.same(checkInvariants(t, VARIANTS.resources!, caps, ids).changes, []);
  });

  t.test('no sysfs, no devpts: their mounts go and terminal is off even with a TTY', async (t) => {
    const caps = off(base, (c) => {
      missing(c.filesystems.sysfs);
      missing(c.filesystems.devpts);
    });
    const { spec, changes } = checkInvariants(t, VARIANTS.stock!, caps, ids);
    t.same(brief(changes), ['remove .mounts[/dev/pts] fs.devpts', 'remove .mounts[/sys] fs.sysfs', 'replace .process.terminal fs.devpts']);
    t.equal(spec.process?.terminal, false);
  });

  t.test('read-only host root with /run and /tmp: tmpfs for both, citing host.root-readonly', async (t) => {
    const caps = off(base, (c) => {
      c.rootReadonly.value = true;
      c.rootReadonly.status = 'warn';
    });
    t.same(brief(checkInvariants(t, VARIANTS.stock!, caps, ids).changes), ['add .mounts[/run] host.root-readonly', 'add .mounts[/tmp] host.root-readonly']);
    // A writable container root needs nothing.
    const rw = variant((s) => {
      s.root = { path: 'rootfs', readonly: false };
    });
    t.same(checkInvariants(t, rw, caps, ids).changes, []);
    // An existing /tmp mount is kept; only /run is added.
    const withTmp = variant((s) => {
      s.mounts!.push({ destination: '/tmp', type: 'bind', source: '/data/local/tmp', options: ['rbind'] });
    });
    t.same(brief(checkInvariants(t, withTmp, caps, ids).changes), ['add .mounts[/run] host.root-readonly']);
  });

  t.test('no-pivot annotation set to something else is replaced', async (t) => {
    const caps = off(base, (c) => missing(c.pivotRoot, '/ is rootfs: pivot_root cannot work'));
    const input = variant((s) => {
      s.annotations = { 'org.droidcheck.no-pivot': 'false' };
    });
    const { changes } = checkInvariants(t, input, caps, ids);
    t.same(changes.map((c) => [c.op, c.before, c.after]), [['replace', 'false', 'true']]);
  });

  t.test('a config without process, mounts or linux', async (t) => {
    const all = off(base, (c) => {
      for (const f of Object.values(c.namespaces)) missing(f);
      missing(c.cgroup);
      missing(c.seccompFilter);
      c.paranoidNetwork.value = true;
    });
    const { spec, changes } = checkInvariants(t, deepFreeze({ ociVersion: '1.0.2' }), all, ids);
    t.same(spec, { ociVersion: '1.0.2' });
    t.same(changes, []);
  });
});

t.test('isIpcSysctl', async (t) => {
  for (const n of ['kernel.shmmax', 'kernel.shmall', 'kernel.shm_rmid_forced', 'kernel.msgmnb', 'kernel.sem', 'fs.mqueue.queues_max']) t.ok(isIpcSysctl(n), n);
  for (const n of ['kernel.semx', 'kernel.hostname', 'fs.file-max', 'net.core.somaxconn', 'kernel.pid_max']) t.notOk(isIpcSysctl(n), n);
});

t.test('formatChange', async (t) => {
  t.equal(formatChange({ path: '.linux.seccomp', op: 'remove', before: {}, reason: 'why', checkId: 'sec.seccomp' }), '- .linux.seccomp  (sec.seccomp: why)');
  t.equal(formatChange({ path: '.x', op: 'add', after: [1, 2], reason: 'r', checkId: 'c' }), '+ .x = [1,2]  (c: r)');
  t.equal(formatChange({ path: '.x', op: 'replace', before: true, after: false, reason: 'r', checkId: 'c' }), '~ .x true -> false  (c: r)');
  const long = formatChange({ path: '.x', op: 'add', after: 'a'.repeat(200), reason: 'r', checkId: 'c' });
  t.ok(long.length < 120, 'long values are shortened');
});

/** Applies a unified diff to the old text: proves the hunks are consistent. */
function applyDiff(oldText: string, diff: string): string {
  const old = oldText.split('\n');
  const out: string[] = [];
  let pos = 0;
  const lines = diff.split('\n');
  for (let k = 2; k < lines.length; k++) {
    const line = lines[k] ?? '';
    const h = /^@@ -(\d+),(\d+) \+(\d+),(\d+) @@$/.exec(line);
    if (h) {
      const start = Number(h[1]) - (Number(h[2]) === 0 ? 0 : 1);
      while (pos < start) out.push(old[pos++] ?? '');
      continue;
    }
    if (line === '') continue;
    const text = line.slice(1);
    if (line[0] === ' ' || line[0] === '-') {
      if (old[pos] !== text) throw new Error(`line ${pos + 1}: expected ${JSON.stringify(text)}, have ${JSON.stringify(old[pos])}`);
      pos++;
      if (line[0] === ' ') out.push(text);
    } else if (line[0] === '+') out.push(text);
  }
  while (pos < old.length) out.push(old[pos++] ?? '');
  return out.join('\n');
}

t.test('renderDiff', async (t) => {
  t.equal(renderDiff(VARIANTS.stock!, VARIANTS.stock!), '');
  const a: OciSpec = { ociVersion: '1', hostname: 'h', mounts: [{ destination: '/a' }, { destination: '/b' }] };
  const b: OciSpec = { ociVersion: '1', mounts: [{ destination: '/a' }, { destination: '/c' }] };
  t.equal(
    renderDiff(a, b),
    [
      '--- config.json',
      '+++ config.json (fixed)',
      '@@ -1,12 +1,11 @@',
      ' {',
      '   "ociVersion": "1",',
      '-  "hostname": "h",',
      '   "mounts": [',
      '     {',
      '       "destination": "/a"',
      '     },',
      '     {',
      '-      "destination": "/b"',
      '+      "destination": "/c"',
      '     }',
      '   ]',
      ' }',
      '',
    ].join('\n'),
  );
  t.equal(
    renderDiff(a, b, { context: 0, fromLabel: 'a', toLabel: 'b' }),
    ['--- a', '+++ b', '@@ -3,1 +2,0 @@', '-  "hostname": "h",', '@@ -9,1 +8,1 @@', '-      "destination": "/b"', '+      "destination": "/c"', ''].join('\n'),
  );
  // A pure insertion: the old side names the line it follows.
  t.equal(renderDiff({ ociVersion: '1', hostname: 'h' }, { ociVersion: '1', domainname: 'd', hostname: 'h' }, { context: 0 }), ['--- config.json', '+++ config.json (fixed)', '@@ -2,0 +3,1 @@', '+  "domainname": "d",', ''].join('\n'));

  const r = await run('android7-3.10');
  const caps = hostCapabilities(r.outcomes, r.facts, { stdinIsTty: false });
  for (const [name, input] of Object.entries(VARIANTS)) {
    const { spec } = fixConfig(input, caps);
    const diff = renderDiff(input, spec);
    t.equal(applyDiff(JSON.stringify(input, null, 2), diff), JSON.stringify(spec, null, 2), `${name}: the diff turns the old document into the new one`);
  }
  const diff = renderDiff(VARIANTS.stock!, fixConfig(VARIANTS.stock!, caps).spec);
  t.match(diff, /^--- config\.json\n\+\+\+ config\.json \(fixed\)\n@@ /);
  for (const line of ['-    "terminal": true,', '+    "terminal": false,', '-      "type": "mqueue",', '+      "destination": "/run",', '+    "org.droidcheck.no-pivot": "true"', '-        "type": "ipc"', '+      "type": "bind",']) {
    t.ok(diff.split('\n').includes(line), `diff has ${line}`);
  }
  t.comment(diff);
});

t.test('the rules are data: ids, order, and a subset applies only itself', async (t) => {
  const { FIX_RULES } = await import('../../src/runtime/fixer.js');
  t.same(FIX_RULES.map((r) => r.id), ['namespaces', 'sysctls', 'mounts', 'writable-run-tmp', 'no-pivot', 'process', 'linux']);
  for (const r of FIX_RULES) t.ok(r.what.length > 20, `${r.id} says what it checks`);
  const r = await run('android7-3.10');
  const caps = hostCapabilities(r.outcomes, r.facts, { stdinIsTty: true });
  const everything = fixConfig(RUNC_SPEC, caps);
  const onlyMounts = fixConfig(RUNC_SPEC, caps, FIX_RULES.filter((x) => x.id === 'mounts'));
  t.ok(onlyMounts.changes.length > 0 && onlyMounts.changes.length < everything.changes.length);
  t.ok(onlyMounts.changes.every((c) => c.path.startsWith('.mounts[')), 'only mount changes');
});
