// One check per namespace type: kernel option, /proc/self/ns entry, live unshare.
// Names, flags and config.json types come from the one table in src/sys/namespaces.ts.

import type { Facts } from '../facts.js';
import { nsByName, type NsName } from '../../sys/namespaces.js';
import type { Check, Remediation, Severity } from '../types.js';
import { decide, kernelOption, missingStatus, result, unknownSummary } from './util.js';

interface NsSpec {
  ns: NsName;
  title: string;
  severity: Severity;
  options: string[];
  impact: string;
  extraFix?: Remediation[];
}

const SPECS: NsSpec[] = [
  {
    ns: 'mnt',
    title: 'Mount namespace',
    severity: 'required',
    options: ['NAMESPACES'],
    impact: 'no container can get its own root filesystem and mounts; nothing can be isolated',
  },
  {
    ns: 'uts',
    title: 'UTS namespace',
    severity: 'recommended',
    options: ['UTS_NS'],
    impact: 'the container shares the host name; config.json "hostname" cannot be applied',
    extraFix: [{ kind: 'config-edit', text: 'remove "hostname" as well', items: ['delete .hostname'] }],
  },
  {
    ns: 'ipc',
    title: 'IPC namespace',
    severity: 'recommended',
    options: ['IPC_NS'],
    impact:
      'runc fails with "nsenter: failed to unshare namespaces: Invalid argument" (exit status 46); without it the container shares SysV IPC and POSIX message queues with the host, and kernel.shm*/msg*/sem and fs.mqueue.* sysctls cannot be set',
    extraFix: [
      { kind: 'config-edit', text: 'remove the IPC sysctls too', items: ['delete .linux.sysctl["kernel.shm*", "kernel.msg*", "kernel.sem", "fs.mqueue.*"]'] },
      { kind: 'kernel-option', text: 'IPC_NS depends on SYSVIPC or POSIX_MQUEUE', items: ['CONFIG_SYSVIPC=y', 'CONFIG_POSIX_MQUEUE=y', 'CONFIG_IPC_NS=y'] },
    ],
  },
  {
    ns: 'pid',
    title: 'PID namespace',
    severity: 'recommended',
    options: ['PID_NS'],
    impact: 'the container sees and can signal host processes, and its workload is not PID 1',
  },
  {
    ns: 'net',
    title: 'Network namespace',
    severity: 'optional',
    options: ['NET_NS'],
    impact: 'the container uses the host network (usual on Android: bridge networking fights netd anyway)',
  },
  {
    ns: 'user',
    title: 'User namespace',
    severity: 'optional',
    options: ['USER_NS'],
    impact: 'no uid/gid mappings: no rootless containers, and container root is host root',
    extraFix: [{ kind: 'config-edit', text: 'remove uid/gid mappings too', items: ['delete .linux.uidMappings', 'delete .linux.gidMappings'] }],
  },
  {
    ns: 'cgroup',
    title: 'Cgroup namespace',
    severity: 'optional',
    options: ['CGROUPS'],
    impact: 'the container sees the host cgroup paths in /proc/self/cgroup (cgroup namespaces came in Linux 4.6)',
  },
];

function nsCheck(spec: NsSpec): Check {
  return {
    id: nsByName(spec.ns).checkId,
    title: spec.title,
    category: 'namespaces',
    severity: spec.severity,
    probes: `kernel config ${spec.options.map((o) => `CONFIG_${o}`).join(', ')}, /proc/self/ns/${spec.ns}, live unshare in a throwaway thread or process`,
    run(facts: Facts) {
      const extra = facts.nsEntries
        ? [{ source: 'procfs' as const, what: `/proc/self/ns/${spec.ns}`, value: facts.nsEntries.includes(spec.ns) ? 'present' : 'absent' }]
        : [];
      // cgroup namespaces need 4.6 whatever CONFIG_CGROUPS says.
      const options = spec.ns === 'cgroup' && facts.kernel && facts.kernel[0] * 100 + facts.kernel[1] < 406 ? [] : spec.options;
      const v = decide(facts, options, facts.live?.unshare[spec.ns], extra);
      let available = v.available;
      if (available === null && facts.nsEntries) available = facts.nsEntries.includes(spec.ns);
      const base = { evidence: v.evidence, configOptions: spec.options.map((o) => `CONFIG_${o}`), ...(v.disagreement ? { disagreement: v.disagreement } : {}) };
      if (available === null) return result({ ...base, status: 'skip', summary: unknownSummary(facts, v) });
      if (available) return result({ ...base, status: 'pass', summary: 'available' });
      const live = facts.live?.unshare[spec.ns];
      return result({
        ...base,
        status: missingStatus(spec.severity),
        summary: live && v.liveCounted ? `unshare fails with ${live.errno}` : 'not in this kernel',
        impact: spec.impact,
        remediation: [
          { kind: 'config-edit', text: `drop the ${nsByName(spec.ns).oci} namespace (droidcheck run --fix-config does this)`, items: [`delete .linux.namespaces[type=="${nsByName(spec.ns).oci}"]`] },
          ...(spec.extraFix ?? []),
          ...(spec.ns === 'cgroup' ? [] : [kernelOption(spec.options)]),
        ],
      });
    },
  };
}

export const namespaceChecks: Check[] = SPECS.map(nsCheck);
