// Runs the docker live tests side by side: each group is one script in its
// own namespaces (see live-scripts.ts), and the koffi worker (cgroup2 BPF and
// the keyring) runs beside them; where koffi does not load, the keyring goes
// through keyctl and BPF is judged from the kernel config and version.

import type { Host } from '../host/host.js';
import { findToolset } from '../host/tools.js';
import type { Attempt } from '../probes/live/types.js';
import type { MountEntry } from '../sys/mountinfo.js';
import { cgroupScript, iptablesScript, miscScript, namespaceFailure, netScript, parseIptables, parseRows, parseStorage, parseV1, storageScript, toAttempt, type ScriptTools } from './live-scripts.js';
import { mountOf } from './places.js';
import { BACKENDS, emptyDockerLive, V1_CONTROLLERS, type Backend, type DockerFfiResults, type DockerLive, type V1Controller } from './types.js';

/** A Host that can also run the koffi worker of docker's tests. */
export interface DockerHost extends Host {
  /** Rejects when koffi cannot load. */
  dockerFfi(input: { scratch: string; arch: string }): Promise<DockerFfiResults>;
}

export interface DockerLiveOptions {
  noFfi: boolean;
  busybox?: string;
  arch: string;
  /** Where the storage test makes its scratch directory: the data-root's parent. */
  storageDir: string;
}

interface Resolved {
  t: ScriptTools;
  ip: string[] | null;
  bins: Record<'iptables' | 'ip6tables', Partial<Record<Backend, string>>>;
  defaultIptables: string | null;
  keyctl: string[] | null;
  setfattr: string[] | null;
  mknod: string[] | null;
}

/** A program on PATH, else the busybox applet when the tools are a busybox. */
// TODO: check `busybox --list` (Debian's busybox-static has no setfattr applet: the test then reports ENOENT).
async function pick(host: Host, name: string, busybox: string | null): Promise<string[] | null> {
  const found = await host.which(name);
  if (found) return [found];
  return busybox ? [busybox, name] : null;
}

async function resolveTools(host: Host, live: DockerLive, busyboxOpt: string | undefined): Promise<Resolved | null> {
  const ts = await findToolset(host, busyboxOpt ? { busybox: busyboxOpt } : {});
  if (!ts?.unshare || !ts.mount) return null;
  const bb = ts.busyboxSource ? ts.name : null;
  const [ip, keyctl, setfattr, mknod, legacy, nft, legacy6, nft6, plain, plain6] = await Promise.all([
    pick(host, 'ip', bb),
    host.which('keyctl').then((p) => (p ? [p] : null)),
    pick(host, 'setfattr', bb),
    pick(host, 'mknod', bb),
    ...['iptables-legacy', 'iptables-nft', 'ip6tables-legacy', 'ip6tables-nft', 'iptables', 'ip6tables'].map((n) => host.which(n)),
  ]);
  const bins: Resolved['bins'] = { iptables: {}, ip6tables: {} };
  if (legacy) bins.iptables.legacy = legacy;
  if (nft) bins.iptables.nft = nft;
  if (legacy6) bins.ip6tables.legacy = legacy6;
  if (nft6) bins.ip6tables.nft = nft6;
  const label = (role: string, argv: string[] | null, family: string): void => {
    if (argv) live.tools[role] = argv.length > 1 ? `busybox ${argv[0]} ${argv[1]}` : `${family} ${argv[0]}`;
  };
  for (const [role, l] of Object.entries(ts.labels ?? {})) live.tools[role] = l;
  label('ip', ip, 'iproute2');
  label('keyctl', keyctl, 'keyutils');
  label('setfattr', setfattr, 'attr');
  label('mknod', mknod, 'coreutils');
  for (const b of BACKENDS) {
    if (bins.iptables[b]) live.tools[`iptables-${b}`] = `iptables ${bins.iptables[b]}`;
  }
  // Android has one `iptables` (legacy), without the -legacy/-nft names: use it for its backend.
  for (const [family, path] of [['iptables', plain], ['ip6tables', plain6]] as const) {
    if (!path) continue;
    const v = await host.exec(path, ['--version']);
    const backend: Backend | null = /nf_tables/.test(v.stdout) ? 'nft' : /legacy/.test(v.stdout) || v.exitCode === 0 ? 'legacy' : null;
    if (family === 'iptables') live.defaultIptables = { path, backend, version: (v.stdout || v.stderr).trim().split('\n')[0] ?? '' };
    if (backend && !bins[family][backend]) bins[family][backend] = path;
  }
  return { t: { sh: ts.sh, unshare: ts.unshare, mount: ts.mount }, ip, bins, defaultIptables: plain ?? null, keyctl, setfattr, mknod };
}

async function script(host: Host, t: ScriptTools, text: string): Promise<Map<string, [string, string]>> {
  const [sh, ...args] = t.sh as [string, ...string[]];
  const r = await host.exec(sh, [...args, '-c', text], { timeoutMs: 20000 });
  const rows = parseRows(r.stdout + (r.stderr ? `\n${r.stderr}` : ''));
  if (r.spawnError) rows.set('', ['127', r.spawnError]);
  return rows;
}

/** The v1 -o options per controller: the controller set of the hierarchy it is already mounted in, else itself. */
export function v1Options(mounts: readonly MountEntry[]): Record<V1Controller, string> {
  const known = new Set<string>(V1_CONTROLLERS);
  const out = {} as Record<V1Controller, string>;
  for (const c of V1_CONTROLLERS) {
    const m = mounts.find((e) => e.fsType === 'cgroup' && e.superOptions.includes(c));
    const set = m ? m.superOptions.filter((o) => known.has(o) || ['net_cls', 'net_prio', 'perf_event', 'hugetlb', 'rdma', 'misc'].includes(o)) : [c];
    out[c] = set.join(',');
  }
  return out;
}

