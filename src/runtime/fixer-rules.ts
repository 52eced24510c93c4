// The fixer's rules, as data: each names what it looks at and edits the
// (already copied) config, saying why for every change. fixer.ts runs them in
// this order. Pure: a rule reads only the config and the host's capabilities.

import { OCI_NAMESPACES, type FilesystemType, type HostCapabilities, type HostFact, type OciNamespaceType } from './capabilities.js';
import { ociTable, sysctlNamespace } from '../sys/namespaces.js';
import type { ConfigChange } from './fixer.js';
import type { OciMount, OciSpec } from './spec.js';
import { NO_PIVOT_ANNOTATION } from './plan.js';

export interface FixRule {
  id: string;
  /** What it checks, for documentation and tests. */
  what: string;
  apply(spec: OciSpec, caps: HostCapabilities, push: (c: ConfigChange) => void): void;
}

/** Annotation the runtimes read: enter the root with chroot, not pivot_root (runc/crun --no-pivot). */
export { NO_PIVOT_ANNOTATION };

/** Android's network groups: AID_INET and AID_NET_RAW. */
export const ANDROID_NET_GIDS = [3003, 3004] as const;

export const DEVPTS_BIND: Readonly<OciMount> = { destination: '/dev/pts', type: 'bind', source: '/dev/pts', options: ['rbind', 'nosuid', 'noexec'] };

