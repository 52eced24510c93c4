// The config fixer: edits an OCI config.json so that it asks only for what
// this kernel has, and says why for every edit. Pure and deterministic: the
// input is deep-copied, never touched; the same input gives the same output.
// Fixing a fixed config changes nothing.

import { OCI_NAMESPACES, type FilesystemType, type HostCapabilities, type HostFact, type OciNamespaceType } from './capabilities.js';
import { ociTable, sysctlNamespace } from '../sys/namespaces.js';
import type { OciMount, OciSpec } from './spec.js';

export interface ConfigChange {
  /** JSON path with selectors that survive removals: ".linux.namespaces[type=ipc]", ".mounts[/dev/mqueue]", ".linux.sysctl[\"kernel.shmmax\"]". */
  path: string;
  op: 'remove' | 'add' | 'replace';
  before?: unknown;
  after?: unknown;
  reason: string;
  /** The probe check that motivated the change (or "stdin.tty" for the console). */
  checkId: string;
}

export interface FixResult {
  spec: OciSpec;
  changes: ConfigChange[];
}

/** Annotation the runtimes read: enter the root with chroot, not pivot_root (runc/crun --no-pivot). */
export const NO_PIVOT_ANNOTATION = 'org.droidcheck.no-pivot';

/** Android's network groups: AID_INET and AID_NET_RAW. */
export const ANDROID_NET_GIDS = [3003, 3004] as const;

export const DEVPTS_BIND: Readonly<OciMount> = { destination: '/dev/pts', type: 'bind', source: '/dev/pts', options: ['rbind', 'nosuid', 'noexec'] };

export const RUN_TMPFS: Readonly<OciMount> = { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755', 'size=65536k'] };
export const TMP_TMPFS: Readonly<OciMount> = { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', 'size=65536k'] };

const NS_LABEL: Record<OciNamespaceType, string> = ociTable((n) => n.label);

/** What a container shares with the host without the namespace. */
const SHARED: Record<OciNamespaceType, string> = ociTable((n) => n.shared);

export { isIpcSysctl } from '../sys/namespaces.js';
const sysctlOwner = sysctlNamespace;

const quote = (key: string): string => JSON.stringify(key);

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The fixer's own words, then what the probe saw. */
function why(f: HostFact, what: string): string {
  return f.summary ? `${what} [probe: ${f.summary}]` : what;
}

type Fs = FilesystemType;
const FS_MOUNT_TYPES = new Set<string>(['proc', 'sysfs', 'tmpfs', 'devpts', 'mqueue']);
const CGROUP_TYPES = new Set<string>(['cgroup', 'cgroup2']);

/**
 * Returns a copy of spec that this host can run, and the changes in the order
 * they were applied. Nothing changes when nothing is missing.
 */
export function fixConfig(input: OciSpec, caps: HostCapabilities): FixResult {
  const spec = clone(input);
  const changes: ConfigChange[] = [];
  const push = (c: ConfigChange): void => {
    changes.push(c);
  };

  // 1. Namespaces the kernel lacks, and what only works with them.
  const dropped = new Set<OciNamespaceType>();
  for (const type of OCI_NAMESPACES) {
    const f = caps.namespaces[type];
    if (f.value) continue;
    dropped.add(type);
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

  // 2. sysctls that do not exist under /proc/sys (only those the probe looked for).
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

  // 3. Mounts: filesystems the kernel lacks, cgroups, devpts without instances.
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

  // 4. A writable /run and /tmp for read-only roots on hosts without them.
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

  // 5. No pivot_root on rootfs/initramfs: tell the runtimes to chroot.
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

  // 6. The process.
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

  // 7. The security and cgroup parts of linux.
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

  return { spec, changes };
}

const SIGN: Record<ConfigChange['op'], string> = { remove: '-', add: '+', replace: '~' };

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** One line: "- .linux.namespaces[type=ipc]  (ns.ipc: the kernel has no IPC namespace ...)". */
export function formatChange(c: ConfigChange): string {
  const value =
    c.op === 'remove' ? '' : c.op === 'add' ? ` = ${short(c.after)}` : ` ${short(c.before)} -> ${short(c.after)}`;
  return `${SIGN[c.op]} ${c.path}${value}  (${c.checkId}: ${c.reason})`;
}

export interface DiffOptions {
  /** Lines of context around each change; 3 unless told. */
  context?: number;
  fromLabel?: string;
  toLabel?: string;
}

type Op = { kind: ' ' | '-' | '+'; text: string; a: number; b: number };

/** Line edit script by longest common subsequence (common head and tail trimmed first). */
function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const n = a.length - head - tail;
  const m = b.length - head - tail;
  // lcs[i][j] = LCS length of a[head+i..] and b[head+j..], row-major (n+1)*(m+1).
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] = a[head + i] === b[head + j] ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  for (let k = 0; k < head; k++) ops.push({ kind: ' ', text: a[k] ?? '', a: k, b: k });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[head + i] === b[head + j]) {
      ops.push({ kind: ' ', text: a[head + i] ?? '', a: head + i, b: head + j });
      i++;
      j++;
    } else if (j < m && (i >= n || (lcs[i * width + j + 1] ?? 0) >= (lcs[(i + 1) * width + j] ?? 0))) {
      ops.push({ kind: '+', text: b[head + j] ?? '', a: head + i, b: head + j });
      j++;
    } else {
      ops.push({ kind: '-', text: a[head + i] ?? '', a: head + i, b: head + j });
      i++;
    }
  }
  for (let k = 0; k < tail; k++) ops.push({ kind: ' ', text: a[a.length - tail + k] ?? '', a: a.length - tail + k, b: b.length - tail + k });
  // Within a run of changes show removals before additions, as diff -u does.
  const out: Op[] = [];
  let run: Op[] = [];
  const flush = (): void => {
    out.push(...run.filter((o) => o.kind === '-'), ...run.filter((o) => o.kind === '+'));
    run = [];
  };
  for (const o of ops) {
    if (o.kind === ' ') {
      flush();
      out.push(o);
    } else run.push(o);
  }
  flush();
  return out;
}

