// The docker live tests as shell scripts (busybox, util-linux, iproute2,
// iptables, keyutils) and the parsers of their output. Pure: the builders turn
// tool paths into text, the parsers turn "key<TAB>status<TAB>message" lines
// into Attempts. Every test that changes something runs in a namespace of its
// own (unshare -n for links and rules, unshare -m for mounts), so it goes away
// with the script; the cgroup child groups it makes are removed by the script.

import { errnoFromMessage } from '../sys/errno.js';
import type { Attempt } from '../probes/live/types.js';
import { V1_CONTROLLERS, type Backend, type CgroupV1Run, type IptablesRun, type StorageRun, type V1Controller } from './types.js';

export const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
export const argv = (a: readonly string[]): string => a.map(q).join(' ');

/** One test: its key, exit status and output on one line. */
const T = `t() { k=$1; shift; o=$("$@" 2>&1); r=$?; printf '%s\\t%s\\t%s\\n' "$k" "$r" "$(printf %s "$o" | tr '\\n\\t' '  ')"; return $r; }`;

/** The first line of every script: fixture hosts answer by this marker. */
export const marker = (name: string): string => `# droidcheck-docker:${name}`;

export interface ScriptTools {
  sh: string[];
  unshare: string[];
  mount: string[];
}

/** A script that runs `inner` in new namespaces (flags like "-n" or "-m"); the unshare error, if any, becomes row "ns". */
function inNamespace(name: string, t: ScriptTools, flags: string, inner: string[]): string {
  const body = [T, `printf 'ns\\t0\\t\\n'`, ...inner].join('\n');
  return [marker(name), `${argv(t.unshare)} ${flags} ${argv(t.sh)} -c ${q(body)} 2>&1 || printf 'ns.exit\\t%s\\t\\n' $?`].join('\n') + '\n';
}

export function netScript(t: ScriptTools, ip: string[]): string {
  const IP = argv(ip);
  return inNamespace('net', t, '-n', [
    `t veth ${IP} link add dc-veth0 type veth peer name dc-veth1`,
    `t bridge ${IP} link add dc-br0 type bridge`,
    `t enslave ${IP} link set dc-veth0 master dc-br0`,
    `t up ${IP} link set dc-br0 up`,
  ]);
}

/** The rules dockerd 20.10 makes for its default bridge, in its order (libnetwork's iptables setup). */
export const IPTABLES_STEPS: readonly [key: string, args: string][] = [
  ['nat-chain', '-t nat -N DOCKER'],
  ['filter-chain', '-t filter -N DOCKER'],
  ['isolation-chain', '-t filter -N DOCKER-ISOLATION-STAGE-1'],
  ['user-chain', '-t filter -N DOCKER-USER'],
  ['addrtype', '-t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER'],
  ['masquerade', '-t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE'],
  ['conntrack', '-t filter -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'],
  ['forward', '-t filter -A FORWARD -o docker0 -j DOCKER'],
  ['dnat', '-t nat -A DOCKER -p tcp -d 127.0.0.1 --dport 8080 -j DNAT --to-destination 172.17.0.2:80'],
];

export const IP6TABLES_STEPS: readonly [key: string, args: string][] = [
  ['nat-chain', '-t nat -N DOCKER'],
  ['filter-chain', '-t filter -N DOCKER'],
  ['masquerade', '-t nat -A POSTROUTING -s fd00:dc::/64 ! -o docker0 -j MASQUERADE'],
];

/**
 * iptables and ip6tables of one backend in a private network namespace. When
 * the xtables lock file cannot be opened (no /run), the rules are tried again
 * with XTABLES_LOCKFILE in a scratch directory, and row "lockfile" says so.
 */
export function iptablesScript(t: ScriptTools, backend: Backend, v4: string | null, v6: string | null, lockDir: string): string {
  const lines: string[] = [];
  const lock = `${lockDir}/xtables.lock`;
  const probeFor = v4 ?? v6;
  if (probeFor) {
    lines.push(
      `o=$(${q(probeFor)} --wait -t filter -L INPUT -n 2>&1)`,
      `case $o in *"lock file"*) XTABLES_LOCKFILE=${q(lock)}; export XTABLES_LOCKFILE; printf 'lockfile\\t0\\t%s\\n' ${q(lock)};; esac`,
    );
  }
  for (const [bin, steps, prefix] of [[v4, IPTABLES_STEPS, 'v4'], [v6, IP6TABLES_STEPS, 'v6']] as const) {
    if (!bin) continue;
    for (const [key, args] of steps) lines.push(`t ${prefix}.${key} ${q(bin)} --wait ${args}`);
  }
  return inNamespace(`iptables-${backend}`, t, '-n', lines);
}

/**
 * overlay on a scratch directory under DIR (the data-root's parent, so its
 * filesystem is the one dockerd would use), with a whiteout (char 0:0) and an
 * opaque directory (trusted.overlay.opaque=y), and a program run from DIR.
 */
