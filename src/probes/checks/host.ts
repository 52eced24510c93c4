// The host's layout and identity: Android, kernel, architecture, read-only /,
// missing /run, /tmp and resolv.conf, /data flags, paranoid network, IPC sysctls.

import { kernelBelow } from '../../kernel/version.js';
import { IPC_SYSCTLS, type Facts } from '../facts.js';
import { mountFor } from '../../sys/mountinfo.js';
import type { Check, CheckResult, Evidence } from '../types.js';
import { configEvidence, configHas, liveEvidence, result } from './util.js';

export interface AndroidInfo {
  release: string | null;
  sdk: string | null;
  model: string | null;
}

/** Android from /system/build.prop, getprop or Node's own platform; null when not Android. */
export function androidInfo(facts: Facts): AndroidInfo | null {
  const prop = facts.text['/system/build.prop'];
  if (prop === null && facts.getprop === null && facts.platform !== 'android') return null;
  const key = (k: string): string => k.replace(/\./g, '\\.');
  const get = (k: string): string | null =>
    new RegExp(`^${key(k)}=(.*)$`, 'm').exec(prop ?? '')?.[1]?.trim() ?? new RegExp(`^\\[${key(k)}\\]: \\[(.*)\\]$`, 'm').exec(facts.getprop ?? '')?.[1] ?? null;
  return { release: get('ro.build.version.release'), sdk: get('ro.build.version.sdk'), model: get('ro.product.model') };
}

const notHost = (facts: Facts): CheckResult | null => (facts.configOnly ? result({ status: 'skip', summary: 'not this host: --kernel-config with --no-live' }) : null);

const android: Check = {
  id: 'host.android',
  title: 'Android',
  category: 'host',
  severity: 'optional',
  probes: '/system/build.prop or getprop (ro.build.version.*, ro.product.model), Node\'s process.platform',
  run(facts) {
    const skip = notHost(facts);
    if (skip) return skip;
    const a = androidInfo(facts);
    if (!a) return result({ status: 'pass', summary: 'not Android', evidence: [{ source: 'procfs', what: '/system/build.prop', value: 'absent' }] });
    const parts = [a.release && `Android ${a.release}`, a.sdk && `API ${a.sdk}`, a.model].filter(Boolean);
    return result({
      status: 'pass',
      summary: parts.join(', ') || 'Android',
      evidence: [
        { source: facts.getprop !== null ? 'command' : 'procfs', what: facts.getprop !== null ? 'getprop' : '/system/build.prop', value: parts.join(', ') || 'present' },
        { source: 'procfs', what: 'process.platform', value: facts.platform },
      ],
      ...(a.sdk !== null && Number(a.sdk) < 28
        ? { impact: 'koffi has no prebuilt module for this Android release: droidcheck uses busybox/toybox tools for live tests and launches' }
        : {}),
    });
  },
};

const kernel: Check = {
  id: 'host.kernel',
  title: 'Kernel version',
  category: 'host',
  severity: 'required',
  probes: 'uname -r (or the config header with --kernel-config)',
  run(facts) {
    const evidence: Evidence[] = [{ source: 'kernel-version', what: 'kernel release', value: facts.uname.release }];
    if (!facts.kernel) return result({ status: 'skip', summary: 'unknown kernel version', evidence });
    if (kernelBelow(facts.kernel, '3.2')) {
      return result({ status: 'fail', summary: `${facts.uname.release} is older than 3.2`, evidence, impact: 'Go programs such as runc and dockerd (Go 1.24+) do not run below Linux 3.2', remediation: [{ kind: 'info', text: 'no container runtime supports this kernel' }] });
    }
    if (kernelBelow(facts.kernel, '3.10')) {
      return result({ status: 'warn', summary: `${facts.uname.release}: older than Docker's 3.10 minimum`, evidence, impact: 'runc and Docker do not test below 3.10; expect missing namespaces and syscalls' });
    }
    return result({ status: 'pass', summary: facts.uname.release, evidence });
  },
};

const MACHINE_TO_PLATFORM: Record<string, string> = {
  x86_64: 'linux/amd64',
  aarch64: 'linux/arm64',
  armv7l: 'linux/arm/v7',
  armv8l: 'linux/arm/v7',
  i686: 'linux/386',
};

const arch: Check = {
  id: 'host.arch',
  title: 'Architecture',
  category: 'host',
  severity: 'optional',
  probes: 'uname -m, the ELF class of the running node binary (32- or 64-bit userspace)',
  run(facts) {
    const skip = notHost(facts);
    if (skip) return skip;
    const platform = MACHINE_TO_PLATFORM[facts.uname.machine] ?? `linux/${facts.uname.machine}`;
    const evidence: Evidence[] = [
      { source: 'kernel-version', what: 'uname -m', value: facts.uname.machine },
      { source: 'procfs', what: 'node binary ELF class', value: facts.userspaceBits ? `${facts.userspaceBits}-bit` : 'unknown' },
    ];
    const kernel64 = /64/.test(facts.uname.machine);
    if (kernel64 && facts.userspaceBits === 32) {
      return result({
        status: 'warn',
        summary: `${facts.uname.machine} kernel with 32-bit userspace`,
        evidence,
        impact: 'images for the 64-bit platform run only if the kernel supports 32-bit compat the other way round; prefer images matching userspace',
        remediation: [{ kind: 'rootfs', text: `use a rootfs for ${platform} or linux/arm/v7; "exec format error" means the rootfs is for another architecture` }],
      });
    }
    return result({ status: 'pass', summary: `${facts.uname.machine}${facts.userspaceBits ? `, ${facts.userspaceBits}-bit userspace` : ''}: use ${platform} images`, evidence, remediation: [{ kind: 'rootfs', text: `pull images for ${platform}; an image for another architecture fails with "exec format error"` }] });
  },
};

