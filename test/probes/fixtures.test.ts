// Every check on every fixture host: the exact status of each check, and the
// evidence and remediation that matter for the Android cases.

import t from 'tap';
import { probeFixture, statusLine } from '../helpers/probe-fixture.js';

const P = (ids: string): string[] => ids.split(/\s+/).filter(Boolean);

/** Checks expected not to pass, per fixture; all others must pass. */
const EXPECTED: Record<string, Record<string, string[]>> = {
  'debian-6.18': { skip: P('host.data-mount'), warn: P('kconfig.moby') },
  'android7-3.10': {
    warn: P(`ns.ipc ns.user ns.cgroup fs.mqueue fs.overlay fs.cgroup2 fs.devpts-instances rootfs.pivot-root ipc.sysctls
      cgroup.controllers cgroup.devices cgroup.cpuset-noprefix
      syscall.memfd_create syscall.getrandom syscall.renameat2 syscall.execveat syscall.seccomp syscall.clone3 syscall.openat2
      syscall.close_range syscall.pidfd_open syscall.pidfd_send_signal
      sec.selinux host.root-readonly host.run host.tmp host.resolv-conf host.data-mount host.paranoid-network kconfig.moby kconfig.android`),
  },
  'android10-4.14': {
    warn: P(`ns.ipc ns.user fs.mqueue ipc.sysctls cgroup.controllers cgroup.cpuset-noprefix cgroup.v2
      syscall.clone3 syscall.openat2 syscall.close_range syscall.pidfd_open syscall.pidfd_send_signal
      sec.selinux host.root-readonly host.run host.tmp host.resolv-conf host.data-mount host.paranoid-network kconfig.moby kconfig.android`),
  },
  'noconfig-5.10': {
    warn: P('ns.user cgroup.devices sec.seccomp kconfig.source'),
    skip: P('host.data-mount host.paranoid-network kconfig.moby kconfig.android compat.keyctl'),
  },
};

for (const [fixture, expected] of Object.entries(EXPECTED)) {
  t.test(`${fixture}: every check's status`, async (t) => {
    const run = await probeFixture(fixture);
    const want = run.outcomes
      .map((o) => {
        const status = Object.entries(expected).find(([, ids]) => ids.includes(o.id))?.[0] ?? 'pass';
        return `${o.id}=${status}`;
      })
      .join(' ');
    t.equal(statusLine(run.outcomes), want);
    const named = Object.values(expected).flat();
    for (const id of named) t.ok(run.byId.has(id), `${id} is a real check id`);
    for (const o of run.outcomes) {
      if (o.status === 'warn' || o.status === 'fail') {
        t.not(o.impact, '', `${o.id} says what the problem costs`);
        t.ok(o.remediation.length > 0, `${o.id} says how to fix it`);
      }
      if (o.status !== 'skip') t.ok(o.evidence.length > 0, `${o.id} shows its evidence`);
    }
  });
}

t.test('android7-3.10: the tools path names busybox and finds each Nexus 9 obstacle', async (t) => {
  const { facts, byId } = await probeFixture('android7-3.10');
  t.equal(facts.live?.path, 'tools');
  t.equal(facts.live?.tool, '/data/local/tmp/busybox');
  t.match(facts.liveNotes.join('\n'), /FFI unavailable.*live tests used tools/);
  const ipc = byId.get('ns.ipc');
  t.match(ipc?.impact, /nsenter: failed to unshare namespaces: Invalid argument/);
  t.match(ipc?.evidence, [{ source: 'kernel-config', value: 'missing' }, { what: '/proc/self/ns/ipc', value: 'absent' }, { source: 'live', what: 'unshare(CLONE_NEWIPC)' }]);
  t.match(byId.get('fs.mqueue')?.evidence.find((e) => e.source === 'live')?.value, /^ENODEV/);
  t.match(byId.get('fs.mqueue')?.impact, /no such device/);
  t.match(byId.get('rootfs.pivot-root')?.summary, /EINVAL \(\/ is rootfs\)/);
  t.match(byId.get('rootfs.pivot-root')?.remediation[0]?.items, ['runc run --no-pivot']);
  t.match(byId.get('fs.devpts-instances')?.impact, /open \/dev\/ptmx: no such file or directory/);
  t.match(byId.get('cgroup.controllers')?.summary, /Android layout \(\/dev\/cpuset, \/dev\/cpuctl, \/acct\)/);
  t.match(byId.get('syscall.memfd_create')?.evidence, [{ source: 'kallsyms' }]);
  t.match(byId.get('host.root-readonly')?.impact, /mkdir \/run: read-only file system/);
  t.match(byId.get('host.android')?.summary, 'Android 7.1.1, API 25, Nexus 9');
  t.match(byId.get('host.android')?.impact, /koffi has no prebuilt module/);
  t.match(byId.get('host.paranoid-network')?.remediation[0]?.items, ['.process.user.additionalGids += [3003, 3004]']);
  t.equal(byId.get('host.arch')?.summary, 'aarch64: use linux/arm64 images');
});

