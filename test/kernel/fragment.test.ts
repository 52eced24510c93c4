// probe --fragment: the fragment for a kernel, merged into that kernel's config
// with the kernel's own scripts/kconfig/merge_config.sh and `make olddefconfig`
// (Debian's linux-source-6.1), keeps every line it sets. Run on both VM kernels'
// configs and on three device configs (the Android 3.10- and 4.14-like samples
// and a real GKI android13-5.15 defconfig, each brought to 6.1 by olddefconfig
// first, since the fragment is for the kernel version it is given).

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseKernelConfig } from '../../src/kernel/config.js';
import { buildFragment, renderFragment } from '../../src/kernel/fragment.js';
import { expandDefconfig } from '../../src/kernel/input/defconfig.js';
import { bundledRequirementSetPath, evaluateRequirementSet, loadRequirementSet } from '../../src/kernel/requirements.js';
import { cachedKernel } from '../vm/vm.js';
import { haveTools, kmake, LINUX_SRC_NEED, linuxSource, olddefconfigAndSave } from '../helpers/linux-src.js';

const SAMPLES = new URL('../../../kernel-configs/samples/', import.meta.url).pathname;
const android = loadRequirementSet(bundledRequirementSetPath('android-droidcheck'));
const moby = loadRequirementSet(bundledRequirementSetPath('moby-check-config'));