const rootReadOnly: Check = {
  id: 'host.root-readonly',
  title: 'Writable /',
  category: 'host',
  severity: 'optional',
  probes: 'options of / in /proc/self/mountinfo',
  run(facts) {
    const skip = notHost(facts);
    if (skip) return skip;
    const m = mountFor(facts.mounts, '/');
    if (!m) return result({ status: 'skip', summary: 'mountinfo unreadable' });
    const evidence: Evidence[] = [{ source: 'mountinfo', what: '/', value: `${m.fsType} ${m.options.join(',')}` }];
    if (!m.options.includes('ro')) return result({ status: 'pass', summary: 'read-write', evidence });
    return result({
      status: 'warn',
      summary: 'read-only',
      evidence,
      impact: 'tools that create state under / fail with "mkdir /run: read-only file system"; keep bundles and runtime state on /data',
      remediation: [{ kind: 'runtime-flag', text: 'point runtime state at a writable place', items: ['runc --root /data/local/tmp/runc', 'crun --root /data/local/tmp/crun'] }],
    });
  },
};

function pathCheck(id: string, path: '/run' | '/tmp' | '/etc/resolv.conf', title: string, impact: string, fix: CheckResult['remediation']): Check {
  return {
    id,
    title,
    category: 'host',
    severity: 'optional',
    probes: `whether ${path} exists`,
    run(facts) {
      const skip = notHost(facts);
      if (skip) return skip;
      const kind = facts.paths[path];
      const evidence: Evidence[] = [{ source: 'procfs', what: path, value: kind ?? 'absent' }];
      if (kind) return result({ status: 'pass', summary: 'present', evidence });
      return result({ status: 'warn', summary: 'missing', evidence, impact, remediation: fix });
    },
  };
}

const run = pathCheck('host.run', '/run', '/run', 'runc keeps its state in /run/runc by default and fails to create it', [
  { kind: 'runtime-flag', text: 'give runc a state directory on a writable filesystem', items: ['runc --root /data/local/tmp/runc run ...'] },
]);
const tmp = pathCheck('host.tmp', '/tmp', '/tmp', 'programs that assume /tmp on the host fail; set TMPDIR', [
  { kind: 'host-command', text: 'use a writable temporary directory', items: ['export TMPDIR=/data/local/tmp'] },
]);
const resolv = pathCheck('host.resolv-conf', '/etc/resolv.conf', 'DNS configuration', 'containers that bind-mount the host resolv.conf have no DNS: names do not resolve, addresses do', [
  { kind: 'rootfs', text: 'write nameservers into the container rootfs (Android 8+ has no net.dns1 property to read)', items: ['echo "nameserver 1.1.1.1" > rootfs/etc/resolv.conf'] },
]);

const dataMount: Check = {
  id: 'host.data-mount',
  title: '/data mount options',
  category: 'host',
  severity: 'optional',
  appliesTo: 'hosts with /data (Android)',
  probes: 'options of the mount covering /data in /proc/self/mountinfo',
  run(facts) {
    const skip = notHost(facts);
    if (skip) return skip;
    if (!facts.paths['/data']) return result({ status: 'skip', summary: 'no /data' });
    const m = mountFor(facts.mounts, '/data');
    if (!m) return result({ status: 'skip', summary: 'mountinfo unreadable' });
    const bad = m.options.filter((o) => o === 'nosuid' || o === 'nodev' || o === 'noexec');
    const evidence: Evidence[] = [{ source: 'mountinfo', what: `/data (mounted at ${m.mountPoint})`, value: `${m.fsType} ${m.options.join(',')}` }];
    if (bad.length === 0) return result({ status: 'pass', summary: `${m.fsType}, no nosuid/nodev/noexec`, evidence });
    return result({
      status: 'warn',
      summary: `${m.fsType} mounted ${bad.join(',')}`,
      evidence,
      impact: `a rootfs under /data ${bad.includes('noexec') ? 'cannot run programs, ' : ''}${bad.includes('nosuid') ? 'ignores setuid bits (su/sudo in the container fail), ' : ''}${bad.includes('nodev') ? 'cannot use device nodes (bind /dev nodes instead)' : ''}`.replace(/, $/, ''),
      remediation: [
        { kind: 'host-command', text: 'remount for the session, or keep the rootfs in an ext4 image mounted with suid,dev', items: [`mount -o remount,${bad.map((o) => o.slice(2)).join(',')} ${m.mountPoint}`] },
      ],
    });
  },
};

