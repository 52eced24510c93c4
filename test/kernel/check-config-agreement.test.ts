// Runs moby's real contrib/check-config.sh on sample configs and checks that
// our data (kernel-configs/moby-check-config.json) and evaluator agree with
// every CONFIG_ line it prints, and that we list nothing it does not print.
//
// The script takes its version conditions from `uname -r`, so the runs put
// a fake `uname` first on PATH to judge each config at chosen versions
// (including both sides of every version boundary in the script).

import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeKernelConfig, parseKernelConfig } from '../../src/kernel/config.js';
import {
  bundledRequirementSetPath,
  evaluateRequirementSet,
  loadRequirementSet,
  requirementSetOptions,
  type OptionVerdict,
  type RequirementSet,
} from '../../src/kernel/requirements.js';

const SCRIPT = '/usr/share/docker.io/contrib/check-config.sh';
const SAMPLES = fileURLToPath(new URL('../../../kernel-configs/samples/', import.meta.url));
const HOST_CONFIG = '/proc/config.gz';

// ------------------------------------------------------------ script output

interface Printed {
  option: string;
  state: 'enabled' | 'module' | 'missing';
  group: string;
}

interface HostLine {
  label: string;
  status: string;
  group: string;
}

interface ScriptRun {
  exitCode: number;
  options: Printed[];
  hostLines: HostLine[];
  unknown: string[];
}

const ANSI = /\x1b\[[0-9;]*m/g;
const OPTION_LINE = /^\s*- (CONFIG_[A-Za-z0-9_]+): (enabled \(as module\)|enabled|missing)$/;
const HOST_LINE = /^\s*- (cgroup hierarchy|apparmor|\/dev\/zfs|zfs command|zpool command|\/proc\/sys\/kernel\/keys\/root_maxkeys): (.*)$/;
const SUBSECTION = /^\s*- "([^"]+)":$/;

/** Maps the script's headings to our group ids. */
function parseScriptOutput(text: string, exitCode: number): ScriptRun {
  const run: ScriptRun = { exitCode, options: [], hostLines: [], unknown: [] };
  let section = '';
  let group = '';
  for (const raw of text.replace(ANSI, '').split('\n')) {
    const line = raw.trimEnd();
    if (line === 'Generally Necessary:') [section, group] = ['', 'generally-necessary'];
    else if (line === 'Optional Features:') [section, group] = ['', 'optional-features'];
    else if (line === 'Limits:') [section, group] = ['', 'limits'];
    else if (line === '- Network Drivers:') [section, group] = ['network', ''];
    else if (line === '- Storage Drivers:') [section, group] = ['storage', ''];
    else if (line.trim() === 'Optional (for encrypted networks):') group = 'network-overlay-encrypted';
    else {
      const sub = SUBSECTION.exec(line);
      const opt = OPTION_LINE.exec(line);
      const host = HOST_LINE.exec(line);
      if (sub) {
        const name = (sub[1] as string).replace('ftp,tftp client in container', 'ftp-tftp');
        group = `${section}-${name}`;
      } else if (opt) {
        const state = opt[2] === 'missing' ? 'missing' : opt[2] === 'enabled' ? 'enabled' : 'module';
        run.options.push({ option: opt[1] as string, state, group });
      } else if (host) {
        run.hostLines.push({ label: host[1] as string, status: host[2] as string, group });
      } else if (/^\s*- /.test(line)) {
        // A check line we do not know: the script grew a new kind of check.
        run.unknown.push(line);
      }
      // Everything else is commentary: "info: reading ...", "(cgroup swap
      // accounting ...)", the vsyscall and ext3/ext4 hints, "(RHEL7/CentOS7 ...".
    }
  }
  return run;
}

// ------------------------------------------------------------ running it

const fakeBinRoot = mkdtempSync(join(tmpdir(), 'droidcheck-test-uname-'));
t.teardown(() => rmSync(fakeBinRoot, { recursive: true, force: true }));
const realUname = ['/usr/bin/uname', '/bin/uname'].find((p) => existsSync(p)) ?? 'uname';

