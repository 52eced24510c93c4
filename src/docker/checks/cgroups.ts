// The cgroups Docker uses: each v1 controller mountable, a child group made
// and written as runc does (one table, one check per controller), where the
// host has them (Android: /dev/cpuctl, /dev/memcg, noprefix /dev/cpuset, /acct),
// and cgroup v2 with its BPF device program.

import { controllers, KEY_CONTROLLERS } from '../../probes/checks/cgroups.js';
import { liveEvidence, result } from '../../probes/checks/util.js';
import type { CheckResult, Evidence, Severity } from '../../probes/types.js';
import { firstFailure, probeResult, unifiedHost, why, type DockerCheck } from '../check.js';
import { v1WriteOp } from '../live-scripts.js';
import { V1_CONTROLLERS, type DockerFacts, type V1Controller } from '../types.js';

/** How much Docker depends on each controller on a cgroup v1 host, and what goes without it. */
const NEED: Record<V1Controller, { severity: Severity; without: string }> = {
  devices: { severity: 'required', without: 'dockerd refuses to start: "Devices cgroup isn\'t mounted"' },
  memory: { severity: 'recommended', without: 'no --memory limits; k3s/kubelet refuse to start' },
  cpu: { severity: 'recommended', without: 'no --cpu-shares/--cpus' },
  cpuacct: { severity: 'recommended', without: 'no CPU statistics (docker stats)' },
  cpuset: { severity: 'recommended', without: 'no --cpuset-cpus' },
  pids: { severity: 'recommended', without: 'no --pids-limit' },
  freezer: { severity: 'optional', without: 'no docker pause' },
  blkio: { severity: 'optional', without: 'no --blkio-weight and no block I/O statistics' },
};

/** Where the host itself mounts a controller (Android: /dev/memcg...). */
function hostMounts(facts: DockerFacts, c: V1Controller): string[] {
  return facts.base.mounts.filter((m) => m.fsType === 'cgroup' && m.superOptions.includes(c)).map((m) => m.mountPoint);
}

/** True when Docker can use the controller (tested live, else /proc/cgroups says enabled); null when unknown. */
export function v1Usable(facts: DockerFacts, c: V1Controller): boolean | null {
  const run = facts.live?.v1[c];
  if (run) return !firstFailure([run.mount, run.child, run.write]);
  const known = controllers(facts.base)?.find((x) => x.name === c);
  return known ? known.enabled : facts.base.text['/proc/cgroups'] === null ? null : false;
}

function controllerCheck(c: V1Controller): DockerCheck {
  const option = `CONFIG_${KEY_CONTROLLERS[c] as string}`;
  const { severity, without } = NEED[c];
  return {
    id: `docker.cgroup.${c}`,
    title: `${c} cgroup (v1)`,
    category: 'cgroups',
    severity,
    probes: `mount -t cgroup -o ${c} on a scratch dir (private mount namespace), mkdir a child group, ${v1WriteOp(c)}, rmdir`,
    appliesTo: 'cgroup v1 hosts (Android; Docker on cgroup v2 uses the unified hierarchy instead)',
    run(facts): CheckResult {
      const where = hostMounts(facts, c);
      const evidence: Evidence[] = [{ source: 'mountinfo', what: `host mount of ${c}`, value: where.length ? where.join(', ') : 'none' }];
      const run = facts.live?.v1[c];
      if (run) for (const a of [run.mount, run.child, run.write]) if (a) evidence.push(liveEvidence(a));
      const usable = v1Usable(facts, c);
      const at = where.length ? ` (the host has it at ${where.join(', ')})` : ' (not mounted on the host: setup.sh mounts it)';
      if (usable === true) return result({ status: 'pass', summary: `${run ? 'mounted, child group made and written' : 'enabled in /proc/cgroups (not tested live)'}${at}`, evidence });
      if (usable === null) return result({ status: 'skip', summary: 'unknown: /proc/cgroups unreadable and not tested', evidence });
      const f = run ? firstFailure([run.mount, run.child, run.write]) : undefined;
      const status = severity === 'required' ? 'fail' : 'warn';
      return result({
        status,
        summary: f ? `${f.op}: ${why(f)}` : `${c} is not in /proc/cgroups (or disabled)`,
        evidence,
        impact: without,
        remediation: [{ kind: 'kernel-option', text: `rebuild the kernel with the ${c} controller`, items: [`${option}=y`] }],
        configOptions: [option],
      });
    },
  };
}

