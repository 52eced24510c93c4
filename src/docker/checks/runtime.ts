// What dockerd, containerd and runc need from the host beyond networking,
// storage and cgroups: the programs, a session keyring, the namespaces Docker
// always asks for, runc 1.3's user namespace, /run, pivot_root.

import { CGROUP2_DEVICE_BPF_SINCE } from '../../kernel/history.js';
import { kernelBelow } from '../../kernel/version.js';
import { kernelOf } from '../../sys/machine.js';
import { liveEvidence, result } from '../../probes/checks/util.js';
import type { Evidence } from '../../probes/types.js';
import { probeResult, runcVersion, why, type DockerCheck } from '../check.js';
import { mountOf } from '../places.js';

const binaries: DockerCheck = {
  id: 'docker.binaries',
  title: 'Docker installed',
  category: 'host',
  severity: 'required',
  probes: 'dockerd, docker, containerd and runc on PATH (or --dockerd), their --version',
  run(facts) {
    const b = facts.binaries;
    const evidence: Evidence[] = (['dockerd', 'docker', 'containerd', 'runc'] as const).map((n) => ({ source: 'command', what: n, value: b[n] ? `${b[n]}${n !== 'docker' && b.versions[n] ? ` (${b.versions[n]})` : ''}` : 'not found' }));
    const missing = (['dockerd', 'docker', 'containerd', 'runc'] as const).filter((n) => !b[n]);
    if (!missing.length) return result({ status: 'pass', summary: b.versions.dockerd ?? 'dockerd, docker, containerd and runc found', evidence });
    return result({
      status: 'fail',
      summary: `not found: ${missing.join(', ')}`,
      evidence,
      impact: 'droidcheck docker can judge the kernel, but --prove needs the programs',
      remediation: [{ kind: 'host-command', text: 'install Docker (Debian: docker.io; Termux with root: the docker package from root-repo)', items: ['apt-get install docker.io', 'pkg install root-repo && pkg install docker'] }],
    });
  },
};

const keyring: DockerCheck = {
  id: 'docker.keyring',
  title: 'Session keyring (keyctl)',
  category: 'security',
  severity: 'recommended',
  probes: 'joining a new session keyring, as runc does for every container (koffi: keyctl(KEYCTL_JOIN_SESSION_KEYRING); else keyctl session)',
  appliesTo: 'older runc fails without it; newer runc goes on without a keyring',
  run(facts) {
    const a = facts.live?.keyring;
    const bits = facts.base.userspaceBits;
    const compat = bits === 32 && kernelOf(facts.base.uname.machine).bits === 64;
    const options = compat ? ['CONFIG_KEYS', 'CONFIG_KEYS_COMPAT'] : ['CONFIG_KEYS'];
    if (a?.ok) return result({ status: 'pass', summary: 'a new session keyring can be joined', evidence: [liveEvidence(a)] });
    const value = facts.base.config ? (facts.base.config.values.get('CONFIG_KEYS') ?? 'missing') : null;
    const configEv: Evidence[] = value === null ? [] : [{ source: 'kernel-config', what: 'CONFIG_KEYS', value }];
    const tested = a !== undefined && a.errno !== 'ENOENT';
    const evidence = a ? [liveEvidence(a), ...configEv] : configEv;
    if (!tested && value === null) return result({ status: 'skip', summary: a ? `not tested: ${why(a)}` : 'not tested (not root, or no keyctl tool) and no kernel config', evidence });
    if (!tested && value !== 'missing') return result({ status: 'pass', summary: `CONFIG_KEYS=${value} (not tested live)`, evidence });
    return result({
      status: 'warn',
      summary: tested && a ? `keyctl failed: ${why(a)}` : 'CONFIG_KEYS is not set',
      evidence,
      impact: 'runc creates a session keyring per container: older runc (as shipped with Docker 17.x) fails with "could not create session key: function not implemented"; newer runc goes on without it',
      remediation: [
        { kind: 'kernel-option', text: compat ? 'a 32-bit userland on a 64-bit kernel also needs the compat keyctl' : 'rebuild the kernel with keyrings', items: options.map((o) => `${o}=y`) },
        ...(compat ? [{ kind: 'info' as const, text: 'or install the 64-bit (arm64) Docker build' }] : []),
      ],
      configOptions: options,
    });
  },
};