/**
 * A directory to put first on PATH: `uname` answering `-r` with `version`
 * (when given) and, for plain-text configs, `zgrep` as plain `grep`.
 * zgrep on an uncompressed file is grep, but it is a shell script that
 * forks gzip per call; the script calls it ~150 times, so this halves a
 * run. Gzipped configs (/proc/config.gz) always get the real zgrep.
 */
function shimDir(version: string | null, plainText: boolean): string | null {
  if (version === null && !plainText) return null;
  const dir = join(fakeBinRoot, `${version ?? 'real'}-${plainText ? 'grep' : 'zgrep'}`.replace(/[^A-Za-z0-9.+-]/g, '_'));
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    if (version !== null) {
      const uname = join(dir, 'uname');
      writeFileSync(uname, `#!/bin/sh\nif [ "$1" = "-r" ]; then echo '${version}'; else exec ${realUname} "$@"; fi\n`);
      chmodSync(uname, 0o755);
    }
    if (plainText) {
      const zgrep = join(dir, 'zgrep');
      writeFileSync(zgrep, '#!/bin/sh\nexec grep "$@"\n');
      chmodSync(zgrep, 0o755);
    }
  }
  return dir;
}

/** Runs the script on `configPath`; `fakeVersion` replaces `uname -r` (null: the real one). */
function runScript(configPath: string, fakeVersion: string | null): Promise<ScriptRun> {
  const bytes = readFileSync(configPath);
  const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const dir = shimDir(fakeVersion, !gzipped);
  const path = dir === null ? process.env['PATH'] ?? '' : `${dir}:${process.env['PATH'] ?? ''}`;
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [SCRIPT, configPath],
      { env: { ...process.env, NO_COLOR: '1', PATH: path }, maxBuffer: 4 * 1024 * 1024, timeout: 300_000 },
      (error, stdout) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve(parseScriptOutput(stdout, error ? (error.code as number) : 0));
      },
    );
  });
}

// Small pool: the script forks a lot and takes seconds per run.
const limit = Math.max(2, cpus().length);
let active = 0;
const waiting: (() => void)[] = [];
async function pooled<T>(job: () => Promise<T>): Promise<T> {
  if (active >= limit) await new Promise<void>((r) => waiting.push(r));
  active++;
  try {
    return await job();
  } finally {
    active--;
    waiting.shift()?.();
  }
}

// ------------------------------------------------------------ comparison

const STATE_OF: Record<Printed['state'], OptionVerdict['state']> = { enabled: 'enabled', module: 'module', missing: 'missing' };

function compare(t: Test, set: RequirementSet, run: ScriptRun, verdicts: OptionVerdict[]): void {
  t.same(run.unknown, [], 'every "- " line of the script is understood');
  const known = new Set(requirementSetOptions(set));
  const printed = new Map<string, Printed>();
  for (const p of run.options) {
    t.notOk(printed.has(p.option), `${p.option} printed once`);
    printed.set(p.option, p);
  }

  const byOption = new Map(verdicts.map((v) => [v.option, v]));
  for (const p of run.options) {
    t.ok(known.has(p.option), `${p.option} (printed by the script) is in our data`);
    const v = byOption.get(p.option);
    if (!v) {
      t.fail(`no verdict for printed ${p.option}`);
      continue;
    }
    t.ok(v.applicable, `${p.option} applicable`);
    t.equal(v.state, STATE_OF[p.state], `${p.option}: script says ${p.state}`);
    t.equal(v.group, p.group, `${p.option} in group ${p.group}`);
  }

  for (const v of verdicts) {
    if (!v.applicable) continue;
    if (v.kind === 'choice' && v.state === 'missing') continue; // the script prints nothing then
    t.ok(printed.has(v.option), `${v.option} (applicable in our data) printed by the script`);
  }

  const hostLabels = new Set((set.hostChecks ?? []).map((h) => h.label));
  for (const h of run.hostLines) t.ok(hostLabels.has(h.label), `host check "${h.label}" is in our data`);
}

