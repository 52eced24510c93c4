// Entering the container's root: pivot_root (not on rootfs/initramfs) or chroot.

import type { Facts } from '../facts.js';
import { mountFor } from '../../sys/mountinfo.js';
import type { Check, Evidence } from '../types.js';
import { liveEvidence, notAllowed, result } from './util.js';

const RAM_ROOTS = new Set(['rootfs', 'ramfs']);

/** The filesystem type of "/", or null when mountinfo is unreadable. */
export function rootFsType(facts: Facts): string | null {
  return mountFor(facts.mounts, '/')?.fsType ?? null;
}

const pivotRoot: Check = {
  id: 'rootfs.pivot-root',
  title: 'pivot_root into the container root',
  category: 'rootfs',
  severity: 'recommended',
  probes: 'filesystem type of / in /proc/self/mountinfo (rootfs/ramfs = initramfs), live pivot_root in a private mount namespace',
  run(facts) {
    const type = rootFsType(facts);
    const evidence: Evidence[] = type ? [{ source: 'mountinfo', what: '/proc/self/mountinfo: /', value: type }] : [];
    const attempt = facts.live?.pivotRoot;
    if (attempt) evidence.push(liveEvidence(attempt));
    // EPERM/EACCES: the attempt was refused (SELinux, seccomp), so / decides.
    const live = attempt && !notAllowed(attempt) ? attempt : undefined;
    const works = live ? live.ok : type === null ? null : !RAM_ROOTS.has(type);
    const disagreement =
      live && type !== null && live.ok === RAM_ROOTS.has(type)
        ? `/ is ${type} but the live pivot_root ${live.ok ? 'succeeded' : `failed with ${live.errno}`}: the live result counts`
        : undefined;
    const base = { evidence, ...(disagreement ? { disagreement } : {}) };
    if (works === null) return result({ ...base, status: 'skip', summary: 'unknown: no mountinfo and no live test' });
    if (works) return result({ ...base, status: 'pass', summary: 'works' });
    return result({
      ...base,
      status: 'warn',
      summary: live ? `pivot_root fails with ${live.errno}${type ? ` (/ is ${type})` : ''}` : `/ is ${type}: pivot_root cannot work`,
      impact: 'runc fails with "pivot_root invalid argument" ("error jailing process inside rootfs"); containers must be entered with chroot (a process with CAP_SYS_CHROOT can escape a chroot)',
      remediation: [
        { kind: 'runtime-flag', text: 'tell the runtime not to pivot_root (droidcheck run falls back to chroot by itself)', items: ['runc run --no-pivot', 'crun run --no-pivot', 'DOCKER_RAMDISK=true dockerd'] },
      ],
    });
  },
};

const chroot: Check = {
  id: 'rootfs.chroot',
  title: 'chroot into the container root',
  category: 'rootfs',
  severity: 'required',
  probes: 'live chroot in a throwaway mount namespace, else CAP_SYS_CHROOT in /proc/self/status',
  run(facts) {
    const live = facts.live?.chroot;
    if (live) {
      return live.ok
        ? result({ status: 'pass', summary: 'works', evidence: [liveEvidence(live)] })
        : result({
            status: 'fail',
            summary: `chroot fails with ${live.errno}`,
            evidence: [liveEvidence(live)],
            impact: 'no way to enter a container root filesystem',
            remediation: [{ kind: 'host-command', text: 'run droidcheck as root with CAP_SYS_CHROOT (su -c, or a root shell from Magisk/KernelSU)' }],
          });
    }
    const cap = capEff(facts);
    if (cap === null) return result({ status: 'skip', summary: 'unknown: no live test and no /proc/self/status' });
    const has = (cap >> 18n) & 1n;
    const evidence: Evidence[] = [{ source: 'procfs', what: '/proc/self/status CapEff', value: cap.toString(16).padStart(16, '0') }];
    return has
      ? result({ status: 'pass', summary: 'CAP_SYS_CHROOT held', evidence })
      : result({
          status: 'fail',
          summary: 'CAP_SYS_CHROOT missing',
          evidence,
          impact: 'no way to enter a container root filesystem',
          remediation: [{ kind: 'host-command', text: 'run droidcheck as root (su -c droidcheck ...)' }],
        });
  },
};

/** CapEff from /proc/self/status as a bigint, or null. */
export function capEff(facts: Facts): bigint | null {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(facts.text['/proc/self/status'] ?? '');
  return m ? BigInt(`0x${m[1]}`) : null;
}

export const rootfsChecks: Check[] = [pivotRoot, chroot];