const ipc: DockerCheck = {
  id: 'docker.ns.ipc',
  title: 'IPC namespace for every container',
  category: 'namespaces',
  severity: 'required',
  probes: "the probe's ns.ipc check (docker run always asks for one unless --ipc host)",
  run(facts) {
    const r = probeResult('ns.ipc', facts);
    if (r.status === 'pass') return { ...r, summary: 'Docker can give each container its own IPC namespace' };
    return {
      ...r,
      status: r.status === 'skip' ? 'skip' : 'fail',
      impact: 'every docker run fails with runc\'s "exit status 46" (nsexec cannot unshare the IPC namespace) unless it shares the host\'s',
      remediation: [{ kind: 'runtime-flag', text: 'run each container in the host\'s IPC namespace', items: ['docker run --ipc host ...', 'daemon.json: "default-ipc-mode": "host"'] }, ...r.remediation.filter((x) => x.kind === 'kernel-option')],
    };
  },
};

const mqueue: DockerCheck = {
  id: 'docker.mqueue',
  title: 'mqueue filesystem for /dev/mqueue',
  category: 'filesystems',
  severity: 'required',
  probes: "the probe's fs.mqueue check (Docker mounts mqueue at /dev/mqueue in every container)",
  run(facts) {
    const r = probeResult('fs.mqueue', facts);
    if (r.status === 'pass' || r.status === 'skip') return r;
    return {
      ...r,
      status: 'fail',
      impact: 'every container fails to start: error mounting "mqueue" to rootfs at "/dev/mqueue": no such device',
      remediation: [{ kind: 'runtime-flag', text: 'give each container a tmpfs there instead (it replaces Docker\'s mqueue mount)', items: ['docker run --tmpfs /dev/mqueue ...'] }, ...r.remediation.filter((x) => x.kind === 'kernel-option')],
    };
  },
};

const userns: DockerCheck = {
  id: 'docker.ns.user',
  title: "User namespaces (runc 1.3's procfs checks)",
  category: 'namespaces',
  severity: 'recommended',
  probes: "the probe's ns.user check and the installed runc's version",
  appliesTo: 'runc 1.3 and later (and the 1.2.8 security fixes)',
  run(facts) {
    const r = probeResult('ns.user', facts);
    const v = runcVersion(facts);
    const newRunc = v !== null && (v[0] > 1 || (v[0] === 1 && v[1] >= 3));
    const evidence = [...r.evidence, { source: 'command' as const, what: 'runc --version', value: facts.binaries.versions.runc ?? 'unknown' }];
    if (r.status === 'pass') return { ...r, evidence, summary: 'user namespaces work' };
    if (!newRunc) return { ...r, evidence, status: r.status === 'skip' ? 'skip' : 'warn', summary: `no user namespaces; this runc (${v ? v.join('.') : 'unknown'}) does not need them`, impact: 'runc 1.3 and later refuse to start containers: "unsafe procfs detected"' };
    return {
      ...r,
      evidence,
      status: 'fail',
      summary: `no user namespaces and runc ${v.join('.')}: "unsafe procfs detected"`,
      impact: 'runc 1.3 opens /proc through a private instance it cannot make without user namespaces, and refuses to start containers',
      remediation: [{ kind: 'kernel-option', text: 'rebuild the kernel with user namespaces', items: ['CONFIG_USER_NS=y'] }, { kind: 'runtime-flag', text: 'or use runc 1.2.7 or older, or crun, as the default runtime', items: ['daemon.json: "default-runtime": "crun", "runtimes": {"crun": {"path": "/usr/bin/crun"}}'] }],
    };
  },
};

