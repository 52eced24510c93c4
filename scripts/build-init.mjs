// Builds src/native/droidcheck-init.c into dist/native/droidcheck-init when a C
// compiler is there (CC, else cc, gcc, clang): the embedded runtime then starts
// the container with it instead of a second node process. Static where the C
// library allows it. Without a compiler nothing is built and `droidcheck run`
// uses its node init; this script never fails the build for that.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src/native/droidcheck-init.c');
const out = join(root, 'dist/native/droidcheck-init');
const flags = ['-O2', '-Wall', '-Wno-format-truncation', '-o', out, source];
mkdirSync(dirname(out), { recursive: true });

const compilers = [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean);
for (const cc of compilers) {
  for (const extra of [['-static'], []]) {
    const r = spawnSync(cc, [...extra, ...flags], { encoding: 'utf8' });
    if (r.error) break; // no such compiler: try the next one
    if (r.status === 0) {
      console.log(`droidcheck-init: built ${out} with ${cc}${extra.length ? ' (static)' : ''}`);
      process.exit(0);
    }
    if (!extra.length) {
      process.stderr.write(r.stderr);
      console.error(`droidcheck-init: ${cc} failed; droidcheck run will use its node init`);
      rmSync(out, { force: true });
      process.exit(0);
    }
  }
}
rmSync(out, { force: true });
console.log('droidcheck-init: no C compiler (cc, gcc, clang); droidcheck run will use its node init');
