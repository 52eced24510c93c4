// Tool discovery: which busybox, toybox or util-linux programs this host (or a
// bundle's rootfs) has for the tools paths, found once here for the probe's
// live tests (probes/live/tools.ts), the tools launcher (runtime/launch-sh.ts),
// the external runtimes and the docker checks.

import type { HostFiles, HostProcesses } from './host.js';

/** What tool discovery reads and runs. */
type ToolHost = HostFiles & HostProcesses;
import { machineFromUname, parseElf } from '../sys/elf.js';

/** The programs the tools path uses; each may be a multi-call binary plus applet. */
export interface Toolset {
  /** Shown in the report, e.g. "/bin/busybox" or "util-linux". */
  name: string;
  sh: string[];
  unshare: string[] | null;
  mount: string[] | null;
  pivotRoot: string[] | null;
  chroot: string[] | null;
  /** Where the busybox came from, when one is used. */
  busyboxSource?: BusyboxSource;
  /** What each tool is, for the report: "busybox /bin/busybox unshare", "util-linux /usr/bin/unshare", "toybox /system/bin/toybox chroot". */
  labels?: Partial<Record<ToolRole, string>>;
  /** Why a busybox candidate was passed over (a bad --busybox, a bundle busybox for another machine). */
  notes?: string[];
  /** What the tools found cannot do (toybox 0.8 has no sh, setpriv, nc or ip), for the probe's notes. */
  lacks?: string[];
  /**
   * busybox only: argv that opens an AF_INET socket as uid/gid 65534 with no groups
   * (nsenter -S/-G, then nc to 127.0.0.1:9), for Android's paranoid network.
   */
  inetAsNobody?: string[] | null;
}

export type ToolRole = 'sh' | 'unshare' | 'mount' | 'pivot_root' | 'chroot';
/** option: --busybox PATH; PATH: found on PATH; bundle: the bundle's own rootfs. */
export type BusyboxSource = 'option' | 'PATH' | 'bundle';

export interface ToolOptions {
  /** --busybox PATH. */
  busybox?: string;
  /** `run`: the bundle's rootfs, whose own static busybox is used when it runs on this machine. */
  bundleRootfs?: string;
}

/** Where a bundle keeps its busybox. */
export const BUNDLE_BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox', '/sbin/busybox', '/usr/sbin/busybox'] as const;

/** The package a non-busybox tool usually comes from on a Linux distribution. */
const FAMILY: Record<ToolRole, string> = { sh: 'sh', unshare: 'util-linux', mount: 'util-linux', pivot_root: 'util-linux', chroot: 'coreutils' };

/** The report label of a tool found by name: toybox/busybox when the path leads to one. */
async function labelOf(host: ToolHost, role: ToolRole, argv: string[]): Promise<string> {
  const [file, applet] = argv as [string, string | undefined];
  if (applet !== undefined) return `${/toybox/.test(file) ? 'toybox' : 'busybox'} ${file} ${applet}`;
  const real = (await host.realpath(file)) ?? file;
  const base = real.slice(real.lastIndexOf('/') + 1);
  if (base === 'toybox' || base.startsWith('busybox')) return `${base === 'toybox' ? 'toybox' : 'busybox'} ${real} ${role} (as ${file})`;
  return `${FAMILY[role]} ${file}`;
}

/** A busybox in the bundle's rootfs that runs here: static, for this machine. Null with a reason otherwise. */
export async function bundleBusybox(host: ToolHost, rootfs: string): Promise<{ path: string | null; note?: string }> {
  const here = machineFromUname(host.uname().machine);
  for (const rel of BUNDLE_BUSYBOX_PATHS) {
    const path = `${rootfs}${rel}`;
    if ((await host.stat(path)) !== 'file') continue;
    const bytes = await host.readFile(path);
    let info;
    try {
      info = parseElf(path, bytes ?? Buffer.alloc(0));
    } catch (error) {
      return { path: null, note: `bundle busybox ${path}: ${(error as Error).message.replace(`${path}: `, '')}: not used` };
    }
    if (info.machine !== here) return { path: null, note: `bundle busybox ${path} is for ${info.machine}, this machine is ${here}: not used` };
    if (!info.static) return { path: null, note: `bundle busybox ${path} is dynamically linked (its loader is inside the rootfs): not used` };
    return { path };
  }
  return { path: null };
}

