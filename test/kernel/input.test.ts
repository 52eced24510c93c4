// --kernel-config by content, on real inputs made at test time from the VM
// kernels (scripts/android-kernel.sh builds them with CONFIG_IKCONFIG=y): the
// raw image, gzip and LZ4 (`lz4 -l` as the kernel's Image.lz4, and the frame
// format), boot.img at header versions 0-4 (Debian's mkbootimg; v4 from v3),
// vendor_boot; each must give the config the kernel was built from, and so
// the same verdicts. Damaged inputs give one clear sentence, not a stack trace.

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { probeCommand, defaultIo } from '../../src/cli/probe.js';
import { parseKernelConfig } from '../../src/kernel/config.js';
import { parseBootImage } from '../../src/kernel/input/bootimg.js';
import { classifyConfigText, decodeConfigInput } from '../../src/kernel/input/detect.js';
import { lz4Decompress } from '../../src/kernel/input/lz4.js';
import { bundledRequirementSetPath, evaluateRequirementSet, loadRequirementSet } from '../../src/kernel/requirements.js';
import { cachedKernel } from '../vm/vm.js';

const onPath = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const SETS = ['moby-check-config', 'android-droidcheck'].map((n) => loadRequirementSet(bundledRequirementSetPath(n)));
const verdicts = (text: string) => SETS.flatMap((s) => evaluateRequirementSet(s, parseKernelConfig(text, 'x'), null).map((v) => `${v.option}=${v.state}`));

