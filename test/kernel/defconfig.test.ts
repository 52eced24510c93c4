// Defconfig reading: every option droidcheck evaluates resolves, from
// kernel-configs/kconfig-defaults.json, to what `make olddefconfig` gives it.
// Checked on defconfigs made by `make savedefconfig` of real configs (Debian's,
// both VM kernels', the Android samples') and on a real GKI defconfig, in
// Debian's linux-source-6.1 (skipped, naming the need, when it is absent).

import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseKernelConfig } from '../../src/kernel/config.js';
import { classifyConfigText } from '../../src/kernel/input/detect.js';
import { bundledKconfigTable, expandDefconfig, guessArch } from '../../src/kernel/input/defconfig.js';
import { evalExpr } from '../../src/kernel/input/kconfig-expr.js';
import { bundledRequirementSetPath, evaluateRequirementSet, loadRequirementSet } from '../../src/kernel/requirements.js';
import { cachedKernel } from '../vm/vm.js';
import { haveTools, kmake, LINUX_SRC_NEED, linuxSource, olddefconfigAndSave } from '../helpers/linux-src.js';

const SAMPLES = new URL('../../../kernel-configs/samples/', import.meta.url).pathname;
const GKI = path.join(SAMPLES, 'gki-android13-5.15-arm64.defconfig');
const { table } = bundledKconfigTable();
const SETS = ['moby-check-config', 'android-droidcheck'].map((n) => loadRequirementSet(bundledRequirementSetPath(n)));

const val = (c: ReturnType<typeof parseKernelConfig>, name: string): string => c.values.get(`CONFIG_${name}`) ?? 'n';

t.test('Kconfig expressions', async (t) => {
  const env = { tri: (n: string) => ({ A: 2, M: 1 } as Record<string, 0 | 1 | 2>)[n] ?? 0, text: (n: string) => ({ A: 'y', M: 'm', S: 'x86' } as Record<string, string>)[n] ?? 'n' };
  t.equal(evalExpr('', env), 2);
  t.equal(evalExpr('A && M', env), 1);
  t.equal(evalExpr('A && !B', env), 2);
  t.equal(evalExpr('B || (M && A)', env), 1);
  t.equal(evalExpr('!M', env), 1);
  t.equal(evalExpr('S = "x86"', env), 2);
  t.equal(evalExpr('B=n', env), 2);
  t.equal(evalExpr('M != y', env), 2);
});

t.test('a real GKI defconfig (android13-5.15): defaults filled in, no reading of absent options as missing', async (t) => {
  const text = readFileSync(GKI, 'utf8');
  t.equal(classifyConfigText(text), 'defconfig');
  const def = parseKernelConfig(text, 'gki');
  t.equal(guessArch(def, text), 'arm64');
  const full = expandDefconfig(def, 'arm64');
  // Left out by the defconfig, on by default: proc, sysfs, the UTS and network namespaces.
  for (const o of ['PROC_FS', 'SYSFS', 'UTS_NS', 'NET_NS', 'UNIX98_PTYS', 'SHMEM']) {
    t.equal(val(full, o), 'y', `${o} is y by default`);
    t.match(full.defaults?.get(`CONFIG_${o}`) ?? '', /default y/, `${o}: the reason names the default`);
  }
  // GKI turns SYSVIPC and POSIX_MQUEUE off by leaving them out: IPC_NS cannot be on.
  t.equal(val(full, 'SYSVIPC'), 'n');
  t.equal(val(full, 'IPC_NS'), 'n');
  t.match(full.defaults?.get('CONFIG_IPC_NS') ?? 'off: explicit', /depends on .*SYSVIPC \|\| POSIX_MQUEUE/);
  t.equal(val(full, 'PID_NS'), 'n', '"# CONFIG_PID_NS is not set" is kept');
  t.equal(full.defaults?.has('CONFIG_PID_NS'), false);
  t.equal(val(full, 'CGROUPS'), 'y', 'set in the file');
});

