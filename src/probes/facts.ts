// Everything the checks look at, gathered once through the Host. Checks are
// then pure functions of these facts, so they run on fixtures in tests.

import type { Host } from '../host/host.js';
import type { KernelConfig } from '../kernel/config.js';
import type { DecodedConfig } from '../kernel/input/detect.js';
import { parseKernelVersion, type KernelVersion } from '../kernel/version.js';
import type { LiveRun } from './live/index.js';
import type { LiveResults } from './live/types.js';
import { parseMountinfo, type MountEntry } from '../sys/mountinfo.js';

/** Files read as text; null when absent or unreadable. */
export const TEXT_FILES = [
  '/proc/filesystems',
  '/proc/self/mountinfo',
  '/proc/cgroups',
  '/proc/self/status',
  '/proc/sys/user/max_user_namespaces',
  '/proc/sys/kernel/unprivileged_userns_clone',
  '/sys/fs/selinux/enforce',
  '/system/build.prop',
  '/proc/sys/kernel/seccomp/actions_avail',
] as const;
export type TextFile = (typeof TEXT_FILES)[number];

/** Paths whose existence and kind matter. */
export const PATHS = ['/run', '/tmp', '/etc/resolv.conf', '/dev/pts/ptmx', '/dev/ptmx', '/dev/shm', '/data', '/system/bin/sh', '/dev/net/tun'] as const;
export type WatchedPath = (typeof PATHS)[number];

/** sysctls that belong to the IPC namespace (runc allows them only with one). */
export const IPC_SYSCTLS = [
  'kernel/msgmax',
  'kernel/msgmnb',
  'kernel/msgmni',
  'kernel/sem',
  'kernel/shmall',
  'kernel/shmmax',
  'kernel/shmmni',
  'kernel/shm_rmid_forced',
  'fs/mqueue/msg_default',
  'fs/mqueue/msg_max',
  'fs/mqueue/msgsize_default',
  'fs/mqueue/msgsize_max',
  'fs/mqueue/queues_max',
] as const;

export interface Facts {
  uname: { sysname: string; release: string; machine: string; nodename: string };
  kernel: KernelVersion | null;
  uid: number;
  /** Node's process.platform ("android" on Termux: treated as Linux). */
  platform: string;
  /** Node's process.arch. */
  arch: string;
  config: KernelConfig | null;
  /** Where the config was looked for and why it is missing, or what was read. */
  configNotes: string[];
  text: Record<TextFile, string | null>;
  paths: Record<WatchedPath, string | null>;
  mounts: MountEntry[];
  /** Entries of /proc/self/ns, null when unreadable. */
  nsEntries: string[] | null;
  /** IPC sysctl name -> present under /proc/sys. */
  sysctls: Record<string, boolean>;
  /** Files in each cgroup v1 mount point (to tell noprefix) and cgroup2's controllers. */
  cgroupFiles: Record<string, string[] | null>;
  cgroup2Controllers: string | null;
  /** ELF class of the running node binary: 32 or 64 (userspace width). */
  userspaceBits: 32 | 64 | null;
  live: LiveResults | null;
  /** Why live tests did not run or which path they took. */
  liveNotes: string[];
  /** Whether koffi ran the live tests, was switched off, or did not load (and why). */
  liveFfi?: { state: 'used' | 'off' | 'unavailable'; reason?: string };
  liveRequested: boolean;
  /** `getprop` output ("[key]: [value]" lines) when /system/build.prop is unreadable but getprop exists. */
  getprop: string | null;
  /** --kernel-config FILE with --no-live: the file may be another machine's, so nothing of this host is read. */
  configOnly: boolean;
}

export interface GatherOptions {
  kernelConfig?: string;
  /** --kernel-version: the version of a config file that carries none (a defconfig). */
  kernelVersion?: string;
  live: boolean;
  noFfi: boolean;
  busybox?: string;
  /** `run`: the bundle's rootfs, whose own static busybox may drive the tools path. */
  bundleRootfs?: string;
  platform: string;
  arch: string;
  execPath: string;
}