const layout: DockerCheck = {
  id: 'docker.cgroup.layout',
  title: "Cgroup layout Docker can read",
  category: 'cgroups',
  severity: 'recommended',
  probes: "the probe's cgroup.cpuset-noprefix and cgroup.devices checks, and whether /sys/fs/cgroup is cgroup2",
  run(facts) {
    const noprefix = probeResult('cgroup.cpuset-noprefix', facts);
    const devices = probeResult('cgroup.devices', facts);
    const problems: string[] = [];
    const items: string[] = [];
    if (noprefix.status === 'warn' || noprefix.status === 'fail') {
      problems.push('cpuset is mounted with noprefix (runc writes cpuset.cpus, the files are named cpus)');
      items.push('dockerd.sh starts dockerd in a private mount namespace without the noprefix cpuset mount');
    }
    if (devices.status === 'warn' || devices.status === 'fail') {
      problems.push('the devices controller is not mounted');
      items.push('setup.sh mounts the controllers Docker needs under /sys/fs/cgroup');
    }
    const evidence = [...noprefix.evidence, ...devices.evidence];
    if (!problems.length) return result({ status: 'pass', summary: 'controllers are where dockerd and runc look', evidence });
    return result({ status: 'warn', summary: problems.join('; '), evidence, impact: 'runc fails with "open /sys/fs/cgroup/cpuset/docker/cpuset.cpus: no such file or directory" or dockerd with "Devices cgroup isn\'t mounted"', remediation: [{ kind: 'host-command', text: 'use the generated setup.sh and dockerd.sh (droidcheck docker --write DIR)', items }] });
  },
};

const bpf: DockerCheck = {
  id: 'docker.cgroup2.bpf',
  title: 'cgroup v2 device control (BPF)',
  category: 'cgroups',
  severity: 'optional',
  probes: 'in a private mount namespace: mount cgroup2, a child group, bpf(BPF_PROG_QUERY, BPF_CGROUP_DEVICE), BPF_PROG_LOAD of a device program and BPF_PROG_ATTACH (koffi); else the kernel version and CONFIG_CGROUP_BPF',
  run(facts) {
    const v2 = facts.live?.cgroup2;
    const unified = unifiedHost(facts);
    const steps = [v2?.mount, v2?.child, v2?.bpfQuery, v2?.bpfLoad, v2?.bpfAttach];
    const evidence = steps.filter((a) => a !== undefined).map((a) => liveEvidence(a));
    const f = firstFailure(steps);
    if (v2?.bpfAttach?.ok) return result({ status: 'pass', summary: 'a device program can be attached to a cgroup2 group', evidence });
    const r = probeResult('cgroup.v2', facts);
    const status = unified ? 'fail' : 'warn';
    if (!f && !v2?.bpfLoad) return { ...r, summary: `not tested live: ${r.summary}`, evidence: [...r.evidence, ...evidence] };
    return result({
      status,
      summary: f ? `${f.op}: ${why(f)}` : 'not attached',
      evidence,
      impact: unified ? 'this host mounts cgroup2 at /sys/fs/cgroup, so runc uses v2 and fails: "bpf_prog_query(BPF_CGROUP_DEVICE) failed"' : 'Docker must stay on cgroup v1 here',
      remediation: [{ kind: 'host-command', text: 'give Docker cgroup v1 (setup.sh)' }, { kind: 'kernel-option', text: 'or (kernel 4.15+) rebuild with BPF for cgroups', items: ['CONFIG_BPF_SYSCALL=y', 'CONFIG_CGROUP_BPF=y'] }],
      configOptions: ['CONFIG_CGROUP_BPF'],
    });
  },
};

export const cgroupChecks: readonly DockerCheck[] = [...V1_CONTROLLERS.map(controllerCheck), layout, bpf];
