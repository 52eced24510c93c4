// The container's network (root only): in its own network namespace the
// loopback is up (every launcher), and --network host shares the host's
// interfaces instead, saying so in a step.

import t from 'tap';
import { readdirSync, rmSync } from 'node:fs';
import { makeBundle } from '../helpers/bundle.js';
import { launchSkip, nativeSkip, runBundle } from '../helpers/launch-env.js';
import { LOOPBACK_ONLY } from '../../src/runtime/launch-steps.js';

const INSIDE = ['sh', '-c', 'echo "lo=$(cat /sys/class/net/lo/flags)"; echo "ifaces=$(ls /sys/class/net | tr "\\n" " ")"'];
// IFF_UP is bit 0 of the flags: 0x9 is UP|LOOPBACK, 0x8 a loopback that is down.
const up = (flags: string | undefined): boolean => (Number(flags) & 1) === 1;

for (const [label, args, skip] of [
  ['droidcheck-init', ['--init', 'c'], nativeSkip],
  ['busybox', ['--no-ffi'], launchSkip],
] as const) {
  t.test(`a network namespace of its own has its loopback up (${label})`, { skip }, async (t) => {
    const bundle = makeBundle((s) => {
      s.process!.terminal = false;
      s.process!.args = [...INSIDE];
    });
    t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
    const r = runBundle(bundle, args);
    t.equal(r.status, 0, r.stderr);
    const flags = /lo=(\S+)/.exec(r.stdout)?.[1];
    t.ok(up(flags), `lo is up (flags ${flags})`);
    t.match(r.stdout, /^ifaces=lo $/m, 'and it is the only interface');
    t.match(r.steps.find((s) => s.name === 'network'), { status: 'ok', detail: LOOPBACK_ONLY });
  });
}

t.test('--network host: the host\'s interfaces, no network namespace, net.* sysctls left out', { skip: launchSkip }, async (t) => {
  const bundle = makeBundle((s) => {
    s.process!.terminal = false;
    s.process!.args = [...INSIDE];
    s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
  });
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  const r = runBundle(bundle, ['--network', 'host']);
  t.equal(r.status, 0, r.stderr);
  const host = readdirSync('/sys/class/net').sort().join(' ');
  t.equal(/ifaces=(.*)$/m.exec(r.stdout)?.[1]?.trim().split(' ').sort().join(' '), host, 'the same interfaces as the host');
  t.match(r.steps.find((s) => s.name === 'namespaces'), { detail: /^(?!.*network)/ }, 'no network namespace');
  t.match(r.steps.find((s) => s.name === 'network'), { status: 'ok', detail: "the host's network (--network host): no network namespace; 1 net.* sysctl left out (they would change the host)" });
});
