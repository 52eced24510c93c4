// Live probes on this machine, as root: the FFI and tools paths agree, the
// host is left as it was, and under the old-kernel seccomp profile exactly the
// post-3.10 system calls and the IPC namespace are reported missing.

import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NodeHost } from '../../src/host/node-host.js';
import { gatherFacts } from '../../src/probes/facts.js';
import { ALL_CHECKS } from '../../src/probes/registry.js';
import { runChecks } from '../../src/probes/run.js';
import { getOldKernelHelper } from '../helpers/oldkernel.js';
import { NO_KOFFI } from '../helpers/bundle.js';
import { validateProbeReport } from '../helpers/schemas.js';

const BIN = fileURLToPath(new URL('../../../bin/droidcheck', import.meta.url));
const isRoot = process.geteuid?.() === 0;

async function probe(noFfi: boolean) {
  const facts = await gatherFacts(new NodeHost(), { live: true, noFfi, platform: process.platform, arch: process.arch, execPath: process.execPath });
  return { facts, outcomes: runChecks(ALL_CHECKS, facts) };
}

/** The scratch directory a probe mounted on, from its live results ("mount tmpfs on DIR"). */
const scratchOf = (op: string | undefined): string | undefined => /^mount tmpfs on (\S+)$/.exec(op ?? '')?.[1];

t.test('live probes on this host', { skip: isRoot ? false : 'needs root: the live namespace and mount tests unshare and mount' }, async (t) => {
  const before = readFileSync('/proc/self/mountinfo', 'utf8');
  const ffi = await probe(false);
  const tools = await probe(true);
  t.equal(ffi.facts.live?.path, 'ffi', 'koffi loads here');
  t.equal(tools.facts.live?.path, 'tools');
  t.match(tools.facts.live?.tool, /busybox|util-linux/);
  t.ok(ffi.facts.live?.unshare.mnt?.ok, 'unshare(CLONE_NEWNS) works as root');
  t.ok(ffi.facts.live?.mount.scratch?.ok, 'the scratch tmpfs mounts in the private namespace');
  for (const [i, o] of ffi.outcomes.entries()) {
    t.equal(tools.outcomes[i]?.status, o.status, `${o.id}: FFI and tools paths agree (${o.status})`);
  }
  t.equal(readFileSync('/proc/self/mountinfo', 'utf8'), before, 'no mount of the probe is left in the host namespace');
  for (const run of [ffi, tools]) {
    const dir = scratchOf(run.facts.live?.mount.scratch?.op);
    t.ok(dir, `${run.facts.live?.path}: the scratch directory is named in the report`);
    t.notOk(dir && existsSync(dir), `${run.facts.live?.path}: the scratch directory ${dir} is removed`);
  }
});

interface CliReport {
  host: { platform: string };
  live: { path: string | null; tool: string | null; tools?: Record<string, string>; ffi?: { state: string; reason?: string } };
  checks: { id: string; status: string; evidence: { source: string; tool?: string }[] }[];
}

