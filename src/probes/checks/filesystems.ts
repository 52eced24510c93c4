// Filesystems a container's default mounts need, from /proc/filesystems, the
// kernel config and live mounts in a throwaway mount namespace.

import { kernelBelow } from '../../kernel/version.js';
import type { Facts } from '../facts.js';
import type { Attempt } from '../live/types.js';
import type { Check, CheckResult, Evidence, Remediation, Severity } from '../types.js';
import { decide, kernelOption, missingStatus, result, unknownSummary } from './util.js';

/** Whether /proc/filesystems lists fs; null when unreadable. */
export function fsListed(facts: Facts, fs: string): boolean | null {
  const text = facts.text['/proc/filesystems'];
  if (text === null) return null;
  return text.split('\n').some((line) => line.split('\t').pop()?.trim() === fs);
}

interface FsSpec {
  id: string;
  fs: string;
  title: string;
  severity: Severity;
  options: string[];
  live?: (facts: Facts) => Attempt | undefined;
  impact: string;
  fix: Remediation[];
}

const SPECS: FsSpec[] = [
  {
    id: 'fs.proc', fs: 'proc', title: 'proc filesystem', severity: 'required', options: ['PROC_FS'],
    impact: 'no /proc in the container: almost every program fails', fix: [],
  },
  {
    id: 'fs.sysfs', fs: 'sysfs', title: 'sysfs', severity: 'recommended', options: ['SYSFS'],
    impact: 'the default /sys mount fails', fix: [{ kind: 'config-edit', text: 'drop the /sys mount', items: ['delete .mounts[destination=="/sys"]'] }],
  },
  {
    id: 'fs.tmpfs', fs: 'tmpfs', title: 'tmpfs', severity: 'required', options: ['TMPFS', 'SHMEM'],
    live: (f) => f.live?.mount.scratch,
    impact: 'the default /dev and /dev/shm mounts fail', fix: [],
  },
  {
    id: 'fs.devpts', fs: 'devpts', title: 'devpts', severity: 'recommended', options: ['UNIX98_PTYS'],
    impact: 'no pseudo-terminals: "terminal": true and /dev/pts fail',
    fix: [{ kind: 'config-edit', text: 'drop the /dev/pts mount and set terminal to false', items: ['delete .mounts[destination=="/dev/pts"]', '.process.terminal = false'] }],
  },
  {
    id: 'fs.mqueue', fs: 'mqueue', title: 'POSIX message queue filesystem', severity: 'recommended', options: ['POSIX_MQUEUE'],
    live: (f) => f.live?.mount.mqueue,
    impact: 'runc fails with: mounting "mqueue" to rootfs at "/dev/mqueue" caused: no such device',
    fix: [{ kind: 'config-edit', text: 'drop the /dev/mqueue mount (droidcheck run --fix-config does this)', items: ['delete .mounts[destination=="/dev/mqueue"]'] }],
  },
  {
    id: 'fs.overlay', fs: 'overlay', title: 'overlay filesystem', severity: 'optional', options: ['OVERLAY_FS'],
    live: (f) => f.live?.mount.overlay,
    impact: 'Docker/containerd cannot use the overlay2 storage driver ("driver not supported: overlay2"); droidcheck\'s own runtime does not need it',
    fix: [{ kind: 'runtime-flag', text: 'run dockerd with the vfs storage driver', items: ['dockerd --storage-driver=vfs'] }],
  },
  {
    id: 'fs.cgroup', fs: 'cgroup', title: 'cgroup v1 filesystem', severity: 'recommended', options: ['CGROUPS'],
    impact: 'no resource limits and no /sys/fs/cgroup in containers',
    fix: [{ kind: 'config-edit', text: 'drop the cgroup mount and linux.resources', items: ['delete .mounts[type=="cgroup"]', 'delete .linux.resources'] }],
  },
  {
    id: 'fs.cgroup2', fs: 'cgroup2', title: 'cgroup v2 filesystem', severity: 'optional', options: ['CGROUPS'],
    impact: 'only cgroup v1 is available (fine for runc on v1 hosts)', fix: [],
  },
];

