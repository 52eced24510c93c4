// --host-fixes as a journal (issue #16, case 7; root and runc only; each case
// runs in a private mount namespace whose devices cgroup is unmounted, the
// layout droidcheck fixes for runc): a directory that existed is never
// removed, and a SIGKILL of droidcheck in the middle leaves a journal that
// `droidcheck undo` replays until the mount table is as before.

import t from 'tap';
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { makeBundle } from '../helpers/bundle.js';
import { BIN, launchSkip } from '../helpers/launch-env.js';

const runc = spawnSync('sh', ['-c', 'command -v runc'], { encoding: 'utf8' }).stdout.trim();
const devicesMounted = spawnSync('sh', ['-c', 'grep -q " /sys/fs/cgroup/devices " /proc/self/mountinfo'], {}).status === 0;
const skip = launchSkip || (!runc && 'needs runc (apt-get install runc)') || (!devicesMounted && 'needs the devices cgroup mounted at /sys/fs/cgroup/devices (to unmount it in a private namespace)');

/** A shell script run in a private mount namespace without the devices cgroup. */
function isolated(script: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `umount /sys/fs/cgroup/devices || exit 99\n${script}`], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1', NODE: process.execPath, DC: BIN, DROIDCHECK_STATE_DIR: env['STATE'] ?? '', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('the devices directory that existed stays; only droidcheck\'s mount goes', { skip }, async (t) => {
  const bundle = makeBundle((s) => {
    s.process!.terminal = false;
    s.process!.args = ['true'];
  });
  const state = `${bundle}-state`;
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  t.teardown(() => rmSync(state, { recursive: true, force: true }));
  const r = isolated('"$NODE" "$DC" run "$B" --fix-config --runtime runc --host-fixes >/dev/null 2>"$B/err"; s=$?; test -d /sys/fs/cgroup/devices && echo dir=kept; grep -c " /sys/fs/cgroup/devices " /proc/self/mountinfo; ls "$STATE" | sed "s/^/left=/"; exit $s', { B: bundle, STATE: state });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^dir=kept$/m, '/sys/fs/cgroup/devices existed before: it is not removed');
  t.match(r.stdout, /^0$/m, 'the devices mount droidcheck made is gone');
  t.notMatch(r.stdout, /^left=/m, 'a run that finished leaves no journal (runc deleted its container itself)');
});

t.test('SIGKILL in the middle of a --host-fixes run, then droidcheck undo: mountinfo as before, nothing left', { skip }, async (t) => {
  const bundle = makeBundle((s) => {
    s.process!.terminal = false;
    s.process!.args = ['sh', '-c', 'echo ready; exec sleep 4711'];
  });
  const state = `${bundle}-state`;
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  t.teardown(() => rmSync(state, { recursive: true, force: true }));
  const script = `
before=$(cat /proc/self/mountinfo)
"$NODE" "$DC" run "$B" --fix-config --runtime runc --host-fixes >"$B/out" 2>"$B/err" &
pid=$!
i=0; until grep -q ready "$B/out"; do i=$((i+1)); [ $i -gt 200 ] && { echo never-ready; exit 98; }; sleep 0.1; done
grep -c " /sys/fs/cgroup/devices " /proc/self/mountinfo | sed 's/^/mounted-during=/'
kill -9 $pid; wait $pid 2>/dev/null
ls "$STATE" | sed 's/^/journal=/'
"$NODE" "$DC" run /nonexistent --runtime runc 2>&1 >/dev/null | grep 'left host changes behind' | sed 's/^/notice=/'
"$NODE" "$DC" undo; echo "undo=$?"
i=0; while pgrep -f "^sleep 4711" >/dev/null && [ $i -lt 30 ]; do i=$((i+1)); sleep 0.1; done
pgrep -f "^sleep 4711" >/dev/null && echo container=left || echo container=gone
ls "$STATE" | sed 's/^/after=/'
[ "$before" = "$(cat /proc/self/mountinfo)" ] && echo mountinfo=same || { echo mountinfo=changed; cat /proc/self/mountinfo; }
`;
  const r = isolated(script, { B: bundle, STATE: state });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^mounted-during=1$/m, 'droidcheck mounted the devices cgroup for runc');
  t.match(r.stdout, /^journal=journal-\d+\.json$/m, 'the killed run left its journal');
  t.match(r.stdout, /^notice=droidcheck: 1 earlier run \(pid \d+\) left host changes behind: run `droidcheck undo`$/m, 'the next run says so');
  t.match(r.stdout, /undone: mount -t cgroup -o devices cgroup \/sys\/fs\/cgroup\/devices/);
  t.match(r.stdout, /^undo=0$/m);
  t.match(r.stdout, /^container=gone$/m, 'the runc container is killed and deleted');
  t.notMatch(r.stdout, /^after=/m, 'the journal is gone');
  t.match(r.stdout, /^mountinfo=same$/m, 'the mount table is as before');
});
