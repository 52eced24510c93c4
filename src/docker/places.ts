// Where dockerd keeps its state on this host. Pure: from the mount table and
// whether /var/lib, /var/run and /data exist. dockerd's defaults (/var/lib/docker,
// /var/run/docker, /var/run/docker.pid) when /var is there and writable;
// otherwise /data/docker (Android: the one writable, exec-capable place
// that survives a reboot; /data/local/tmp is cleared by some ROMs).

import type { MountEntry } from '../sys/mountinfo.js';
import type { Places } from './types.js';

/** The mount a path lives on: the longest mount point that is a prefix of it. */
export function mountOf(mounts: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const p = m.mountPoint === '/' ? '/' : `${m.mountPoint}/`;
    if ((path === m.mountPoint || path.startsWith(p)) && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

const readOnly = (m: MountEntry | undefined): boolean => Boolean(m && (m.options.includes('ro') || m.superOptions.includes('ro')));

export interface PlaceKinds {
  varLib: string | null;
  varRun: string | null;
  data: string | null;
  /** /etc's kind: dockerd before 23 keeps its key.json in /etc/docker. */
  etc?: string | null;
}

/** Where key.json goes when /etc cannot take it (missing or read-only: Android), beside the data-root. */
function keyPath(mounts: readonly MountEntry[], kinds: PlaceKinds, dataRoot: string): { keyPath: string } | Record<string, never> {
  if (kinds.etc === undefined) return {};
  if (kinds.etc === 'dir' && !readOnly(mountOf(mounts, '/etc'))) return {};
  return { keyPath: `${dataRoot.slice(0, dataRoot.lastIndexOf('/')) || '/'}/key.json` };
}

export function choosePlaces(mounts: readonly MountEntry[], varKinds: PlaceKinds): Places {
  const varMount = mountOf(mounts, '/var/lib');
  if (varKinds.varLib === 'dir' && varKinds.varRun !== null && !readOnly(varMount)) {
    return { dataRoot: '/var/lib/docker', execRoot: '/var/run/docker', pidfile: '/var/run/docker.pid', defaults: true, why: '/var/lib and /var/run exist and are writable: dockerd\'s defaults', ...keyPath(mounts, varKinds, '/var/lib/docker') };
  }
  const data = mountOf(mounts, '/data');
  const why = varKinds.varLib === null ? 'no /var/lib' : 'read-only /var/lib';
  if (varKinds.data === 'dir' && !readOnly(data)) {
    return { dataRoot: '/data/docker/lib', execRoot: '/data/docker/run', pidfile: '/data/docker/docker.pid', defaults: false, why: `${why}: /data is writable and not noexec`, ...keyPath(mounts, varKinds, '/data/docker/lib') };
  }
  return { dataRoot: '/tmp/docker/lib', execRoot: '/tmp/docker/run', pidfile: '/tmp/docker/docker.pid', defaults: false, why: `${why} and no writable /data: /tmp (lost at reboot)`, ...keyPath(mounts, varKinds, '/tmp/docker/lib') };
}

/** The directory whose filesystem dockerd's data would live on: the data-root's nearest existing parent. */
export function storageParent(places: Places): string {
  return places.defaults ? '/var/lib' : places.dataRoot.split('/').slice(0, 2).join('/') || '/';
}