t.test('GKI defconfig: dependencies first, sections, kABI caveats (no kernel tree needed)', async (t) => {
  const def = parseKernelConfig(readFileSync(path.join(SAMPLES, 'gki-android13-5.15-arm64.defconfig'), 'utf8'), 'gki_defconfig');
  const config = expandDefconfig(def, 'arm64');
  const f = buildFragment({ config, version: '5.15.0', arch: 'arm64', android, moby, wantedBy: new Map([['CONFIG_IPC_NS', ['ns.ipc']]]) });
  const names = f.lines.map((l) => l.option);
  t.ok(names.indexOf('CONFIG_SYSVIPC') >= 0 && names.indexOf('CONFIG_SYSVIPC') < names.indexOf('CONFIG_IPC_NS'), 'SYSVIPC comes before IPC_NS, which depends on it');
  const ipc = f.lines.find((l) => l.option === 'CONFIG_IPC_NS');
  t.equal(ipc?.section, 'runc');
  t.match(ipc?.comment, /ns\.ipc/);
  t.match(ipc?.comment, /kconfig\.android/);
  t.match(ipc?.comment, /CAUTION GKI\/kABI.*bootloop/);
  t.equal(f.lines.find((l) => l.option === 'CONFIG_PID_NS')?.section, 'runc');
  t.equal(f.lines.find((l) => l.option === 'CONFIG_NETFILTER_XT_MATCH_ADDRTYPE')?.section, 'docker');
  t.notOk(names.includes('CONFIG_PROC_FS'), 'on by default: not in the fragment');
  t.ok(f.caveats.some((c) => /GKI: the kernel module interface \(KMI\/kABI\) is frozen/.test(c)));
  t.notOk(names.includes('CONFIG_DEVPTS_MULTIPLE_INSTANCES'), 'Linux 5.15 has no DEVPTS_MULTIPLE_INSTANCES');
  const text = renderFragment(f, 'gki_defconfig');
  t.match(text, /# --- needed for runc\/droidcheck/);
  t.match(text, /# --- needed for Docker/);
  t.match(text, /# --- optional/);
});

t.test('for an old kernel (the 3.10 sample): options of its time, none from after it', async (t) => {
  const config = parseKernelConfig(readFileSync(path.join(SAMPLES, 'android-3.10-like.config'), 'utf8'), '3.10');
  const f = buildFragment({ config, version: config.version, arch: 'arm64', android, moby });
  const devpts = f.lines.find((l) => l.option === 'CONFIG_DEVPTS_MULTIPLE_INSTANCES');
  t.equal(devpts?.value, 'y', 'DEVPTS_MULTIPLE_INSTANCES (gone in 4.7) is in the fragment for 3.10');
  t.match(devpts?.comment, /gone by Linux 6\.1/);
  t.notOk(f.lines.some((l) => l.option === 'CONFIG_OVERLAY_FS'), 'no OVERLAY_FS: it came with 3.18');
  t.ok(f.notes.some((n) => /CONFIG_OVERLAY_FS does not exist before Linux 3\.18/.test(n)));
  t.ok(f.lines.some((l) => l.option === 'CONFIG_CGROUP_DEVICE'), 'before 4.15 the devices controller, not CGROUP_BPF');
  t.ok(f.lines.some((l) => l.option === '# CONFIG_ANDROID_PARANOID_NETWORK' || (l.option === 'CONFIG_ANDROID_PARANOID_NETWORK' && l.value === 'n')), 'paranoid network turned off');
});

const src = linuxSource();
const work = mkdtempSync(path.join(tmpdir(), 'droidcheck-fragment-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));
const vm = (arch: 'x86_64' | 'arm64') => {
  const k = cachedKernel(arch);
  return k ? path.join(path.dirname(k), 'config') : undefined;
};
const bases: Array<{ name: string; arch: 'x86_64' | 'arm64'; file: string | undefined }> = [
  { name: 'x86_64 VM kernel', arch: 'x86_64', file: vm('x86_64') },
  { name: 'arm64 VM kernel', arch: 'arm64', file: vm('arm64') },
  { name: 'Android 3.10-like device', arch: 'arm64', file: path.join(SAMPLES, 'android-3.10-like.config') },
  { name: 'Android 4.14-like device', arch: 'arm64', file: path.join(SAMPLES, 'android-4.14-like.config') },
  { name: 'GKI android13-5.15 defconfig', arch: 'arm64', file: path.join(SAMPLES, 'gki-android13-5.15-arm64.defconfig') },
  { name: 'Pixel 3 (b1c1) 4.9 defconfig', arch: 'arm64', file: path.join(SAMPLES, 'pixel3-b1c1-4.9-arm64.defconfig') },
];

for (const base of bases) {
  const skip = !src || !haveTools(base.arch) ? LINUX_SRC_NEED : !base.file ? `needs the cached ${base.arch} VM kernel (scripts/android-kernel.sh --arch ${base.arch})` : false;
  t.test(`fragment for the ${base.name}: every line survives merge_config.sh + olddefconfig`, { skip }, async (t) => {
    const out = path.join(work, base.name.replace(/\W+/g, '-'));
    const { full } = olddefconfigAndSave(src as string, base.arch, base.file as string, out);
    const config = parseKernelConfig(full, 'base');
    const f = buildFragment({ config, version: config.version, arch: base.arch === 'x86_64' ? 'x86' : 'arm64', android, moby });
    t.ok(f.lines.length > 0, `${f.lines.length} lines`);
    const frag = path.join(out, 'droidcheck.fragment');
    writeFileSync(frag, renderFragment(f, base.name));
    const basefile = path.join(out, 'base.config');
    writeFileSync(basefile, full);
    const merged = spawnSync(path.join(src as string, 'scripts/kconfig/merge_config.sh'), ['-m', '-O', out, basefile, frag], { encoding: 'utf8' });
    t.equal(merged.status, 0, `merge_config.sh: ${merged.stderr.slice(-500)}`);
    kmake(src as string, base.arch, out, 'olddefconfig');
    const after = parseKernelConfig(readFileSync(path.join(out, '.config'), 'utf8'), 'merged');
    const lost = f.lines.filter((l) => (l.value === 'n' ? after.values.has(l.option) : after.values.get(l.option) !== l.value)).map((l) => `${l.option}=${l.value} became ${after.values.get(l.option) ?? 'n'}`);
    t.same(lost, [], 'no fragment line is dropped or changed');
    // And the fragment does its job: what it set is no longer missing.
    const still = [android, moby].flatMap((s) => evaluateRequirementSet(s, after, after.version)).filter((v) => v.applicable && !v.ok && f.lines.some((l) => v.options.includes(l.option)));
    t.same(still.map((v) => v.option), [], 'every option the fragment sets now passes');
    if (base === bases[0]) {
      // The check can fail: a line whose dependency is switched off is dropped by olddefconfig, and seen.
      writeFileSync(frag, '# CONFIG_SYSVIPC is not set\n# CONFIG_POSIX_MQUEUE is not set\nCONFIG_IPC_NS=y\n');
      t.equal(spawnSync(path.join(src as string, 'scripts/kconfig/merge_config.sh'), ['-m', '-O', out, basefile, frag], { encoding: 'utf8' }).status, 0);
      kmake(src as string, base.arch, out, 'olddefconfig');
      t.equal(parseKernelConfig(readFileSync(path.join(out, '.config'), 'utf8'), 'bad').values.get('CONFIG_IPC_NS'), undefined, 'IPC_NS without SYSVIPC/POSIX_MQUEUE does not survive');
    }
  });
}
