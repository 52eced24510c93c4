// Creates the container's cgroups and writes its limits (host I/O), before the
// launch; removes what it created once the container is gone. Every group is a
// step in the report; a write the kernel refuses fails the launch (a limit is
// never dropped silently), except swap on a kernel without swap accounting,
// which is a skipped step that says so.

import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseMountinfo } from '../../sys/mountinfo.js';
import { classify, type StepOutcome } from '../steps.js';
import { CGROUP_TOOL, cgroupLayout, planCgroups, skippedSteps, type CgroupPlan } from './plan.js';

export interface PreparedCgroups {
  steps: StepOutcome[];
  /** Directories the init joins (cgroup.procs); empty when nothing is to be applied. */
  join: string[];
  /** False when a step failed: nothing may be launched. */
  ok: boolean;
  /** Removes every directory droidcheck created, deepest first. */
  cleanup(): Promise<void>;
}

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? 'EIO';
const TOOL = CGROUP_TOOL;

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The cgroup plan for linux.resources on this host (reads /proc and the cgroup2 group's subtree_control). */
export function cgroupPlanForHost(resources: unknown, name: string, cgroupsPath?: string): CgroupPlan {
  const layout = cgroupLayout(parseMountinfo(readOrNull('/proc/self/mountinfo') ?? ''), readOrNull('/proc/self/cgroup') ?? '', (dir) => readOrNull(join(dir, 'cgroup.subtree_control')));
  return planCgroups(resources, layout, name, cgroupsPath);
}

/** Makes the directories of `dir` that do not exist yet; returns them, outermost first. */
function makeDirs(dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; readOrNull(join(d, 'cgroup.procs')) === null && d !== dirname(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) mkdirSync(d);
  return missing;
}

async function removeDirs(created: readonly string[]): Promise<void> {
  for (const d of [...created].reverse()) {
    // The kernel may still be tearing the last processes down (EBUSY) for a moment.
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        rmdirSync(d);
        break;
      } catch (e) {
        if (code(e) === 'ENOENT') break;
        if (code(e) !== 'EBUSY' || attempt === 49) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
}

export function applyCgroups(plan: CgroupPlan): PreparedCgroups {
  const steps: StepOutcome[] = skippedSteps(plan);
  const created: string[] = [];
  const cleanup = (): Promise<void> => removeDirs(created);
  for (const g of plan.groups) {
    const name = g.version === 2 ? 'cgroup v2' : `cgroup ${g.controller}`;
    const done: string[] = [];
    try {
      created.push(...makeDirs(g.dir));
    } catch (e) {
      steps.push({ name, status: 'failed', op: `mkdir ${g.dir}`, path: g.dir, errno: code(e), class: classify('mkdir', code(e)), tool: TOOL });
      return { steps, join: [], ok: false, cleanup };
    }
    for (const file of g.inherit) {
      const value = readOrNull(join(dirname(g.dir), file))?.trim();
      if (value) writeFileSync(join(g.dir, file), value);
    }
    for (const w of g.writes) {
      const path = join(g.dir, w.file);
      try {
        writeFileSync(path, w.value);
        done.push(w.what);
      } catch (e) {
        if (code(e) === 'ENOENT' && /memsw|swap/.test(w.file)) {
          steps.push({ name: `${name} swap`, status: 'skipped', detail: `${w.what} not applied: ${w.file} does not exist (no swap accounting: CONFIG_MEMCG_SWAP, or boot with swapaccount=1) [cgroup.controllers]`, tool: TOOL });
          continue;
        }
        steps.push({ name, status: 'failed', op: `write ${w.value} to ${w.file}`, path, errno: code(e), detail: w.what, class: classify('write', code(e)), tool: TOOL });
        return { steps, join: [], ok: false, cleanup };
      }
    }
    steps.push({ name, status: 'ok', detail: `${done.join(', ') || 'no limit'} in ${g.dir}`, tool: TOOL });
  }
  return { steps, join: plan.join, ok: true, cleanup };
}
