// droidcheck docker --prove on this host: a private dockerd (Debian's docker.io)
// runs one container from a busybox image made offline, and afterwards no
// dockerd/containerd/shim process, no mount, no cgroup group and no state
// directory is left -- also when droidcheck gets SIGTERM in the middle.

import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { BIN, launchSkip } from '../helpers/launch-env.js';
import { validateDockerReport } from '../helpers/schemas.js';

const have = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skip = launchSkip || (!have('dockerd') && 'needs Docker (apt-get install docker.io)') || (!have('unshare') && 'needs util-linux unshare');

/** What a run could leave behind: daemon processes, mounts, cgroup groups, state directories. */
function snapshot(): { procs: string[]; mounts: string[]; cgroups: string[]; dirs: string[] } {
  const procs: string[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const comm = readFileSync(`/proc/${e}/comm`, 'utf8').trim();
      if (/^(dockerd|containerd|containerd-shim.*|runc)$/.test(comm)) procs.push(comm);
    } catch {
      // gone
    }
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ').slice(3, 5).join(' ')).sort();
  const cgroups = spawnSync('sh', ['-c', 'find /sys/fs/cgroup -maxdepth 3 -name "droidcheck-prove-*" 2>/dev/null'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  const dirs = readdirSync(tmpdir()).filter((d) => d.startsWith('droidcheck-docker-'));
  return { procs: procs.sort(), mounts, cgroups, dirs };
}

t.test('--prove runs a container with a private dockerd and leaves nothing behind', { skip }, async (t) => {
  const before = snapshot();
  const r = spawnSync(process.execPath, [BIN, 'docker', '--prove', '--', 'sh', '-c', 'echo hi from $$'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 300_000 });
  t.equal(r.stdout.trim(), 'hi from 1', 'the container printed from PID 1');
  t.equal(r.status, 0, r.stderr.slice(-2000));
  t.match(r.stderr, /ok docker run --rm droidcheck\/busybox:prove sh -c echo hi from \$\$: exit status 0/);
  t.match(r.stderr, /ok undo\.sh/);
  t.same(snapshot(), before, 'no process, mount, cgroup group or state directory left');
});

t.test("--prove gives the container's own exit status", { skip }, async (t) => {
  const r = spawnSync(process.execPath, [BIN, 'docker', '--prove', '--format', 'json', '--', 'sh', '-c', 'exit 7'], { encoding: 'utf8', timeout: 300_000 });
  t.equal(r.status, 7);
  const report = JSON.parse(r.stderr.slice(r.stderr.indexOf('{'))) as { command: string; docker: { prove: { exitCode: number; steps: Array<{ name: string; status: string }> } } };
  t.equal(report.command, 'docker');
  t.equal(report.docker.prove.exitCode, 7);
  t.ok(report.docker.prove.steps.every((s) => s.status === 'ok'), 'every step ok');
  t.ok(validateDockerReport(report), JSON.stringify(validateDockerReport.errors));
});

t.test('SIGTERM in the middle: exit 143 and nothing left', { skip }, async (t) => {
  const before = snapshot();
  const child = spawn(process.execPath, [BIN, 'docker', '--prove', '--', 'sh', '-c', 'echo started; sleep 60'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    // The container is running: stop droidcheck now.
    if (stdout.includes('started')) child.kill('SIGTERM');
  });
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  t.equal(code, 143, stderr.slice(-2000));
  t.match(stderr, /got SIGTERM: stopping dockerd and undoing/);
  t.match(stderr, /ok undo\.sh/);
  t.same(snapshot(), before, 'no process, mount, cgroup group or state directory left');
});

t.test('--prove without Docker: exit 2 and the package to install', { skip: launchSkip }, async (t) => {
  const r = spawnSync(process.execPath, [BIN, 'docker', '--prove', '--dockerd', '/nonexistent/dockerd', '--no-live'], { encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 2);
  t.match(r.stderr, /dockerd not found: install Docker \(Debian: apt-get install docker\.io\)/);
  t.equal(r.stdout, '');
});
