import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlan, MS, type LaunchPlan } from '../../src/runtime/plan.js';
import type { OciSpec } from '../../src/runtime/spec.js';
import { launcherLabel, parseToolLines, stepTool, type LaunchTools } from '../../src/runtime/tools-launch.js';
import { capList, flagsToOptions, shLaunchScript, shQuote } from '../../src/runtime/launch-sh.js';
import { launchSteps } from '../../src/runtime/launch-steps.js';
import { parseStepLines } from '../../src/runtime/launch-result.js';
import { withResolvedTargets } from '../../src/runtime/rootfs-path.js';

/** The sh backend's script for a plan (its first part: these plans make no cgroup namespace). */
const toolsLaunchScript = (plan: LaunchPlan, tools: Pick<LaunchTools, 'sh' | 'unshare' | 'busybox'> & { name?: string }): string => shLaunchScript(launchSteps(plan), tools).script;

const stock = (): OciSpec => JSON.parse(readFileSync(new URL('../../../test/fixtures/bundles/runc-spec.json', import.meta.url), 'utf8')) as OciSpec;
const BB: LaunchTools = { name: '/bin/busybox', sh: ['/bin/busybox', 'sh'], unshare: ['/bin/busybox', 'unshare'], busybox: '/bin/busybox' };
const NASTY = [`it's`, '$(touch /tmp/droidcheck-pwned)', '`id`', 'a b\tc', 'new\nline', '"quoted" \\ back', '*', '-n', ''];

t.test('quoting survives a real shell', async (t) => {
  for (const s of NASTY) {
    const r = spawnSync('/bin/sh', ['-c', `printf %s ${shQuote(s)}`], { encoding: 'utf8' });
    t.equal(r.stdout, s, JSON.stringify(s));
  }
});

t.test('flags back to mount options; capabilities for setpriv; unshare options', async (t) => {
  t.same(flagsToOptions(MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.STRICTATIME), ['ro', 'nosuid', 'nodev', 'noexec', 'strictatime']);
  t.same(flagsToOptions(MS.BIND | MS.REC), []);
  const plan = buildPlan(stock(), '/b');
  t.equal(capList(plan.caps!.bounding), '-all,+kill,+net_bind_service,+audit_write');
  t.equal(capList('0'), '-all');
  t.same(shLaunchScript(launchSteps(plan), BB).unshare, ['-p', '-n', '-i', '-u', '-m', '-f']);
  const s = toolsLaunchScript(plan, BB);
  t.match(s, /H='nosuid,strictatime,mode=755,size=65536k'; o 'mount' 'mount -t tmpfs tmpfs on \/dev -o mode=755,size=65536k'/, 'the -o options computed beside the operation');
  t.match(s, /H='-n 1024 1024'; o 'setrlimit'/, 'ulimit arguments in its units');
});

t.test('the script parses in every shell droidcheck meets', async (t) => {
  const plans = [buildPlan(stock(), '/bundle'), buildPlan(stock(), '/bundle', { noPivot: true })];
  for (const shell of [['/bin/sh'], ['/bin/busybox', 'sh'], ['/bin/mksh']].filter((x) => existsSync(x[0]!))) {
    for (const plan of plans) {
      const syntax = spawnSync(shell[0]!, [...shell.slice(1), '-n', '-c', toolsLaunchScript(plan, BB)], { encoding: 'utf8' });
      t.equal(syntax.status, 0, `${shell.join(' ')} -n: ${syntax.stderr}`);
    }
  }
  const noMnt = stock();
  noMnt.linux!.namespaces = noMnt.linux!.namespaces!.filter((n) => n.type !== 'mount');
  t.throws(() => buildPlan(noMnt, '/bundle'), /^\.linux\.namespaces: no mount namespace: the container's mounts and its root would be made in the host's mount namespace/, 'refused: nothing may be mounted on the host');
  t.notMatch(toolsLaunchScript(plans[0]!, { ...BB, busybox: null }), /exec 8</, 'no fd 8 without a busybox');
  t.match(toolsLaunchScript(plans[0]!, BB), /exec 8< '\/bin'/, 'the busybox directory kept on fd 8');
});

/** Runs the script with a stub for every tool: records each call, needs no root. */
function runWithStub(plan: LaunchPlan): { calls: string[][]; steps: ReturnType<typeof parseStepLines>; status: number | null; dir: string; fd3: string } {
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-stub-'));
  const log = join(dir, 'log');
  const stub = join(dir, 'busybox-stub');
  writeFileSync(stub, `#!/bin/sh\nfor a in "$@"; do printf '%s\\037' "$a"; done >> ${shQuote(log)}\nprintf '\\036' >> ${shQuote(log)}\n`);
  chmodSync(stub, 0o755);
  mkdirSync(join(plan.rootfs, 'dev'), { recursive: true });
  const script = toolsLaunchScript(plan, { name: stub, sh: ['/bin/sh'], unshare: [stub], busybox: stub });
  const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  const fd3 = (r.output[3] as unknown as string | null) ?? '';
  const calls = readFileSync(log, 'utf8').split('\x1e').filter(Boolean).map((c) => c.split('\x1f').slice(0, -1));
  return { calls, steps: parseStepLines([fd3]), status: r.status, dir, fd3 };
}

