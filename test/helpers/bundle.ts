// A busybox bundle for integration tests: the host's static busybox as rootfs
// and the stock `runc spec` config (test/fixtures/bundles/runc-spec.json).

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OciSpec } from '../../src/runtime/spec.js';

export const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => {
  try {
    readFileSync(p).subarray(0, 4);
    return true;
  } catch {
    return false;
  }
});

export function stockSpec(): OciSpec {
  return JSON.parse(readFileSync(new URL('../../../test/fixtures/bundles/runc-spec.json', import.meta.url), 'utf8')) as OciSpec;
}

export function makeBundle(edit: (spec: OciSpec) => void = () => undefined): string {
  if (!BUSYBOX) throw new Error('no static busybox');
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-test-bundle-'));
  const rootfs = join(dir, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'etc', 'tmp', 'run']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin/busybox'));
  for (const applet of ['sh', 'cat', 'echo', 'id', 'hostname', 'ls', 'grep', 'true', 'sleep', 'ps', 'mount']) symlinkSync('busybox', join(rootfs, 'bin', applet));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n');
  const spec = stockSpec();
  edit(spec);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, 2));
  return dir;
}

/** NODE_OPTIONS values for child processes: koffi cannot load there, as on Android 7/8 phones. */
export const NO_KOFFI = {
  /** process.platform === 'android': koffi finds no module for android-x64. */
  android: `--import ${fileURLToPath(new URL('./preload-android.js', import.meta.url))}`,
  /** koffi.node does not dlopen. */
  dlopen: `--import ${fileURLToPath(new URL('./preload-no-koffi.js', import.meta.url))}`,
} as const;

/** The first 64 bytes of a 64-bit little-endian aarch64 executable: enough for execve to refuse it with ENOEXEC on x86_64. */
export function aarch64Elf(): Buffer {
  const elf = Buffer.alloc(64);
  elf.write('\x7fELF', 0, 'latin1');
  elf[4] = 2; // ELFCLASS64
  elf[5] = 1; // little-endian
  elf.writeUInt16LE(2, 16); // ET_EXEC
  elf.writeUInt16LE(183, 18); // EM_AARCH64
  return elf;
}
