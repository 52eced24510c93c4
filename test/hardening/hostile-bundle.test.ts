// Hostile or broken bundles (root only; each run in a private mount namespace
// of its own, so a regression cannot reach this machine's mounts): issue #16's
// cases 1-4 and the working-directory escape, through every launcher.

import t from 'tap';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeBundle } from '../helpers/bundle.js';
import { BIN, launchSkip, nativeSkip } from '../helpers/launch-env.js';
import type { OciSpec } from '../../src/runtime/spec.js';

const LAUNCHERS = [
  ['droidcheck-init', ['--init', 'c'], nativeSkip],
  ['busybox', ['--no-ffi'], launchSkip],
] as const;

/**
 * droidcheck run in a private mount namespace; returns its status and output, and whether the
 * namespace's mount table changed (a mount left behind where the caller would see it).
 */
function runIsolated(bundle: string, args: readonly string[]): { status: number; stdout: string; stderr: string; mountsChanged: boolean } {
  const script = 'before=$(cat /proc/self/mountinfo); "$@" >"$OUT" 2>"$ERR"; s=$?; [ "$before" = "$(cat /proc/self/mountinfo)" ] || echo changed >"$OUT.mounts"; exit $s';
  const out = join(bundle, 'out');
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', process.execPath, BIN, 'run', bundle, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', OUT: out, ERR: join(bundle, 'err') },
  });
  const read = (f: string): string => spawnSync('cat', [f], { encoding: 'utf8' }).stdout;
  return { status: r.status ?? -1, stdout: read(out), stderr: read(join(bundle, 'err')), mountsChanged: read(`${out}.mounts`).includes('changed') };
}

function bundleWith(edit: (s: OciSpec) => void): string {
  return makeBundle((s) => {
    s.process!.terminal = false;
    edit(s);
  });
}

t.test('1. no mount namespace (or linux of the wrong type): refused before anything is mounted', { skip: launchSkip }, async (t) => {
  for (const [label, edit] of [
    ['no mount namespace', (s: OciSpec) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount'))],
    ['linux is a string', (s: OciSpec) => (s.linux = 'x' as never)],
    ['no linux at all', (s: OciSpec) => delete s.linux],
  ] as const) {
    const bundle = bundleWith((s) => {
      s.process!.args = ['true'];
      edit(s);
    });
    const r = runIsolated(bundle, []);
    rmSync(bundle, { recursive: true, force: true });
    t.equal(r.status, 125, `${label}: refused (${r.stderr.trim().split('\n')[0]})`);
    t.notOk(r.mountsChanged, `${label}: no mount left in the caller's namespace`);
    t.match(r.stderr, /\.linux|no mount namespace/, `${label}: the field is named`);
  }
});

for (const [label, args, skip] of LAUNCHERS) {
  t.test(`3. rootfs/dev a symlink to a host directory: nothing is made there (${label})`, { skip }, async (t) => {
    const host = mkdtempSync(join(tmpdir(), 'droidcheck-hostdir-'));
    const bundle = bundleWith((s) => (s.process!.args = ['sh', '-c', 'ls /dev >/dev/null']));
    t.teardown(() => {
      rmSync(bundle, { recursive: true, force: true });
      rmSync(host, { recursive: true, force: true });
    });
    rmSync(join(bundle, 'rootfs/dev'), { recursive: true, force: true });
    symlinkSync(host, join(bundle, 'rootfs/dev'));
    const r = runIsolated(bundle, args);
    t.same(readdirSync(host), [], `the host directory stays empty (exit ${r.status}: ${r.stderr.trim().split('\n').at(-1)})`);
    t.notOk(r.mountsChanged, 'no mount left in the caller\'s namespace');
  });

  t.test(`cwd through a descriptor or /proc link cannot reach the host (${label})`, { skip }, async (t) => {
    for (const cwd of ['/proc/self/fd/8', '/proc/self/fd/3', '/proc/self/fd/9']) {
      const bundle = bundleWith((s) => {
        s.process!.cwd = cwd;
        s.process!.args = ['sh', '-c', 'echo "cwd=$(pwd -P)"; ls'];
      });
      const r = runIsolated(bundle, args);
      rmSync(bundle, { recursive: true, force: true });
      t.not(r.status, 0, `${cwd}: refused (exit ${r.status})`);
      t.notMatch(r.stdout, /cwd=/, `${cwd}: the workload never ran outside the root`);
    }
  });
}

t.test('4. uid or gid -1 / 4294967295 / 1e20: refused, never run as root', { skip: launchSkip }, async (t) => {
  for (const [field, value] of [['uid', -1], ['uid', 4294967295], ['gid', 4294967295], ['uid', 1e20]] as const) {
    const bundle = bundleWith((s) => {
      s.process!.user[field] = value;
      s.process!.args = ['sh', '-c', 'echo "ran as $(id -u)"'];
    });
    const r = runIsolated(bundle, []);
    rmSync(bundle, { recursive: true, force: true });
    t.equal(r.status, 125, `${field} ${value}: refused`);
    t.notMatch(r.stdout, /ran as/);
    t.match(r.stderr, new RegExp(`\\.process\\.user\\.${field}: .* is not allowed \\(an id from 0 to 4294967294\\)`));
  }
});

t.test('mount options given as a string are refused, not split into letters', { skip: launchSkip }, async (t) => {
  const bundle = bundleWith((s) => {
    s.mounts!.push({ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: 'ro,nosuid' as never });
    s.process!.args = ['true'];
  });
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  mkdirSync(join(bundle, 'rootfs/x'));
  const r = runIsolated(bundle, []);
  t.equal(r.status, 125);
  t.match(r.stderr, /\.mounts\[\d+\]\.options: "ro,nosuid" is not allowed \(an array\)/);
});
