// linux.resources to cgroup writes (pure): which controller takes which limit,
// where each controller is mounted on this host (v1 anywhere: Android's
// /dev/memcg, /dev/cpuctl, /dev/cpuset with noprefix names, /acct; or v2), the
// child group to create for the container, and a skipped step with its reason
// and check id for every limit that has no controller here. Never a silent no-op.

import { posix } from 'node:path';
import type { MountEntry } from '../../sys/mountinfo.js';
import type { StepOutcome } from '../steps.js';

export type Controller = 'memory' | 'pids' | 'cpu' | 'cpuset' | 'blkio';

/** Where one controller lives on this host. */
export interface ControllerMount {
  version: 1 | 2;
  /** The mount point (the hierarchy's root as this process sees it). */
  mountPoint: string;
  /** This process's own group in that hierarchy, relative to the mount's root ("/" when at the root). */
  own: string;
  /** v1 cpuset mounted with noprefix (Android): "cpus", not "cpuset.cpus". */
  noprefix: boolean;
}

export interface CgroupLayout {
  v1: Partial<Record<Controller, ControllerMount>>;
  /** The cgroup2 mount, with the controllers enabled for the children of this process's group (its cgroup.subtree_control). */
  v2: (ControllerMount & { available: string[] }) | null;
}

/** One write in the container's group: the file and the value, and what it does for the report. */
export interface CgroupWrite {
  file: string;
  value: string;
  what: string;
}

export interface CgroupGroup {
  controller: Controller;
  version: 1 | 2;
  /** The directory droidcheck creates (and removes afterwards). */
  dir: string;
  writes: CgroupWrite[];
  /** v1 cpuset groups start empty: copy these files from the parent unless the config sets them. */
  inherit: string[];
}

export interface CgroupSkip {
  controller: Controller | 'resources';
  detail: string;
  checkId: string;
}

