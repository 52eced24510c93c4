// Root, capabilities, seccomp, no_new_privs and SELinux.

import { kernelBelow } from '../../kernel/version.js';
import type { Facts } from '../facts.js';
import type { Check, Evidence } from '../types.js';
import { capEff } from './rootfs.js';
import { configEvidence, configHas, liveEvidence, result } from './util.js';

/** Capabilities a runtime needs to set a container up. */
export const NEEDED_CAPS: Record<string, number> = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_NET_ADMIN: 12,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_ADMIN: 21,
  CAP_MKNOD: 27,
};

function statusField(facts: Facts, field: string): string | null {
  const m = new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(facts.text['/proc/self/status'] ?? '');
  return m ? (m[1] as string).trim() : null;
}

const root: Check = {
  id: 'sec.root',
  title: 'Running as root',
  category: 'security',
  severity: 'required',
  probes: 'effective uid',
  run(facts) {
    if (facts.configOnly) return result({ status: 'skip', summary: 'not this host: --kernel-config with --no-live' });
    const evidence: Evidence[] = [{ source: 'procfs', what: 'geteuid()', value: String(facts.uid) }];
    if (facts.uid === 0) return result({ status: 'pass', summary: 'uid 0', evidence });
    return result({
      status: 'fail',
      summary: `uid ${facts.uid}: namespace, mount and launch tests need root`,
      evidence,
      impact: 'droidcheck cannot launch containers and skips the live namespace and mount tests',
      remediation: [{ kind: 'host-command', text: 'run as root', items: ['su -c "node $(command -v droidcheck) probe"', 'sudo droidcheck probe'] }],
    });
  },
};

const capabilities: Check = {
  id: 'sec.capabilities',
  title: 'Capabilities for setting up containers',
  category: 'security',
  severity: 'recommended',
  probes: `CapEff in /proc/self/status: ${Object.keys(NEEDED_CAPS).join(', ')}`,
  run(facts) {
    const cap = capEff(facts);
    if (cap === null) return result({ status: 'skip', summary: 'unknown: /proc/self/status unreadable' });
    const missing = Object.entries(NEEDED_CAPS).filter(([, bit]) => ((cap >> BigInt(bit)) & 1n) === 0n).map(([n]) => n);
    const evidence: Evidence[] = [{ source: 'procfs', what: '/proc/self/status CapEff', value: cap.toString(16).padStart(16, '0') }];
    if (missing.length === 0) return result({ status: 'pass', summary: 'all held', evidence });
    return result({
      status: 'warn',
      summary: `missing ${missing.join(', ')}`,
      evidence,
      impact: 'mounts, mknod, hostname or user switching in the container setup fail with EPERM',
      remediation: [{ kind: 'host-command', text: 'run from a full root shell (Magisk/KernelSU su, not an app-restricted one)' }],
    });
  },
};

const seccomp: Check = {
  id: 'sec.seccomp',
  title: 'seccomp filters',
  category: 'security',
  severity: 'recommended',
  probes: 'CONFIG_SECCOMP_FILTER, "Seccomp:" in /proc/self/status, live prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL) (EFAULT = supported; nothing is installed)',
  run(facts) {
    const evidence: Evidence[] = [];
    const ce = configEvidence(facts, 'SECCOMP_FILTER');
    if (ce) evidence.push(ce);
    const field = statusField(facts, 'Seccomp');
    if (facts.text['/proc/self/status'] !== null) evidence.push({ source: 'procfs', what: '/proc/self/status Seccomp', value: field ?? 'absent (no CONFIG_SECCOMP)' });
    const live = facts.live?.seccompFilter;
    if (live) evidence.push(liveEvidence(live));
    const fromConfig = configHas(facts, ['SECCOMP_FILTER']);
    const has = live && live.errno !== 'EACCES' ? live.ok : fromConfig ?? (facts.text['/proc/self/status'] !== null ? field !== null : null);
    const disagreement = live && fromConfig !== null && fromConfig !== live.ok && live.errno !== 'EACCES' ? `the kernel config says ${fromConfig ? 'enabled' : 'missing'} but the live prctl answered ${live.errno}: the live result counts` : undefined;
    const base = { evidence, configOptions: ['CONFIG_SECCOMP', 'CONFIG_SECCOMP_FILTER'], ...(disagreement ? { disagreement } : {}) };
    if (has === null) return result({ ...base, status: 'skip', summary: 'unknown' });
    if (has) return result({ ...base, status: 'pass', summary: 'filters supported' });
    return result({
      ...base,
      status: 'warn',
      summary: 'no seccomp filter support',
      impact: 'the config.json seccomp profile cannot be applied: the container runs without a syscall filter',
      remediation: [
        { kind: 'config-edit', text: 'drop linux.seccomp (droidcheck run --fix-config does this)', items: ['delete .linux.seccomp'] },
        { kind: 'kernel-option', text: 'rebuild with seccomp filters', items: ['CONFIG_SECCOMP=y', 'CONFIG_SECCOMP_FILTER=y'] },
      ],
    });
  },
};

