// Builds src/native/droidcheck-init.c into dist/native/droidcheck-init-MACHINE
// (x86_64, aarch64, arm) with this machine's C compiler (CC, else cc, gcc,
// clang) and, statically, with any cross compiler found (aarch64-linux-gnu-gcc,
// arm-linux-gnueabihf-gcc, x86_64-linux-gnu-gcc), so a package built here also
// carries the launcher for phones. `droidcheck run` uses the one for its own
// machine; without it, the sh backend (busybox, toybox, util-linux). This
// script never fails the build: a missing compiler only means no launcher.
// With --require-all (npm's prepack, and so `npm pack` and `npm publish`) it
// fails unless all three launchers (x86_64, aarch64, arm) are there, static,
// so a package never ships without the one a phone needs. Messages go to
// stderr, so `npm pack --json` (which runs this as prepack) stays JSON.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { machine } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src/native/droidcheck-init.c');
const outDir = join(root, 'dist/native');
const MACHINES = { x86_64: 'x86_64', amd64: 'x86_64', aarch64: 'aarch64', arm64: 'aarch64', armv7l: 'arm', armv8l: 'arm', armv6l: 'arm', arm: 'arm' };
const host = MACHINES[machine()] ?? machine();
const nativeDir = join(root, 'src/native');
const newestSource = Math.max(...readdirSync(nativeDir).map((f) => statSync(join(nativeDir, f)).mtimeMs));
mkdirSync(outDir, { recursive: true });

/** Compiles for one machine; static first (where the C library allows), then dynamic unless it is a cross build. */
function build(target, compilers, cross) {
  const out = join(outDir, `droidcheck-init-${target}`);
  // Built after the last edit of the source and its headers: prepare and prepack both run this on `npm pack`.
  if (existsSync(out) && statSync(out).mtimeMs >= newestSource) return `${out} is up to date`;
  for (const cc of compilers) {
    for (const extra of cross ? [['-static']] : [['-static'], []]) {
      const r = spawnSync(cc, [...extra, '-O2', '-s', '-Wall', '-Wno-format-truncation', '-o', out, source], { encoding: 'utf8' });
      if (r.error) break; // no such compiler
      if (r.status === 0) return `built ${out} with ${cc}${extra.length ? ' (static)' : ''}`;
      if (!cross && !extra.length) process.stderr.write(r.stderr);
    }
  }
  rmSync(out, { force: true });
  return null;
}

const requireAll = process.argv.includes('--require-all');

/** Whether an ELF (little-endian, as all three are) has a PT_INTERP program header, i.e. needs a dynamic loader. */
function hasInterp(path) {
  const b = readFileSync(path);
  const is64 = b[4] === 2;
  const phoff = Number(is64 ? b.readBigUInt64LE(32) : b.readUInt32LE(28));
  const [size, count] = is64 ? [b.readUInt16LE(54), b.readUInt16LE(56)] : [b.readUInt16LE(42), b.readUInt16LE(44)];
  for (let i = 0; i < count; i++) if (b.readUInt32LE(phoff + i * size) === 3) return true;
  return false;
}
const own = build(host, [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean), false);
console.error(`droidcheck-init: ${own ?? `no working C compiler (cc, gcc, clang) for ${host}: droidcheck run will launch through busybox/toybox/util-linux`}`);
const CROSS = { aarch64: 'aarch64-linux-gnu-gcc', arm: 'arm-linux-gnueabihf-gcc', x86_64: 'x86_64-linux-gnu-gcc' };
for (const [target, cc] of Object.entries(CROSS)) {
  if (target === host) continue;
  const r = build(target, [cc], true);
  if (r) console.error(`droidcheck-init: ${r}`);
}

if (requireAll) {
  // Debian packages of each cross compiler and its C library (the static link needs libc.a).
  const PACKAGES = { x86_64: 'gcc libc6-dev', aarch64: 'gcc-aarch64-linux-gnu libc6-dev-arm64-cross', arm: 'gcc-arm-linux-gnueabihf libc6-dev-armhf-cross' };
  const missing = Object.keys(PACKAGES).filter((t) => !existsSync(join(outDir, `droidcheck-init-${t}`)));
  for (const t of missing) console.error(`droidcheck-init: no launcher for ${t}: the package would lack it (Debian: apt-get install ${PACKAGES[t]})`);
  const dynamic = Object.keys(PACKAGES).filter((t) => !missing.includes(t) && hasInterp(join(outDir, `droidcheck-init-${t}`)));
  for (const t of dynamic) console.error(`droidcheck-init: the launcher for ${t} is dynamically linked: a device may have no loader for it (Debian: apt-get install ${PACKAGES[t]}, for its static libc)`);
  if (missing.length || dynamic.length) process.exit(1);
}
