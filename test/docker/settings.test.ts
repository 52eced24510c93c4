// The settings generator: same inputs, same daemon.json and scripts; each line
// names its check; the scripts parse (sh -n) and pass shellcheck when present.

import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerSettings } from '../../src/docker/settings.js';
import { DOCKER_CHECKS } from '../../src/docker/registry.js';
import { dockerFixture } from '../helpers/docker-fixture.js';

const DIR = '/data/docker/etc';
const ids = new Set([...DOCKER_CHECKS.map((c) => c.id), '--prove']);
const hasShellcheck = spawnSync('sh', ['-c', 'command -v shellcheck']).status === 0;

function lint(t: Test, files: Record<string, string>): void {
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-settings-'));
  for (const [name, text] of Object.entries(files)) {
    if (!name.endsWith('.sh')) continue;
    const path = join(dir, name);
    writeFileSync(path, text);
    const n = spawnSync('sh', ['-n', path], { encoding: 'utf8' });
    t.equal(n.status, 0, `sh -n ${name}${n.stderr ? `: ${n.stderr}` : ''}`);
    if (hasShellcheck) {
      const s = spawnSync('shellcheck', ['-s', 'sh', path], { encoding: 'utf8' });
      t.equal(s.status, 0, `shellcheck ${name}${s.stdout ? `:\n${s.stdout}` : ''}`);
    }
  }
}

t.test('Android 7 / 3.10: vfs, no bridge, /data, and a dockerd.sh that fixes the cgroup layout', async (t) => {
  const { facts, outcomes } = await dockerFixture('android7-3.10');
  const s = dockerSettings(facts, outcomes, { dir: DIR });
  t.same(s.daemon, {
    'data-root': '/data/docker/lib',
    'exec-root': '/data/docker/run',
    pidfile: '/data/docker/docker.pid',
    'storage-driver': 'vfs',
    bridge: 'none',
    iptables: false,
    ip6tables: false,
  });
  t.equal(s.ipcHost, true, 'no IPC namespace: docker run --ipc host');
  t.same(s.runFlags.map((f) => [f.flags.join(' '), f.from]), [['--ipc host', 'docker.ns.ipc'], ['--tmpfs /dev/mqueue', 'docker.mqueue'], ['--network host', 'docker.net.bridge']]);
  for (const l of s.lines) t.ok(ids.has(l.from), `${l.what}: from ${l.from}`);
  const d = s.files['dockerd-ns.sh'];
  t.match(d, /mount -t tmpfs -o mode=755 tmpfs \/run/);
  t.match(d, /umount -l '\/dev\/cpuset'/, 'the noprefix cpuset is hidden from dockerd');
  t.match(d, /mount -t tmpfs -o mode=755 cgroup \/sys\/fs\/cgroup/);
  for (const c of ['cpu', 'cpuacct', 'memory', 'freezer', 'blkio']) t.match(d, new RegExp(`mount -t cgroup -o ${c} cgroup /sys/fs/cgroup/${c}`), c);
  t.notMatch(d, /-o devices/, 'the kernel has no devices controller: nothing to mount');
  t.notMatch(d, /-o cpuset/);
  t.match(s.files['dockerd.sh'], /XTABLES_LOCKFILE='\/data\/docker\/etc\/xtables.lock'/);
  t.match(s.files['dockerd.sh'], /DOCKER_RAMDISK=true/);
  t.match(s.files['dockerd.sh'], /exec unshare -m sh "\$DIR\/dockerd-ns.sh" "\$@"/);
  t.match(s.files['setup.sh'], /mkdir \/run/);
  t.match(d, /mount -t tmpfs -o mode=1777,nosuid,nodev shm \/dev\/shm/, '--ipc host needs /dev/shm mounted');
  t.match(s.files['undo.sh'], /rmdir-devshm\) rmdir \/dev\/shm/);
  t.match(s.files['undo.sh'], /rmdir-run\) mount -o remount,rw \/ && rmdir \/run/);
  t.same(dockerSettings(facts, outcomes, { dir: DIR }).files, s.files, 'same inputs, same files');
  lint(t, s.files);
});

t.test("Debian 12: dockerd's defaults and overlay2; nothing host-wide", async (t) => {
  const { facts, outcomes } = await dockerFixture('debian-6.18');
  const s = dockerSettings(facts, outcomes, { dir: DIR });
  t.same(s.daemon, { 'storage-driver': 'overlay2' });
  t.equal(s.ipcHost, false);
  t.match(s.files['setup.sh'], /nothing host-wide is needed here/);
  t.notMatch(s.files['dockerd-ns.sh'], /mount -t/);
  lint(t, s.files);
});

t.test('--prove overrides are listed as such', async (t) => {
  const { facts, outcomes } = await dockerFixture('debian-6.18');
  const s = dockerSettings(facts, outcomes, { dir: '/tmp/x', daemon: { 'data-root': '/tmp/x/lib', hosts: ['unix:///tmp/x/docker.sock'] } });
  t.same(s.daemon['hosts'], ['unix:///tmp/x/docker.sock']);
  t.ok(s.lines.some((l) => l.from === '--prove' && l.what.includes('data-root')));
});

t.test('a read-only /etc: dockerd 20.10 gets deprecated-key-path; 23+ does not (it would refuse the key)', async (t) => {
  const old = await dockerFixture('android7-3.10', (f) => void (f.binaries.versions.dockerd = 'Docker version 20.10.24+dfsg1, build 5d6db84'));
  t.equal(dockerSettings(old.facts, old.outcomes, { dir: DIR }).daemon['deprecated-key-path'], '/data/docker/key.json');
  const recent = await dockerFixture('android7-3.10');
  t.equal(dockerSettings(recent.facts, recent.outcomes, { dir: DIR }).daemon['deprecated-key-path'], undefined);
  const unknown = await dockerFixture('android7-3.10', (f) => void delete f.binaries.versions.dockerd);
  const s = dockerSettings(unknown.facts, unknown.outcomes, { dir: DIR });
  t.equal(s.daemon['deprecated-key-path'], undefined);
  t.ok(s.lines.some((l) => l.what.includes('deprecated-key-path') && l.from === 'docker.data-root'), 'said, not set');
});