t.test('android10-4.14: cgroup2 before 4.15 and the live results of the FFI path', async (t) => {
  const { facts, byId } = await probeFixture('android10-4.14');
  t.equal(facts.live?.path, 'ffi');
  t.match(byId.get('cgroup.v2')?.impact, /bpf_prog_query\(BPF_CGROUP_DEVICE\) failed: invalid argument/);
  t.match(byId.get('cgroup.devices')?.summary, /cgroup v2 host/);
  t.equal(byId.get('ns.user')?.evidence.at(-1)?.value, 'EINVAL: unshare: unshare failed: Invalid argument');
  t.match(byId.get('host.paranoid-network')?.evidence, [{ value: 'y' }, { source: 'live', value: 'EACCES' }]);
  t.match(byId.get('host.data-mount')?.remediation[0]?.items, ['mount -o remount,suid,dev /data']);
});

t.test('noconfig-5.10: only live tests and /proc can tell', async (t) => {
  const { facts, byId } = await probeFixture('noconfig-5.10');
  t.equal(facts.config, null);
  t.match(facts.configNotes, ['/proc/config.gz: not found or unreadable', '/boot/config-5.10.103-v8+: not found or unreadable']);
  t.equal(facts.live?.tool, 'util-linux');
  t.match(byId.get('ns.user')?.summary, 'unshare fails with ENOSPC');
  t.match(byId.get('cgroup.devices')?.remediation[0]?.items, ['mkdir -p /sys/fs/cgroup/devices', 'mount -t cgroup -o devices cgroup /sys/fs/cgroup/devices']);
  t.match(byId.get('syscall.openat2')?.evidence, [{ source: 'kernel-version', value: /5\.10\.103/ }]);
  t.match(facts.live?.notes, ['/proc/kallsyms unreadable: system calls were judged by kernel version']);
});

t.test('the live result wins over the kernel config, and the report says so', async (t) => {
  const { byId } = await probeFixture('android10-4.14', {
    overrides: {
      ffiLive: {
        ...(await probeFixture('android10-4.14')).host.json.ffiLive!,
        unshare: { mnt: { op: 'unshare(CLONE_NEWNS)', ok: true }, pid: { op: 'unshare(CLONE_NEWPID)', ok: false, errno: 'EINVAL' } },
      },
    },
  });
  const pid = byId.get('ns.pid');
  t.equal(pid?.status, 'warn');
  t.match(pid?.disagreement, /kernel config says enabled but the live test failed with EINVAL: the live result counts/);
});

t.test('EPERM/EACCES from a live test is "not allowed here", not "missing": the config or /proc decides', async (t) => {
  const base = (await probeFixture('android10-4.14')).host.json.ffiLive!;
  const { byId } = await probeFixture('android10-4.14', {
    overrides: {
      ffiLive: {
        ...base,
        unshare: { ...base.unshare, pid: { op: 'unshare(CLONE_NEWPID)', ok: false, errno: 'EPERM' }, ipc: { op: 'unshare(CLONE_NEWIPC)', ok: false, errno: 'EINVAL' } },
        mount: { ...base.mount, mqueue: { op: 'mount mqueue', ok: false, errno: 'EACCES' } },
        pivotRoot: { op: 'pivot_root', ok: false, errno: 'EPERM' },
      },
    },
  });
  const pid = byId.get('ns.pid');
  t.equal(pid?.status, 'pass', 'the config says PID_NS=y and EPERM does not contradict it');
  t.equal(pid?.disagreement, undefined);
  t.match(pid?.evidence, [{ source: 'kernel-config' }, { source: 'procfs' }, { source: 'live', value: /^EPERM: not allowed here, inconclusive/ }]);
  t.equal(byId.get('ns.ipc')?.status, 'warn', 'EINVAL still means the kernel lacks it');
  t.match(byId.get('ns.ipc')?.summary, 'unshare fails with EINVAL');
  t.equal(byId.get('rootfs.pivot-root')?.status, 'pass', '/ is not an initramfs, and the refused attempt does not count');
  const noConfig = await probeFixture('noconfig-5.10', {
    overrides: { ffiLive: { path: 'ffi', unshare: { uts: { op: 'unshare(CLONE_NEWUTS)', ok: false, errno: 'EPERM' } }, mount: {}, syscalls: {}, notes: [] } },
  });
  const uts = noConfig.byId.get('ns.uts');
  t.equal(uts?.status, 'pass', 'without a config, /proc/self/ns decides');
  const noEntries = await probeFixture('noconfig-5.10', {
    overrides: {
      dirs: { '/proc/self/ns': [] },
      ffiLive: { path: 'ffi', unshare: { uts: { op: 'unshare(CLONE_NEWUTS)', ok: false, errno: 'EPERM' } }, mount: {}, syscalls: {}, notes: [] },
    },
  });
  // An empty /proc/self/ns says "absent", so force the unknown case through a host without the listing.
  t.not(noEntries.byId.get('ns.uts')?.summary, 'unshare fails with EPERM', 'a refused attempt is never given as the reason');
});

