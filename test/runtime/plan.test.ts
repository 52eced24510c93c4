import t from 'tap';
import { readFileSync } from 'node:fs';
import { buildPlan, capMask, inRoot, MS, parseMountOptions, planMount } from '../../src/runtime/plan.js';
import { parseSpec, type OciSpec } from '../../src/runtime/spec.js';
import { classify, describeStep } from '../../src/runtime/steps.js';
import { elfMachineName, machineFromUname } from '../../src/sys/elf.js';

const stock = (): OciSpec => JSON.parse(readFileSync(new URL('../../../test/fixtures/bundles/runc-spec.json', import.meta.url), 'utf8')) as OciSpec;

t.test('mount options become flags, propagation and data', async (t) => {
  t.same(parseMountOptions(['nosuid', 'strictatime', 'mode=755', 'size=65536k']), { flags: MS.NOSUID | MS.STRICTATIME, propagation: 0, data: 'mode=755,size=65536k' });
  t.same(parseMountOptions(['rbind', 'ro', 'rprivate']), { flags: MS.BIND | MS.REC | MS.RDONLY, propagation: MS.PRIVATE | MS.REC, data: '' });
  t.same(parseMountOptions(['ro', 'rw', 'nodev', 'dev']), { flags: 0, propagation: 0, data: '' });
});

t.test('planMount', async (t) => {
  const tmpfs = planMount('/b/rootfs', { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] }, 0);
  t.match(tmpfs, { target: '/b/rootfs/dev', type: 'tmpfs', bind: false, remountFlags: null, data: 'mode=755' });
  const bind = planMount('/b/rootfs', { destination: '/etc/hosts', type: 'bind', source: '/etc/hosts', options: ['rbind', 'ro', 'nosuid'] }, 1);
  t.match(bind, { type: null, bind: true, remountFlags: MS.RDONLY | MS.NOSUID });
  t.throws(() => planMount('/b', { destination: '/x', type: 'bind' }, 3), /\.mounts\[3\] \(\/x\): a bind mount needs a source/);
  t.equal(inRoot('/b', '/../../etc'), '/b/etc', '.. stops at the container root');
  t.equal(inRoot('/b', '/'), '/b');
  t.equal(inRoot('/b', 'dev//pts/'), '/b/dev/pts');
});

t.test('buildPlan from the stock runc spec', async (t) => {
  const p = buildPlan(stock(), '/bundle');
  t.equal(p.rootfs, '/bundle/rootfs');
  t.same(p.namespaces, ['pid', 'network', 'ipc', 'uts', 'mount']);
  t.equal(p.hostname, 'runc');
  t.equal(p.noPivot, false);
  t.equal(p.readonlyRoot, true);
  t.equal(p.terminal, true);
  t.match(p.rlimits, [{ name: 'RLIMIT_NOFILE', resource: 7, soft: 1024, hard: 1024 }]);
  t.equal(BigInt(p.caps?.bounding ?? 0), (1n << 29n) | (1n << 5n) | (1n << 10n));
  t.equal(p.mounts.length, stock().mounts?.length);
  const annotated = { ...stock(), annotations: { 'org.droidcheck.no-pivot': 'true' } };
  t.equal(buildPlan(annotated, '/bundle').noPivot, true, 'the fixer\'s annotation turns pivot_root off');
  t.equal(buildPlan(stock(), '/bundle', { noPivot: true }).noPivot, true);
  const noUts = stock();
  noUts.linux!.namespaces = noUts.linux!.namespaces!.filter((n) => n.type !== 'uts');
  t.equal(buildPlan(noUts, '/b').hostname, null, 'no uts namespace: the host name is left alone');
});

