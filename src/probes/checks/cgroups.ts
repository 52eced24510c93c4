// Cgroups as they are on this host: v1 controllers and where each is mounted
// (Android: /dev/cpuctl, /dev/cpuset, /dev/memcg, /acct...), the devices
// controller, cpuset noprefix, and cgroup v2 on kernels too old for it.

import { CGROUP2_DEVICE_BPF_SINCE } from '../../kernel/history.js';
import { kernelBelow } from '../../kernel/version.js';
import type { Facts } from '../facts.js';
import type { MountEntry } from '../../sys/mountinfo.js';
import type { Check, Evidence } from '../types.js';
import { configEvidence, configHas, result } from './util.js';

export interface Controller {
  name: string;
  enabled: boolean;
  /** Where a v1 hierarchy with this controller is mounted, if anywhere. */
  mountedAt: string[];
}

/** Controllers from /proc/cgroups with their v1 mount points; null when unreadable. */
export function controllers(facts: Facts): Controller[] | null {
  const text = facts.text['/proc/cgroups'];
  if (text === null) return null;
  const v1 = facts.mounts.filter((m) => m.fsType === 'cgroup');
  const out: Controller[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const [name, , , enabled] = line.trim().split(/\s+/);
    if (!name) continue;
    out.push({ name, enabled: enabled === '1', mountedAt: v1.filter((m) => m.superOptions.includes(name)).map((m) => m.mountPoint) });
  }
  return out;
}

/** The CONFIG_ option behind each v1 controller (without the CONFIG_ prefix). */
export const KEY_CONTROLLERS: Record<string, string> = {
  cpu: 'CGROUP_SCHED',
  cpuacct: 'CGROUP_CPUACCT',
  cpuset: 'CPUSETS',
  memory: 'MEMCG',
  devices: 'CGROUP_DEVICE',
  freezer: 'CGROUP_FREEZER',
  pids: 'CGROUP_PIDS',
  blkio: 'BLK_CGROUP',
};

const ANDROID_PLACES = ['/dev/cpuctl', '/dev/cpuset', '/dev/memcg', '/acct', '/dev/stune', '/dev/blkio'];

function cgroup2Mount(facts: Facts): MountEntry | undefined {
  return facts.mounts.find((m) => m.fsType === 'cgroup2');
}

const v1Controllers: Check = {
  id: 'cgroup.controllers',
  title: 'cgroup v1 controllers and where they are mounted',
  category: 'cgroups',
  severity: 'recommended',
  probes: '/proc/cgroups, cgroup mounts in /proc/self/mountinfo',
  run(facts) {
    if (facts.configOnly) return controllersFromConfig(facts);
    const list = controllers(facts);
    if (list === null) return result({ status: 'skip', summary: '/proc/cgroups unreadable (no CONFIG_CGROUPS?)' });
    const evidence: Evidence[] = list.map((c) => ({
      source: 'procfs' as const,
      what: `/proc/cgroups ${c.name}`,
      value: `${c.enabled ? 'enabled' : 'disabled'}, ${c.mountedAt.length ? `mounted at ${c.mountedAt.join(', ')}` : 'not mounted as v1'}`,
    }));
    const names = new Set(list.filter((c) => c.enabled).map((c) => c.name));
    const absent = Object.keys(KEY_CONTROLLERS).filter((n) => !names.has(n));
    const android = list.flatMap((c) => c.mountedAt).filter((p) => ANDROID_PLACES.includes(p));
    const layout = android.length ? `Android layout (${[...new Set(android)].join(', ')})` : '';
    const configOptions = Object.values(KEY_CONTROLLERS).map((o) => `CONFIG_${o}`);
    if (absent.length === 0) return result({ status: 'pass', summary: ['all key controllers present', layout].filter(Boolean).join('; '), evidence, configOptions });
    return result({
      status: 'warn',
      summary: `no ${absent.join(', ')} controller${absent.length > 1 ? 's' : ''}${layout ? `; ${layout}` : ''}`,
      evidence,
      configOptions,
      impact: 'resource limits for the missing controllers in config.json (linux.resources) cannot be applied',
      remediation: [
        { kind: 'config-edit', text: 'drop the matching linux.resources entries (droidcheck run --fix-config does this)' },
        { kind: 'kernel-option', text: 'rebuild with the controllers', items: absent.map((n) => `CONFIG_${KEY_CONTROLLERS[n]}=y`) },
      ],
    });
  },
};

