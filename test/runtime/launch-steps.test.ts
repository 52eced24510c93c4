// The one launch description and its two backends: the same plans rendered
// through droidcheck-init's records and through the sh script, each backend's
// dry run printing the operations it would perform. No root needed.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { buildPlan, type LaunchPlan } from '../../src/runtime/plan.js';
import type { OciSpec } from '../../src/runtime/spec.js';
import { launchSteps, opLines, rlimitValue, type OpKind } from '../../src/runtime/launch-steps.js';
import { initArgv, nativeInitPath } from '../../src/runtime/native-init.js';
import { shLaunchScript } from '../../src/runtime/launch-sh.js';
import { opFunctions } from '../../src/runtime/launch-sh-runtime.js';
import { parseStepLines } from '../../src/runtime/launch-result.js';
import { compileSeccomp } from '../../src/runtime/seccomp/compile.js';
import { machineFromUname } from '../../src/sys/elf.js';
import { machine } from 'node:os';

const stock = (): OciSpec => JSON.parse(readFileSync(new URL('../../../test/fixtures/bundles/runc-spec.json', import.meta.url), 'utf8')) as OciSpec;
const BB = { sh: ['/bin/sh'], unshare: ['/usr/bin/unshare'], busybox: '/bin/busybox' };

/** Plans that take every branch of launchSteps. */
function plans(): [string, LaunchPlan][] {
  const users = stock();
  users.process!.user = { uid: 1000, gid: 100, additionalGids: [3003, 3004] };
  users.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }, { type: 'RLIMIT_CORE', soft: 2 ** 64 - 1, hard: 2 ** 64 - 1 }];
  users.process!.terminal = true;
  users.hostname = "it's $(x)";
  users.mounts!.push({ destination: '/mnt/data', type: 'bind', source: '/tmp', options: ['rbind', 'ro', 'rprivate'] });
  const seccomp = stock();
  seccomp.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
  seccomp.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
  seccomp.process!.noNewPrivileges = false;
  const cgroups = buildPlan({ ...stock(), linux: { ...stock().linux, namespaces: [...stock().linux!.namespaces!, { type: 'cgroup' }] } } as OciSpec, '/bundle');
  cgroups.cgroups = ['/sys/fs/cgroup/memory/droidcheck-1', '/dev/cpuctl/droidcheck-1'];
  const bare = buildPlan({ ociVersion: '1.0.2', process: { user: { uid: 0, gid: 0 }, args: ['sh', '--', '-x'], cwd: '/' }, root: { path: 'rootfs' }, linux: { namespaces: [{ type: 'mount' }] } } as OciSpec, '/b');
  return [
    ['the stock runc spec', buildPlan(stock(), '/bundle')],
    ['no pivot_root, a user, groups, limits, a terminal, a bind mount', buildPlan(users, '/bundle', { noPivot: true })],
    ['seccomp without no_new_privs, a sysctl', buildPlan(seccomp, '/bundle', { compileSeccomp })],
    ['cgroups to join and a cgroup namespace', cgroups],
    ['only a mount namespace, no /dev tmpfs', bare],
  ];
}

t.test('the stock runc spec as steps', async (t) => {
  const steps = launchSteps(buildPlan(stock(), '/bundle'));
  t.same(steps.map((s) => s.name), [
    'namespaces', 'mount namespace', 'rootfs', 'mount /proc', 'mount /dev', 'mount /dev/pts', 'mount /dev/shm', 'mount /dev/mqueue', 'mount /sys', 'mount /sys/fs/cgroup',
    'devices', 'pivot_root', 'terminal', 'masked and read-only paths', 'read-only root', 'hostname', 'network', 'rlimits', 'bounding set', 'user', 'capabilities', 'no_new_privs', 'cwd', 'reset process', 'exec',
  ]);
  const dev = steps.find((s) => s.name === 'mount /dev')!;
  t.same(dev.ops.map((o) => [o.kind, ...o.args]), [['mkdir-target', '/bundle/rootfs/dev', ''], ['mount', 'tmpfs', 'tmpfs', '/bundle/rootfs/dev', String(0x2 | 0x1000000), 'mode=755,size=65536k']]);
  t.match(steps.find((s) => s.name === 'mount /sys/fs/cgroup'), { skip: /does not mount cgroup filesystems/, ops: [] });
  t.same(steps[0]!.ops[0]!.args, ['pid', '536870912', 'p', 'network', '1073741824', 'n', 'ipc', '134217728', 'i', 'uts', '67108864', 'u', 'mount', '131072', 'm'], 'name, CLONE_NEW* and unshare letter from the one namespace table');
  t.equal(steps[0]!.ok, 'pid, network, ipc, uts');
  t.same(steps.find((s) => s.name === 'user')!.ops.map((o) => o.kind), ['setgroups', 'setresgid', 'setresuid']);
  t.equal(steps.find((s) => s.name === 'bounding set')!.ok, '0x20000420');
});

