// Live kernel tests without FFI: drive busybox, util-linux or toybox through
// one shell script. Every test runs inside `unshare -m`, so mounts live only in
// a throwaway mount namespace and vanish with the script.

import { nameTable } from '../../sys/namespaces.js';
import type { Host } from '../../host/host.js';
import { findToolset, type ToolOptions, type ToolRole, type Toolset } from '../../host/tools.js';
import { errnoFromMessage } from '../../sys/errno.js';
import { emptyLive, type Attempt, type LiveResults, type NsName } from './types.js';

const NS_FLAGS: Record<NsName, string> = nameTable((n) => n.letter);
const NS_CLONE: Record<NsName, string> = nameTable((n) => n.cloneName);

/** Runs a test: "key<TAB>exit status<TAB>message", the message's whitespace folded by the shell itself (toybox has no tr). */
const T_FN = `t() { k=$1; shift; o=$("$@" 2>&1); r=$?; set -f; m=; for w in $o; do m="$m $w"; done; set +f; printf '%s\\t%s\\t%s\\n' "$k" "$r" "\${m# }"; }`;

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

/** A tool that does not know an option: the test did not run. */
const UNSUPPORTED_OPTION = /invalid option|unrecognized option|unknown option/i;

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

/**
 * Runs the live tests through tools; null when there is no shell at all. `meanwhile` is the
 * caller's work, done while the script runs in its own processes.
 */
export async function runToolsLive(host: Host, scratch: string, tools: ToolOptions = {}, meanwhile?: () => Promise<void>): Promise<LiveResults | null> {
  const t = await findToolset(host, tools);
  if (!t) return null;
  const [sh, ...shArgs] = t.sh as [string, ...string[]];
  const [r] = await Promise.all([host.exec(sh, [...shArgs, '-c', toolsScript(t, scratch)], { timeoutMs: 20000 }), meanwhile?.()]);
  const out = parseToolsOutput(t, scratch, r.stdout);
  if (r.spawnError) out.notes.push(`${sh}: ${r.spawnError}`);
  return out;
}
