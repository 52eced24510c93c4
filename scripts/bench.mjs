#!/usr/bin/env node
// npm run bench: droidcheck side by side with check-config.sh, `node -e 0` and
// runc on this machine, as medians of repeated runs (hyperfine) and ratios,
// plus peak memory (/usr/bin/time) and the installed size. Writes
// BENCHMARKS.md. Run as root after `npm run build`; needs hyperfine, GNU time,
// runc, busybox-static and docker.io's check-config.sh (all Debian packages).
// Timings are reported, never asserted.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/droidcheck');
const CHECK_CONFIG = '/usr/share/docker.io/contrib/check-config.sh';
const CONFIG = join(ROOT, 'kernel-configs/samples/debian-6.1-amd64.config');
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const LOAD_AT_START = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const node = process.execPath;

function need(cmd) {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    console.error(`bench: ${cmd} is missing (apt-get install it)`);
    process.exit(2);
  }
}
for (const c of ['hyperfine', 'runc', 'busybox']) need(c);

/** Medians (s) of each command, measured side by side in one hyperfine run. */
function hyperfine(commands) {
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-bench-'));
  const out = join(dir, 'h.json');
  execFileSync('hyperfine', ['-N', '-i', '-w', '2', '-r', String(RUNS), '--export-json', out, ...commands.map((c) => c.cmd)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const data = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  return data.results.map((r, i) => ({ ...commands[i], median: r.median, stddev: r.stddev }));
}

/** Peak resident memory (MiB) of one run. */
function peakMiB(cmd) {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'sh', '-c', `${cmd} >/dev/null 2>/dev/null`], { encoding: 'utf8' });
  const kb = Number(r.stderr.trim().split('\n').at(-1));
  return Number.isFinite(kb) ? kb / 1024 : NaN;
}

function bundle() {
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-bench-bundle-'));
  execFileSync(node, [BIN, 'rootfs', join(dir, 'b'), '--busybox', '/bin/busybox', '--terminal', 'false', '--', '/bin/true'], { stdio: 'ignore' });
  return join(dir, 'b');
}

