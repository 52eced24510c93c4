// The kernel source tree tests run Kconfig in (make olddefconfig, savedefconfig,
// merge_config.sh): DROIDCHECK_LINUX_SRC, else the tree scripts/android-kernel.sh
// extracted from Debian's linux-source-6.1 into ~/.cache/droidcheck. Nothing is
// written into it: every make runs with O= in a scratch directory.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export const LINUX_SRC_NEED = 'needs a linux-source-6.1 tree (scripts/android-kernel.sh extracts /usr/src/linux-source-6.1.tar.xz into ~/.cache/droidcheck/android-kernel/src; or set DROIDCHECK_LINUX_SRC), make and gcc (and aarch64-linux-gnu-gcc for arm64)';

export function linuxSource(): string | null {
  const env = process.env['DROIDCHECK_LINUX_SRC'];
  if (env) return existsSync(path.join(env, 'scripts/kconfig/merge_config.sh')) ? env : null;
  const root = path.join(process.env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache'), 'droidcheck', 'android-kernel', 'src');
  if (!existsSync(root)) return null;
  for (const tag of readdirSync(root)) {
    const dir = path.join(root, tag);
    if (!existsSync(path.join(dir, '.extracted'))) continue;
    for (const sub of readdirSync(dir)) {
      const src = path.join(dir, sub);
      if (existsSync(path.join(src, 'scripts/kconfig/merge_config.sh'))) return src;
    }
  }
  return null;
}

export function haveTools(arch: 'x86_64' | 'arm64'): boolean {
  const tools = ['make', 'gcc', 'flex', 'bison', ...(arch === 'arm64' ? ['aarch64-linux-gnu-gcc'] : [])];
  return tools.every((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status === 0);
}

/** Runs a Kconfig target with O=out; throws with make's output on failure. */
export function kmake(src: string, arch: 'x86_64' | 'arm64', out: string, ...targets: string[]): void {
  mkdirSync(out, { recursive: true });
  const r = spawnSync('make', ['-s', '-C', src, `O=${out}`, `ARCH=${arch}`, ...(arch === 'arm64' ? ['CROSS_COMPILE=aarch64-linux-gnu-'] : []), ...targets], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make ${targets.join(' ')} (ARCH=${arch}) failed: ${r.stderr.slice(-2000)}`);
}

/** olddefconfig of a config in out/, then savedefconfig: returns { full, defconfig } texts. */
export function olddefconfigAndSave(src: string, arch: 'x86_64' | 'arm64', config: string, out: string): { full: string; defconfig: string } {
  mkdirSync(out, { recursive: true });
  copyFileSync(config, path.join(out, '.config'));
  kmake(src, arch, out, 'olddefconfig', 'savedefconfig');
  return { full: readFileSync(path.join(out, '.config'), 'utf8'), defconfig: readFileSync(path.join(out, 'defconfig'), 'utf8') };
}