export function storageScript(t: ScriptTools, dir: string, tools: { mknod: string[] | null; setfattr: string[] | null }): string {
  const S = '"$S"';
  const M = argv(t.mount);
  return inNamespace('storage', t, '-m', [
    `S=$(mktemp -d ${q(`${dir}/.droidcheck-docker.XXXXXX`)} 2>&1) || { printf 'scratch\\t1\\t%s\\n' "$S"; exit 0; }`,
    `trap 'umount ${S}/m 2>/dev/null; rm -rf ${S}' EXIT`,
    `printf 'scratch\\t0\\t%s\\n' ${S}`,
    `mkdir ${S}/l ${S}/u ${S}/w ${S}/m ${S}/l/d ${S}/u/d && echo x >${S}/l/wh && echo x >${S}/l/d/f`,
    `cp ${q(t.sh[0] as string)} ${S}/sh 2>/dev/null && chmod 755 ${S}/sh && t exec ${S}/sh -c true`,
    tools.mknod ? `t mknod ${argv(tools.mknod)} ${S}/u/wh c 0 0` : `printf 'mknod\\t127\\tno mknod tool\\n'`,
    tools.setfattr ? `t xattr ${argv(tools.setfattr)} -n trusted.overlay.opaque -v y ${S}/u/d` : `printf 'xattr\\t127\\tno setfattr tool\\n'`,
    `t overlay ${M} -t overlay -o lowerdir=${S}/l,upperdir=${S}/u,workdir=${S}/w overlay ${S}/m || exit 0`,
    `[ ! -e ${S}/m/wh ]; printf 'whiteout.hidden\\t%s\\t\\n' $?`,
    `[ ! -e ${S}/m/d/f ]; printf 'opaque.hidden\\t%s\\t\\n' $?`,
  ]);
}

/** What each controller's write test does in the child group $G, with $R the hierarchy's root (noprefix aware via $P). */
const V1_WRITES: Record<V1Controller, { op: string; cmd: string }> = {
  cpu: { op: 'echo 512 > cpu.shares', cmd: 'echo 512 >"$G/cpu.shares"' },
  cpuacct: { op: 'read cpuacct.usage', cmd: 'cat "$G/cpuacct.usage" >/dev/null' },
  cpuset: { op: 'copy cpus and mems from the parent', cmd: 'cat "$R/${P}cpus" >"$G/${P}cpus" && cat "$R/${P}mems" >"$G/${P}mems"' },
  memory: { op: 'echo 67108864 > memory.limit_in_bytes', cmd: 'echo 67108864 >"$G/memory.limit_in_bytes"' },
  devices: { op: "echo 'c 1:3 rwm' > devices.deny", cmd: 'echo "c 1:3 rwm" >"$G/devices.deny"' },
  pids: { op: 'echo 64 > pids.max', cmd: 'echo 64 >"$G/pids.max"' },
  freezer: { op: 'echo THAWED > freezer.state', cmd: 'echo THAWED >"$G/freezer.state"' },
  blkio: { op: 'list blkio.* files', cmd: 'ls "$G" | grep -q "^blkio\\."' },
};

export const v1WriteOp = (c: V1Controller): string => V1_WRITES[c].op;

/**
 * Each v1 controller mounted on its own scratch directory in a private mount
 * namespace (with `options`: the set of controllers its hierarchy already has,
 * else the controller alone), a child group made, written and removed; and a
 * cgroup2 mount with a child group.
 */
export function cgroupScript(t: ScriptTools, scratch: string, options: Record<V1Controller, string>): string {
  const M = argv(t.mount);
  const C = q(scratch);
  const lines = [`N=droidcheck-docker-$$`, `trap 'for g in ${C}/*/$N; do [ -d "$g" ] && rmdir "$g"; done' EXIT`];
  // Each controller in a background job of its own: the mounts are independent, and serially
  // they were the slowest of docker's live tests. Each row is one short printf, so lines do not mix.
  for (const c of V1_CONTROLLERS) {
    lines.push(
      `(mkdir ${C}/${c}`,
      `if t v1.${c}.mount ${M} -t cgroup -o ${q(options[c])} cgroup ${C}/${c}; then`,
      `  R=${C}/${c}; G=$R/$N; P=cpuset.; [ -e "$R/cpus" ] && P=`,
      `  printf 'v1.${c}.files\\t0\\t%s\\n' "$(ls "$R" | tr '\\n' ' ')"`,
      `  t v1.${c}.child mkdir "$G" && { t v1.${c}.write sh -c ${q(`R=$1; G=$2; P=$3; ${V1_WRITES[c].cmd}`)} sh "$R" "$G" "$P"; rmdir "$G"; }`,
      `fi) &`,
    );
  }
  lines.push(`(mkdir ${C}/unified; t v2.mount ${M} -t cgroup2 cgroup2 ${C}/unified && t v2.child mkdir ${C}/unified/$N && rmdir ${C}/unified/$N) &`, 'wait');
  return inNamespace('cgroups', t, '-m', lines);
}

/** The session keyring without koffi: keyctl joins one for its own process, which goes away with it. */
export function miscScript(keyctl: string[] | null): string {
  return [marker('keyring'), T, keyctl ? `t keyring ${argv(keyctl)} session droidcheck-docker-$$ true` : `printf 'keyring\\t127\\tno keyctl tool\\n'`].join('\n') + '\n';
}