const work = mkdtempSync(path.join(tmpdir(), 'droidcheck-kinput-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

for (const arch of ['x86_64', 'arm64'] as const) {
  const kernel = cachedKernel(arch) ?? '';
  t.test(`${arch} VM kernel: every input kind gives the config it was built from`, { skip: kernel ? false : `needs the cached ${arch} VM kernel: scripts/android-kernel.sh --arch ${arch}` }, async (t) => {
    const configText = readFileSync(path.join(path.dirname(kernel), 'config'), 'utf8');
    const want = verdicts(configText);
    const image = readFileSync(kernel);
    const inputs: Array<[string, Buffer, string]> = [
      ['raw image', image, 'kernel-image'],
      ['gzip', gzipSync(image), 'kernel-image'],
      ['the .config', Buffer.from(configText), 'config'],
      ['config.gz', gzipSync(configText), 'config'],
    ];
    const dtb = path.join(work, 'dtb');
    writeFileSync(dtb, 'not a real dtb, mkbootimg only copies it');
    if (onPath('lz4')) {
      const lz = path.join(work, `${arch}.lz4`);
      run('lz4', ['-q', '-f', '-l', '-12', kernel, lz]);
      inputs.push(['lz4 -l (legacy, as Image.lz4)', Buffer.concat([readFileSync(lz), Buffer.from([1, 2, 3, 4])]), 'kernel-image']);
      run('lz4', ['-q', '-f', kernel, lz]);
      inputs.push(['lz4 frame', readFileSync(lz), 'kernel-image']);
    } else {
      t.comment('lz4 not installed: the LZ4 inputs are not tested (apt-get install lz4)');
    }
    if (onPath('mkbootimg')) {
      for (const v of [0, 1, 2, 3]) {
        const out = path.join(work, `${arch}-boot-v${v}.img`);
        run('mkbootimg', ['--kernel', kernel, '--header_version', String(v), ...(v < 3 ? ['--pagesize', v === 1 ? '4096' : '2048'] : []), ...(v === 2 ? ['--dtb', dtb] : []), '-o', out]);
        inputs.push([`boot.img v${v}`, readFileSync(out), 'boot-image']);
        if (v === 3) {
          // Debian's mkbootimg stops at v3; v4 adds signature_size (0 here) after v3's fields and nothing before the kernel.
          const v4 = Buffer.from(readFileSync(out));
          v4.writeUInt32LE(4, 40);
          v4.writeUInt32LE(1584, 20);
          inputs.push(['boot.img v4', v4, 'boot-image']);
        }
      }
      // A vendor_boot whose ramdisk holds the IKCONFIG blob as configs.ko does (CONFIG_IKCONFIG=m).
      const st = image.indexOf('IKCFG_ST');
      const ed = image.indexOf('IKCFG_ED');
      if (st >= 0 && ed > st) {
        const ramdisk = path.join(work, 'vendor-ramdisk.gz');
        writeFileSync(ramdisk, gzipSync(Buffer.concat([Buffer.alloc(512), image.subarray(st, ed + 8), Buffer.alloc(512)])));
        const vb = path.join(work, `${arch}-vendor_boot.img`);
        run('mkbootimg', ['--header_version', '3', '--vendor_ramdisk', ramdisk, '--dtb', dtb, '--vendor_boot', vb]);
        inputs.push(['vendor_boot v3 with configs.ko data', readFileSync(vb), 'vendor-boot-image']);
        // boot.img whose kernel has no IKCONFIG but whose ramdisk has configs.ko (CONFIG_IKCONFIG=m).
        const noIk = Buffer.from(image);
        for (let i = noIk.indexOf('IKCFG_ST'); i >= 0; i = noIk.indexOf('IKCFG_ST', i + 1)) noIk.write('XXXXXXXX', i);
        const noIkFile = path.join(work, `${arch}-no-ikconfig`);
        writeFileSync(noIkFile, noIk);
        const bootm = path.join(work, `${arch}-boot-ikconfig-m.img`);
        run('mkbootimg', ['--kernel', noIkFile, '--ramdisk', ramdisk, '--header_version', '2', '--dtb', dtb, '-o', bootm]);
        inputs.push(['boot.img v2, IKCONFIG=m (configs.ko in the ramdisk)', readFileSync(bootm), 'boot-image']);
      }
    } else {
      t.comment('mkbootimg not installed: boot.img inputs are not tested (apt-get install mkbootimg)');
    }
    for (const [name, bytes, kind] of inputs) {
      const decoded = decodeConfigInput(bytes);
      t.equal(decoded.input.kind, kind, `${name}: recognized as ${kind}`);
      t.equal(decoded.text, configText, `${name}: the config the kernel was built from`);
      t.same(verdicts(decoded.text), want, `${name}: same verdicts`);
      if (kind !== 'config' && kind !== 'vendor-boot-image' && !name.includes('IKCONFIG=m')) t.match(decoded.input.bannerVersion ?? '', /^6\.1\./, `${name}: version from the banner`);
    }
    const boot2 = inputs.find(([n]) => n === 'boot.img v2');
    if (boot2) {
      const img = parseBootImage(boot2[1]);
      t.equal(img.pageSize, 2048);
      t.equal(img.sections[0]?.size, image.length);
      // Truncated: the header promises more kernel than there is.
      t.throws(() => decodeConfigInput(boot2[1].subarray(0, 100_000)), /runs past the end of the file .*truncated image/);
      t.throws(() => decodeConfigInput(boot2[1].subarray(0, 40)), /header truncated/);
    }
    // The image without its IKCONFIG blob (as a kernel built without CONFIG_IKCONFIG): a clear message.
    const stripped = Buffer.from(image);
    for (let i = stripped.indexOf('IKCFG_ST'); i >= 0; i = stripped.indexOf('IKCFG_ST', i + 1)) stripped.write('XXXXXXXX', i);
    if (arch === 'arm64') {
      t.throws(() => decodeConfigInput(stripped), /was built without CONFIG_IKCONFIG: the image carries no config/);
    }
    // A compressed image cut short: its payload cannot be inflated.
    const cut = gzipSync(image).subarray(0, 200_000);
    t.throws(() => decodeConfigInput(cut), /gzip data is damaged or truncated/);
    t.throws(() => decodeConfigInput(image.subarray(0, 300_000)), /truncated/);
  });
}

const x86Kernel = cachedKernel('x86_64') ?? '';
t.test('an x86 bzImage without IKCONFIG: exit 2 with the reason', { skip: x86Kernel ? false : 'needs the cached x86_64 VM kernel: scripts/android-kernel.sh --arch x86_64' }, async (t) => {
  const kernel = x86Kernel;
  // Rebuild the bzImage's payload without the blob: inflate, strip the markers, deflate, put it back in place of the original.
  const image = readFileSync(kernel);
  const at = image.indexOf(Buffer.from([0x1f, 0x8b, 0x08]));
  const { gunzipSync } = await import('node:zlib');
  const inner = gunzipSync(image.subarray(at));
  for (let i = inner.indexOf('IKCFG_ST'); i >= 0; i = inner.indexOf('IKCFG_ST', i + 1)) inner.write('XXXXXXXX', i);
  const file = path.join(work, 'no-ikconfig-bzImage');
  writeFileSync(file, Buffer.concat([image.subarray(0, at), gzipSync(inner)]));
  let err = '';
  const io = { ...defaultIo(), stdout: () => undefined, stderr: (s: string) => void (err += s) };
  t.equal(await probeCommand({ kernelConfig: file, live: false, noFfi: true, format: 'json', verbose: false, listChecks: false, strict: false, redact: true }, io), 2);
  t.match(err, /--kernel-config .*built without CONFIG_IKCONFIG.*\/proc\/config\.gz/);
  t.notMatch(err, /\n\s+at /, 'no stack trace');
});

t.test('text configs: full .config or defconfig', async (t) => {
  const sample = readFileSync(new URL('../../../kernel-configs/samples/debian-6.1-amd64.config', import.meta.url), 'utf8');
  t.equal(classifyConfigText(sample), 'config');
  t.equal(decodeConfigInput(Buffer.from(sample)).input.kind, 'config');
  const defconfig = 'CONFIG_SYSVIPC=y\nCONFIG_POSIX_MQUEUE=y\n# CONFIG_SWAP is not set\nCONFIG_NAMESPACES=y\n';
  t.equal(classifyConfigText(defconfig), 'defconfig');
  t.equal(decodeConfigInput(Buffer.from(defconfig)).input.kind, 'defconfig');
  // A full config without the header comment (hand-copied) is still full: the always-present options are there.
  t.equal(classifyConfigText(sample.split('\n').filter((l) => !l.includes('Automatically generated')).join('\n')), 'config');
  t.throws(() => decodeConfigInput(Buffer.alloc(0)), /empty file/);
  t.throws(() => decodeConfigInput(readFileSync('/bin/sh')), /not a kernel config, a kernel image or a boot image/);
});

t.test('lz4 decoder: damaged input is an error, not a crash', async (t) => {
  t.throws(() => lz4Decompress(Buffer.from([0x02, 0x21, 0x4c, 0x18, 5, 0, 0, 0, 0xf0, 1, 2, 3, 4])), /legacy LZ4 stream has no complete block|past the end/);
  t.throws(() => lz4Decompress(Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x64, 0x40])), /truncated/);
  t.throws(() => lz4Decompress(Buffer.from('nope')), /no LZ4 magic/);
  // A literal-only block: token 0x40 = 4 literals.
  const block = Buffer.from([0x40, 0x61, 0x62, 0x63, 0x64]);
  const legacy = Buffer.concat([Buffer.from([0x02, 0x21, 0x4c, 0x18, 5, 0, 0, 0]), block]);
  t.equal(lz4Decompress(legacy).toString(), 'abcd');
  t.throws(() => lz4Decompress(legacy, 2), /output would exceed 2 bytes/, 'a size limit, so a hostile file cannot exhaust memory');
});