t.test('the order carries the rules: seccomp, cgroups, limits', async (t) => {
  const [, , [, seccomp], [, cgroups]] = plans() as [unknown, unknown, [string, LaunchPlan], [string, LaunchPlan]];
  const names = (p: LaunchPlan): string[] => launchSteps(p).map((s) => s.name);
  const s = names(seccomp);
  t.ok(s.indexOf('seccomp') < s.indexOf('user'), 'without no_new_privs the filter goes in while still privileged (as runc)');
  const nnp = { ...seccomp, noNewPrivileges: true };
  t.equal(names(nnp).indexOf('seccomp'), names(nnp).indexOf('no_new_privs') + 1, 'with no_new_privs: right after it');
  const c = launchSteps(cgroups);
  t.same(c.slice(0, 3).map((x) => x.name), ['namespaces', 'cgroup join', 'cgroup namespace'], 'join first, then the namespace rooted there');
  t.notOk(c[0]!.ops[0]!.args.includes('cgroup'), 'the cgroup namespace is not unshared with the others');
  t.same(rlimitValue(2 ** 64 - 1), 'unlimited');
  t.same(rlimitValue(1024), '1024');
  t.throws(() => buildPlan({ ...stock(), linux: { ...stock().linux, seccomp: { defaultAction: 'SCMP_ACT_ALLOW' } } } as OciSpec, '/b'), /^\.linux\.seccomp: no seccomp compiler was given/, 'a profile is never dropped for want of the compiler');
  const noMnt = { ...cgroups, namespaces: ['pid'] };
  t.throws(() => launchSteps(noMnt), /no mount namespace/);
});

const native = nativeInitPath(machineFromUname(machine()));
const nativeSkip = existsSync(native) ? false : `needs ${native} (npm run build with a C compiler)`;

/** Runs the sh backend's dry run (the rest script too, for a cgroup namespace) in a shell. */
function shDry(plan: LaunchPlan, shell: string[]): { out: string; status: number | null; err: string } {
  const s = shLaunchScript(launchSteps(plan), { ...BB, sh: shell }, true);
  const r = spawnSync(shell[0]!, [...shell.slice(1), '-c', s.script, 'sh', ...(s.rest ? [s.rest] : [])], { encoding: 'utf8' });
  return { out: r.stdout, status: r.status, err: r.stderr };
}

const SHELLS = [['/bin/sh'], ['/bin/busybox', 'sh'], ['/bin/mksh']].filter((s) => existsSync(s[0]!));

for (const [label, plan] of plans()) {
  t.test(`both backends perform the same operations: ${label}`, async (t) => {
    const steps = launchSteps(plan);
    const expected = opLines(steps);
    for (const shell of SHELLS) {
      const r = shDry(plan, shell);
      t.equal(r.status, 0, `${shell.join(' ')}: ${r.err}`);
      t.same(r.out.split('\n').filter(Boolean), expected, `sh backend under ${shell.join(' ')}: the list, in order`);
    }
    if (nativeSkip) {
      t.pass(`droidcheck-init not compared: ${nativeSkip}`);
      return;
    }
    const c = spawnSync(native, ['--dry-run', ...initArgv(steps)], { encoding: 'utf8' });
    t.equal(c.status, 0, c.stderr);
    t.same(c.stdout.split('\n').filter(Boolean), expected, 'droidcheck-init: the list, in order');
  });
}