t.test('--no-live reads files only; the config decides', async (t) => {
  const { facts, byId } = await probeFixture('android7-3.10', { live: false });
  t.equal(facts.live, null);
  t.match(facts.liveNotes, [/--no-live/]);
  t.equal(byId.get('ns.ipc')?.status, 'warn');
  t.equal(byId.get('fs.mqueue')?.status, 'warn');
  t.equal(byId.get('rootfs.pivot-root')?.summary, '/ is rootfs: pivot_root cannot work');
  t.match(byId.get('syscall.getrandom')?.evidence, [{ source: 'kernel-version' }]);
  t.equal(byId.get('host.paranoid-network')?.status, 'warn', 'from CONFIG_ANDROID_PARANOID_NETWORK=y');
});

t.test('--kernel-config FILE --no-live evaluates the file only', async (t) => {
  const { facts, byId, outcomes } = await probeFixture('debian-6.18', { live: false, kernelConfig: '/proc/config.gz' });
  t.equal(facts.configOnly, true);
  t.equal(facts.uname.release, facts.config?.version);
  for (const id of ['sec.root', 'host.android', 'host.run', 'cgroup.devices', 'ipc.sysctls']) t.equal(byId.get(id)?.status, 'skip', `${id} is about a host`);
  // Controllers are judged by option in config-only mode, and marked config-based.
  t.not(byId.get('cgroup.controllers')?.status, 'skip');
  t.equal(byId.get('cgroup.controllers')?.basis, 'config');
  t.match(byId.get('cgroup.controllers')?.evidence, [{ source: 'kernel-config' }]);
  t.equal(byId.get('sec.root')?.basis, undefined, 'a skipped check is not config-based');
  t.equal(byId.get('ns.ipc')?.status, 'pass');
  t.notOk(outcomes.some((o) => o.status === 'fail'));
});

t.test('kernel config requirement sets on the Android 7 fixture', async (t) => {
  const { byId } = await probeFixture('android7-3.10');
  const android = byId.get('kconfig.android');
  t.match(android?.summary, /required: IPC_NS, POSIX_MQUEUE, CGROUP_DEVICE, DEVPTS_MULTIPLE_INSTANCES$/);
  t.match(android?.remediation[0]?.items, [/^# CONFIG_ANDROID_PARANOID_NETWORK is not set/]);
  t.match(android?.evidence.find((e) => e.what.startsWith('CONFIG_DEVPTS_MULTIPLE_INSTANCES'))?.value, /missing; checked because Linux < 4\.7/);
  const moby = byId.get('kconfig.moby');
  t.match(moby?.evidence.find((e) => e.what === 'CONFIG_IPC_NS (generally-necessary)')?.value, 'missing');
  t.ok(moby?.configOptions.includes('CONFIG_BRIDGE'), 'every option of the set is reported');
});

t.test('without root the FFI path runs only its unprivileged tests and the rest is judged from files', async (t) => {
  const { facts, byId } = await probeFixture('debian-6.18', {
    overrides: { uid: 1000, ffiLive: { path: 'ffi', unshare: {}, mount: {}, syscalls: {}, notes: ['not root: namespace and mount tests were not run'] } },
  });
  t.equal(facts.live?.path, 'ffi');
  t.equal(byId.get('fs.devpts-instances')?.status, 'pass', 'a 4.7+ kernel has devpts instances without a live test');
  t.equal(byId.get('sec.root')?.status, 'fail');
});

t.test('Android without a readable build.prop: getprop names the release and model', async (t) => {
  const getprop = '[ro.build.version.release]: [12]\n[ro.build.version.sdk]: [31]\n[ro.product.model]: [Pixel 6]\n';
  const { facts, byId } = await probeFixture('noconfig-5.10', {
    overrides: { which: { ...(await probeFixture('noconfig-5.10')).host.json.which, getprop: '/system/bin/getprop' }, exec: { '/system/bin/getprop': { exitCode: 0, stdout: getprop, stderr: '' } } },
  });
  t.equal(facts.getprop, getprop);
  t.equal(byId.get('host.android')?.summary, 'Android 12, API 31, Pixel 6');
  t.match(byId.get('host.android')?.evidence, [{ source: 'command', what: 'getprop' }]);
  const plain = await probeFixture('noconfig-5.10');
  t.equal(plain.byId.get('host.android')?.summary, 'not Android', 'no build.prop and no getprop: not Android');
});