const runDir: DockerCheck = {
  id: 'docker.run-dir',
  title: '/run for containerd',
  category: 'host',
  severity: 'required',
  probes: 'a writable /run directory (containerd puts its shim sockets under /run/containerd/s whatever --state says)',
  run(facts) {
    const kind = facts.base.paths['/run'];
    const m = mountOf(facts.base.mounts, '/run');
    const ro = Boolean(m && (m.options.includes('ro') || m.superOptions.includes('ro')));
    const evidence: Evidence[] = [{ source: 'mountinfo', what: '/run', value: kind === null ? 'missing' : `${kind} on ${m?.mountPoint ?? '?'} (${m?.fsType ?? '?'}${ro ? ', read-only' : ''})` }];
    if (kind === 'dir' && !ro) return result({ status: 'pass', summary: '/run is a writable directory', evidence });
    return result({
      status: 'fail',
      summary: kind === null ? 'no /run (Android)' : '/run is read-only',
      evidence,
      impact: 'containerd cannot create its shim sockets: "mkdir /run/containerd: read-only file system"',
      remediation: [{ kind: 'host-command', text: 'setup.sh mounts a tmpfs on /run (making the directory on a read-only / by remounting it briefly)', items: ['mount -o remount,rw / && mkdir -p /run && mount -o remount,ro /', 'mount -t tmpfs -o mode=755 tmpfs /run'] }],
    });
  },
};

const pivotRoot: DockerCheck = {
  id: 'docker.pivot-root',
  title: 'pivot_root into the container',
  category: 'rootfs',
  severity: 'recommended',
  probes: "the probe's rootfs.pivot-root check",
  run(facts) {
    const r = probeResult('rootfs.pivot-root', facts);
    if (r.status === 'pass' || r.status === 'skip') return r;
    return { ...r, impact: 'runc fails with "pivot_root: invalid argument" on an initramfs root', remediation: [{ kind: 'runtime-flag', text: 'start dockerd with DOCKER_RAMDISK=true (runc then uses MS_MOVE + chroot); the generated dockerd.sh does', items: ['DOCKER_RAMDISK=true dockerd ...'] }] };
  },
};

const seccomp: DockerCheck = {
  id: 'docker.seccomp',
  title: 'seccomp for the default profile',
  category: 'security',
  severity: 'optional',
  probes: "the probe's sec.seccomp check",
  run(facts) {
    const r = probeResult('sec.seccomp', facts);
    if (r.status === 'pass' || r.status === 'skip') return r;
    return { ...r, impact: 'containers run without Docker\'s default seccomp profile (dockerd warns and goes on)' };
  },
};

const bpfOld: DockerCheck = {
  id: 'docker.kernel',
  title: 'Kernel version for cgroup v2 device control',
  category: 'host',
  severity: 'optional',
  probes: 'kernel version (runc needs 4.15 for BPF device programs on cgroup v2)',
  run(facts) {
    const k = facts.base.kernel;
    const evidence: Evidence[] = [{ source: 'kernel-version', what: 'uname -r', value: facts.base.uname.release }];
    if (!k) return result({ status: 'skip', summary: 'kernel version unknown', evidence });
    if (!kernelBelow(k, CGROUP2_DEVICE_BPF_SINCE)) return result({ status: 'pass', summary: `${facts.base.uname.release}: cgroup v2 device control possible`, evidence });
    return result({ status: 'warn', summary: `${facts.base.uname.release} < 4.15: Docker must use cgroup v1`, evidence, impact: 'on cgroup v2 runc fails: "bpf_prog_query(BPF_CGROUP_DEVICE) failed: invalid argument"', remediation: [{ kind: 'host-command', text: 'setup.sh gives Docker cgroup v1 controllers (see docker.cgroup.*)' }] });
  },
};

export const runtimeChecks: readonly DockerCheck[] = [binaries, ipc, mqueue, userns, keyring, runDir, pivotRoot, seccomp, bpfOld];
