// /proc/self/mountinfo parsing (proc(5)).

export interface MountEntry {
  mountPoint: string;
  /** Root of the mount within its filesystem. */
  root: string;
  fsType: string;
  source: string;
  /** Per-mount options: ro/rw, nosuid, nodev, noexec... */
  options: string[];
  /** Superblock options, e.g. cpuset,noprefix for a cgroup v1 mount. */
  superOptions: string[];
}

const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6 || fields.length < dash + 3) continue;
    entries.push({
      root: unescape(fields[3] as string),
      mountPoint: unescape(fields[4] as string),
      options: (fields[5] as string).split(','),
      fsType: fields[dash + 1] as string,
      source: unescape(fields[dash + 2] as string),
      superOptions: (fields[dash + 3] ?? '').split(',').filter(Boolean),
    });
  }
  return entries;
}

/** The mount that covers path (the last mounted one wins). */
export function mountFor(entries: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const e of entries) {
    const mp = e.mountPoint;
    const covers = mp === '/' || path === mp || path.startsWith(mp.endsWith('/') ? mp : `${mp}/`);
    if (covers && (!best || mp.length >= best.mountPoint.length)) best = e;
  }
  return best;
}