t.test('buildPlan errors name the field', async (t) => {
  const s = stock();
  t.throws(() => buildPlan({ ...s, process: undefined } as unknown as OciSpec, '/b'), /\.process: missing/);
  t.throws(() => buildPlan({ ...s, root: undefined } as unknown as OciSpec, '/b'), /\.root\.path: missing/);
  const user = stock();
  user.linux!.namespaces!.push({ type: 'user' });
  t.throws(() => buildPlan(user, '/b'), /\.linux\.namespaces\[5\]: user namespaces are not supported by the embedded runtime/);
  const join = stock();
  join.linux!.namespaces![0] = { type: 'pid', path: '/proc/1/ns/pid' };
  t.throws(() => buildPlan(join, '/b'), /\.linux\.namespaces\[0\]\.path: joining/);
  const odd = stock();
  odd.linux!.namespaces![0] = { type: 'bogus' };
  t.throws(() => buildPlan(odd, '/b'), /unknown namespace type bogus/);
  const rl = stock();
  rl.process!.rlimits = [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }];
  t.throws(() => buildPlan(rl, '/b'), /\.process\.rlimits\[0\]\.type: unknown limit RLIMIT_BOGUS/);
  t.throws(() => capMask(['CAP_FLY'], '.process.capabilities.bounding'), /\.process\.capabilities\.bounding: unknown capability CAP_FLY/);
});

t.test('parseSpec', async (t) => {
  const text = JSON.stringify(stock());
  t.equal(parseSpec(text, 'c.json').hostname, 'runc');
  t.throws(() => parseSpec('{', 'c.json'), /c\.json: not JSON/);
  t.throws(() => parseSpec('[]', 'c.json'), /^c\.json: \.: \[\] is not allowed \(an object\)$/);
  t.throws(() => parseSpec('{}', 'c.json'), /^c\.json: \.ociVersion: missing \(required\)$/);
  const bad = (patch: (s: OciSpec) => void): string => {
    const s = stock();
    patch(s);
    return JSON.stringify(s);
  };
  t.throws(() => parseSpec(bad((s) => (s.process!.args = [])), 'c'), /^c: \.process\.args: \[\] is not allowed \(a non-empty array\)$/);
  t.throws(() => parseSpec(bad((s) => (s.process!.cwd = 'x')), 'c'), /^c: \.process\.cwd: "x" is not allowed \(an absolute path\)$/);
  t.throws(() => parseSpec(bad((s) => (s.process!.user = {} as never)), 'c'), /^c: 2 problems: \.process\.user\.uid: missing \(required\); \.process\.user\.gid: missing \(required\)$/);
  t.throws(() => parseSpec(bad((s) => (s.root = {} as never)), 'c'), /\.root\.path: missing \(required\)/);
  t.throws(() => parseSpec(bad((s) => (s.mounts = {} as never)), 'c'), /\.mounts: \{\} is not allowed \(an array\)/);
  t.throws(() => parseSpec(bad((s) => (s.mounts = [{ destination: 'rel' }])), 'c'), /\.mounts\[0\]\.destination: "rel" is not allowed \(an absolute path\)/);
  // What the fuzz and issue #16 found: each refused with the field, the value and what is allowed.
  t.throws(() => parseSpec(bad((s) => (s.process!.user.uid = -1)), 'c'), /\.process\.user\.uid: -1 is not allowed \(an id from 0 to 4294967294\)/);
  t.throws(() => parseSpec(bad((s) => (s.process!.user.gid = 4294967295)), 'c'), /\.process\.user\.gid: 4294967295 is not allowed/);
  t.throws(() => parseSpec(bad((s) => (s.process!.user.uid = 1e20)), 'c'), /\.process\.user\.uid: 100000000000000000000 is not allowed/);
  t.throws(() => parseSpec(bad((s) => (s.mounts![0]!.options = 'nosuid,noexec' as never)), 'c'), /\.mounts\[0\]\.options: "nosuid,noexec" is not allowed \(an array\)/);
  t.throws(() => parseSpec(bad((s) => (s.linux = 'x' as never)), 'c'), /\.linux: "x" is not allowed \(an object\)/);
  t.throws(() => parseSpec(bad((s) => (s.process!.env = 'PATH=/bin' as never)), 'c'), /\.process\.env: "PATH=\/bin" is not allowed \(an array\)/);
});