export const RUN_TMPFS: Readonly<OciMount> = { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755', 'size=65536k'] };
export const TMP_TMPFS: Readonly<OciMount> = { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', 'size=65536k'] };

const NS_LABEL: Record<OciNamespaceType, string> = ociTable((n) => n.label);

/** What a container shares with the host without the namespace. */
const SHARED: Record<OciNamespaceType, string> = ociTable((n) => n.shared);

const sysctlOwner = sysctlNamespace;

const quote = (key: string): string => JSON.stringify(key);

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The fixer's own words, then what the probe saw. */
function why(f: HostFact, what: string): string {
  return f.summary ? `${what} [probe: ${f.summary}]` : what;
}

type Fs = FilesystemType;
const FS_MOUNT_TYPES = new Set<string>(['proc', 'sysfs', 'tmpfs', 'devpts', 'mqueue']);
const CGROUP_TYPES = new Set<string>(['cgroup', 'cgroup2']);

const namespaces: FixRule = {
  id: 'namespaces',
  what: 'namespaces the kernel lacks, and what only works with them (hostname, id mappings, their sysctls)',
  apply(spec, caps, push) {
    for (const type of OCI_NAMESPACES) {
      const f = caps.namespaces[type];
      if (f.value) continue;
      const list = spec.linux?.namespaces;
      if (spec.linux && list) {
        const keep = list.filter((ns) => !(ns.type === type && ns.path === undefined));
        if (keep.length !== list.length) {
          spec.linux.namespaces = keep;
          push({
            path: `.linux.namespaces[type=${type}]`,
            op: 'remove',
            before: { type },
            reason: why(f, `the kernel has no ${NS_LABEL[type]} namespace (unsharing it fails with "Invalid argument"): the container shares the host's ${SHARED[type]}`),
            checkId: f.checkId,
          });
        }
      }
      if (type === 'uts') {
        for (const key of ['hostname', 'domainname'] as const) {
          if (spec[key] !== undefined) {
            const before = spec[key];
            delete spec[key];
            push({ path: `.${key}`, op: 'remove', before, reason: `without a UTS namespace the ${key} cannot be set: the container keeps the host's`, checkId: f.checkId });
          }
        }
      }
      if (type === 'user' && spec.linux) {
        for (const key of ['uidMappings', 'gidMappings'] as const) {
          if (spec.linux[key] !== undefined) {
            const before = spec.linux[key];
            delete spec.linux[key];
            push({ path: `.linux.${key}`, op: 'remove', before, reason: `without a user namespace there are no ${key === 'uidMappings' ? 'uid' : 'gid'} mappings: container ids are host ids`, checkId: f.checkId });
          }
        }
      }
      const sysctl = spec.linux?.sysctl;
      if (sysctl) {
        for (const name of Object.keys(sysctl).sort()) {
          if (sysctlOwner(name) !== type) continue;
          const before = sysctl[name];
          delete sysctl[name];
          push({
            path: `.linux.sysctl[${quote(name)}]`,
            op: 'remove',
            before,
            reason: `${name} belongs to the ${NS_LABEL[type]} namespace the kernel lacks: setting it would change the host (runc refuses: "sysctl is not allowed in the hosts ${type === 'network' ? 'network' : type} namespace")`,
            checkId: f.checkId,
          });
        }
      }
    }
  },
};

const sysctls: FixRule = {
  id: 'sysctls',
  what: 'sysctls that do not exist under /proc/sys (only those the probe looked for)',
  apply(spec, caps, push) {
    const sysctl = spec.linux?.sysctl;
    if (sysctl && caps.sysctls.present !== null) {
      const present = new Set(caps.sysctls.present);
      const probed = new Set(caps.sysctls.probed);
      for (const name of Object.keys(sysctl).sort()) {
        if (!probed.has(name) || present.has(name)) continue;
        const before = sysctl[name];
        delete sysctl[name];
        push({
          path: `.linux.sysctl[${quote(name)}]`,
          op: 'remove',
          before,
          reason: `/proc/sys/${name.replace(/\./g, '/')} does not exist on this kernel: the launch would fail with "no such file or directory"`,
          checkId: caps.sysctls.checkId,
        });
      }
    }
  },
};

const mounts: FixRule = {
  id: 'mounts',
  what: 'mounts of filesystems the kernel lacks, cgroups, devpts without instances',
  apply(spec, caps, push) {
    if (spec.mounts) {
      const out: OciMount[] = [];
      for (const m of spec.mounts) {
        const type = m.type ?? '';
        const sel = `.mounts[${m.destination}]`;
        if (CGROUP_TYPES.has(type)) {
          if (!caps.cgroup.value) {
            push({ path: sel, op: 'remove', before: clone(m), reason: why(caps.cgroup, `no usable cgroup filesystem: nothing to mount at ${m.destination}`), checkId: caps.cgroup.checkId });
            continue;
          }
          out.push(m);
          continue;
        }
        if (FS_MOUNT_TYPES.has(type)) {
          const f = caps.filesystems[type as Fs];
          if (!f.value) {
            const extra = type === 'devpts' ? '; the container has no pseudo-terminals' : type === 'mqueue' ? '; POSIX message queues are unavailable in the container (runc would fail: "no such device")' : '';
            push({ path: sel, op: 'remove', before: clone(m), reason: why(f, `the kernel has no ${type} filesystem${extra}`), checkId: f.checkId });
            continue;
          }
          if (type === 'devpts' && !caps.devptsInstances.value) {
            const bind = clone(DEVPTS_BIND) as OciMount;
            bind.destination = m.destination;
            push({
              path: sel,
              op: 'replace',
              before: clone(m),
              after: clone(bind),
              reason: why(
                caps.devptsInstances,
                'a new devpts instance has no ptmx on this kernel: bind-mount the host\'s /dev/pts instead (the runtime links /dev/ptmx to pts/ptmx); the container then shares the host\'s ptys',
              ),
              checkId: caps.devptsInstances.checkId,
            });
            out.push(bind);
            continue;
          }
        }
        out.push(m);
      }
      spec.mounts = out;
    }
  },
};

const writableRunTmp: FixRule = {
  id: 'writable-run-tmp',
  what: 'a writable /run and /tmp for read-only roots on hosts without them',
  apply(spec, caps, push) {
    const hostCause = [caps.hostRun, caps.hostTmp, caps.rootReadonly].find((f) => (f === caps.rootReadonly ? f.value : !f.value));
    if (hostCause && spec.root?.readonly === true && caps.filesystems.tmpfs.value) {
      for (const [mount, own] of [
        [RUN_TMPFS, caps.hostRun],
        [TMP_TMPFS, caps.hostTmp],
      ] as const) {
        const mounts = (spec.mounts ??= []);
        if (mounts.some((m) => m.destination === mount.destination)) continue;
        const cause = own.value ? hostCause : own;
        const add = clone(mount) as OciMount;
        mounts.push(add);
        push({
          path: `.mounts[${mount.destination}]`,
          op: 'add',
          after: clone(add),
          reason: why(cause, `the process needs a writable /run and /tmp, and the container root is read-only: mount a tmpfs at ${mount.destination}`),
          checkId: cause.checkId,
        });
      }
    }
  },
};

const noPivot: FixRule = {
  id: 'no-pivot',
  what: 'no pivot_root on rootfs/initramfs: the runtimes chroot',
  apply(spec, caps, push) {
    if (!caps.pivotRoot.value) {
      const annotations = (spec['annotations'] ?? {}) as Record<string, string>;
      if (annotations[NO_PIVOT_ANNOTATION] !== 'true') {
        const before = annotations[NO_PIVOT_ANNOTATION];
        spec['annotations'] = { ...annotations, [NO_PIVOT_ANNOTATION]: 'true' };
        push({
          path: `.annotations[${quote(NO_PIVOT_ANNOTATION)}]`,
          op: before === undefined ? 'add' : 'replace',
          ...(before === undefined ? {} : { before }),
          after: 'true',
          reason: why(caps.pivotRoot, 'pivot_root cannot work here: the runtime enters the root with chroot instead (runc/crun --no-pivot); a process with CAP_SYS_CHROOT could escape it'),
          checkId: caps.pivotRoot.checkId,
        });
      }
    }
  },
};

const process: FixRule = {
  id: 'process',
  what: 'the process: terminal, no_new_privs, Android paranoid network groups',
  apply(spec, caps, push) {
    const proc = spec.process;
    if (proc) {
      if (proc.terminal === true) {
        const noPts = !caps.filesystems.devpts.value;
        const cause = noPts ? caps.filesystems.devpts : !caps.console.value ? caps.console : null;
        if (cause) {
          proc.terminal = false;
          push({
            path: '.process.terminal',
            op: 'replace',
            before: true,
            after: false,
            reason: noPts
              ? why(cause, 'no devpts: a terminal cannot be allocated; the process gets plain pipes')
              : 'stdin is not a terminal: there is no console to attach "terminal": true to; the process gets plain pipes',
            checkId: cause.checkId,
          });
        }
      }
      if (!caps.noNewPrivs.value && proc.noNewPrivileges === true) {
        proc.noNewPrivileges = false;
        push({
          path: '.process.noNewPrivileges',
          op: 'replace',
          before: true,
          after: false,
          reason: why(caps.noNewPrivs, 'the kernel has no no_new_privs: setuid programs in the container can gain privileges'),
          checkId: caps.noNewPrivs.checkId,
        });
      }
      if (caps.paranoidNetwork.value) {
        const current = proc.user.additionalGids ?? [];
        const missing = ANDROID_NET_GIDS.filter((g) => !current.includes(g));
        if (missing.length > 0) {
          const after = [...new Set([...current, ...ANDROID_NET_GIDS])].sort((a, b) => a - b);
          const before = proc.user.additionalGids === undefined ? undefined : [...current];
          proc.user.additionalGids = after;
          push({
            path: '.process.user.additionalGids',
            op: before === undefined ? 'add' : 'replace',
            ...(before === undefined ? {} : { before }),
            after: [...after],
            reason: why(
              caps.paranoidNetwork,
              'Android paranoid network: only groups 3003 (inet) and 3004 (net_raw) may open sockets; without them the process gets "socket: permission denied"',
            ),
            checkId: caps.paranoidNetwork.checkId,
          });
        }
      }
    }
  },
};

const linux: FixRule = {
  id: 'linux',
  what: 'seccomp and cgroup fields the kernel cannot honour',
  apply(spec, caps, push) {
    const linux = spec.linux;
    if (linux) {
      if (!caps.seccompFilter.value && linux.seccomp !== undefined) {
        const before = linux.seccomp;
        delete linux.seccomp;
        push({
          path: '.linux.seccomp',
          op: 'remove',
          before,
          reason: why(caps.seccompFilter, 'the kernel has no seccomp filters: the container runs without a syscall filter'),
          checkId: caps.seccompFilter.checkId,
        });
      }
      if (!caps.cgroup.value) {
        for (const key of ['resources', 'cgroupsPath'] as const) {
          if (linux[key] === undefined) continue;
          const before = linux[key];
          delete linux[key];
          push({
            path: `.linux.${key}`,
            op: 'remove',
            before,
            reason: why(caps.cgroup, key === 'resources' ? 'no usable cgroup filesystem: resource limits cannot be applied' : 'no usable cgroup filesystem: there is no cgroup to place the container in'),
            checkId: caps.cgroup.checkId,
          });
        }
      }
    }
  },
};

/** Every rule, in the order the fixer applies them. */
export const FIX_RULES: readonly FixRule[] = [namespaces, sysctls, mounts, writableRunTmp, noPivot, process, linux];