const paranoid: Check = {
  id: 'host.paranoid-network',
  title: 'Android paranoid network',
  category: 'host',
  severity: 'recommended',
  probes: 'CONFIG_ANDROID_PARANOID_NETWORK, live socket(AF_INET) with uid/gid 65534 and no groups, from a koffi thread or through busybox nsenter -S/-G and nc (EACCES = only group 3003 may open sockets)',
  run(facts) {
    const evidence: Evidence[] = [];
    const ce = configEvidence(facts, 'ANDROID_PARANOID_NETWORK');
    if (ce) evidence.push(ce);
    const live = facts.live?.inetAsNobody;
    if (live) evidence.push(liveEvidence(live));
    const fromConfig = configHas(facts, ['ANDROID_PARANOID_NETWORK']);
    const paranoidOn = live ? !live.ok && live.errno === 'EACCES' : fromConfig;
    const disagreement = live && fromConfig !== null && fromConfig !== paranoidOn ? `the kernel config says ${fromConfig ? 'on' : 'off'} but the live socket test says ${paranoidOn ? 'on' : 'off'}: the live result counts` : undefined;
    const base = { evidence, configOptions: ['CONFIG_ANDROID_PARANOID_NETWORK'], ...(disagreement ? { disagreement } : {}) };
    if (paranoidOn === null) return result({ ...base, status: 'skip', summary: 'unknown: no kernel config and no live test (needs root, and koffi or a busybox with nsenter and nc)' });
    if (!paranoidOn) return result({ ...base, status: 'pass', summary: 'any user may open sockets' });
    return result({
      ...base,
      status: 'warn',
      summary: 'sockets only for group 3003 (inet) and 3004 (net_raw)',
      impact: 'non-root container users get "socket: permission denied" (apt\'s _apt sandbox user, ping, most daemons)',
      remediation: [
        { kind: 'config-edit', text: 'add the Android network groups to the process (droidcheck run --fix-config does this)', items: ['.process.user.additionalGids += [3003, 3004]'] },
        { kind: 'rootfs', text: 'create the groups in the rootfs and add users to them', items: ['groupadd -g 3003 aid_inet', 'groupadd -g 3004 aid_net_raw', 'echo \'APT::Sandbox::User "root";\' > /etc/apt/apt.conf.d/01-android'] },
        { kind: 'kernel-option', text: 'or rebuild without it', items: ['# CONFIG_ANDROID_PARANOID_NETWORK is not set'] },
      ],
    });
  },
};

const ipcSysctls: Check = {
  id: 'ipc.sysctls',
  title: 'IPC sysctls',
  category: 'ipc',
  severity: 'optional',
  probes: `which of ${IPC_SYSCTLS.map((s) => s.replace(/\//g, '.')).join(', ')} exist under /proc/sys; settable only in a container with its own IPC namespace`,
  run(facts) {
    const skip = notHost(facts);
    if (skip) return skip;
    const present = IPC_SYSCTLS.filter((s) => facts.sysctls[s]).map((s) => s.replace(/\//g, '.'));
    const absent = IPC_SYSCTLS.filter((s) => !facts.sysctls[s]).map((s) => s.replace(/\//g, '.'));
    const evidence: Evidence[] = [
      { source: 'procfs', what: '/proc/sys (present)', value: present.join(', ') || 'none' },
      { source: 'procfs', what: '/proc/sys (absent)', value: absent.join(', ') || 'none' },
    ];
    const ipcNs = facts.live?.unshare.ipc?.ok ?? (facts.nsEntries ? facts.nsEntries.includes('ipc') : null);
    if (ipcNs === false) {
      return result({
        status: 'warn',
        summary: `no IPC namespace: ${present.length ? `${present.length} IPC sysctls exist but` : 'none exist and'} none can be set per container`,
        evidence,
        configOptions: ['CONFIG_SYSVIPC', 'CONFIG_POSIX_MQUEUE', 'CONFIG_IPC_NS'],
        impact: 'runc refuses configs that set them: "sysctl ... is not allowed in the hosts ipc namespace"',
        remediation: [{ kind: 'config-edit', text: 'remove kernel.shm*/msg*/sem and fs.mqueue.* from linux.sysctl (droidcheck run --fix-config does this)' }],
      });
    }
    if (absent.length) {
      return result({
        status: 'warn',
        summary: `${absent.length} missing (${absent.slice(0, 3).join(', ')}${absent.length > 3 ? ', ...' : ''})`,
        evidence,
        configOptions: ['CONFIG_SYSVIPC', 'CONFIG_POSIX_MQUEUE'],
        impact: 'setting a missing sysctl in config.json fails the launch ("open /proc/sys/...: no such file or directory")',
        remediation: [{ kind: 'config-edit', text: 'remove sysctls that do not exist (droidcheck run --fix-config does this)' }],
      });
    }
    return result({ status: 'pass', summary: 'all present and settable in an own IPC namespace', evidence });
  },
};

export const hostChecks: Check[] = [android, kernel, arch, rootReadOnly, run, tmp, resolv, dataMount, paranoid];
export const ipcChecks: Check[] = [ipcSysctls];