async function loadConfig(host: Host, release: string, explicit?: string, givenVersion?: string): Promise<{ config: KernelConfig | null; notes: string[] }> {
  const candidates = explicit ? [explicit] : ['/proc/config.gz', `/boot/config-${release}`];
  const notes: string[] = [];
  for (const path of candidates) {
    const bytes = await host.readFile(path);
    if (!bytes) {
      notes.push(`${path}: not found or unreadable`);
      continue;
    }
    // Loaded here, not up front: the live tests start first and the decoders load while they run.
    const [{ decodeConfigInput }, { parseKernelConfig }] = await Promise.all([import('../kernel/input/detect.js'), import('../kernel/config.js')]);
    let decoded: DecodedConfig;
    try {
      decoded = decodeConfigInput(bytes);
    } catch (error) {
      notes.push(`${path}: ${(error as Error).message}`);
      continue;
    }
    let config = parseKernelConfig(decoded.text, path);
    if (config.values.size === 0) {
      notes.push(`${path}: no CONFIG_ lines`);
      continue;
    }
    if (decoded.input.kind === 'defconfig') {
      // A defconfig lists only what differs from the Kconfig defaults: resolve the rest as olddefconfig would.
      const { bundledKconfigTable, expandDefconfig, guessArch } = await import('../kernel/input/defconfig.js');
      const arch = guessArch(config, decoded.text);
      const { table } = bundledKconfigTable();
      config = expandDefconfig(config, arch);
      notes.push(`defconfig: options it leaves out resolved to their Kconfig defaults (${arch}, ${table.source}); ${config.defaults?.size ?? 0} changed`);
    }
    config.input = decoded.input;
    config.version ??= decoded.input.bannerVersion;
    if (config.version === null && givenVersion !== undefined) {
      config.version = givenVersion;
      notes.push(`${path}: no version in the file: Linux ${givenVersion} from --kernel-version`);
    } else if (config.version === null) {
      notes.push(`${path}: no version in the file: every version-dependent check applies (give --kernel-version)`);
    }
    const how = decoded.input.steps.length ? ` (${decoded.input.steps.join(' -> ')})` : '';
    notes.push(`read ${path}: ${decoded.input.kind}${how}, ${config.values.size} options set`);
    return { config, notes };
  }
  return { config: null, notes };
}

async function elfBits(host: Host, path: string): Promise<32 | 64 | null> {
  const head = await host.readHead(path, 5);
  if (!head || head.length < 5 || head.toString('latin1', 1, 4) !== 'ELF') return null;
  return head[4] === 2 ? 64 : head[4] === 1 ? 32 : null;
}

export async function gatherFacts(host: Host, opts: GatherOptions): Promise<Facts> {
  return (await startGathering(host, opts)).facts;
}

/**
 * gatherFacts in two steps: resolves as soon as the live tests are under way (a koffi worker
 * thread or tools: they take longest), to the facts still being gathered. The caller can load
 * its own modules meanwhile; the files below are read while the live tests run.
 */
export async function startGathering(host: Host, opts: GatherOptions): Promise<{ facts: Promise<Facts>; files: Promise<FileFacts> }> {
  const configOnly = opts.kernelConfig !== undefined && !opts.live;
  if (configOnly) {
    const facts = configOnlyFacts(host, opts);
    return { facts, files: facts };
  }
  let liveRun: Promise<LiveRun>;
  if (opts.live) {
    // Loaded only when asked for: `run` probes files only, while its container starts.
    const { runLive } = await import('./live/index.js');
    let started = (): void => undefined;
    const underWay = new Promise<void>((resolve) => (started = resolve));
    liveRun = runLive(host, { noFfi: opts.noFfi, isRoot: host.uid() === 0, arch: opts.arch, started, ...(opts.busybox ? { busybox: opts.busybox } : {}), ...(opts.bundleRootfs ? { bundleRootfs: opts.bundleRootfs } : {}) });
    await Promise.race([underWay, liveRun.then(() => undefined, () => undefined)]);
  } else {
    liveRun = Promise.resolve({ results: null, notes: ['--no-live: only files and the kernel config were read'] });
  }
  const files = fileFacts(host, opts);
  const facts = files.then(async (f) => withLive(f, await liveRun));
  // The caller awaits them; no unhandled rejection meanwhile.
  files.catch(() => undefined);
  facts.catch(() => undefined);
  return { facts, files };
}

/** The facts the live tests fill in. */
export const LIVE_FACTS = ['live', 'liveNotes', 'liveFfi'] as const;
/** Everything but the live tests' results: read from files while the tests run. */
export type FileFacts = Omit<Facts, (typeof LIVE_FACTS)[number]>;