t.test('steps and ELF names', async (t) => {
  t.equal(classify('unshare', 'EINVAL'), 'kernel-feature');
  t.equal(classify('mount -t mqueue', 'ENODEV'), 'kernel-feature');
  t.equal(classify('pivot_root /x', 'EINVAL'), 'host-layout');
  t.equal(classify('execve /bin/sh', 'ENOEXEC'), 'architecture');
  t.equal(classify('mkdir', 'EROFS'), 'host-layout');
  t.equal(classify('mount', 'EPERM'), 'permission');
  t.equal(classify('x', 'ENOSYS'), 'kernel-feature');
  t.equal(classify('x', 'ENOENT'), 'config');
  t.equal(classify('x', 'EIO'), 'internal');
  t.equal(describeStep({ name: 'mount /dev/mqueue', status: 'failed', op: 'mount -t mqueue mqueue on /dev/mqueue', path: '/b/rootfs/dev/mqueue', errno: 'ENODEV' }), 'mount /dev/mqueue: mount -t mqueue mqueue on /dev/mqueue /b/rootfs/dev/mqueue: ENODEV');
  t.equal(describeStep({ name: 'x', status: 'skipped', detail: 'why' }), 'x: skipped (why)');
  t.equal(describeStep({ name: 'x', status: 'ok' }), 'x: ok');
  t.equal(elfMachineName(183), 'aarch64');
  t.equal(elfMachineName(999), 'machine 999');
  t.equal(machineFromUname('armv7l'), 'arm');
  t.equal(machineFromUname('i686'), 'i386');
  t.equal(machineFromUname('x86_64'), 'x86_64');
});

t.test('runtime failures are told from workload failures', async (t) => {
  const { RUNTIME_ERROR } = await import('../../src/runtime/external.js');
  for (const line of [
    '/system/bin/runc: error while loading shared libraries: libseccomp.so.2: cannot open shared object file',
    'time="2026-11-30T05:00:00Z" level=error msg="runc run failed: unable to start container process: error during container init"',
    'nsenter: failed to unshare namespaces: Invalid argument',
    'container_linux.go:380: starting container process caused: process_linux.go:545: container init caused',
  ]) t.ok(RUNTIME_ERROR.test(line), line);
  for (const line of ['sh: foo: not found', 'hello', 'time="x" level=warning msg="cgroup v1 is deprecated"']) t.notOk(RUNTIME_ERROR.test(line), line);
});

t.test('host fixes for runc: devices cgroup and the noprefix cpuset', async (t) => {
  const { devicesFixNeeded, noprefixCpusets, withoutNoprefixCpuset } = await import('../../src/runtime/external.js');
  const { FixtureHost } = await import('../helpers/fixture-host.js');
  const android = readFileSync(new URL('../../../test/fixtures/hosts/android7-3.10/root/proc/self/mountinfo', import.meta.url), 'utf8');
  t.same(noprefixCpusets(android), ['/dev/cpuset']);
  t.same(noprefixCpusets(readFileSync(new URL('../../../test/fixtures/hosts/noconfig-5.10/root/proc/self/mountinfo', import.meta.url), 'utf8')), []);
  const host = new FixtureHost('android7-3.10');
  t.same(await withoutNoprefixCpuset(host, ['runc', 'run', 'x'], ['/dev/cpuset']), [
    '/data/local/tmp/busybox', 'unshare', '-m', '/data/local/tmp/busybox', 'sh', '-c', "umount -l '/dev/cpuset' || exit 125; exec \"$@\"", 'sh', 'runc', 'run', 'x',
  ]);
  t.equal(await withoutNoprefixCpuset(host, ['runc'], []), null);
  const noConfig = readFileSync(new URL('../../../test/fixtures/hosts/noconfig-5.10/root/proc/cgroups', import.meta.url), 'utf8');
  const noConfigMounts = readFileSync(new URL('../../../test/fixtures/hosts/noconfig-5.10/root/proc/self/mountinfo', import.meta.url), 'utf8');
  t.equal(devicesFixNeeded(noConfig, noConfigMounts), true, 'devices enabled, not mounted');
  const debian = (f: string): string => readFileSync(new URL(`../../../test/fixtures/hosts/debian-6.18/root/proc/${f}`, import.meta.url), 'utf8');
  t.equal(devicesFixNeeded(debian('cgroups'), debian('self/mountinfo')), false, 'already mounted');
});