t.test('a backend that drops or reorders an operation is caught', async (t) => {
  const steps = launchSteps(plans()[0]![1]);
  const dropped = steps.map((s) => (s.name === 'devices' ? { ...s, ops: s.ops.slice(1) } : s));
  const r = spawnSync('/bin/sh', ['-c', shLaunchScript(dropped, BB, true).script], { encoding: 'utf8' });
  t.not(r.stdout.split('\n').filter(Boolean).join('\n'), opLines(steps).join('\n'), 'the comparison sees a missing mknod');
});

t.test('the sh runtime has a function for every operation kind, and droidcheck-init knows every kind', async (t) => {
  const kinds = Object.keys(opFunctions(BB)) as OpKind[];
  const all = new Set(launchSteps(plans()[1]![1]).concat(...plans().map(([, p]) => launchSteps(p))).flatMap((s) => s.ops.map((o) => o.kind)));
  for (const k of all) t.ok(kinds.includes(k), `sh: ${k}`);
  const c = readFileSync(new URL('../../../src/native/droidcheck-init.c', import.meta.url), 'utf8');
  for (const k of kinds) t.match(c, new RegExp(`\\{"${k}", `), `droidcheck-init: ${k}`);
});

t.test('droidcheck-init refuses records it cannot read, naming them', async (t) => {
  if (nativeSkip) {
    t.pass(`not run: ${nativeSkip}`);
    return;
  }
  const bad = spawnSync(native, ['--dry-run', 'step', '2', 'mount namespace', '', '', ''], { encoding: 'utf8' });
  t.equal(bad.status, 125);
  t.match(bad.stderr, /the first step must be namespaces/);
  const short = spawnSync(native, ['--dry-run', 'step', '5', 'namespaces', ''], { encoding: 'utf8' });
  t.match(short.stderr, /step needs 5 values/);
});

t.test('one parser for both backends\' step lines', async (t) => {
  const steps = parseStepLines([
    'STEP\tnamespaces\tok\t\t\t\tpid, mount',
    'it continues the previous detail',
    'STEP\tmount /dev/mqueue\tfailed\tmount -t mqueue mqueue on /dev/mqueue\t/r/dev/mqueue\t19\t',
    'STEP\tmount /dev/mqueue\tfailed\tmount -t mqueue mqueue on /dev/mqueue\t/r/dev/mqueue\t\tmount: mounting mqueue failed: No such device',
    'STEP\tpivot_root\tfailed\tpivot_root /r\t\t\tpivot_root: Invalid argument',
    'STEP\tno_new_privs\tskipped\t\t\t22\tkernel older than 3.5',
    'TOOL\tuser\tenv',
    'STEP\tx\tfailed\t\t\t\tfirst line',
    'second\tline',
    'STEP\ty\tfailed\t\t\t99999\t',
    '',
  ]);
  t.same(steps[0], { name: 'namespaces', status: 'ok', detail: 'pid, mount it continues the previous detail' });
  t.same(steps[1], { name: 'mount /dev/mqueue', status: 'failed', op: 'mount -t mqueue mqueue on /dev/mqueue', path: '/r/dev/mqueue', errno: 'ENODEV', class: 'kernel-feature' }, 'droidcheck-init: errno as a number');
  t.same(steps[2], { ...steps[1], detail: 'mount: mounting mqueue failed: No such device' }, 'sh: the errno from the tool\'s message, the same result');
  t.match(steps[3], { errno: 'EINVAL', class: 'host-layout' });
  t.same(steps[4], { name: 'no_new_privs', status: 'skipped', errno: 'EINVAL', detail: 'kernel older than 3.5' }, 'only failures get a class');
  t.same(steps[5], { name: 'x', status: 'failed', errno: 'UNKNOWN', detail: 'first line second\tline', class: 'internal' });
  t.match(steps[6], { errno: 'errno 99999' });
  t.equal(steps.length, 7, 'TOOL lines are not steps');
  t.same(parseStepLines([]), []);
});