function installedSize() {
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-bench-install-'));
  const tgz = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').at(-1);
  execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--silent', join(dir, tgz)], { cwd: dir, stdio: 'ignore' });
  const kb = Number(execFileSync('du', ['-sk', join(dir, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]);
  rmSync(dir, { recursive: true, force: true });
  return kb / 1024;
}

const NOTES_MARK = '<!-- notes: kept by npm run bench -->';
const fmt = (s) => `${(s * 1000).toFixed(0)} ms`;

/**
 * Milestones of `droidcheck run` (DROIDCHECK_TRACE=1), as medians over the
 * runs, in ms since the droidcheck process started.
 */
function profileRun(...args) {
  return profile(['run', b, ...args]);
}

/** The same for any droidcheck command line. */
function profile(argv) {
  const at = new Map();
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(node, [BIN, ...argv], { encoding: 'utf8', env: { ...process.env, DROIDCHECK_TRACE: '1' } });
    const lines = r.stderr.split('\n').map((l) => /^trace (\S+) (\d+) (.*) \(\+(\S+) ms in this process\)$/.exec(l)).filter(Boolean);
    if (!lines.length) continue;
    const origin = Number(lines[0][1]) - Number(lines[0][4]);
    const seen = new Set();
    for (const [, abs, pid, label] of lines) {
      const key = pid === '1' ? `PID 1, ${label}` : label;
      if (seen.has(key)) continue;
      seen.add(key);
      if (!at.has(key)) at.set(key, []);
      at.get(key).push(Number(abs) - origin);
    }
    // The init's own start, from its first line: when its process began in PID 1.
    const init = lines.find((l) => l[2] === '1');
    if (init) {
      const k = 'PID 1, its process starts';
      if (!at.has(k)) at.set(k, []);
      at.get(k).push(Number(init[1]) - Number(init[4]) - origin);
    }
  }
  const median = (xs) => [...xs].sort((a, c) => a - c)[Math.floor((xs.length - 1) / 2)];
  const rows = [...at.entries()].map(([k, xs]) => [k, median(xs)]).sort((x, y) => x[1] - y[1]);
  return ['| milestone | ms after droidcheck started (median) |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v.toFixed(0)} |`)].join('\n');
}
const b = bundle();
const sections = [];

const probe = hyperfine([
  { name: 'node -e 0 (the floor)', cmd: `${node} -e 0` },
  { name: 'droidcheck probe (live, koffi)', cmd: `${node} ${BIN} probe --format json` },
  { name: 'droidcheck probe --no-ffi (live, tools)', cmd: `${node} ${BIN} probe --format json --no-ffi` },
  { name: 'check-config.sh (this kernel)', cmd: `bash ${CHECK_CONFIG}` },
]);
const docker = hyperfine([
  { name: 'droidcheck docker (checks only: live tests in throwaway namespaces)', cmd: `${node} ${BIN} docker --format json` },
  { name: 'check-config.sh (this kernel)', cmd: `bash ${CHECK_CONFIG}` },
]);
const configOnly = hyperfine([
  { name: 'droidcheck probe --kernel-config FILE --no-live', cmd: `${node} ${BIN} probe --kernel-config ${CONFIG} --no-live --format json` },
  { name: 'check-config.sh FILE', cmd: `bash ${CHECK_CONFIG} ${CONFIG}` },
]);
/** Kernel images and boot.img made from the cached VM kernels (scripts/android-kernel.sh), when they are there. */
function kernelInputs() {
  const cached = (arch) => spawnSync('bash', [join(ROOT, 'scripts/android-kernel.sh'), '--arch', arch, '--cached-only'], { encoding: 'utf8' }).stdout?.trim().split('\n').at(-1);
  const arm64 = cached('arm64');
  const x86 = cached('x86_64');
  if (!arm64 || spawnSync('sh', ['-c', 'command -v mkbootimg']).status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-bench-kimg-'));
  writeFileSync(join(dir, 'dtb'), 'dtb');
  execFileSync('mkbootimg', ['--kernel', arm64, '--header_version', '2', '--pagesize', '2048', '--dtb', join(dir, 'dtb'), '-o', join(dir, 'boot.img')]);
  return { dir, boot: join(dir, 'boot.img'), x86 };
}
const kimg = kernelInputs();
const images = kimg
  ? hyperfine([
      { name: 'node -e 0 (the floor)', cmd: `${node} -e 0` },
      { name: 'droidcheck probe --kernel-config boot.img --no-live (v2, arm64 Image with IKCONFIG)', cmd: `${node} ${BIN} probe --kernel-config ${kimg.boot} --no-live --format json` },
      ...(kimg.x86 ? [{ name: 'droidcheck probe --kernel-config bzImage --no-live (gzip payload)', cmd: `${node} ${BIN} probe --kernel-config ${kimg.x86} --no-live --format json` }] : []),
      { name: 'droidcheck probe --kernel-config FILE --no-live (plain .config)', cmd: `${node} ${BIN} probe --kernel-config ${CONFIG} --no-live --format json` },
    ])
  : null;
/** The launch steps of the bench bundle as droidcheck-init's argv, for the launcher-floor row. */
async function floorArgs() {
  const { buildPlan } = await import(join(ROOT, 'dist/src/runtime/plan.js'));
  const { launchSteps } = await import(join(ROOT, 'dist/src/runtime/launch-steps.js'));
  const { initArgv, nativeInitPath } = await import(join(ROOT, 'dist/src/runtime/native-init.js'));
  const { withResolvedTargets } = await import(join(ROOT, 'dist/src/runtime/rootfs-path.js'));
  const spec = JSON.parse(readFileSync(join(b, 'config.json'), 'utf8'));
  const file = join(b, '..', 'init-args.json');
  writeFileSync(file, JSON.stringify(initArgv(launchSteps(withResolvedTargets(buildPlan(spec, b))))));
  return { init: nativeInitPath(), file };
}
const floor = await floorArgs();
const launch = hyperfine([
  { name: 'node -e 0 (the floor)', cmd: `${node} -e 0` },
  { name: 'node spawning droidcheck-init with the steps ready (the floor of a node launcher)', cmd: `${node} ${join(ROOT, 'scripts/bench-launch-floor.mjs')} ${floor.init} ${floor.file}` },
  { name: 'droidcheck run (embedded, droidcheck-init, /bin/true)', cmd: `${node} ${BIN} run ${b}` },
  { name: 'droidcheck run --fix-config (embedded)', cmd: `${node} ${BIN} run ${b} --fix-config` },
  { name: 'droidcheck run --live-probe (embedded)', cmd: `${node} ${BIN} run ${b} --live-probe` },
  { name: 'droidcheck run --no-ffi (tools, /bin/true)', cmd: `${node} ${BIN} run ${b} --no-ffi` },
  { name: 'runc run (/bin/true)', cmd: `runc --root ${join(b, '..', 'runc-state')} run --bundle ${b} bench-${process.pid}` },
]);
const corpusLog = join(b, '..', 'corpus.log');
writeFileSync(corpusLog, readFileSync(join(ROOT, 'test/fixtures/explain/corpus.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(' | ').slice(2).join(' | ').replace(/\\n/g, '\n')).join('\n'));
const explainRows = hyperfine([
  { name: 'node -e 0 (the floor)', cmd: `${node} -e 0` },
  { name: 'droidcheck explain MESSAGE (one cause)', cmd: `${node} ${BIN} explain 'open /dev/ptmx: no such file or directory'` },
  { name: "droidcheck explain MESSAGE (two causes: this machine's facts read)", cmd: `${node} ${BIN} explain 'bpf_prog_query(BPF_CGROUP_DEVICE) failed: invalid argument'` },
  { name: 'droidcheck explain --no-facts MESSAGE (two causes)', cmd: `${node} ${BIN} explain --no-facts 'bpf_prog_query(BPF_CGROUP_DEVICE) failed: invalid argument'` },
  { name: 'droidcheck explain --file LOG (the 115-message corpus as one log)', cmd: `${node} ${BIN} explain --no-facts --format json --file ${corpusLog}` },
]);

/** One ratio column per base: [median, name] pairs. */
const tableOf = (rows, bases) =>
  [
    `| command | median | ± | ${bases.map(([, name]) => `x ${name} | `).join('')}peak RSS |`,
    `|---|---|---|${bases.map(() => '---|').join('')}---|`,
    ...rows.map((r) => `| ${r.name} | ${fmt(r.median)} | ${fmt(r.stddev)} | ${bases.map(([base]) => `${(r.median / base).toFixed(2)} | `).join('')}${peakMiB(r.cmd).toFixed(0)} MiB |`),
  ].join('\n');
const table = (rows, base, baseName) => tableOf(rows, [[base, baseName]]);

sections.push(
  '## Full probe against check-config.sh and node -e 0',
  '',
  'Target (issue #14): `droidcheck probe` at most 2.5x `node -e 0`.',
  '',
  tableOf(probe, [[probe[0].median, 'node -e 0'], [probe[3].median, 'check-config.sh']]),
  '',
);
sections.push('## droidcheck docker against check-config.sh', '', 'Target (issue #11): at most 0.5x check-config.sh.', '', table(docker, docker[1].median, 'check-config.sh'), '');
sections.push('## Kernel config file only', '', table(configOnly, configOnly[1].median, 'check-config.sh'), '');
if (images) sections.push('## Kernel images and boot.img, config only', '', table(images, images[0].median, 'node -e 0'), '');
else sections.push('## Kernel images and boot.img, config only', '', 'Not measured: needs the cached arm64 VM kernel (scripts/android-kernel.sh --arch arm64) and mkbootimg.', '');
sections.push('## Launching /bin/true in a busybox bundle', '', table(launch, launch[0].median, 'node -e 0'), '');
sections.push('## explain', '', 'Target (issue #12): one message at most 1.5x `node -e 0`.', '', table(explainRows, explainRows[0].median, 'node -e 0'), '');
sections.push('## Where the time goes in `droidcheck probe`', '', 'The live tests through koffi (a worker thread, started first):', '', profile(['probe', '--format', 'json']), '', 'Through tools (`--no-ffi`):', '', profile(['probe', '--format', 'json', '--no-ffi']), '');
sections.push('## Where the time goes in `droidcheck run`', '', 'With droidcheck-init (the default where it was built):', '', profileRun(), '');
sections.push('## Installed size', '', `droidcheck with its production dependencies (npm pack, npm install --omit=dev): ${installedSize().toFixed(1)} MiB of node_modules.`, '');

const runcVersion = execFileSync('runc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
const header = [
  '# Benchmarks',
  '',
  `Measured by \`npm run bench\` (scripts/bench.mjs) on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, node ${process.version}, ${runcVersion}. Medians of ${RUNS} runs after 2 warm-ups (hyperfine -N), measured side by side; peak RSS from one run under /usr/bin/time. Load average at the start: ${LOAD_AT_START}, at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}.`,
  '',
];
// Keep the hand-written notes after the generated part.
const file = join(ROOT, 'BENCHMARKS.md');
let notes = '';
try {
  const old = readFileSync(file, 'utf8');
  const at = old.indexOf(NOTES_MARK);
  if (at >= 0) notes = old.slice(at);
} catch {
  // first run
}
writeFileSync(file, [...header, ...sections].join('\n') + (notes ? `\n${notes}` : ''));
rmSync(join(b, '..'), { recursive: true, force: true });
if (kimg) rmSync(kimg.dir, { recursive: true, force: true });
console.log(readFileSync(join(ROOT, 'BENCHMARKS.md'), 'utf8'));
