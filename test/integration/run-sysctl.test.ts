// linux.sysctl and process.user.umask (root only), through every launcher: the
// container's own IPC and network namespaces take the values, the host's keep
// theirs, and a sysctl that would change the host is refused before anything runs.

import t from 'tap';
import { readFileSync, rmSync } from 'node:fs';
import { makeBundle } from '../helpers/bundle.js';
import { launchSkip, nativeSkip, runBundle } from '../helpers/launch-env.js';

const SYSCTL = { 'kernel.shmmax': '123456', 'net.ipv4.ip_default_ttl': '42' };
const INSIDE = ['sh', '-c', 'echo "shmmax=$(cat /proc/sys/kernel/shmmax) ttl=$(cat /proc/sys/net/ipv4/ip_default_ttl) umask=$(umask)"'];

for (const [label, args, skip] of [
  ['droidcheck-init', ['--init', 'c'], nativeSkip],
  ['busybox', ['--no-ffi'], launchSkip],
] as const) {
  t.test(`sysctls in the container's namespaces and its umask (${label})`, { skip }, async (t) => {
    const host = { shmmax: readFileSync('/proc/sys/kernel/shmmax', 'utf8'), ttl: readFileSync('/proc/sys/net/ipv4/ip_default_ttl', 'utf8') };
    const bundle = makeBundle((s) => {
      s.process!.terminal = false;
      s.process!.args = [...INSIDE];
      s.process!.user.umask = 0o077;
      s.linux!.sysctl = { ...SYSCTL };
    });
    t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
    const r = runBundle(bundle, args);
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, 'shmmax=123456 ttl=42 umask=0077');
    t.match(r.steps.find((s) => s.name === 'sysctl'), { status: 'ok', detail: 'kernel.shmmax=123456, net.ipv4.ip_default_ttl=42' });
    t.equal(readFileSync('/proc/sys/kernel/shmmax', 'utf8'), host.shmmax, "the host's IPC namespace is untouched");
    t.equal(readFileSync('/proc/sys/net/ipv4/ip_default_ttl', 'utf8'), host.ttl, "the host's network namespace is untouched");
  });
}

t.test('a sysctl outside the container\'s namespaces is refused before anything runs, naming the field', { skip: launchSkip }, async (t) => {
  const swappiness = readFileSync('/proc/sys/vm/swappiness', 'utf8');
  const bundle = makeBundle((s) => {
    s.process!.terminal = false;
    s.process!.args = ['true'];
    s.linux!.sysctl = { 'vm.swappiness': '1' };
  });
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  const r = runBundle(bundle, []);
  t.equal(r.status, 125);
  t.match(r.steps, [{ name: 'plan', status: 'failed', class: 'config', detail: '.linux.sysctl["vm.swappiness"]: not in a namespace of the container: setting it would change the host (runc refuses it too)' }]);
  t.equal(readFileSync('/proc/sys/vm/swappiness', 'utf8'), swappiness);
});
