// What `npm pack` puts in the package: the three static droidcheck-init
// launchers (x86_64, aarch64, 32-bit ARM hard-float), checked by their ELF
// headers, and no install step that would need a compiler on the phone.
// The launchers are built by `npm run build` (which `npm test` runs first) and
// by the prepack step; a machine without the cross compilers fails here,
// naming the Debian packages, because the package it packs would lack them.

import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseElf, parseElfAbi } from '../../src/sys/elf.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string>; files: string[] };

/** What each launcher must be: ELF class, machine, and for ARM the EABI version and float ABI. */
const EXPECTED = [
  { file: 'dist/native/droidcheck-init-x86_64', class: 64, machine: 'x86_64', armEabi: null, armFloat: null, debian: 'gcc libc6-dev' },
  { file: 'dist/native/droidcheck-init-aarch64', class: 64, machine: 'aarch64', armEabi: null, armFloat: null, debian: 'gcc-aarch64-linux-gnu libc6-dev-arm64-cross' },
  { file: 'dist/native/droidcheck-init-arm', class: 32, machine: 'arm', armEabi: 5, armFloat: 'hard', debian: 'gcc-arm-linux-gnueabihf libc6-dev-armhf-cross' },
] as const;

t.test('npm pack lists the three launchers, each a static ELF for its machine', async (t) => {
  // --ignore-scripts: list what is built now; the prepack step is tested below.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const listed = new Set((JSON.parse(out) as { files: { path: string; mode: number }[] }[])[0]!.files.map((f) => f.path));
  for (const want of EXPECTED) {
    if (!listed.has(want.file)) {
      t.fail(`${want.file} is not in the package (build it: apt-get install ${want.debian}, then npm run build)`);
      continue;
    }
    const bytes = readFileSync(`${root}${want.file}`);
    const info = parseElf(want.file, bytes);
    const abi = parseElfAbi(want.file, bytes);
    t.same(
      { class: info.class, machine: info.machine, static: info.static, armEabi: abi.armEabi, armFloat: abi.armFloat },
      { class: want.class, machine: want.machine, static: true, armEabi: want.armEabi, armFloat: want.armFloat },
      `${want.file}: ELF${want.class} ${want.machine}${want.armFloat ? `, EABI${want.armEabi} ${want.armFloat}-float` : ''}, no PT_INTERP`,
    );
  }
});

t.test('the package installs without a compiler and packs only with all three', async (t) => {
  for (const hook of ['preinstall', 'install', 'postinstall']) t.notOk(pkg.scripts[hook], `no ${hook} script: installing never compiles`);
  t.match(pkg.scripts.prepack, /build-init\.mjs --require-all/, 'prepack builds the launchers and refuses to pack without one');
  t.ok(pkg.files.includes('dist/'), 'dist/ (and so dist/native/) is in the package');
  // The prepack step passes here, where the three are built.
  t.doesNotThrow(() => execFileSync(process.execPath, [`${root}scripts/build-init.mjs`, '--require-all'], { cwd: root, stdio: 'ignore' }), 'build-init.mjs --require-all passes with all three built');
});

t.test('parseElfAbi: ARM float ABI from e_flags', async (t) => {
  const header = (flags: number): Buffer => {
    const b = Buffer.alloc(52);
    b.write('\x7fELF', 0, 'latin1');
    b[4] = 1;
    b[5] = 1;
    b.writeUInt16LE(40, 18);
    b.writeUInt32LE(flags, 36);
    return b;
  };
  t.same(parseElfAbi('hf', header(0x05000400)), { flags: 0x05000400, armEabi: 5, armFloat: 'hard' });
  t.same(parseElfAbi('el', header(0x05000200)), { flags: 0x05000200, armEabi: 5, armFloat: 'soft' });
  t.same(parseElfAbi('old', header(0x04000000)), { flags: 0x04000000, armEabi: 4, armFloat: 'unmarked' });
});