/** The file facts with the live tests' results, in the order of Facts' fields. */
function withLive(files: FileFacts, live: LiveRun): Facts {
  const { liveRequested, getprop, configOnly, ...rest } = files;
  return { ...rest, live: live.results, liveNotes: live.notes, ...(live.ffi ? { liveFfi: live.ffi } : {}), liveRequested, getprop, configOnly };
}

async function fileFacts(host: Host, opts: GatherOptions): Promise<FileFacts> {
  const uname = host.uname();
  const uid = host.uid();
  const [configResult, texts, kinds, nsEntries, sysctlKinds, bits] = await Promise.all([
    loadConfig(host, uname.release, opts.kernelConfig, opts.kernelVersion),
    Promise.all(TEXT_FILES.map(async (f) => (await host.readFile(f))?.toString('utf8') ?? null)),
    Promise.all(PATHS.map((p) => host.stat(p))),
    host.readDir('/proc/self/ns'),
    Promise.all(IPC_SYSCTLS.map((s) => host.stat(`/proc/sys/${s}`))),
    elfBits(host, opts.execPath),
  ]);
  const text = Object.fromEntries(TEXT_FILES.map((f, i) => [f, texts[i] ?? null])) as Record<TextFile, string | null>;
  const mounts = parseMountinfo(text['/proc/self/mountinfo'] ?? '');
  const cgroupMounts = mounts.filter((m) => m.fsType === 'cgroup');
  const cgroup2 = mounts.find((m) => m.fsType === 'cgroup2');
  const [cgroupDirs, controllers] = await Promise.all([
    Promise.all(cgroupMounts.map((m) => host.readDir(m.mountPoint))),
    cgroup2 ? host.readFile(`${cgroup2.mountPoint}/cgroup.controllers`) : Promise.resolve(null),
  ]);
  // Newer Android keeps properties elsewhere; getprop knows them all.
  const getpropPath = text['/system/build.prop'] === null ? await host.which('getprop') : null;
  const getprop = getpropPath ? (await host.exec(getpropPath, [])).stdout || null : null;
  return {
    uname,
    kernel: parseKernelVersion(uname.release),
    uid,
    platform: opts.platform,
    arch: opts.arch,
    config: configResult.config,
    configNotes: configResult.notes,
    text,
    paths: Object.fromEntries(PATHS.map((p, i) => [p, kinds[i] ?? null])) as Record<WatchedPath, string | null>,
    mounts,
    nsEntries,
    sysctls: Object.fromEntries(IPC_SYSCTLS.map((s, i) => [s, sysctlKinds[i] !== null])),
    cgroupFiles: Object.fromEntries(cgroupMounts.map((m, i) => [m.mountPoint, cgroupDirs[i] ?? null])),
    cgroup2Controllers: controllers ? controllers.toString('utf8').trim() : null,
    userspaceBits: bits,
    liveRequested: opts.live,
    getprop,
    configOnly: false,
  };
}

/** The machine a config is for, from its header ("# Linux/arm64 ...") and options; "unknown" when unclear. */
function configMachine(config: KernelConfig): string {
  const has = (o: string): boolean => config.values.get(o) === 'y';
  if (has('CONFIG_X86_64')) return 'x86_64';
  if (has('CONFIG_ARM64')) return 'aarch64';
  if (has('CONFIG_X86_32')) return 'i686';
  if (has('CONFIG_ARM')) return 'armv7l';
  return 'unknown';
}

const nothing = <K extends string>(keys: readonly K[]): Record<K, null> => Object.fromEntries(keys.map((k) => [k, null])) as Record<K, null>;

async function configOnlyFacts(host: Host, opts: GatherOptions): Promise<Facts> {
  const { config, notes } = await loadConfig(host, '', opts.kernelConfig, opts.kernelVersion);
  const release = config?.version ?? 'unknown';
  return {
    uname: { sysname: 'Linux', release, machine: config ? configMachine(config) : 'unknown', nodename: '' },
    kernel: parseKernelVersion(release),
    uid: -1,
    platform: opts.platform,
    arch: opts.arch,
    config,
    configNotes: notes,
    text: nothing(TEXT_FILES),
    paths: nothing(PATHS),
    mounts: [],
    nsEntries: null,
    sysctls: {},
    cgroupFiles: {},
    cgroup2Controllers: null,
    userspaceBits: null,
    live: null,
    liveNotes: ['--kernel-config with --no-live: only the file was evaluated, nothing of this host'],
    liveRequested: false,
    getprop: null,
    configOnly: true,
  };
}