/** A busybox that runs and has sh: its applets; null with a note otherwise. */
async function tryBusybox(host: ToolHost, path: string, source: BusyboxSource, notes: string[]): Promise<Toolset | null> {
  const list = await host.exec(path, ['--list']);
  const applets = new Set(list.stdout.split('\n'));
  if (list.exitCode !== 0 || !applets.has('sh')) {
    const why = list.spawnError ?? (list.exitCode !== 0 ? `--list exited with ${list.exitCode}${list.stderr.trim() ? `: ${list.stderr.trim()}` : ''}` : 'it has no sh applet');
    notes.push(`${source === 'option' ? '--busybox ' : source === 'bundle' ? 'bundle busybox ' : 'busybox on PATH '}${path} not used: ${why}`);
    return null;
  }
  const applet = (name: string): string[] | null => (applets.has(name) ? [path, name] : null);
  const t: Toolset = { name: path, sh: [path, 'sh'], unshare: applet('unshare'), mount: applet('mount'), pivotRoot: applet('pivot_root'), chroot: applet('chroot'), busyboxSource: source, notes };
  t.inetAsNobody = applets.has('nsenter') && applets.has('nc') ? [path, 'nsenter', '-S', '65534', '-G', '65534', '--', path, 'nc', '-w', '1', '127.0.0.1', '9'] : null;
  const from = source === 'option' ? ' (--busybox)' : source === 'bundle' ? ' (the bundle\'s own)' : '';
  const roles: [ToolRole, string[] | null][] = [['sh', t.sh], ['unshare', t.unshare], ['mount', t.mount], ['pivot_root', t.pivotRoot], ['chroot', t.chroot]];
  t.labels = Object.fromEntries(roles.filter(([, argv]) => argv).map(([role]) => [role, `busybox ${path} ${role}${from}`]));
  return t;
}

/**
 * Finds tools in the order: --busybox PATH, busybox on PATH, the bundle's own
 * static busybox (run only, when its ELF machine is this one's), then each
 * tool from PATH (util-linux), then toybox applets.
 */
export async function findToolset(host: ToolHost, opts: ToolOptions = {}): Promise<Toolset | null> {
  const notes: string[] = [];
  if (opts.busybox) {
    const t = await tryBusybox(host, opts.busybox, 'option', notes);
    if (t) return t;
  }
  const onPath = await host.which('busybox');
  if (onPath && onPath !== opts.busybox) {
    const t = await tryBusybox(host, onPath, 'PATH', notes);
    if (t) return t;
  }
  if (opts.bundleRootfs) {
    const found = await bundleBusybox(host, opts.bundleRootfs);
    if (found.note) notes.push(found.note);
    if (found.path) {
      const t = await tryBusybox(host, found.path, 'bundle', notes);
      if (t) return t;
    }
  }
  const sh = await host.which('sh');
  if (!sh) return null;
  const toybox = await host.which('toybox');
  const toyApplets = toybox ? new Set((await host.exec(toybox, [])).stdout.split(/\s+/)) : new Set<string>();
  const pick = async (name: string): Promise<string[] | null> => {
    const found = await host.which(name);
    if (found) return [found];
    return toybox && toyApplets.has(name) ? [toybox, name] : null;
  };
  const unshare = await pick('unshare');
  const unshareLabel = unshare ? await labelOf(host, 'unshare', unshare) : '';
  // unshare found on PATH may itself be a toybox link (stock Android's /system/bin/unshare).
  const isToybox = !!toybox && (!unshare || unshareLabel.startsWith('toybox'));
  const lacking: string[] = [];
  if (isToybox) {
    const lacks = HELPERS.filter(([applet]) => !toyApplets.has(applet)).map(([applet, lost]) => (applet === 'sh' ? `${lost} (${sh})` : lost));
    if (lacks.length) lacking.push(`toybox ${toybox}: ${lacks.join('; ')}`);
  }
  const t: Toolset = {
    name: isToybox ? `${toybox} (toybox)` : 'util-linux',
    sh: [sh],
    unshare,
    mount: await pick('mount'),
    pivotRoot: await pick('pivot_root'),
    chroot: await pick('chroot'),
    notes,
    ...(lacking.length ? { lacks: lacking } : {}),
  };
  const roles: [ToolRole, string[] | null][] = [['sh', t.sh], ['unshare', t.unshare], ['mount', t.mount], ['pivot_root', t.pivotRoot], ['chroot', t.chroot]];
  const labels: Partial<Record<ToolRole, string>> = {};
  for (const [role, argv] of roles) if (argv) labels[role] = await labelOf(host, role, argv);
  t.labels = labels;
  return t;
}


/** What the tools paths use beside the five roles, and what is lost without it (toybox 0.8 lacks several). */
export const HELPERS: [string, string][] = [
  ['sh', 'no shell of its own: another one runs the scripts'],
  ['setpriv', 'no setpriv: `run` on the tools path cannot drop capabilities or set no_new_privs'],
  ['nc', 'no nc: whether uid 65534 may open sockets (paranoid network) is not tested live'],
  ['ip', 'no ip: the container\'s loopback is brought up with ifconfig, if any'],
];