/** The rows of a script's output by key; lines that are not rows (an unshare error) under "". */
export function parseRows(stdout: string): Map<string, [rc: string, message: string]> {
  const rows = new Map<string, [string, string]>();
  const stray: string[] = [];
  for (const line of stdout.split('\n')) {
    const [key, rc, message] = line.split('\t');
    if (key && rc !== undefined && /^\d+$/.test(rc)) rows.set(key, [rc, (message ?? '').trim()]);
    else if (line.trim()) stray.push(line.trim());
  }
  if (stray.length) rows.set('', ['1', stray.join(' ')]);
  return rows;
}

export function toAttempt(op: string, row: [string, string] | undefined, tool: string): Attempt | undefined {
  if (!row) return undefined;
  const [rc, message] = row;
  if (rc === '0') return { op, ok: true, ...(message ? { detail: message } : {}), tool };
  if (rc === '127') return { op, ok: false, errno: 'ENOENT', detail: message || 'tool not found', tool };
  return { op, ok: false, errno: errnoFromMessage(message), ...(message ? { detail: message } : {}), tool };
}

/** The namespace the script needed, when it could not be made: an Attempt, else undefined. */
export function namespaceFailure(rows: Map<string, [string, string]>, op: string, tool: string): Attempt | undefined {
  if (rows.has('ns')) return undefined;
  const why = rows.get('')?.[1] ?? `exit status ${rows.get('ns.exit')?.[0] ?? 'unknown'}`;
  return { op, ok: false, errno: errnoFromMessage(why), detail: why, tool };
}

export function parseIptables(rows: Map<string, [string, string]>, prefix: 'v4' | 'v6', binary: string, tool: string): IptablesRun {
  const steps = prefix === 'v4' ? IPTABLES_STEPS : IP6TABLES_STEPS;
  const name = binary.slice(binary.lastIndexOf('/') + 1);
  const out: IptablesRun = { binary, steps: [] };
  for (const [key, args] of steps) {
    const a = toAttempt(`${name} ${args}`, rows.get(`${prefix}.${key}`), tool);
    if (a) out.steps.push(a);
  }
  const lock = rows.get('lockfile');
  if (lock) out.lockfile = lock[1];
  return out;
}

export function parseStorage(rows: Map<string, [string, string]>, dir: string, tool: string): StorageRun {
  const out: StorageRun = { dir };
  const scratch = rows.get('scratch');
  const set = <K extends 'scratch' | 'overlay' | 'exec'>(k: K, key: string, op: string): void => {
    const a = toAttempt(op, rows.get(key), tool);
    if (a) out[k] = a;
  };
  set('scratch', 'scratch', `mktemp -d in ${dir}`);
  if (scratch?.[0] !== '0') return out;
  set('exec', 'exec', `run a program copied to ${dir}`);
  set('overlay', 'overlay', `mount -t overlay (lowerdir, upperdir, workdir under ${dir})`);
  const mknod = toAttempt('mknod c 0 0 in the upper dir', rows.get('mknod'), tool);
  const hidden = rows.get('whiteout.hidden');
  if (mknod && !mknod.ok) out.whiteout = mknod;
  else if (mknod && hidden) out.whiteout = hidden[0] === '0' ? { ...mknod, detail: 'the lower file is hidden in the merged dir' } : { op: mknod.op, ok: false, errno: 'EINVAL', detail: 'made, but the lower file still shows through the overlay', tool };
  else if (mknod) out.whiteout = { ...mknod, detail: 'made (overlay not mounted, not tried through it)' };
  const xattr = toAttempt('setfattr trusted.overlay.opaque=y on an upper dir', rows.get('xattr'), tool);
  const opaque = rows.get('opaque.hidden');
  if (xattr && !xattr.ok) out.opaque = xattr;
  else if (xattr && opaque) out.opaque = opaque[0] === '0' ? { ...xattr, detail: 'the lower dir\'s file is hidden in the merged dir' } : { op: xattr.op, ok: false, errno: 'EINVAL', detail: 'set, but the lower dir\'s file still shows through the overlay', tool };
  else if (xattr) out.opaque = { ...xattr, detail: 'set (overlay not mounted, not tried through it)' };
  return out;
}

export function parseV1(rows: Map<string, [string, string]>, c: V1Controller, options: string, tool: string): CgroupV1Run | undefined {
  const mount = toAttempt(`mount -t cgroup -o ${options}`, rows.get(`v1.${c}.mount`), tool);
  if (!mount) return undefined;
  const out: CgroupV1Run = { options, mount };
  const files = rows.get(`v1.${c}.files`);
  if (files) out.files = files[1].split(' ').filter(Boolean);
  const child = toAttempt('mkdir a child group', rows.get(`v1.${c}.child`), tool);
  if (child) out.child = child;
  const write = toAttempt(V1_WRITES[c].op, rows.get(`v1.${c}.write`), tool);
  if (write) out.write = write;
  return out;
}
