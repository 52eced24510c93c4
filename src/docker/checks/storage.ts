// Where Docker's images and containers live: overlay (with the whiteouts and
// opaque directories overlay2 needs) on the data-root's filesystem, else vfs;
// and a data-root that allows exec.

import { liveEvidence, result } from '../../probes/checks/util.js';
import type { Evidence } from '../../probes/types.js';
import { probeResult, why, type DockerCheck } from '../check.js';
import type { DockerFacts } from '../types.js';

/** overlay2 when overlay and its whiteouts work on the data-root's filesystem, else vfs; null when not tested. */
export function storageDriver(facts: DockerFacts): 'overlay2' | 'vfs' | null {
  const s = facts.live?.storage;
  if (!s?.overlay) {
    const fs = probeResult('fs.overlay', facts);
    return fs.status === 'fail' ? 'vfs' : null;
  }
  return s.overlay.ok && s.whiteout?.ok !== false ? 'overlay2' : 'vfs';
}

const overlay: DockerCheck = {
  id: 'docker.storage.overlay',
  title: 'overlay2 storage',
  category: 'storage',
  severity: 'recommended',
  probes: "an overlay mount on a scratch directory beside the data-root (private mount namespace), a whiteout (mknod c 0 0) and an opaque dir (trusted.overlay.opaque) seen through it",
  run(facts) {
    const s = facts.live?.storage;
    const evidence: Evidence[] = [];
    if (s?.fsType) evidence.push({ source: 'mountinfo', what: `filesystem under ${s.dir}`, value: s.fsType });
    for (const a of [s?.scratch, s?.overlay, s?.whiteout, s?.opaque]) if (a) evidence.push(liveEvidence(a));
    const driver = storageDriver(facts);
    if (driver === null) return result({ status: 'skip', summary: `not tested: ${facts.notes[0] ?? 'no live tests'}`, evidence });
    if (driver === 'overlay2') {
      const opaque = s?.opaque && !s.opaque.ok ? ` (opaque dirs not confirmed: ${why(s.opaque)})` : '';
      return result({ status: 'pass', summary: `overlay works on ${s?.fsType ?? s?.dir ?? 'the data-root'}${opaque}`, evidence });
    }
    const f = s?.overlay && !s.overlay.ok ? s.overlay : s?.whiteout;
    return result({
      status: 'warn',
      summary: f ? `overlay2 cannot work here: ${f.op}: ${why(f)}` : 'no overlay filesystem',
      evidence,
      impact: 'dockerd fails with "driver not supported: overlay2" unless told to use vfs (a full copy per layer: slower, more space)',
      remediation: [{ kind: 'runtime-flag', text: 'use the vfs storage driver', items: ['daemon.json: "storage-driver": "vfs"'] }, { kind: 'kernel-option', text: 'or rebuild the kernel with overlay', items: ['CONFIG_OVERLAY_FS=y'] }],
      configOptions: ['CONFIG_OVERLAY_FS'],
    });
  },
};

const dataRoot: DockerCheck = {
  id: 'docker.data-root',
  title: 'A place for data-root and exec-root',
  category: 'storage',
  severity: 'required',
  probes: 'the mount under the data-root (writable, not noexec): a scratch directory made there and a program run from it',
  run(facts) {
    const p = facts.places;
    const s = facts.live?.storage;
    const evidence: Evidence[] = [{ source: 'mountinfo', what: 'data-root', value: `${p.dataRoot} (${p.why})` }];
    for (const a of [s?.scratch, s?.exec]) if (a) evidence.push(liveEvidence(a));
    const f = [s?.scratch, s?.exec].find((a) => a && !a.ok);
    if (f) return result({ status: 'fail', summary: `${f.op}: ${why(f)}`, evidence, impact: 'containers cannot run programs from the image ("permission denied" on exec)', remediation: [{ kind: 'runtime-flag', text: 'put data-root on an exec-capable filesystem (Android: /data, never /sdcard)', items: ['daemon.json: "data-root": "/data/docker/lib"'] }] });
    return result({ status: s?.exec ? 'pass' : p.defaults ? 'pass' : 'warn', summary: `${p.dataRoot}${p.defaults ? ' (dockerd\'s default)' : ''}: ${p.why}`, evidence });
  },
};

export const storageChecks: readonly DockerCheck[] = [overlay, dataRoot];