/** Config-only mode: which key controllers the kernel has, by option (where they are mounted is the device's business). */
function controllersFromConfig(facts: Facts) {
  const configOptions = Object.values(KEY_CONTROLLERS).map((o) => `CONFIG_${o}`);
  if (!facts.config) return result({ status: 'skip', summary: 'no kernel config', configOptions });
  const evidence = Object.values(KEY_CONTROLLERS).map((o) => configEvidence(facts, o)).filter((e): e is Evidence => e !== null);
  const absent = Object.entries(KEY_CONTROLLERS).filter(([, o]) => configHas(facts, [o]) === false).map(([n]) => n);
  if (absent.length === 0) return result({ status: 'pass', summary: 'all key controllers in the kernel config (where they get mounted is up to the device)', evidence, configOptions });
  return result({
    status: 'warn',
    summary: `the kernel config has no ${absent.join(', ')} controller${absent.length > 1 ? 's' : ''}`,
    evidence,
    configOptions,
    impact: 'resource limits for the missing controllers in config.json (linux.resources) cannot be applied',
    remediation: [
      { kind: 'config-edit', text: 'drop the matching linux.resources entries (droidcheck run --fix-config does this)' },
      { kind: 'kernel-option', text: 'rebuild with the controllers', items: absent.map((n) => `CONFIG_${KEY_CONTROLLERS[n]}=y`) },
    ],
  });
}

const devices: Check = {
  id: 'cgroup.devices',
  title: 'devices cgroup mounted',
  category: 'cgroups',
  severity: 'recommended',
  probes: 'devices in /proc/cgroups and a v1 mount of it (runc and dockerd look it up on cgroup v1 hosts)',
  run(facts) {
    const list = controllers(facts);
    if (list === null) return result({ status: 'skip', summary: facts.configOnly ? 'not this host' : '/proc/cgroups unreadable' });
    const dev = list.find((c) => c.name === 'devices');
    const v2 = cgroup2Mount(facts);
    const unified = v2 !== undefined && v2.mountPoint === '/sys/fs/cgroup';
    const evidence: Evidence[] = [{ source: 'procfs', what: '/proc/cgroups devices', value: dev ? (dev.enabled ? 'enabled' : 'disabled') : 'absent' }];
    const ce = configEvidence(facts, 'CGROUP_DEVICE');
    if (ce) evidence.push(ce);
    if (unified) return result({ status: 'pass', summary: 'cgroup v2 host: device control goes through BPF', evidence, configOptions: ['CONFIG_CGROUP_DEVICE'] });
    if (dev && dev.mountedAt.length) return result({ status: 'pass', summary: `mounted at ${dev.mountedAt.join(', ')}`, evidence, configOptions: ['CONFIG_CGROUP_DEVICE'] });
    const impact = 'runc fails with "mountpoint for devices not found" and dockerd with "Devices cgroup isn\'t mounted"';
    if (dev?.enabled) {
      return result({
        status: 'warn',
        summary: 'in the kernel but not mounted',
        evidence,
        configOptions: ['CONFIG_CGROUP_DEVICE'],
        impact,
        remediation: [
          {
            kind: 'host-command',
            text: 'mount it (droidcheck run --runtime runc --host-fixes does this and undoes it afterwards)',
            items: ['mkdir -p /sys/fs/cgroup/devices', 'mount -t cgroup -o devices cgroup /sys/fs/cgroup/devices'],
          },
        ],
      });
    }
    return result({
      status: 'warn',
      summary: 'no devices controller in this kernel',
      evidence,
      configOptions: ['CONFIG_CGROUP_DEVICE'],
      impact: `${impact}; device access cannot be restricted`,
      remediation: [
        { kind: 'config-edit', text: 'drop linux.resources.devices (droidcheck\'s own runtime does not need the controller)', items: ['delete .linux.resources.devices'] },
        { kind: 'kernel-option', text: 'rebuild with the devices controller', items: ['CONFIG_CGROUP_DEVICE=y'] },
      ],
    });
  },
};