const src = linuxSource();
const work = mkdtempSync(path.join(tmpdir(), 'droidcheck-defconfig-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

const bases: Array<{ name: string; arch: 'x86_64' | 'arm64'; file: string | undefined }> = [
  { name: 'Debian 6.1 amd64', arch: 'x86_64', file: path.join(SAMPLES, 'debian-6.1-amd64.config') },
  { name: 'x86_64 VM kernel', arch: 'x86_64', file: cachedKernel('x86_64') && path.join(path.dirname(cachedKernel('x86_64') as string), 'config') },
  { name: 'arm64 VM kernel', arch: 'arm64', file: cachedKernel('arm64') && path.join(path.dirname(cachedKernel('arm64') as string), 'config') },
  { name: 'Android 4.14-like', arch: 'arm64', file: path.join(SAMPLES, 'android-4.14-like.config') },
  { name: 'Android 3.10-like', arch: 'arm64', file: path.join(SAMPLES, 'android-3.10-like.config') },
  { name: 'GKI android13-5.15 defconfig', arch: 'arm64', file: GKI },
  { name: 'Pixel 3 (b1c1) 4.9 defconfig', arch: 'arm64', file: path.join(SAMPLES, 'pixel3-b1c1-4.9-arm64.defconfig') },
];

for (const base of bases) {
  const skip = !src ? LINUX_SRC_NEED : !haveTools(base.arch) ? LINUX_SRC_NEED : !base.file ? `needs the cached ${base.arch} VM kernel (scripts/android-kernel.sh --arch ${base.arch})` : false;
  t.test(`savedefconfig of ${base.name}: every evaluated option resolves as olddefconfig does`, { skip }, async (t) => {
    const out = path.join(work, base.arch);
    const { defconfig, full } = olddefconfigAndSave(src as string, base.arch, base.file as string, out);
    const raw = readFileSync(base.file as string, 'utf8');
    if (classifyConfigText(raw) === 'defconfig') {
      // A real defconfig as it is in its tree: resolved, it gets the verdicts of its own olddefconfig.
      const arch = base.arch === 'x86_64' ? 'x86' : 'arm64';
      const mine = expandDefconfig(parseKernelConfig(raw, 'raw'), arch);
      const theirs = parseKernelConfig(full, 'olddefconfig of the raw defconfig');
      // Options Linux 6.1 no longer has (the Pixel 3's CFQ_GROUP_IOSCHED, MEMCG_SWAP) stay as the file sets them: right for
      // the device's own kernel, while olddefconfig in 6.1 drops them. They are left out of the comparison.
      const inTable = (o: string): boolean => (table.symbols[o]?.type ?? 'undefined') !== 'undefined';
      const differ = table.evaluated.filter((o) => inTable(o) && val(mine, o) !== val(theirs, o)).map((o) => `${o}: ${val(mine, o)} vs ${val(theirs, o)}`);
      t.same(differ, [], 'the defconfig as written: every evaluated option Linux 6.1 has resolves as its olddefconfig');
      const v = (c: ReturnType<typeof parseKernelConfig>) =>
        SETS.flatMap((s) => evaluateRequirementSet(s, c, theirs.version).filter((x) => x.options.every((o) => inTable(o.replace(/^CONFIG_/, '')))).map((x) => `${x.option}=${x.state}`));
      t.same(v(mine), v(theirs), 'the defconfig as written gets the verdicts of its full config');
    }
    // The reference: olddefconfig of the defconfig itself.
    writeFileSync(path.join(out, '.config'), defconfig);
    kmake(src as string, base.arch, out, 'olddefconfig');
    const reference = parseKernelConfig(readFileSync(path.join(out, '.config'), 'utf8'), 'olddefconfig');
    const def = parseKernelConfig(defconfig, 'defconfig');
    t.equal(classifyConfigText(defconfig), 'defconfig', 'savedefconfig output is recognized as a defconfig');
    const resolved = expandDefconfig(def, base.arch === 'x86_64' ? 'x86' : 'arm64');
    const wrong = table.evaluated.filter((o) => val(resolved, o) !== val(reference, o)).map((o) => `${o}: resolved ${val(resolved, o)}, olddefconfig ${val(reference, o)} (${resolved.defaults?.get(`CONFIG_${o}`) ?? 'in file'})`);
    t.same(wrong, [], `${table.evaluated.length} evaluated options agree`);
    const defaulted = table.evaluated.filter((o) => resolved.defaults?.has(`CONFIG_${o}`)).length;
    t.ok(defaulted > 0, `${defaulted} of them came from a default`);
    const verdicts = (c: ReturnType<typeof parseKernelConfig>) => SETS.flatMap((s) => evaluateRequirementSet(s, c, reference.version).map((v) => `${v.option}=${v.state}`));
    t.same(verdicts(resolved), verdicts(reference), 'same verdicts as the full config');
  });
}