function fsCheck(spec: FsSpec): Check {
  return {
    id: spec.id,
    title: spec.title,
    category: 'filesystems',
    severity: spec.severity,
    probes: `/proc/filesystems "${spec.fs}", kernel config ${spec.options.map((o) => `CONFIG_${o}`).join('/')}${spec.live ? ', a live mount in a private mount namespace' : ''}`,
    run(facts) {
      const listed = fsListed(facts, spec.fs);
      const extra: Evidence[] = listed === null ? [] : [{ source: 'procfs', what: '/proc/filesystems', value: listed ? `lists ${spec.fs}` : `no ${spec.fs}` }];
      // cgroup2 has no option of its own: the config can only say "cgroups at all", so trust the file.
      const options = spec.fs === 'cgroup2' && listed !== null ? [] : spec.options;
      const v = decide(facts, options, spec.live?.(facts), extra);
      let available = v.available;
      if (!v.liveCounted && listed !== null) available = listed;
      const base = { evidence: v.evidence, configOptions: spec.options.map((o) => `CONFIG_${o}`), ...(v.disagreement ? { disagreement: v.disagreement } : {}) };
      if (available === null) return result({ ...base, status: 'skip', summary: unknownSummary(facts, v) });
      if (available) return result({ ...base, status: 'pass', summary: 'available' });
      return result({ ...base, status: missingStatus(spec.severity), summary: 'missing', impact: spec.impact, remediation: [...spec.fix, kernelOption(spec.options.slice(0, 1))] });
    },
  };
}

/** devpts with multiple instances: each container its own /dev/pts and /dev/ptmx. */
const devptsInstances: Check = {
  id: 'fs.devpts-instances',
  title: 'devpts multiple instances',
  category: 'filesystems',
  severity: 'recommended',
  appliesTo: 'all kernels; CONFIG_DEVPTS_MULTIPLE_INSTANCES only exists before 4.7',
  probes: 'CONFIG_DEVPTS_MULTIPLE_INSTANCES (kernels before 4.7), live devpts -o newinstance mount: a ptmx node appears and the instance differs from /dev/pts',
  run(facts): CheckResult {
    const old = facts.kernel === null || kernelBelow(facts.kernel, '4.7');
    const options = old ? ['DEVPTS_MULTIPLE_INSTANCES'] : [];
    const pts = facts.live?.mount.devpts;
    const live: Attempt | undefined = pts
      ? { op: pts.op, ok: pts.ok && pts.ptmx === true && pts.separateInstance !== false, ...(pts.errno ? { errno: pts.errno } : {}), ...(pts.tool ? { tool: pts.tool } : {}),
          detail: `ptmx node ${pts.ptmx ? 'present' : 'absent'}, instance ${pts.separateInstance === null ? 'unknown' : pts.separateInstance ? 'separate from /dev/pts' : 'shared with /dev/pts'}` }
      : undefined;
    const v = decide(facts, options, live);
    let available = v.available;
    if (available === null && !old) available = true;
    const base = { evidence: v.evidence, configOptions: ['CONFIG_DEVPTS_MULTIPLE_INSTANCES'], ...(v.disagreement ? { disagreement: v.disagreement } : {}) };
    if (!old && !live) base.evidence.push({ source: 'kernel-version', what: 'uname -r', value: `${facts.uname.release}: every devpts mount is a new instance since 4.7` });
    if (available === null) return result({ ...base, status: 'skip', summary: unknownSummary(facts, v) });
    if (available) return result({ ...base, status: 'pass', summary: 'each container gets its own pty instance' });
    return result({
      ...base,
      status: 'warn',
      summary: 'a new devpts mount has no ptmx node',
      impact: 'runc fails with "open /dev/ptmx: no such file or directory" and LXC with "failed to allocate a pty"; containers would share the host\'s ptys',
      remediation: [
        { kind: 'config-edit', text: 'bind-mount the host /dev/pts and point /dev/ptmx at the host one, or set terminal to false (droidcheck run --fix-config)', items: ['.mounts[destination=="/dev/pts"] = bind /dev/pts', '.process.terminal = false'] },
        kernelOption(['DEVPTS_MULTIPLE_INSTANCES']),
      ],
    });
  },
};

export const filesystemChecks: Check[] = [...SPECS.map(fsCheck), devptsInstances];