export interface CgroupPlan {
  /** Groups to create and fill, one per hierarchy (v2: one group for every controller). */
  groups: CgroupGroup[];
  /** Directories whose cgroup.procs the container's init writes itself into. */
  join: string[];
  skipped: CgroupSkip[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The controllers each OCI resource needs, with the writes for v1 and v2 (runc's conversions for v2). */
function wanted(resources: Obj, noprefix: boolean): { controller: Controller; v1: CgroupWrite[]; v2: CgroupWrite[]; ignored: string[] }[] {
  const out: { controller: Controller; v1: CgroupWrite[]; v2: CgroupWrite[]; ignored: string[] }[] = [];
  const memory = obj(resources['memory']);
  if (memory) {
    const v1: CgroupWrite[] = [];
    const v2: CgroupWrite[] = [];
    const limit = num(memory['limit']);
    const swap = num(memory['swap']);
    const reservation = num(memory['reservation']);
    if (limit !== null) {
      v1.push({ file: 'memory.limit_in_bytes', value: String(limit), what: `memory limit ${limit}` });
      v2.push({ file: 'memory.max', value: limit < 0 ? 'max' : String(limit), what: `memory limit ${limit}` });
    }
    // OCI swap is memory+swap, as v1's memsw; v2's swap.max is swap alone.
    if (swap !== null) {
      v1.push({ file: 'memory.memsw.limit_in_bytes', value: String(swap), what: `memory+swap limit ${swap}` });
      v2.push({ file: 'memory.swap.max', value: swap < 0 ? 'max' : String(Math.max(0, swap - (limit ?? 0))), what: `swap limit ${swap} (memory+swap)` });
    }
    if (reservation !== null) {
      v1.push({ file: 'memory.soft_limit_in_bytes', value: String(reservation), what: `memory reservation ${reservation}` });
      v2.push({ file: 'memory.low', value: String(reservation), what: `memory reservation ${reservation}` });
    }
    const ignored = Object.keys(memory).filter((k) => !['limit', 'swap', 'reservation'].includes(k));
    if (v1.length || ignored.length) out.push({ controller: 'memory', v1, v2, ignored: ignored.map((k) => `memory.${k}`) });
  }
  const pids = obj(resources['pids']);
  const pidsLimit = pids ? num(pids['limit']) : null;
  if (pidsLimit !== null) {
    const value = pidsLimit <= 0 ? 'max' : String(pidsLimit);
    out.push({ controller: 'pids', v1: [{ file: 'pids.max', value, what: `pids limit ${value}` }], v2: [{ file: 'pids.max', value, what: `pids limit ${value}` }], ignored: [] });
  }
  const cpu = obj(resources['cpu']);
  if (cpu) {
    const v1: CgroupWrite[] = [];
    const v2: CgroupWrite[] = [];
    const shares = num(cpu['shares']);
    const quota = num(cpu['quota']);
    const period = num(cpu['period']);
    if (shares !== null && shares > 0) {
      v1.push({ file: 'cpu.shares', value: String(shares), what: `cpu shares ${shares}` });
      // runc's ConvertCPUSharesToCgroupV2Value.
      const weight = 1 + Math.floor(((Math.min(Math.max(shares, 2), 262144) - 2) * 9999) / 262142);
      v2.push({ file: 'cpu.weight', value: String(weight), what: `cpu weight ${weight} (shares ${shares})` });
    }
    // The period first: v1 refuses a quota below the current period's minimum otherwise.
    if (period !== null && period > 0) v1.push({ file: 'cpu.cfs_period_us', value: String(period), what: `cpu period ${period} us` });
    if (quota !== null && quota !== 0) v1.push({ file: 'cpu.cfs_quota_us', value: String(quota), what: `cpu quota ${quota} us` });
    if ((quota !== null && quota !== 0) || (period !== null && period > 0)) {
      v2.push({ file: 'cpu.max', value: `${quota === null || quota < 0 ? 'max' : quota} ${period ?? 100000}`, what: `cpu quota ${quota ?? 'max'} per ${period ?? 100000} us` });
    }
    const cpus = str(cpu['cpus']);
    const mems = str(cpu['mems']);
    const prefix = noprefix ? '' : 'cpuset.';
    const set1: CgroupWrite[] = [];
    const set2: CgroupWrite[] = [];
    if (cpus) {
      set1.push({ file: `${prefix}cpus`, value: cpus, what: `cpus ${cpus}` });
      set2.push({ file: 'cpuset.cpus', value: cpus, what: `cpus ${cpus}` });
    }
    if (mems) {
      set1.push({ file: `${prefix}mems`, value: mems, what: `memory nodes ${mems}` });
      set2.push({ file: 'cpuset.mems', value: mems, what: `memory nodes ${mems}` });
    }
    const ignored = Object.keys(cpu).filter((k) => !['shares', 'quota', 'period', 'cpus', 'mems'].includes(k)).map((k) => `cpu.${k}`);
    if (v1.length || ignored.length) out.push({ controller: 'cpu', v1, v2, ignored });
    if (set1.length) out.push({ controller: 'cpuset', v1: set1, v2: set2, ignored: [] });
  }
  const blkio = obj(resources['blockIO']);
  if (blkio) {
    const weight = num(blkio['weight']);
    const v1: CgroupWrite[] = [];
    const v2: CgroupWrite[] = [];
    if (weight !== null && weight > 0) {
      v1.push({ file: 'blkio.weight', value: String(weight), what: `block I/O weight ${weight}` });
      // runc's ConvertBlkIOToIOWeightValue.
      const io = 1 + Math.floor(((Math.min(Math.max(weight, 10), 1000) - 10) * 9999) / 990);
      v2.push({ file: 'io.weight', value: String(io), what: `io weight ${io} (blkio ${weight})` });
    }
    const ignored = Object.keys(blkio).filter((k) => k !== 'weight').map((k) => `blockIO.${k}`);
    if (v1.length || ignored.length) out.push({ controller: 'blkio', v1, v2, ignored });
  }
  return out;
}

const V2_NAME: Record<Controller, string> = { memory: 'memory', pids: 'pids', cpu: 'cpu', cpuset: 'cpuset', blkio: 'io' };

/**
 * The container's groups: under this process's own group in each hierarchy
 * (so the host's limits on droidcheck still hold), named `name`, or at
 * linux.cgroupsPath (relative to each hierarchy's root) when config.json gives one.
 */
export function planCgroups(resources: unknown, layout: CgroupLayout, name: string, cgroupsPath?: string): CgroupPlan {
  const plan: CgroupPlan = { groups: [], join: [], skipped: [] };
  const r = obj(resources);
  if (!r) return plan;
  const cpusetMount = layout.v1.cpuset;
  const handled = new Set(['memory', 'pids', 'cpu', 'blockIO']);
  for (const key of Object.keys(r)) {
    if (handled.has(key)) continue;
    // The container's /dev holds only the nodes droidcheck makes, and the default bounding set has no CAP_MKNOD.
    const detail =
      key === 'devices'
        ? 'linux.resources.devices: no devices-cgroup rules are applied; the container\'s /dev holds only the standard nodes droidcheck creates'
        : `linux.resources.${key} is not applied by the embedded runtime (use --runtime runc)`;
    plan.skipped.push({ controller: 'resources', detail, checkId: key === 'devices' ? 'cgroup.devices' : 'cgroup.controllers' });
  }
  const dirIn = (m: ControllerMount): string => posix.join(m.mountPoint, cgroupsPath ? posix.normalize(`/${cgroupsPath}`) : posix.join(m.own, name));
  let v2Group: CgroupGroup | null = null;
  for (const w of wanted(r, cpusetMount?.noprefix === true)) {
    for (const field of w.ignored) plan.skipped.push({ controller: w.controller, detail: `linux.resources.${field} is not applied by the embedded runtime (use --runtime runc)`, checkId: 'cgroup.controllers' });
    if (!w.v1.length) continue;
    const v1 = layout.v1[w.controller];
    if (v1) {
      const dir = dirIn(v1);
      let group = plan.groups.find((g) => g.dir === dir);
      if (!group) {
        group = { controller: w.controller, version: 1, dir, writes: [], inherit: [] };
        plan.groups.push(group);
      }
      group.writes.push(...w.v1);
      continue;
    }
    const v2 = layout.v2;
    if (v2 && v2.available.includes(V2_NAME[w.controller])) {
      if (!v2Group) {
        v2Group = { controller: w.controller, version: 2, dir: dirIn(v2), writes: [], inherit: [] };
        plan.groups.push(v2Group);
      }
      v2Group.writes.push(...w.v2);
      continue;
    }
    const what = w.v1.map((x) => x.what).join(', ');
    plan.skipped.push({
      controller: w.controller,
      detail: `no ${w.controller} controller is mounted here (v1)${layout.v2 ? ` or enabled in ${posix.join(layout.v2.mountPoint, layout.v2.own, 'cgroup.subtree_control')} (v2)` : ' and there is no cgroup2'}: ${what} not applied`,
      checkId: 'cgroup.controllers',
    });
  }
  // A new v1 cpuset group has no cpus or memory nodes: nothing could join it. Give it its parent's.
  for (const g of plan.groups) {
    if (g.version !== 1 || !cpusetMount || g.dir !== dirIn(cpusetMount)) continue;
    const prefix = cpusetMount.noprefix ? '' : 'cpuset.';
    g.inherit = [`${prefix}cpus`, `${prefix}mems`].filter((f) => !g.writes.some((w) => w.file === f));
  }
  plan.join = plan.groups.map((g) => g.dir);
  return plan;
}

/**
 * The host's cgroup layout from /proc/self/mountinfo and /proc/self/cgroup;
 * `subtreeControl` reads cgroup.subtree_control of this process's v2 group (null: unreadable).
 */
export function cgroupLayout(mounts: readonly MountEntry[], selfCgroup: string, subtreeControl: (dir: string) => string | null): CgroupLayout {
  const own = new Map<string, string>();
  for (const line of selfCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') own.set('', m[3]!);
    for (const c of m[2]!.split(',')) if (c) own.set(c, m[3]!);
  }
  const layout: CgroupLayout = { v1: {}, v2: null };
  for (const e of mounts) {
    if (e.fsType === 'cgroup') {
      for (const c of ['memory', 'pids', 'cpu', 'cpuset', 'blkio'] as const) {
        if (!e.superOptions.includes(c) || layout.v1[c]) continue;
        // The group this process is in, relative to what this mount shows.
        const path = own.get(c) ?? '/';
        const rel = e.root !== '/' && path.startsWith(e.root) ? path.slice(e.root.length) || '/' : path;
        layout.v1[c] = { version: 1, mountPoint: e.mountPoint, own: rel, noprefix: e.superOptions.includes('noprefix') };
      }
    } else if (e.fsType === 'cgroup2' && !layout.v2) {
      const path = own.get('') ?? '/';
      const rel = e.root !== '/' && path.startsWith(e.root) ? path.slice(e.root.length) || '/' : path;
      const enabled = subtreeControl(posix.join(e.mountPoint, rel));
      layout.v2 = { version: 2, mountPoint: e.mountPoint, own: rel, noprefix: false, available: (enabled ?? '').split(/\s+/).filter(Boolean) };
    }
  }
  return layout;
}

/** droidcheck makes and fills the groups itself, with plain file writes, whatever the launcher. */
export const CGROUP_TOOL = 'droidcheck';

/** The report's steps for what linux.resources asks and droidcheck does not apply. */
export function skippedSteps(plan: CgroupPlan): StepOutcome[] {
  return plan.skipped.map((s) => ({ name: `cgroup ${s.controller}`, status: 'skipped' as const, detail: `${s.detail} [${s.checkId}]`, tool: CGROUP_TOOL }));
}

/**
 * linux.resources without a limit droidcheck applies (only devices rules, as in `runc spec`): its
 * skipped steps, with no group to make and nothing of the host to read. Null when there are limits.
 */
export function withoutLimits(resources: unknown): StepOutcome[] | null {
  const r = obj(resources);
  if (r && wanted(r, false).some((w) => w.v1.length > 0 || w.v2.length > 0)) return null;
  return skippedSteps(planCgroups(resources, { v1: {}, v2: null }, 'none'));
}
