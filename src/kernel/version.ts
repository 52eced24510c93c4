// Kernel release strings ("3.10.40-g1234abc", "6.1.0-27-amd64") as numbers.

export type KernelVersion = readonly [number, number, number];

export function parseKernelVersion(release: string | null | undefined): KernelVersion | null {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec((release ?? '').trim());
  if (!m) return null;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareKernelVersion(a: KernelVersion, b: KernelVersion): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** True when version is known and below "major.minor[.patch]". */
export function kernelBelow(version: KernelVersion | null, bound: string): boolean {
  const b = parseKernelVersion(bound);
  return version !== null && b !== null && compareKernelVersion(version, b) < 0;
}

export function formatKernelVersion(v: KernelVersion): string {
  return v.join('.');
}
