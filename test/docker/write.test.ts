// droidcheck docker --write DIR: the files land in DIR with their modes, written
// temp+rename, and never through a symlink left in DIR.

import t from 'tap';
import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN } from '../helpers/launch-env.js';

const write = (dir: string) => spawnSync(process.execPath, [BIN, 'docker', '--no-live', '--write', dir], { encoding: 'utf8', timeout: 60_000 });

t.test('--write DIR writes daemon.json and executable scripts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-write-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = write(join(dir, 'etc'));
  t.equal(r.status === 0 || r.status === 1, true, r.stderr);
  t.match(r.stderr, /wrote daemon\.json, dockerd\.sh, dockerd-ns\.sh, setup\.sh, undo\.sh/);
  t.type(JSON.parse(readFileSync(join(dir, "etc", "daemon.json"), "utf8")), "object");
  t.equal(statSync(join(dir, 'etc', 'dockerd.sh')).mode & 0o777, 0o755);
  t.equal(statSync(join(dir, 'etc', 'daemon.json')).mode & 0o777, 0o644);
});

t.test('a symlink in DIR is not written through', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-write-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'keep\n');
  symlinkSync(victim, join(dir, 'daemon.json'));
  const r = write(dir);
  t.equal(r.status, 2);
  t.match(r.stderr, /--write .*daemon\.json.*ELOOP|--write .*ELOOP/);
  t.equal(readFileSync(victim, 'utf8'), 'keep\n', 'the symlink target is untouched');
  t.ok(lstatSync(join(dir, 'daemon.json')).isSymbolicLink());
});
