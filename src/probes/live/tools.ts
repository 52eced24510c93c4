// Live kernel tests without FFI: drive busybox, util-linux or toybox through
// one shell script. Every test runs inside `unshare -m`, so mounts live only in
// a throwaway mount namespace and vanish with the script.

import { nameTable } from '../../sys/namespaces.js';
import type { Host } from '../../host/host.js';
import { emptyLive, type Attempt, type LiveResults, type NsName } from './types.js';
import { machineFromUname, parseElf } from '../../sys/elf.js';

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
async function labelOf(host: Host, role: ToolRole, argv: string[]): Promise<string> {
  const [file, applet] = argv as [string, string | undefined];
  if (applet !== undefined) return `${/toybox/.test(file) ? 'toybox' : 'busybox'} ${file} ${applet}`;
  const real = (await host.realpath(file)) ?? file;
  const base = real.slice(real.lastIndexOf('/') + 1);
  if (base === 'toybox' || base.startsWith('busybox')) return `${base === 'toybox' ? 'toybox' : 'busybox'} ${real} ${role} (as ${file})`;
  return `${FAMILY[role]} ${file}`;
}

/** A busybox in the bundle's rootfs that runs here: static, for this machine. Null with a reason otherwise. */
export async function bundleBusybox(host: Host, rootfs: string): Promise<{ path: string | null; note?: string }> {
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
async function tryBusybox(host: Host, path: string, source: BusyboxSource, notes: string[]): Promise<Toolset | null> {
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
export async function findToolset(host: Host, opts: ToolOptions = {}): Promise<Toolset | null> {
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

const NS_FLAGS: Record<NsName, string> = nameTable((n) => n.letter);
const NS_CLONE: Record<NsName, string> = nameTable((n) => n.cloneName);

/** Runs a test: "key<TAB>exit status<TAB>message", the message's whitespace folded by the shell itself (toybox has no tr). */
const T_FN = `t() { k=$1; shift; o=$("$@" 2>&1); r=$?; set -f; m=; for w in $o; do m="$m $w"; done; set +f; printf '%s\\t%s\\t%s\\n' "$k" "$r" "\${m# }"; }`;

/** What the tools paths use beside the five roles, and what is lost without it (toybox 0.8 lacks several). */
const HELPERS: [string, string][] = [
  ['sh', 'no shell of its own: another one runs the scripts'],
  ['setpriv', 'no setpriv: `run` on the tools path cannot drop capabilities or set no_new_privs'],
  ['nc', 'no nc: whether uid 65534 may open sockets (paranoid network) is not tested live'],
  ['ip', 'no ip: the container\'s loopback is brought up with ifconfig, if any'],
];

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const cmd = (argv: string[]): string => argv.map(quote).join(' ');

/** The script: one line per test, "key<TAB>exit status<TAB>message". */
export function toolsScript(t: Toolset, scratch: string): string {
  const lines = [
    T_FN,
  ];
  if (t.unshare) {
    for (const [ns, flag] of Object.entries(NS_FLAGS)) lines.push(`t unshare.${ns} ${cmd(t.unshare)} -${flag} true`);
  }
  // Android's paranoid network: may uid 65534 without group 3003 open an AF_INET socket?
  if (t.inetAsNobody) lines.push(`t inet ${cmd(t.inetAsNobody)} </dev/null`);
  if (t.unshare && t.mount) {
    const m = cmd(t.mount);
    const S = quote(scratch);
    const inner = [
      T_FN,
      `t scratch ${m} -t tmpfs -o size=1m,mode=0700 tmpfs ${S} || exit 0`,
      `mkdir ${S}/mq ${S}/pts ${S}/l ${S}/u ${S}/w ${S}/m ${S}/new`,
      `t mqueue ${m} -t mqueue mqueue ${S}/mq`,
      `t devpts ${m} -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts ${S}/pts`,
      `[ -c ${S}/pts/ptmx ]; printf 'ptmx\\t%s\\t\\n' $?`,
      `printf 'ptsdev\\t0\\t%s %s\\n' "$(stat -c %d /dev/pts 2>/dev/null)" "$(stat -c %d ${S}/pts 2>/dev/null)"`,
      `t overlay ${m} -t overlay -o lowerdir=${S}/l,upperdir=${S}/u,workdir=${S}/w overlay ${S}/m`,
      t.chroot ? `t chroot ${cmd(t.chroot)} / true` : `printf 'chroot\\t127\\tno chroot tool\\n'`,
      `t newroot ${m} -t tmpfs -o size=1m tmpfs ${S}/new && mkdir ${S}/new/old`,
      t.pivotRoot ? `t pivot_root ${cmd(t.pivotRoot)} ${S}/new ${S}/new/old` : `printf 'pivot_root\\t127\\tno pivot_root tool\\n'`,
    ].join('\n');
    lines.push(`${cmd(t.unshare)} -m ${cmd(t.sh)} -c ${quote(inner)}`);
  }
  return lines.join('\n') + '\n';
}

const MESSAGES: [RegExp, string][] = [
  [/invalid argument/i, 'EINVAL'],
  [/operation not permitted/i, 'EPERM'],
  [/no such device|unknown filesystem type/i, 'ENODEV'],
  [/function not implemented/i, 'ENOSYS'],
  [/permission denied/i, 'EACCES'],
  [/no such file or directory/i, 'ENOENT'],
  [/device or resource busy/i, 'EBUSY'],
  [/no space left on device/i, 'ENOSPC'],
  [/too many users/i, 'EUSERS'],
  [/not supported/i, 'EOPNOTSUPP'],
];

/** A tool that does not know an option: the test did not run. */
const UNSUPPORTED_OPTION = /invalid option|unrecognized option|unknown option/i;

/** The errno a tool's error message stands for. */
export function errnoFromMessage(message: string): string {
  for (const [re, name] of MESSAGES) if (re.test(message)) return name;
  return 'UNKNOWN';
}

function attempt(op: string, rc: string, message: string): Attempt {
  if (rc === '0') return { op, ok: true };
  if (rc === '127') return { op, ok: false, errno: 'ENOENT', detail: message || 'tool not found' };
  return { op, ok: false, errno: errnoFromMessage(message), detail: message };
}

/** Turns the script's output into LiveResults. */
export function parseToolsOutput(t: Toolset, scratch: string, stdout: string): LiveResults {
  const out = emptyLive('tools');
  out.tool = t.name;
  if (t.labels) out.tools = { ...t.labels };
  out.notes.push(...(t.notes ?? []), ...(t.lacks ?? []));
  const label = (role: ToolRole): string => t.labels?.[role] ?? t.name;
  const rows = new Map<string, [string, string]>();
  for (const line of stdout.split('\n')) {
    const [key, rc, message] = line.split('\t');
    if (key && rc !== undefined) rows.set(key, [rc, (message ?? '').trim()]);
  }
  const get = (key: string, op: string, role: ToolRole = 'mount'): Attempt | undefined => {
    const row = rows.get(key);
    return row ? { ...attempt(op, row[0], row[1]), tool: label(role) } : undefined;
  };
  for (const ns of Object.keys(NS_FLAGS) as NsName[]) {
    const a = get(`unshare.${ns}`, `unshare(${NS_CLONE[ns]})`, 'unshare');
    if (a && !a.ok && UNSUPPORTED_OPTION.test(a.detail ?? '')) out.notes.push(`${t.name}: unshare has no -${NS_FLAGS[ns]}: the ${ns} namespace was not tested live`);
    else if (a) out.unshare[ns] = a;
  }
  const S = scratch;
  const set = <K extends 'scratch' | 'mqueue' | 'overlay'>(k: K, key: string, op: string): void => {
    const a = get(key, op);
    if (a) out.mount[k] = a;
  };
  set('scratch', 'scratch', `mount tmpfs on ${S}`);
  set('mqueue', 'mqueue', `mount -t mqueue on ${S}/mq`);
  set('overlay', 'overlay', `mount -t overlay on ${S}/m`);
  const pts = get('devpts', `mount -t devpts -o newinstance on ${S}/pts`);
  if (pts) {
    const [hostDev, ownDev] = (rows.get('ptsdev')?.[1] ?? '').split(' ');
    out.mount.devpts = {
      ...pts,
      ptmx: pts.ok && rows.get('ptmx')?.[0] === '0',
      separateInstance: hostDev && ownDev ? hostDev !== ownDev : null,
    };
  }
  const chroot = get('chroot', 'chroot /', 'chroot');
  if (chroot) out.chroot = chroot;
  const pivot = rows.has('newroot') && rows.get('newroot')?.[0] !== '0' ? get('newroot', `mount tmpfs on ${S}/new`) : get('pivot_root', `pivot_root ${S}/new ${S}/new/old`, 'pivot_root');
  if (pivot) out.pivotRoot = pivot;
  const inet = rows.get('inet');
  if (inet) {
    const op = 'socket(AF_INET) as uid 65534';
    const tool = `busybox ${t.name} nsenter -S 65534 -G 65534 + busybox ${t.name} nc`;
    // busybox dies with "socket: Permission denied" when socket() fails; "can't connect" means it was opened.
    if (/socket: permission denied/i.test(inet[1])) out.inetAsNobody = { op, ok: false, errno: 'EACCES', detail: inet[1], tool };
    else if (inet[0] === '0' || /can't connect|connection refused|unreachable/i.test(inet[1])) out.inetAsNobody = { op, ok: true, detail: inet[1] ? `socket opened (${inet[1]})` : 'socket opened', tool };
    else out.notes.push(`${t.name}: could not tell whether uid 65534 may open sockets (${inet[1] || `exit status ${inet[0]}`})`);
  }
  if (!t.unshare) out.notes.push(`${t.name}: no unshare tool, namespace and mount tests were not run`);
  else if (!t.mount) out.notes.push(`${t.name}: no mount tool, mount tests were not run`);
  if (!t.pivotRoot) out.notes.push(`${t.name}: no pivot_root tool`);
  return out;
}

/** Runs the live tests through tools; null when there is no shell at all. */
export async function runToolsLive(host: Host, scratch: string, tools: ToolOptions = {}): Promise<LiveResults | null> {
  const t = await findToolset(host, tools);
  if (!t) return null;
  const [sh, ...shArgs] = t.sh as [string, ...string[]];
  const r = await host.exec(sh, [...shArgs, '-c', toolsScript(t, scratch)], { timeoutMs: 20000 });
  const out = parseToolsOutput(t, scratch, r.stdout);
  if (r.spawnError) out.notes.push(`${sh}: ${r.spawnError}`);
  return out;
}
