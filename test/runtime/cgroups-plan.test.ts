// The cgroup planner (pure): where each limit goes on this Debian host's
// layout, on Android's (/dev/memcg, /dev/cpuctl, noprefix /dev/cpuset, /acct),
// on cgroup v2, and what becomes a skipped step when a controller is missing.

import t from 'tap';
import { parseMountinfo } from '../../src/sys/mountinfo.js';
import { cgroupLayout, planCgroups } from '../../src/runtime/cgroups/plan.js';

const DEBIAN_HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;
const DEBIAN_SELF = '8:pids:/\n4:memory:/sandbox/abc\n3:cpuset:/\n1:cpu:/\n0::/\n';

// As the Android-7-like VM's /init mounts them (scripts/android-vm.sh), like a phone.
const ANDROID = `20 1 0:5 / /dev rw - devtmpfs devtmpfs rw
21 20 0:20 / /dev/cpuctl rw,relatime - cgroup none rw,cpu
22 20 0:21 / /dev/cpuset rw,relatime - cgroup none rw,cpuset,noprefix
23 20 0:22 / /dev/memcg rw,relatime - cgroup none rw,memory
24 1 0:23 / /acct rw,relatime - cgroup none rw,cpuacct`;
const ANDROID_SELF = '4:cpuacct:/\n3:memory:/\n2:cpuset:/\n1:cpu:/\n';

const V2 = '30 23 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate';

const resources = {
  devices: [{ allow: false, access: 'rwm' }],
  memory: { limit: 67108864, swap: 134217728, reservation: 33554432 },
  pids: { limit: 16 },
  cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0', realtimeRuntime: 1 },
  blockIO: { weight: 500 },
};

t.test('Debian (v1 controllers, nested under droidcheck\'s own groups)', async (t) => {
  const layout = cgroupLayout(parseMountinfo(DEBIAN_HYBRID), DEBIAN_SELF, () => '');
  const plan = planCgroups(resources, layout, 'droidcheck-42');
  t.same(
    plan.groups.map((g) => [g.controller, g.dir, g.writes.map((w) => `${w.file}=${w.value}`), g.inherit]),
    [
      ['memory', '/sys/fs/cgroup/memory/sandbox/abc/droidcheck-42', ['memory.limit_in_bytes=67108864', 'memory.memsw.limit_in_bytes=134217728', 'memory.soft_limit_in_bytes=33554432'], []],
      ['pids', '/sys/fs/cgroup/pids/droidcheck-42', ['pids.max=16'], []],
      ['cpu', '/sys/fs/cgroup/cpu/droidcheck-42', ['cpu.shares=512', 'cpu.cfs_period_us=100000', 'cpu.cfs_quota_us=50000'], []],
      ['cpuset', '/sys/fs/cgroup/cpuset/droidcheck-42', ['cpuset.cpus=0', 'cpuset.mems=0'], []],
      ['blkio', '/sys/fs/cgroup/blkio/droidcheck-42', ['blkio.weight=500'], []],
    ],
  );
  t.same(plan.join, plan.groups.map((g) => g.dir));
  t.match(plan.skipped, [
    { controller: 'resources', detail: /^linux\.resources\.devices: no devices-cgroup rules are applied/, checkId: 'cgroup.devices' },
    { controller: 'cpu', detail: /linux\.resources\.cpu\.realtimeRuntime is not applied/ },
  ]);
});

t.test('Android: controllers at /dev/memcg, /dev/cpuctl, noprefix /dev/cpuset; no pids or blkio mounted: skipped with the check id', async (t) => {
  const layout = cgroupLayout(parseMountinfo(ANDROID), ANDROID_SELF, () => null);
  t.equal(layout.v2, null);
  t.equal(layout.v1.cpuset?.noprefix, true);
  const plan = planCgroups({ memory: { limit: 1000 }, pids: { limit: 16 }, cpu: { shares: 100 } }, layout, 'c');
  t.same(plan.groups.map((g) => [g.dir, g.writes.map((w) => w.file)]), [
    ['/dev/memcg/c', ['memory.limit_in_bytes']],
    ['/dev/cpuctl/c', ['cpu.shares']],
  ]);
  t.match(plan.skipped, [{ controller: 'pids', detail: 'no pids controller is mounted here (v1) and there is no cgroup2: pids limit 16 not applied', checkId: 'cgroup.controllers' }]);
  const cpuset = planCgroups({ cpu: { cpus: '0-1' } }, layout, 'c');
  t.same(cpuset.groups, [{ controller: 'cpuset', version: 1, dir: '/dev/cpuset/c', writes: [{ file: 'cpus', value: '0-1', what: 'cpus 0-1' }], inherit: ['mems'] }], 'noprefix names; mems copied from the parent');
  const onlyMemory = planCgroups({ memory: { limit: 1 } }, layout, 'c');
  t.same(onlyMemory.groups.map((g) => g.inherit), [[]], 'nothing to inherit outside cpuset');
});

t.test('cgroup v2: one group with every enabled controller, runc\'s integer conversions, the rest skipped', async (t) => {
  const layout = cgroupLayout(parseMountinfo(V2), '0::/\n', (dir) => (dir === '/sys/fs/cgroup/' || dir === '/sys/fs/cgroup' ? 'cpuset cpu io memory' : null));
  const plan = planCgroups(resources, layout, 'droidcheck-7');
  t.equal(plan.groups.length, 1);
  t.same(plan.groups[0]?.writes.map((w) => `${w.file}=${w.value}`), [
    'memory.max=67108864',
    'memory.swap.max=67108864',
    'memory.low=33554432',
    'cpu.weight=20',
    'cpu.max=50000 100000',
    'cpuset.cpus=0',
    'cpuset.mems=0',
    'io.weight=4950',
  ]);
  t.equal(plan.groups[0]?.dir, '/sys/fs/cgroup/droidcheck-7');
  t.match(plan.skipped.find((s) => s.controller === 'pids'), { detail: /no pids controller is mounted here \(v1\) or enabled in \/sys\/fs\/cgroup\/cgroup\.subtree_control \(v2\): pids limit 16/ });
});

t.test('linux.cgroupsPath is honoured, relative to each hierarchy\'s root', async (t) => {
  const layout = cgroupLayout(parseMountinfo(DEBIAN_HYBRID), DEBIAN_SELF, () => '');
  const plan = planCgroups({ pids: { limit: 5 } }, layout, 'ignored', '/mine/ctr');
  t.same(plan.join, ['/sys/fs/cgroup/pids/mine/ctr']);
  t.same(planCgroups({ pids: { limit: 5 } }, layout, 'x', '../../etc').join, ['/sys/fs/cgroup/pids/etc'], '.. cannot leave the hierarchy');
});

t.test('no resources, or only what needs no controller: no groups, nothing to join', async (t) => {
  const layout = cgroupLayout(parseMountinfo(DEBIAN_HYBRID), DEBIAN_SELF, () => '');
  t.same(planCgroups(undefined, layout, 'x'), { groups: [], join: [], skipped: [] });
  const devicesOnly = planCgroups({ devices: [] }, layout, 'x');
  t.same(devicesOnly.groups, []);
  t.equal(devicesOnly.skipped.length, 1);
  t.same(planCgroups({ pids: { limit: 0 } }, layout, 'x').groups[0]?.writes, [{ file: 'pids.max', value: 'max', what: 'pids limit max' }], 'limit 0 or less: unlimited');
});
