// Interrupting droidcheck stops the container (issue #16, case 8; root only):
// through every launcher, SIGTERM and SIGINT to droidcheck end the container
// (its PID 1 ignores them, as a namespace init without a handler does, so
// droidcheck follows up with SIGKILL), no process is left, and droidcheck
// exits 128+signal.

import t from 'tap';
import { rmSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { makeBundle } from '../helpers/bundle.js';
import { BIN, launchSkip, nativeSkip } from '../helpers/launch-env.js';

const LAUNCHERS = [
  ['droidcheck-init', ['--init', 'c'], nativeSkip],
  ['busybox', ['--no-ffi'], launchSkip],
] as const;

const left = (marker: string): string => spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' }).stdout.trim();

for (const [label, args, skip] of LAUNCHERS) {
  for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    t.test(`${sig} to droidcheck stops the container (${label})`, { skip }, async (t) => {
      const marker = String(4000 + Math.floor(Math.random() * 5000));
      const bundle = makeBundle((s) => {
        s.process!.terminal = false;
        s.process!.args = ['sh', '-c', `echo ready; exec sleep ${marker}`];
      });
      t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
      const child = spawn(process.execPath, [BIN, 'run', bundle, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
      t.ok(left(`sleep ${marker}`), 'the container runs');
      child.kill(sig);
      const status = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      t.equal(status, code, `droidcheck exits 128+${code - 128}`);
      t.equal(left(`sleep ${marker}`), '', 'no container process is left');
      t.match(stderr, new RegExp(`droidcheck got ${sig}: the container was stopped`));
    });
  }
}
