// Paths inside a container root, resolved on the host side.

import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * rootfs + path, following symbolic links the way the container would see
 * them: absolute targets restart at the rootfs and ".." stops there, so an
 * image cannot point a mount outside its root. After 40 links the path is
 * returned as it stands (the mount then fails with ELOOP).
 */
export function resolveInRootfs(rootfs: string, path: string): string {
  let parts = path.split('/').filter(Boolean);
  let current = rootfs;
  for (let hops = 0; parts.length; ) {
    const part = parts.shift() as string;
    if (part === '..') {
      current = current === rootfs ? rootfs : dirname(current);
      continue;
    }
    const next = join(current, part);
    let link: string | null = null;
    try {
      if (lstatSync(next).isSymbolicLink()) link = readlinkSync(next);
    } catch {
      link = null;
    }
    if (link === null) {
      current = next;
      continue;
    }
    if (++hops > 40) return next;
    parts = [...link.split('/').filter(Boolean), ...parts];
    if (link.startsWith('/')) current = rootfs;
  }
  return current;
}

/** The plan with every mount target resolved in the rootfs as it is now (no symlink may lead out of it). */
export function withResolvedTargets<P extends { rootfs: string; mounts: readonly { destination: string; target: string }[] }>(plan: P): P {
  return { ...plan, mounts: plan.mounts.map((m) => ({ ...m, target: resolveInRootfs(plan.rootfs, m.destination) })) };
}