const cpusetNoprefix: Check = {
  id: 'cgroup.cpuset-noprefix',
  title: 'cpuset file names',
  category: 'cgroups',
  severity: 'optional',
  appliesTo: 'cpuset v1 mounts (Android mounts /dev/cpuset with noprefix)',
  probes: 'cpuset mount options (noprefix) and its files (cpus vs cpuset.cpus)',
  run(facts) {
    const mounts = facts.mounts.filter((m) => m.fsType === 'cgroup' && m.superOptions.includes('cpuset'));
    if (mounts.length === 0) return result({ status: 'skip', summary: facts.configOnly ? 'not this host' : 'no cpuset v1 mount' });
    const evidence: Evidence[] = [];
    let noprefix = false;
    for (const m of mounts) {
      const files = facts.cgroupFiles[m.mountPoint] ?? [];
      const np = m.superOptions.includes('noprefix') || (files.includes('cpus') && !files.includes('cpuset.cpus'));
      noprefix ||= np;
      evidence.push({ source: 'mountinfo', what: `cpuset at ${m.mountPoint}`, value: `${m.superOptions.join(',')}; ${files.includes('cpus') ? 'has cpus' : files.includes('cpuset.cpus') ? 'has cpuset.cpus' : 'files unreadable'}` });
    }
    if (!noprefix) return result({ status: 'pass', summary: 'prefixed names (cpuset.cpus)', evidence });
    return result({
      status: 'warn',
      summary: 'mounted with noprefix (files are "cpus", not "cpuset.cpus")',
      evidence,
      impact: 'runc and LXC fail with "open .../cpuset.cpus: no such file or directory" when they use this mount',
      remediation: [
        { kind: 'host-command', text: 'give runtimes a prefixed cpuset mount of their own', items: ['mkdir -p /sys/fs/cgroup/cpuset', 'mount -t cgroup -o cpuset cgroup /sys/fs/cgroup/cpuset'] },
        { kind: 'config-edit', text: 'or drop linux.resources.cpu.cpus/mems', items: ['delete .linux.resources.cpu.cpus', 'delete .linux.resources.cpu.mems'] },
      ],
    });
  },
};

const v2: Check = {
  id: 'cgroup.v2',
  title: 'cgroup v2',
  category: 'cgroups',
  severity: 'optional',
  probes: 'cgroup2 mount in mountinfo, its cgroup.controllers, CONFIG_CGROUP_BPF, kernel version (runc needs 4.15+ on v2)',
  run(facts) {
    const m = cgroup2Mount(facts);
    if (facts.configOnly) return result({ status: 'skip', summary: 'not this host' });
    const evidence: Evidence[] = [];
    const ce = configEvidence(facts, 'CGROUP_BPF');
    if (ce) evidence.push(ce);
    if (!m) {
      evidence.push({ source: 'mountinfo', what: 'cgroup2 mount', value: 'none' });
      return result({ status: 'pass', summary: 'not mounted: runtimes use cgroup v1', evidence, configOptions: ['CONFIG_CGROUP_BPF'] });
    }
    evidence.push({ source: 'mountinfo', what: 'cgroup2 mount', value: m.mountPoint }, { source: 'sysfs', what: `${m.mountPoint}/cgroup.controllers`, value: facts.cgroup2Controllers ?? 'unreadable' });
    const old = kernelBelow(facts.kernel, CGROUP2_DEVICE_BPF_SINCE);
    const noBpf = facts.config !== null && !['y'].includes(facts.config.values.get('CONFIG_CGROUP_BPF') ?? '');
    const unified = m.mountPoint === '/sys/fs/cgroup';
    if (unified && (old || noBpf)) {
      return result({
        status: 'warn',
        summary: `cgroup v2 at /sys/fs/cgroup on ${old ? 'a kernel older than 4.15' : 'a kernel without CGROUP_BPF'}`,
        evidence,
        configOptions: ['CONFIG_CGROUP_BPF'],
        impact: 'runc picks cgroup v2 and fails with "bpf_prog_query(BPF_CGROUP_DEVICE) failed: invalid argument": device control needs BPF (4.15+)',
        remediation: [
          { kind: 'host-command', text: 'give runtimes a cgroup v1 layout instead', items: ['umount /sys/fs/cgroup', 'mount -t tmpfs cgroup /sys/fs/cgroup', 'mkdir /sys/fs/cgroup/devices && mount -t cgroup -o devices cgroup /sys/fs/cgroup/devices'] },
          { kind: 'kernel-option', text: 'or a 4.15+ kernel with CONFIG_CGROUP_BPF=y' , items: ['CONFIG_CGROUP_BPF=y'] },
        ],
      });
    }
    return result({ status: 'pass', summary: `mounted at ${m.mountPoint}${facts.cgroup2Controllers ? ` (${facts.cgroup2Controllers || 'no controllers'})` : ''}`, evidence, configOptions: ['CONFIG_CGROUP_BPF'] });
  },
};

export const cgroupChecks: Check[] = [v1Controllers, devices, cpusetNoprefix, v2];