t.test('nasty strings reach the tools intact (stub tools, no root)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), `droidcheck-it's $(x) `));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const spec = stock();
  spec.root!.path = join(dir, 'root fs');
  spec.process!.args = ['/bin/prog', ...NASTY];
  spec.process!.env = ['A=it\'s $(x)', 'B=two\nlines'];
  spec.process!.cwd = "/it's here";
  spec.hostname = 'h$(x)';
  spec.mounts!.push({ destination: "/mnt/it's", type: 'bind', source: "/tmp/it's", options: ['rbind', 'ro'] });
  const plan = buildPlan(spec, dir);
  const r = runWithStub(plan);
  t.teardown(() => rmSync(r.dir, { recursive: true, force: true }));
  t.equal(r.status, 0, 'the stubbed chain ends in an exec of the stub');
  const last = r.calls.at(-1)!;
  t.same(last.slice(0, 3), ['env', '-i', "A=it's $(x)"], `final exec: ${JSON.stringify(last)}`);
  t.equal(last[3], 'B=two\nlines');
  const sh = last.indexOf('sh');
  t.same(last.slice(sh + 3), ['sh', "/it's here", '/bin/prog', ...NASTY], 'cwd and args as given');
  t.ok(r.calls.some((c) => c.join(' ') === 'hostname h$(x)'), 'hostname');
  t.ok(r.calls.some((c) => c[0] === 'mount' && c[1] === '--rbind' && c[2] === "/tmp/it's" && c[3] === join(dir, "root fs/mnt/it's")), 'bind mount');
  t.ok(r.calls.some((c) => c.join(' ') === `mount -o remount,bind,ro ${join(dir, "root fs/mnt/it's")} ${join(dir, "root fs/mnt/it's")}`), 'read-only remount of the bind mount (the target named twice: no /proc/mounts lookup)');
  t.ok(r.calls.some((c) => c.join(' ') === 'pivot_root . .'));
  t.match(r.steps.map((s) => `${s.name}:${s.status}`), ['namespaces:ok', 'mount namespace:ok', 'rootfs:ok']);
  t.match(r.steps.find((s) => s.name === 'bounding set'), { status: 'skipped', detail: /cannot drop the bounding set to 0x20000420/ });
  t.match(r.steps.find((s) => s.name === 'capabilities'), { status: 'skipped', detail: /cannot set the capabilities/ });
  t.notOk(r.steps.some((s) => s.status === 'failed'), JSON.stringify(r.steps.filter((s) => s.status === 'failed')));
});

t.test('a failing tool stops the launch with its message', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-fail-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const stub = join(dir, 'busybox-fail');
  writeFileSync(stub, `#!/bin/sh\nif [ "$1" = mount ] && [ "$2" = -t ] && [ "$3" = mqueue ]; then echo "mount: mounting mqueue on x failed: No such device" >&2; exit 1; fi\nexit 0\n`);
  chmodSync(stub, 0o755);
  const plan = buildPlan(stock(), dir);
  const script = toolsLaunchScript(plan, { name: stub, sh: ['/bin/sh'], unshare: [stub], busybox: stub });
  const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  t.equal(r.status, 125);
  const steps = parseStepLines([(r.output[3] as unknown as string | null) ?? '']);
  t.match(steps.at(-1), { name: 'mount /dev/mqueue', status: 'failed', errno: 'ENODEV', class: 'kernel-feature', op: /^mount -t mqueue mqueue on \/dev\/mqueue/ });
});

t.test('without pivot_root the shell writes through no symbolic link of the image (stub tools, no root)', async (t) => {
  // The shell keeps the host's root when the rootfs is moved over / and chrooted only at the final exec:
  // an image's proc -> /outside link would otherwise send the sysctl write to the host's file.
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-link-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const outside = join(dir, 'outside');
  mkdirSync(join(outside, 'sys/net/ipv4'), { recursive: true });
  writeFileSync(join(outside, 'sys/net/ipv4/ip_forward'), 'host\n');
  mkdirSync(join(dir, 'rootfs'), { recursive: true });
  symlinkSync(outside, join(dir, 'rootfs/proc'));
  const spec = stock();
  spec.mounts = spec.mounts!.filter((m) => m.destination !== '/proc' && !m.destination.startsWith('/sys'));
  spec.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
  spec.linux!.maskedPaths = [];
  spec.linux!.readonlyPaths = [];
  const r = runWithStub(buildPlan(spec, dir, { noPivot: true }));
  t.teardown(() => rmSync(r.dir, { recursive: true, force: true }));
  t.equal(readFileSync(join(outside, 'sys/net/ipv4/ip_forward'), 'utf8'), 'host\n', 'the file behind the link is untouched');
  t.equal(r.status, 125);
  t.match(r.steps.at(-1), { name: 'sysctl', status: 'failed', op: 'write 1 to /proc/sys/net/ipv4/ip_forward', errno: 'ELOOP', class: 'config' });
});