/**
 * A unified diff (diff -u style) of the two documents pretty-printed with two
 * spaces; "" when they print the same.
 */
export function renderDiff(before: OciSpec, after: OciSpec, opts: DiffOptions = {}): string {
  const context = opts.context ?? 3;
  const a = JSON.stringify(before, null, 2).split('\n');
  const b = JSON.stringify(after, null, 2).split('\n');
  const ops = diffLines(a, b);
  const changed = ops.map((o, k) => (o.kind === ' ' ? -1 : k)).filter((k) => k >= 0);
  if (changed.length === 0) return '';
  // Group changed ops into hunks whose context windows touch.
  const hunks: Array<[number, number]> = [];
  for (const k of changed) {
    const start = Math.max(0, k - context);
    const end = Math.min(ops.length - 1, k + context);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1] + 1) last[1] = end;
    else hunks.push([start, end]);
  }
  const lines = [`--- ${opts.fromLabel ?? 'config.json'}`, `+++ ${opts.toLabel ?? 'config.json (fixed)'}`];
  for (const [start, end] of hunks) {
    const slice = ops.slice(start, end + 1);
    const first = slice[0];
    if (!first) continue;
    const aLines = slice.filter((o) => o.kind !== '+');
    const bLines = slice.filter((o) => o.kind !== '-');
    // Unified-diff numbering: 1-based start; for an empty side, the line before.
    const aStart = aLines[0] ? aLines[0].a + 1 : first.a;
    const bStart = bLines[0] ? bLines[0].b + 1 : first.b;
    const aCount = aLines.length;
    const bCount = bLines.length;
    lines.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const o of slice) lines.push(`${o.kind}${o.text}`);
  }
  return `${lines.join('\n')}\n`;
}
