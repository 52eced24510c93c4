// droidcheck docker on the Android-7-like VM, booted with the docker variant of
// its kernel (veth, bridge, legacy iptables NAT, nfnetlink without nf_tables;
// still no IPC namespace, overlay, user namespace, pids controller, KEYS or BPF)
// and Debian's dockerd, containerd, runc, docker CLI and iptables (nft as the
// default `iptables`, as on Debian 12) added to its userland: the checks find the
// Android gaps, dockerd without the settings fails the way users report, and
// with the written settings --prove runs a container.

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dockerKernel, runBatchInVm, vmSkipReason, vmTestsForced, type BatchStep } from './vm.js';
import { DC } from './guest.js';


/** Host program -> name in the VM's /system/bin. xtables-*-multi pick their mode from the name they are run by. */
const PROGRAMS: Array<[string, string]> = [
  ['/usr/sbin/dockerd', 'dockerd'],
  ['/usr/bin/containerd', 'containerd'],
  ['/usr/bin/containerd-shim-runc-v2', 'containerd-shim-runc-v2'],
  ['/usr/sbin/runc', 'runc'],
  ['/usr/bin/docker', 'docker'],
  ['/usr/sbin/ip', 'ip'],
  ['/usr/sbin/xtables-nft-multi', 'iptables'],
  ['/usr/sbin/xtables-nft-multi', 'ip6tables'],
  ['/usr/sbin/xtables-legacy-multi', 'iptables-legacy'],
  ['/usr/sbin/xtables-legacy-multi', 'ip6tables-legacy'],
];
const XTABLES = '/usr/lib/x86_64-linux-gnu/xtables';

/** --add specs: the programs, every library they load (by real path), iptables' extensions. */
function adds(): string[] {
  const libs = new Set<string>();
  for (const [p] of PROGRAMS) {
    const ldd = spawnSync('ldd', [p], { encoding: 'utf8' }).stdout ?? '';
    for (const m of ldd.matchAll(/(\/\S+\.so[^\s]*)/g)) libs.add(m[1] as string);
  }
  return [...PROGRAMS.map(([p, n]) => `${realpathSync(p)}:/system/bin/${n}`), ...[...libs].map((l) => `${realpathSync(l)}:${l}`), `${XTABLES}:${XTABLES}`];
}

const missing = [...PROGRAMS.map(([p]) => p), XTABLES].find((p) => !existsSync(p));
const kernel = vmSkipReason() === undefined ? dockerKernel(vmTestsForced) : undefined;
const skip =
  vmSkipReason() ??
  (missing ? `needs ${missing} (apt-get install docker.io iptables iproute2)` : undefined) ??
  (kernel ? undefined : 'needs the docker VM kernel: DROIDCHECK_VM_TESTS=1 builds it (kernel-configs/android7-vm-docker.fragment)');

const statuses = (file: string): string => `node -e 'for (const c of require("${file}").checks) console.log(c.id + "=" + c.status)'`;
const parse = (out: string): Map<string, string> => new Map(out.split('\n').filter((l) => /^[\w.-]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

if (skip !== undefined) {
  t.plan(0, skip);
} else {
  t.setTimeout(30 * 60 * 1000);
  t.test('docker on the Android 7 VM: the gaps, the failure without settings, --prove with them', async (t) => {
    const { steps, vm } = await runBatchInVm(
      {
        checks: `${DC} docker --format json -o /data/d.json; echo "exit=$?"; ${statuses('/data/d.json')}`,
        write: `${DC} docker --write /data/etc >/dev/null 2>&1; cat /data/etc/daemon.json /data/etc/dockerd-ns.sh /data/etc/dockerd.sh`,
        bare:
          'mkdir -p /data/bare && timeout 60 dockerd --data-root /data/bare/lib --exec-root /data/bare/run -H unix:///data/bare/d.sock --pidfile /data/bare/d.pid >/data/bare/log 2>&1; ' +
          `echo "exit=$?"; tail -n 3 /data/bare/log; ${DC} explain --no-facts --file /data/bare/log | grep -E '^[0-9]+\\. '`,
        prove: `${DC} docker --prove -- sh -c 'echo "hi from $$"' 2>/data/prove.err; echo "exit=$?"; grep -E '^  (ok|FAILED) |^droidcheck' /data/prove.err; grep -A20 'dockerd log' /data/prove.err`,
        left: 'ps -o comm | grep -cE "dockerd|containerd"; grep -c droidcheck-docker /proc/mounts; ls /data/local/tmp | grep -c droidcheck',
      },
      { kernel: kernel as string, add: adds(), timeoutSec: 900 },
    );
    const step = (name: string): BatchStep => {
      const s = steps.get(name);
      if (!s) throw new Error(`step ${name} did not run; VM stderr:\n${vm.stderr}\noutput:\n${vm.output.slice(-4000)}`);
      return s;
    };
    const checks = parse(step('checks').output);
    t.comment(step('checks').output);
    t.equal(checks.get('docker.ns.ipc'), 'fail', 'no IPC namespace');
    t.equal(checks.get('docker.mqueue'), 'fail', 'no mqueue filesystem');
    t.equal(checks.get('docker.storage.overlay'), 'warn', 'no overlay: vfs');
    t.equal(checks.get('docker.cgroup.devices'), 'pass', 'the devices controller is in the kernel (not mounted by Android)');
    t.equal(checks.get('docker.cgroup.layout'), 'warn', 'noprefix cpuset and no devices mount');
    t.equal(checks.get('docker.cgroup.pids'), 'warn', 'no pids controller on this kernel');
    t.equal(checks.get('docker.iptables'), 'warn', 'the default iptables (nft) fails; legacy works');
    t.equal(checks.get('docker.net.veth'), 'pass');
    t.equal(checks.get('docker.run-dir'), 'fail', 'no /run');

    const write = step('write').output;
    t.comment(write);
    t.match(write, /"storage-driver": "vfs"/);
    t.match(write, /umount -l '\/dev\/cpuset'/);
    t.match(write, /mount -t cgroup -o devices cgroup \/sys\/fs\/cgroup\/devices/);
    t.match(write, /iptables-legacy' "\$DIR\/bin\/iptables"/);

    const bare = step('bare').output;
    t.comment(bare);
    t.notMatch(bare, /exit=0\b/, 'dockerd without the settings does not come up');
    t.match(bare, /failed to start daemon: .*read-only file system/, 'as on a phone: no writable /run');
    t.match(bare, /^\d+\. .*\[run-readonly\]/m, 'droidcheck explain knows the error it fails with');

    const prove = step('prove').output;
    t.comment(prove);
    t.match(prove, /^hi from 1$/m, 'with the settings a container runs');
    t.match(prove, /exit=0/);
    t.match(prove, /ok docker run --rm --ipc host --tmpfs \/dev\/mqueue droidcheck\/busybox:prove/, 'the run flags the checks call for');
    t.match(prove, /ok undo\.sh/);
    t.same(step('left').output.trim().split('\n'), ['0', '0', '0'], 'no daemon, mount or state directory left');
  });
}