const noNewPrivs: Check = {
  id: 'sec.no-new-privs',
  title: 'no_new_privs',
  category: 'security',
  severity: 'recommended',
  appliesTo: 'Linux 3.5+',
  probes: 'live prctl(PR_GET_NO_NEW_PRIVS), "NoNewPrivs:" in /proc/self/status (4.10+), kernel version',
  run(facts) {
    const live = facts.live?.noNewPrivs;
    const field = statusField(facts, 'NoNewPrivs');
    const evidence: Evidence[] = [];
    if (live) evidence.push(liveEvidence(live));
    if (field !== null) evidence.push({ source: 'procfs', what: '/proc/self/status NoNewPrivs', value: field });
    const byVersion = facts.kernel ? !kernelBelow(facts.kernel, '3.5') : null;
    if (!live && field === null && byVersion !== null) evidence.push({ source: 'kernel-version', what: 'kernel release', value: `${facts.uname.release} (no_new_privs needs 3.5)` });
    const has = live ? live.ok : field !== null ? true : byVersion;
    if (has === null) return result({ status: 'skip', summary: 'unknown', evidence });
    if (has) return result({ status: 'pass', summary: 'supported', evidence });
    return result({
      status: 'warn',
      summary: 'prctl(PR_SET_NO_NEW_PRIVS) unsupported',
      evidence,
      impact: '"noNewPrivileges": true cannot be honoured: setuid binaries in the container can gain privileges',
      remediation: [{ kind: 'config-edit', text: 'set process.noNewPrivileges to false (droidcheck run --fix-config does this)', items: ['.process.noNewPrivileges = false'] }],
    });
  },
};

const selinux: Check = {
  id: 'sec.selinux',
  title: 'SELinux mode',
  category: 'security',
  severity: 'optional',
  probes: '/sys/fs/selinux/enforce',
  run(facts) {
    const v = facts.text['/sys/fs/selinux/enforce'];
    if (v === null) {
      return facts.configOnly
        ? result({ status: 'skip', summary: 'not this host' })
        : result({ status: 'pass', summary: 'SELinux not enabled', evidence: [{ source: 'sysfs', what: '/sys/fs/selinux/enforce', value: 'absent' }] });
    }
    const evidence: Evidence[] = [{ source: 'sysfs', what: '/sys/fs/selinux/enforce', value: v.trim() }];
    if (v.trim() === '0') return result({ status: 'pass', summary: 'permissive', evidence });
    return result({
      status: 'warn',
      summary: 'enforcing',
      evidence,
      impact: 'Android policy can deny loop mounts ("I/O error"), writes to /sdcard and some mounts inside containers, depending on the su domain',
      remediation: [{ kind: 'host-command', text: 'if a launch step fails with EACCES, try permissive mode for the test only, then restore it', items: ['setenforce 0', 'setenforce 1'] }],
    });
  },
};

export const securityChecks: Check[] = [root, capabilities, seccomp, noNewPrivs, selinux];