/**
 * The exit status our data predicts: 1 when an applicable item of an
 * affectsExitCode group is missing (MEMCG_SWAP_ENABLED forgiven when cgroup v1
 * swap accounting is live). Only asserted when every host check passed.
 */
function predictedExit(set: RequirementSet, verdicts: OptionVerdict[]): number {
  const exitGroups = new Set(set.groups.filter((g) => g.affectsExitCode).map((g) => g.id));
  const memswLive = existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes');
  const failing = verdicts.filter(
    (v) =>
      exitGroups.has(v.group) &&
      !v.ok &&
      v.kind !== 'choice' &&
      !(memswLive && v.option === 'CONFIG_MEMCG_SWAP_ENABLED'),
  );
  return failing.length > 0 ? 1 : 0;
}

function hostChecksPassed(run: ScriptRun): boolean {
  return run.hostLines
    .filter((h) => h.group === 'generally-necessary' || h.group === 'limits')
    .every((h) =>
      h.label === '/proc/sys/kernel/keys/root_maxkeys'
        ? Number(h.status) > 10000
        : /^(cgroupv2|properly mounted|enabled and tools installed)/.test(h.status),
    );
}

// ------------------------------------------------------------ the runs

interface Case {
  name: string;
  file: string;
  /** null: the real `uname -r`. */
  version: string | null;
}

const sampleCases: Case[] = [
  { name: 'Debian 6.1 sample at the real kernel version', file: join(SAMPLES, 'debian-6.1-amd64.config'), version: null },
  { name: 'Android 3.10 sample at 3.10.40', file: join(SAMPLES, 'android-3.10-like.config'), version: '3.10.40-g5d6f8d7' },
  { name: 'Android 3.10 sample at 4.7.0', file: join(SAMPLES, 'android-3.10-like.config'), version: '4.7.0' },
  { name: 'Android 4.14 sample at 4.14.190', file: join(SAMPLES, 'android-4.14-like.config'), version: '4.14.190-perf+' },
  // Real device defconfigs, read as the script reads them (as written; droidcheck's defaults resolution is tested in defconfig.test.ts).
  { name: 'Pixel 3 (b1c1) 4.9 defconfig at 4.9.223', file: join(SAMPLES, 'pixel3-b1c1-4.9-arm64.defconfig'), version: '4.9.223-g1' },
  { name: 'GKI android13-5.15 defconfig at 5.15.41', file: join(SAMPLES, 'gki-android13-5.15-arm64.defconfig'), version: '5.15.41-android13-8' },
];
if (existsSync(HOST_CONFIG)) sampleCases.push({ name: `this host's ${HOST_CONFIG}`, file: HOST_CONFIG, version: null });

// Version boundaries in the script (-lt / -le on major.minor), as
// first-version-where-it-changes: 3.14 3.19 4.6 4.8 5.0 5.2 5.3 5.4 5.9.
// A run costs seconds (the script forks ~500 times), so by default one
// edge of each boundary is run at the exact version and the other side is
// covered by the sample runs (3.10, 4.7, 4.14, the host's 6.x);
// DROIDCHECK_FULL_SWEEP=1 runs both edges of every boundary.
const QUICK_SWEEP = ['3.14.0', '3.18.0', '4.6.0', '5.0.0', '5.1.0', '5.3.0', '5.8.0'];
const FULL_SWEEP = ['3.13.0', '3.14.0', '3.18.0', '3.19.0', '4.5.0', '4.6.0', '4.7.0', '4.8.0', '4.20.0', '5.0.0', '5.1.0', '5.2.0', '5.3.0', '5.4.0', '5.8.0', '5.9.0'];
const SWEEP = process.env['DROIDCHECK_FULL_SWEEP'] === '1' ? FULL_SWEEP : QUICK_SWEEP;
const sweepCases: Case[] = SWEEP.map((v) => ({ name: `Debian 6.1 sample at ${v}`, file: join(SAMPLES, 'debian-6.1-amd64.config'), version: v }));