t.test('probe through the executable: koffi, --no-ffi, DROIDCHECK_NO_FFI=1 and koffi failing to load agree on every check', { skip: isRoot ? false : 'needs root: the live namespace and mount tests unshare and mount' }, async (t) => {
  const probeCli = (args: string[], env: Record<string, string> = {}): CliReport => {
    const r = spawnSync(process.execPath, [BIN, 'probe', '--format', 'json', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    t.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as CliReport;
    t.ok(validateProbeReport(report), JSON.stringify(validateProbeReport.errors));
    return report;
  };
  const ways: [string, CliReport][] = [
    ['koffi', probeCli([])],
    ['--no-ffi', probeCli(['--no-ffi'])],
    ['DROIDCHECK_NO_FFI=1', probeCli([], { DROIDCHECK_NO_FFI: '1' })],
    ['koffi.node does not dlopen', probeCli([], { NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} ${NO_KOFFI.dlopen}` })],
    ["process.platform 'android' (koffi has no module for it)", probeCli([], { NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} ${NO_KOFFI.android}` })],
  ];
  const [, ffi] = ways[0] as [string, CliReport];
  t.equal(ffi.live.path, 'ffi', `koffi loads here: ${JSON.stringify(ffi.live)}`);
  t.same(ffi.live.ffi, { state: 'used' });
  t.equal(ways[1]?.[1].live.ffi?.state, 'off');
  t.equal(ways[2]?.[1].live.ffi?.state, 'off');
  t.match(ways[3]?.[1].live.ffi, { state: 'unavailable', reason: /dlopen failed/ });
  t.match(ways[4]?.[1].live.ffi, { state: 'unavailable', reason: /Cannot find the native Koffi module/ });
  t.equal(ways[4]?.[1].host.platform, 'android', 'the faked platform reaches the report');
  const expected = Object.fromEntries(ffi.checks.map((c) => [c.id, c.status]));
  t.equal(Object.keys(expected).length, ALL_CHECKS.length, 'every check is compared');
  for (const [how, report] of ways.slice(1)) {
    t.equal(report.live.path, 'tools', `${how}: the tools path`);
    t.match(report.live.tools?.unshare, /^(busybox \S+ unshare|util-linux \S+)/, `${how}: the report names the unshare tool`);
    t.ok(report.checks.every((c) => c.evidence.every((e) => e.source !== 'live' || e.tool)), `${how}: every live test names its tool`);
    const got = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    const differ = Object.keys(expected).filter((id) => got[id] !== expected[id]).map((id) => `${id}: koffi ${expected[id]}, ${how} ${got[id]}`);
    t.same(differ, [], `${how}: all ${Object.keys(expected).length} checks have the status of the koffi path`);
  }
});

const helper = await getOldKernelHelper();
const oldKernelSkip = !isRoot ? 'needs root: unshare tests' : !helper.ok && helper.unsupported ? `needs a C compiler for the seccomp helper: ${helper.reason}` : false;

t.test('under the old-kernel profile exactly the post-3.10 calls and the IPC namespace are missing', { skip: oldKernelSkip }, async (t) => {
  if (!helper.ok) throw new Error(helper.reason);
  // Compare with the same probe without the profile: what the profile adds must be exactly the emulated gaps.
  const notPassing = (argv: string[]): { ids: string[]; path: string } => {
    const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { checks: { id: string; status: string }[]; live: { path: string } };
    return { ids: report.checks.filter((c) => c.status === 'warn' || c.status === 'fail').map((c) => c.id), path: report.live.path };
  };
  for (const noFfi of [false, true]) {
    const probe = [process.execPath, BIN, 'probe', '--format', 'json', ...(noFfi ? ['--no-ffi'] : [])];
    const baseline = notPassing(probe);
    const old = notPassing([helper.path, '--', ...probe]);
    const added = old.ids.filter((id) => !baseline.ids.includes(id)).sort();
    const expected = noFfi
      ? ['ipc.sysctls', 'ns.ipc'] // without FFI, system calls come from /proc/kallsyms, which a seccomp filter cannot change
      : ['ipc.sysctls', 'ns.ipc', ...['memfd_create', 'getrandom', 'renameat2', 'execveat', 'seccomp', 'clone3', 'openat2', 'close_range', 'pidfd_open', 'pidfd_send_signal'].map((s) => `syscall.${s}`)].sort();
    t.same(added, expected, `${old.path} path`);
    t.same(baseline.ids.filter((id) => !old.ids.includes(id)), [], 'the profile hides nothing');
  }
});

t.test('the droidcheck executable', async (t) => {
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const v = run('--version');
  t.equal(v.status, 0);
  t.equal(v.stdout.trim(), (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
  const help = run('--help');
  t.match(help.stdout, /Commands:\n\s+droidcheck probe/);
  t.match(help.stdout, /Exit codes:\n\s+0  every required check passed/);
  const probeHelp = run('probe', '--help');
  for (const flag of ['--kernel-config', '--no-live', '--format', '--output', '--list-checks', '--check', '--strict', '--no-redact', '--no-ffi', '--busybox', '-v']) t.match(probeHelp.stdout, flag);
  const bad = run('probe', '--bogus');
  t.equal(bad.status, 2);
  t.match(bad.stderr, /droidcheck: Unknown argument: bogus/);
  const none = run();
  t.equal(none.status, 2);
  const list = run('probe', '--list-checks');
  t.equal(list.status, 0);
  t.match(list.stdout, /^ns\.mnt/);
  const cfg = run('probe', '--kernel-config', fileURLToPath(new URL('../../../test/fixtures/hosts/android7-3.10/root/proc/config.gz', import.meta.url)), '--no-live', '--format', 'yaml');
  t.equal(cfg.status, 0, cfg.stderr);
  t.match(cfg.stdout, /CONFIG_IPC_NS: null/);
  const explained = run('explain', 'open /dev/ptmx: no such file or directory');
  t.equal(explained.status, 0, explained.stderr);
  t.match(explained.stdout, /CONFIG_DEVPTS_MULTIPLE_INSTANCES/);
  const piped = spawnSync(process.execPath, [BIN, 'explain', '--format', 'json'], { encoding: 'utf8', input: 'nsenter: failed to unshare namespaces: Invalid argument\n' });
  t.equal(piped.status, 0, piped.stderr);
  t.equal((JSON.parse(piped.stdout) as { explained: boolean }).explained, true, 'explain reads stdin');
  t.equal(run('explain', 'all is well').status, 1, 'nothing known: exit 1');
  const noBusybox = run('rootfs', '/nonexistent-dir/x', '--busybox', '/nonexistent/busybox');
  t.equal(noBusybox.status, 2);
  t.match(noBusybox.stderr, /\/nonexistent\/busybox/);
  t.match(run('run', '--help').stdout, /--fix-config/);
});