export async function runDockerLive(host: DockerHost, mounts: readonly MountEntry[], opts: DockerLiveOptions): Promise<DockerLive> {
  const live = emptyDockerLive();
  const scratch = await host.makeScratchDir();
  try {
    const ffi = opts.noFfi ? Promise.reject(new Error('switched off (--no-ffi or DROIDCHECK_NO_FFI=1)')) : host.dockerFfi({ scratch: `${scratch}/ffi`, arch: opts.arch });
    ffi.catch(() => undefined);
    const r = await resolveTools(host, live, opts.busybox);
    if (!r) {
      live.notes.push('no unshare and mount tools: the docker live tests were not run');
      return live;
    }
    const tool = (role: string): string => live.tools[role] ?? role;
    const options = v1Options(mounts);
    const jobs: Promise<void>[] = [];
    if (r.ip) {
      jobs.push(
        script(host, r.t, netScript(r.t, r.ip)).then((rows) => {
          const ns = namespaceFailure(rows, 'unshare(CLONE_NEWNET)', tool('unshare'));
          live.net = ns ? { netns: ns } : {};
          for (const [key, op] of [['veth', 'ip link add type veth'], ['bridge', 'ip link add type bridge'], ['enslave', 'ip link set veth master bridge'], ['up', 'ip link set bridge up']] as const) {
            const a = toAttempt(op, rows.get(key), tool('ip'));
            if (a) live.net[key] = a;
          }
        }),
      );
    } else live.notes.push('no ip tool (iproute2 or busybox ip): veth and bridge were not tested');
    for (const b of BACKENDS) {
      const v4 = r.bins.iptables[b] ?? null;
      const v6 = r.bins.ip6tables[b] ?? null;
      if (!v4 && !v6) continue;
      jobs.push(
        script(host, r.t, iptablesScript(r.t, b, v4, v6, scratch)).then((rows) => {
          const ns = namespaceFailure(rows, 'unshare(CLONE_NEWNET)', tool('unshare'));
          if (v4) live.iptables[b] = ns ? { binary: v4, steps: [ns] } : parseIptables(rows, 'v4', v4, `iptables ${v4}`);
          if (v6) live.ip6tables[b] = ns ? { binary: v6, steps: [ns] } : parseIptables(rows, 'v6', v6, `ip6tables ${v6}`);
        }),
      );
    }
    jobs.push(
      script(host, r.t, storageScript(r.t, opts.storageDir, r)).then((rows) => {
        const ns = namespaceFailure(rows, 'unshare(CLONE_NEWNS)', tool('unshare'));
        live.storage = ns ? { dir: opts.storageDir, scratch: ns } : parseStorage(rows, opts.storageDir, tool('mount'));
        const fsType = mountOf(mounts, opts.storageDir)?.fsType;
        if (fsType) live.storage.fsType = fsType;
      }),
      script(host, r.t, cgroupScript(r.t, scratch, options)).then((rows) => {
        const ns = namespaceFailure(rows, 'unshare(CLONE_NEWNS)', tool('unshare'));
        if (ns) {
          live.cgroup2 = { mount: ns };
          return;
        }
        for (const c of V1_CONTROLLERS) {
          const run = parseV1(rows, c, options[c], tool('mount'));
          if (run) live.v1[c] = run;
        }
        const v2 = toAttempt('mount -t cgroup2', rows.get('v2.mount'), tool('mount'));
        if (v2) live.cgroup2 = { mount: v2 };
        const child = toAttempt('mkdir a child group', rows.get('v2.child'), tool('mount'));
        if (child && live.cgroup2) live.cgroup2.child = child;
      }),
    );
    await Promise.all(jobs);
    try {
      const f = await ffi;
      live.keyring = { ...f.keyring, tool: 'koffi' };
      // The worker's own cgroup2 mount and child group say the same as the script's; its BPF results are the news.
      live.cgroup2 = { ...live.cgroup2, ...pickBpf(f.cgroup2) };
      if (!live.cgroup2.mount && f.cgroup2.mount) live.cgroup2.mount = mark(f.cgroup2.mount);
    } catch (error) {
      live.notes.push(`koffi: ${(error as Error).message.split('\n')[0]}: BPF device programs were judged from the kernel config and version`);
      // keyctl(1) joins a session keyring of its own process, which goes away with it.
      const rows = await script(host, r.t, miscScript(r.keyctl));
      const byTool = toAttempt('keyctl session (join a new session keyring)', rows.get('keyring'), tool('keyctl'));
      if (byTool) live.keyring = byTool;
    }
    return live;
  } finally {
    await host.removeScratchDir(scratch);
  }
}

const mark = (a: Attempt): Attempt => ({ ...a, tool: a.tool ?? 'koffi' });

function pickBpf(c: DockerFfiResults['cgroup2']): Partial<DockerFfiResults['cgroup2']> {
  const out: Partial<DockerFfiResults['cgroup2']> = {};
  if (c.bpfQuery) out.bpfQuery = mark(c.bpfQuery);
  if (c.bpfLoad) out.bpfLoad = mark(c.bpfLoad);
  if (c.bpfAttach) out.bpfAttach = mark(c.bpfAttach);
  return out;
}
