// `probe --kernel-config FILE --no-live` (config-only mode) end to end on real
// files: checks of the device itself collapse into one line, what can be judged
// from the config and its version is judged and marked config-based, a
// defconfig's defaults carry the "kconfig-default" source, the report says what
// the input was, and --fragment prints the fragment.

import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultIo, probeCommand, type ProbeOptions } from '../../src/cli/probe.js';
import { validateProbeReport } from '../helpers/schemas.js';

const SAMPLES = new URL('../../../kernel-configs/samples/', import.meta.url).pathname;
const base: ProbeOptions = { live: false, noFfi: true, format: 'table', verbose: false, listChecks: false, strict: false, redact: true };

async function probe(opts: Partial<ProbeOptions>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { ...defaultIo(), color: false, stdout: (s: string) => void (out += s), stderr: (s: string) => void (err += s) };
  const code = await probeCommand({ ...base, ...opts }, io);
  return { code, out, err };
}

t.test('device checks collapse into one line; judged ones are marked config-based', async (t) => {
  const { out } = await probe({ kernelConfig: `${SAMPLES}android-4.14-like.config` });
  t.notMatch(out, /not this host/);
  t.equal(out.match(/checks need the device itself/g)?.length, 1);
  t.match(out, /\d+ checks need the device itself and cannot be judged from a config: .*host\.run/);
  t.match(out, /IPC namespace: .*\(config-based\)/);
  const md = await probe({ kernelConfig: `${SAMPLES}android-4.14-like.config`, format: 'markdown' });
  t.equal(md.out.match(/checks need the device itself/g)?.length, 1);
  t.notMatch(md.out, /not this host/);
});

t.test('a real GKI defconfig: proc, sysfs, UTS and network namespaces are on by default, not missing', async (t) => {
  const { out, code } = await probe({ kernelConfig: `${SAMPLES}gki-android13-5.15-arm64.defconfig`, format: 'json' });
  const r = JSON.parse(out) as {
    kernelConfig: { input: { kind: string }; defaults: Record<string, string>; options: Record<string, string | null> };
    checks: Array<{ id: string; status: string; basis?: string; evidence: Array<{ source: string }> }>;
  };
  t.ok(validateProbeReport(r), JSON.stringify(validateProbeReport.errors));
  t.equal(r.kernelConfig.input.kind, 'defconfig');
  t.match(r.kernelConfig.defaults['CONFIG_PROC_FS'], /^y: default y/);
  for (const id of ['fs.proc', 'fs.sysfs', 'ns.uts', 'ns.net']) {
    const c = r.checks.find((x) => x.id === id);
    t.equal(c?.status, 'pass', `${id} passes`);
    t.equal(c?.basis, 'config');
    t.ok(c?.evidence.some((e) => e.source === 'kconfig-default'), `${id}: its evidence says the value is the Kconfig default`);
  }
  t.equal(r.checks.find((x) => x.id === 'ns.ipc')?.status, 'warn', 'IPC_NS really is off (SYSVIPC and POSIX_MQUEUE are)');
  t.equal(code, 0);
});

t.test('a defconfig has no version: --kernel-version gives it, version-dependent checks follow', async (t) => {
  const file = `${SAMPLES}gki-android13-5.15-arm64.defconfig`;
  const without = JSON.parse((await probe({ kernelConfig: file, format: 'json' })).out) as { kernelConfig: { version: string | null; notes: string[] }; checks: Array<{ id: string; status: string }> };
  t.equal(without.kernelConfig.version, null);
  t.match(without.kernelConfig.notes.join('\n'), /no version in the file: every version-dependent check applies \(give --kernel-version\)/);
  const withV = JSON.parse((await probe({ kernelConfig: file, format: 'json', kernelVersion: '5.15.41' })).out) as typeof without;
  t.equal(withV.kernelConfig.version, '5.15.41');
  // DEVPTS_MULTIPLE_INSTANCES matters below 4.7 only.
  t.equal(without.checks.find((c) => c.id === 'fs.devpts-instances')?.status, 'warn');
  t.equal(withV.checks.find((c) => c.id === 'fs.devpts-instances')?.status, 'pass');
  t.equal((await probe({ kernelConfig: file, kernelVersion: 'five' })).code, 2);
});

t.test('--fragment prints the fragment, in three sections', async (t) => {
  const { out, code } = await probe({ kernelConfig: `${SAMPLES}gki-android13-5.15-arm64.defconfig`, fragment: true });
  t.equal(code, 0);
  t.match(out, /^# droidcheck fragment for /);
  t.match(out, /# --- needed for runc\/droidcheck[^\n]*\n(#[^\n]*\n|CONFIG_[^\n]*\n)*CONFIG_IPC_NS=y/);
  t.match(out, /CAUTION: GKI/);
  const none = await probe({ kernelConfig: '/proc/self/status', fragment: true });
  t.equal(none.code, 2);
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-frag-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const written = await probe({ kernelConfig: `${SAMPLES}gki-android13-5.15-arm64.defconfig`, fragment: true, output: join(dir, 'gki.fragment') });
  t.equal(written.code, 0);
  t.match(written.err, /fragment written to .*gki\.fragment \(\d+ lines\)/);
  t.match(readFileSync(join(dir, 'gki.fragment'), 'utf8'), /CONFIG_IPC_NS=y/);
  t.equal((await probe({ kernelConfig: `${SAMPLES}gki-android13-5.15-arm64.defconfig`, fragment: true, output: join(dir, 'no/such/dir/x') })).code, 2);
});