t.test('mount targets are resolved inside the rootfs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-resolve-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'rootfs/real'), { recursive: true });
  symlinkSync('/real', join(dir, 'rootfs/abs'));
  symlinkSync('../../../..', join(dir, 'rootfs/up'));
  const spec = stock();
  spec.mounts = [
    { destination: '/abs/x', type: 'tmpfs', source: 'tmpfs' },
    { destination: '/up/etc', type: 'tmpfs', source: 'tmpfs' },
  ];
  const plan = withResolvedTargets(buildPlan(spec, dir));
  t.same(plan.mounts.map((m) => m.target), [join(dir, 'rootfs/real/x'), join(dir, 'rootfs/etc')], 'symlinks cannot lead out of the rootfs');
});

t.test('every launch step names the tool that performed it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-tools-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = runWithStub(buildPlan(stock(), dir));
  t.teardown(() => rmSync(r.dir, { recursive: true, force: true }));
  const chosen = parseToolLines(r.fd3);
  t.same(chosen, { user: 'env', network: 'ifconfig' }, 'a stub busybox without setpriv/nsenter help: only env; its ifconfig brings lo up');
  t.notOk(r.steps.some((s) => s.name === 'TOOL' || /TOOL/.test(s.detail ?? '')), 'TOOL lines are not steps');
  const bb: LaunchTools = { ...BB, busyboxSource: 'bundle', labels: { unshare: "busybox /bin/busybox unshare (the bundle's own)", mount: "busybox /bin/busybox mount (the bundle's own)" } };
  t.equal(stepTool('namespaces', bb, chosen), "busybox /bin/busybox unshare (the bundle's own)");
  t.equal(stepTool('mount /proc', bb, chosen), "busybox /bin/busybox mount (the bundle's own)");
  t.equal(stepTool('devices', bb, chosen), "busybox /bin/busybox mount (the bundle's own)");
  t.equal(stepTool('pivot_root', bb, chosen), "busybox /bin/busybox pivot_root (the bundle's own)");
  t.equal(stepTool('chroot', { ...bb, busyboxSource: 'option' }, chosen), 'busybox /bin/busybox chroot (--busybox)');
  t.equal(stepTool('hostname', { ...bb, busyboxSource: 'PATH' }, chosen), 'busybox /bin/busybox hostname');
  t.equal(stepTool('rlimits', bb, chosen), "busybox /bin/busybox sh (the bundle's own): ulimit");
  t.equal(stepTool('user', bb, { user: 'nsenter setpriv' }), "busybox /bin/busybox nsenter (the bundle's own) + busybox /bin/busybox setpriv (the bundle's own)");
  t.equal(stepTool('user', bb, {}), undefined, 'the script did not say');
  t.equal(stepTool('exec', bb, chosen), "busybox /bin/busybox sh (the bundle's own)");
  t.equal(stepTool('terminal', bb, chosen), undefined);
  t.equal(stepTool('network', bb, chosen), "busybox /bin/busybox ifconfig (the bundle's own)");
  t.equal(stepTool('network', bb, {}), undefined, 'no tool brought lo up');
  t.equal(stepTool('cgroup join', bb, chosen), "busybox /bin/busybox sh (the bundle's own): echo");
  t.equal(stepTool('cgroup namespace', bb, { 'cgroup namespace': 'unshare' }), "busybox /bin/busybox unshare (the bundle's own)");
  t.equal(stepTool('cgroup namespace', bb, chosen), undefined, 'skipped: no unshare -C');
  const ul: LaunchTools = { name: 'util-linux', sh: ['/bin/sh'], unshare: ['/usr/bin/unshare'], busybox: null, labels: { unshare: 'util-linux /usr/bin/unshare', mount: 'util-linux /usr/bin/mount', sh: 'sh /bin/sh' } };
  t.equal(stepTool('namespaces', ul), 'util-linux /usr/bin/unshare');
  t.equal(stepTool('user', ul, { user: 'setpriv' }), 'setpriv');
  t.equal(stepTool('rlimits', ul), 'sh /bin/sh: ulimit');
  t.equal(stepTool('pivot_root', ul), 'pivot_root', 'no label: the tool by name');
  t.equal(launcherLabel(ul), 'util-linux');
  t.equal(launcherLabel(bb), "busybox /bin/busybox (the bundle's own)");
  t.equal(launcherLabel({ ...BB, busyboxSource: 'option' }), 'busybox /bin/busybox (--busybox)');
  t.equal(launcherLabel({ ...BB, busyboxSource: 'PATH' }), 'busybox /bin/busybox');
});
