// What the launch integration tests share: the droidcheck binary, why a test
// must skip here (root, busybox, droidcheck-init), and a run that returns the
// run report's steps.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { BUSYBOX } from './bundle.js';
import { nativeInitPath } from '../../src/runtime/native-init.js';

export const BIN = fileURLToPath(new URL('../../../bin/droidcheck', import.meta.url));
const isRoot = process.geteuid?.() === 0;

/** Why a launch test cannot run here, or false. */
export const launchSkip: string | false = !isRoot
  ? 'needs root: launching a container unshares namespaces and mounts'
  : !BUSYBOX
    ? 'needs a static busybox (apt-get install busybox-static)'
    : false;

/** The same, and droidcheck-init built for this machine. */
export const nativeSkip: string | false = launchSkip || (!existsSync(nativeInitPath()) && `needs ${nativeInitPath()} (npm run build with a C compiler)`);

export interface Step {
  name: string;
  status: string;
  op?: string;
  errno?: string;
  detail?: string;
  class?: string;
}

/** `droidcheck run BUNDLE --report BUNDLE/report.yaml ARGS`, optionally under a wrapper (the old-kernel helper). */
export function runBundle(bundle: string, args: readonly string[], wrapper: readonly string[] = []): { status: number | null; stdout: string; stderr: string; steps: Step[] } {
  const report = join(bundle, 'report.yaml');
  const argv = [process.execPath, BIN, 'run', bundle, '--report', report, ...args];
  const [cmd, ...rest] = wrapper.length ? [...wrapper, ...argv] : argv;
  const r = spawnSync(cmd!, rest, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const steps = existsSync(report) ? (yaml.load(readFileSync(report, 'utf8')) as { launch: { steps: Step[] } }).launch.steps : [];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, steps };
}