t.test('exit status and paths inside the rootfs', async (t) => {
  const { exitStatus } = await import('../../src/runtime/supervise.js');
  const { resolveInRootfs } = await import('../../src/runtime/rootfs-path.js');
  t.equal(exitStatus({ code: 3, signal: null }, 125), 3);
  t.equal(exitStatus({ code: null, signal: 'SIGKILL' }, 125), 137);
  t.equal(exitStatus({ code: null, signal: null }, 125), 125);
  const { mkdtempSync, mkdirSync, rmSync, symlinkSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const root = mkdtempSync(`${tmpdir()}/droidcheck-test-root-`);
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(`${root}/run`);
  symlinkSync('/run', `${root}/var-run`);
  symlinkSync('../../../../etc', `${root}/up`);
  symlinkSync('loop', `${root}/loop`);
  t.equal(resolveInRootfs(root, '/var-run/x'), `${root}/run/x`, 'absolute links restart at the rootfs');
  t.equal(resolveInRootfs(root, '/up/passwd'), `${root}/etc/passwd`, '.. stops at the rootfs');
  t.equal(resolveInRootfs(root, '/loop'), `${root}/loop`, 'a link loop ends');
});

t.test('sysctls: only those of a namespace the container has; the umask defaults to 0022', async (t) => {
  const { planSysctls } = await import('../../src/runtime/plan.js');
  t.same(planSysctls({ 'kernel.msgmax': '8192', 'net.core.somaxconn': '128', 'kernel.domainname': 'x' }, ['ipc', 'network', 'uts']), [
    { key: 'kernel.msgmax', path: '/proc/sys/kernel/msgmax', value: '8192' },
    { key: 'net.core.somaxconn', path: '/proc/sys/net/core/somaxconn', value: '128' },
    { key: 'kernel.domainname', path: '/proc/sys/kernel/domainname', value: 'x' },
  ]);
  t.throws(() => planSysctls({ 'kernel.shmmax': '1' }, ['network']), /^\.linux\.sysctl\["kernel\.shmmax"\]: belongs to the IPC namespace, which config\.json does not create/);
  t.throws(() => planSysctls({ 'kernel.panic': '1' }, ['ipc']), /not in a namespace of the container/);
  t.throws(() => planSysctls({ 'net/../../etc': '1' }, ['network']), /: not a sysctl name/);
  t.throws(() => planSysctls({ 'net.core.somaxconn': 128 as unknown as string }, ['network']), /the value must be a string/);
});

t.test("a runtime's exit: its own failure is 125 (as docker), a signal 128+N, else the container's status", async (t) => {
  const { externalExit } = await import('../../src/runtime/external.js');
  t.equal(externalExit(1, null, true), 125, 'runc failed before the workload: 125, not runc\'s 1');
  t.equal(externalExit(null, 'SIGKILL', false), 137, 'runc killed by SIGKILL: 128+9, not 128');
  t.equal(externalExit(null, 'SIGTERM', true), 143);
  t.equal(externalExit(3, null, false), 3, "the container's own status");
  t.equal(externalExit(null, null, false), 125, 'no status at all');
});

t.test('undo trusts only journals no one else could have written', async (t) => {
  const { mkdtempSync, writeFileSync, chmodSync, symlinkSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { trusted, leftJournals } = await import('../../src/runtime/journal.js');
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-journal-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const journal = (name: string): string => {
    const p = join(dir, name);
    writeFileSync(p, JSON.stringify({ pid: 999999, started: 'x', entries: [{ op: 'x', undo: [['true']], done: true }] }));
    return p;
  };
  chmodSync(dir, 0o700);
  const ok = journal('journal-999999.json');
  t.ok(trusted(ok));
  const open = journal('journal-999998.json');
  chmodSync(open, 0o666);
  t.notOk(trusted(open), 'writable by others');
  symlinkSync(ok, join(dir, 'journal-999997.json'));
  t.notOk(trusted(join(dir, 'journal-999997.json')), 'a link');
  t.same(leftJournals(dir).map((j) => j.path), [ok], 'only the trusted journal is offered');
  chmodSync(dir, 0o777);
  t.notOk(trusted(dir), 'a directory anyone may write to');
});
