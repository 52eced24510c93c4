// Inputs that used to hang droidcheck or end in a raw error (issue #16, case 9
// and the resource guards): each now ends with droidcheck's own message and a
// documented exit code. No root needed except where a container is launched.

import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, launchSkip } from '../helpers/launch-env.js';
import { makeBundle } from '../helpers/bundle.js';

function dc(args: string[], input?: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' }, ...(input !== undefined ? { input } : {}) });
  return { status: r.status, stderr: r.stderr };
}

t.test('--kernel-config on a device, a FIFO or a directory: refused at once (exit 2)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-edges-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  for (const [path, what] of [['/dev/zero', 'a character device'], [join(dir, 'fifo'), 'a FIFO'], [dir, 'a directory']] as const) {
    const r = dc(['probe', '--kernel-config', path, '--no-live']);
    t.equal(r.status, 2, path);
    t.match(r.stderr, `read ${path}: EINVAL (${what}: droidcheck reads regular files only)`);
  }
});

t.test('an option given twice is a usage error, not ERR_INVALID_ARG_TYPE', async (t) => {
  const r = dc(['probe', '-o', '/tmp/a', '-o', '/tmp/b', '--no-live']);
  t.equal(r.status, 2);
  t.match(r.stderr, '--output given more than once');
  t.notMatch(r.stderr, /ERR_INVALID_ARG_TYPE|TypeError/);
});

t.test('--in-place without --fix-config is refused (exit 2), both parsers', async (t) => {
  for (const args of [['run', '/nonexistent', '--in-place'], ['run', '--in-place', '--runtime=runc', '/nonexistent']]) {
    const r = dc(args);
    t.equal(r.status, 2, args.join(' '));
    t.match(r.stderr, '--in-place rewrites config.json with the fixes: it needs --fix-config');
  }
});

t.test('rootfs under /proc, /sys or /dev (also through a link) is refused at once', async (t) => {
  for (const dir of ['/proc/droidcheck-x', '/sys/droidcheck-x', '/dev/droidcheck-x']) {
    const r = dc(['rootfs', dir, '--busybox', '/bin/busybox']);
    t.equal(r.status, 2, dir);
    t.match(r.stderr, /EINVAL \(under \/(proc|sys|dev), a kernel filesystem/);
  }
});

t.test('explain with an endless stdin stops at 16 MiB with a message', async (t) => {
  const r = dc(['explain'], 'x'.repeat(17 * 1024 * 1024));
  t.equal(r.status, 2);
  t.match(r.stderr, 'more than 16 MiB on stdin');
});

t.test('config.json that is a device or too large: refused with the path (125)', { skip: launchSkip }, async (t) => {
  const bundle = makeBundle();
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  rmSync(join(bundle, 'config.json'));
  execFileSync('ln', ['-s', '/dev/zero', join(bundle, 'config.json')]);
  const r = dc(['run', bundle]);
  t.equal(r.status, 125);
  t.match(r.stderr, `read ${join(bundle, 'config.json')}: EINVAL (a character device: droidcheck reads regular files only)`);
});

t.test('a --report that cannot be written is a failure (125), not a silent 0', { skip: launchSkip }, async (t) => {
  const bundle = makeBundle((s) => {
    s.process!.terminal = false;
    s.process!.args = ['true'];
  });
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  const r = dc(['run', bundle, '--report', '/nonexistent/dir/report.yaml']);
  t.equal(r.status, 125);
  t.match(r.stderr, 'droidcheck: write /nonexistent/dir/report.yaml: ENOENT');
  t.match(r.stderr, 'container exited with status 0', 'the container\'s own status is still shown');
});