if (!existsSync(SCRIPT)) {
  t.plan(0, `requires moby's check-config.sh at ${SCRIPT} (Debian package docker.io)`);
} else {
  t.setTimeout(15 * 60 * 1000);
  const set = loadRequirementSet(bundledRequirementSetPath('moby-check-config'));
  // Generated configs that pin down the exit status: everything in the
  // exit-code groups set and no network/storage driver option at all
  // (expect 0: driver checks never fail the script), then one optional
  // feature removed (expect 1: moby fails on optional features too).
  const exitOptions = set.groups
    .filter((g) => g.affectsExitCode)
    .flatMap((g) => g.items)
    .flatMap((i) => ('option' in i ? [i.option] : 'anyOf' in i ? i.anyOf : i.good));
  const writeConfig = (name: string, options: string[]): string => {
    const file = join(fakeBinRoot, name);
    writeFileSync(file, `# Linux/x86 6.1.0 Kernel Configuration\n${options.map((o) => `CONFIG_${o}=y`).join('\n')}\n`);
    return file;
  };
  const exitCases: (Case & { expectExit: number })[] = [
    { name: 'generated: every exit-code option set', file: writeConfig('all-exit-options.config', exitOptions), version: null, expectExit: 0 },
    {
      name: 'generated: only RT_GROUP_SCHED (an optional feature) missing',
      file: writeConfig('no-rt-group-sched.config', exitOptions.filter((o) => o !== 'RT_GROUP_SCHED')),
      version: null,
      expectExit: 1,
    },
  ];
  const cases: Case[] = [...sampleCases, ...sweepCases, ...exitCases];
  // Start every run now; each subtest awaits its own.
  const runs = new Map(cases.map((c) => [c, pooled(() => runScript(c.file, c.version))]));

  for (const c of cases) {
    t.test(c.name, async (t) => {
      const run = await runs.get(c);
      if (!run) throw new Error('run missing');
      const config = parseKernelConfig(decodeKernelConfig(readFileSync(c.file)), c.file);
      const version = c.version ?? release();
      const verdicts = evaluateRequirementSet(set, config, version);
      t.ok(run.options.length > 50, `script printed ${run.options.length} options`);
      if (c.file.startsWith(fakeBinRoot)) t.ok(run.options.some((o) => o.state === 'missing'), 'driver options are reported missing');
      compare(t, set, run, verdicts);
      if (hostChecksPassed(run)) {
        t.equal(run.exitCode, predictedExit(set, verdicts), 'exit status as our affectsExitCode groups predict');
        const expected = exitCases.find((e) => e === c)?.expectExit;
        if (expected !== undefined) t.equal(run.exitCode, expected, `script exits ${expected}`);
      } else {
        t.comment('a host check (cgroup hierarchy, apparmor, root_maxkeys) failed here; exit status not compared');
      }
    });
  }

  t.test('the runs exercise every version condition on both sides', async (t) => {
    const versions = cases.map((c) => c.version ?? release());
    const debian = parseKernelConfig(readFileSync(join(SAMPLES, 'debian-6.1-amd64.config'), 'utf8'), 'debian');
    for (const group of set.groups) {
      for (const item of group.items) {
        if (item.when?.kernelBelow === undefined && item.when?.kernelAtLeast === undefined) continue;
        const one: RequirementSet = { ...set, groups: [{ ...group, items: [item] }] };
        const seen = new Set(versions.map((v) => evaluateRequirementSet(one, debian, v)[0]?.applicable));
        t.same([...seen].sort(), [false, true], `${JSON.stringify(item.when)} seen applicable and not`);
      }
    }
  });
}
