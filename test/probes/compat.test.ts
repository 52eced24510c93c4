// The 32-bit-userland-on-64-bit-kernel checks on fixtures: the Android 7 arm64
// tablet (Linux 3.10) with a 32-bit node, with and without CONFIG_KEYS_COMPAT,
// Termux's armv8l personality, a 64-bit userland, and a kernel past 5.6.

import t from 'tap';
import { probeFixture } from '../helpers/probe-fixture.js';
import type { Facts } from '../../src/probes/facts.js';
import { compatChecks, widths } from '../../src/probes/checks/compat.js';
import { parseKernelVersion } from '../../src/kernel/version.js';

const [userland, keyctl] = compatChecks as [(typeof compatChecks)[0], (typeof compatChecks)[0]];

/** The fixture's facts with kernel config values changed (null deletes). */
function withConfig(facts: Facts, changes: Record<string, string | null>): Facts {
  const values = new Map(facts.config!.values);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) values.delete(k);
    else values.set(k, v);
  }
  return { ...facts, config: { ...facts.config!, values } };
}

const arm32 = await probeFixture('android7-3.10', { overrides: { arch: 'arm' } });

t.test('32-bit node on the arm64 3.10 tablet: the compat layer, named', async (t) => {
  t.same(widths(arm32.facts).user, 32);
  t.same(widths(arm32.facts).kernel, 64);
  const r = userland.run(arm32.facts);
  t.equal(r.status, 'warn');
  t.match(r.summary, /32-bit userland \(arm\) on a 64-bit aarch64 kernel/);
  t.match(r.evidence, [{ what: 'uname -m', value: 'aarch64' }, { value: /^arm,/ }, { what: /CONFIG_COMPAT$/, value: 'y' }]);
  t.match(r.impact, /keyctl needs CONFIG_KEYS_COMPAT/);
  t.match(r.remediation, [{ text: /droidcheck-init-arm/ }, { kind: 'rootfs', text: /64-bit runc\/dockerd/ }]);
  t.notOk(r.disagreement);
  t.match(userland.run(withConfig(arm32.facts, { CONFIG_COMPAT: null })).disagreement, /config is not this kernel's/, 'a config without COMPAT cannot be this kernel\'s');
});

t.test('compat.keyctl: with and without CONFIG_KEYS_COMPAT on 3.10', async (t) => {
  const without = keyctl.run(withConfig(arm32.facts, { CONFIG_KEYS_COMPAT: null }));
  t.equal(without.status, 'warn');
  t.match(without.summary, /CONFIG_KEYS=y but no CONFIG_KEYS_COMPAT on 3\.10\.40-g8a2e9a7: keyctl from this 32-bit userland is ENOSYS/);
  t.match(without.impact, /could not create session key: function not implemented/);
  t.match(without.remediation, [{ kind: 'kernel-option', items: ['CONFIG_KEYS_COMPAT=y'] }, { kind: 'runtime-flag' }]);
  t.match(without.evidence, [{}, {}, { what: /CONFIG_KEYS$/, value: 'y' }, { what: /CONFIG_KEYS_COMPAT$/, value: 'missing' }]);

  const withKc = keyctl.run(withConfig(arm32.facts, { CONFIG_KEYS_COMPAT: 'y' }));
  t.equal(withKc.status, 'pass');
  t.match(withKc.summary, /CONFIG_KEYS_COMPAT=y: 32-bit keyctl works/);

  const noKeys = keyctl.run(withConfig(arm32.facts, { CONFIG_KEYS: null, CONFIG_KEYS_COMPAT: null }));
  t.match(noKeys, { status: 'warn', summary: /no CONFIG_KEYS: keyctl is ENOSYS for every process/ });
  t.match(noKeys.remediation, [{ items: ['CONFIG_KEYS=y'] }]);
});

t.test('compat.keyctl: 5.6 and later have no KEYS_COMPAT, COMPAT + KEYS suffice', async (t) => {
  const newer = { ...withConfig(arm32.facts, { CONFIG_KEYS_COMPAT: null }), kernel: parseKernelVersion('5.10.66'), uname: { ...arm32.facts.uname, release: '5.10.66' } };
  t.match(keyctl.run(newer), { status: 'pass', summary: /CONFIG_KEYS_COMPAT was removed in 5\.6/ });
  const v54 = { ...newer, kernel: parseKernelVersion('5.4.0'), uname: { ...arm32.facts.uname, release: '5.4.0' } };
  t.equal(keyctl.run(v54).status, 'warn', '5.4 still has the option: without it, ENOSYS');
});

t.test('armv8l (a 32-bit process on an arm64 kernel): the config tells the kernel width', async (t) => {
  const termux = { ...arm32.facts, uname: { ...arm32.facts.uname, machine: 'armv8l' } };
  t.equal(widths(termux).kernel, 64, 'CONFIG_ARM64=y');
  t.equal(userland.run(termux).status, 'warn');
  t.equal(widths(withConfig(termux, { CONFIG_ARM64: null, CONFIG_64BIT: null })).kernel, 32);
});

t.test('64-bit userland: pass, saying whether 32-bit images would run', async (t) => {
  const a64 = await probeFixture('android7-3.10');
  t.match(userland.run(a64.facts), { status: 'pass', summary: /64-bit userland on a 64-bit kernel \(CONFIG_COMPAT: 32-bit images run too\)/ });
  t.match(userland.run(withConfig(a64.facts, { CONFIG_COMPAT: null })), { status: 'pass', summary: /without CONFIG_COMPAT: only 64-bit images run/ });
  t.match(keyctl.run(a64.facts), { status: 'pass', summary: /no compat layer/ });
  // 6.1's tinyconfig (the arm64 VM before its fragment set it): COMPAT without the 32-bit time_t calls.
  const v61 = { ...withConfig(a64.facts, { CONFIG_COMPAT_32BIT_TIME: null }), kernel: parseKernelVersion('6.1.0') };
  t.match(userland.run(v61), { status: 'warn', impact: /The futex facility returned an unexpected error code/, remediation: [{}, { items: ['CONFIG_COMPAT_32BIT_TIME=y'] }] });
  t.equal(userland.run(withConfig(v61, { CONFIG_COMPAT_32BIT_TIME: 'y' })).status, 'pass');
  t.equal(userland.run(withConfig(a64.facts, { CONFIG_COMPAT_32BIT_TIME: null })).status, 'pass', '3.10 predates the option: the calls are always there');
});

t.test('/proc/kallsyms: the compat entry points decide over the config', async (t) => {
  const { syscallsFromKallsyms } = await import('../../src/probes/live/index.js');
  const { emptyLive } = await import('../../src/probes/live/types.js');
  const scan = (text: string) => {
    const r = emptyLive('tools');
    syscallsFromKallsyms(text, r);
    return r;
  };
  // 6.1 arm64 with COMPAT: __arm64_compat_sys_keyctl and __arm64_sys_futex_time32.
  t.same(scan('0 T __arm64_compat_sys_keyctl\n0 T __arm64_sys_futex_time32\n0 T __arm64_compat_sys_ioctl\n').compatSyscalls, { keyctl: true, futex: true });
  // 3.10 arm64 without KEYS_COMPAT: compat_sys_futex, no compat_sys_keyctl.
  const old = scan('0 T compat_sys_futex\n0 T compat_sys_ioctl\n0 T sys_keyctl\n');
  t.same(old.compatSyscalls, { keyctl: false, futex: true });
  t.equal(scan('0 T sys_read\n').compatSyscalls, undefined, 'no compat symbol at all: kallsyms says nothing about compat');

  const liveFacts = (live: ReturnType<typeof scan>): Facts => ({ ...arm32.facts, live: { ...arm32.facts.live!, compatSyscalls: live.compatSyscalls! } });
  const missing = keyctl.run(withConfig(liveFacts(old), { CONFIG_KEYS_COMPAT: 'y' }));
  t.match(missing, { status: 'warn', summary: /no compat_sys_keyctl in \/proc\/kallsyms: keyctl from this 32-bit userland is ENOSYS/ }, 'kallsyms beats a config that says KEYS_COMPAT=y');
  t.match(missing.evidence, [{}, {}, {}, {}, { source: 'kallsyms', what: 'compat_sys_keyctl', value: 'missing' }]);
  t.match(keyctl.run(withConfig(liveFacts(scan('0 T compat_sys_keyctl\n0 T compat_sys_futex\n')), { CONFIG_KEYS_COMPAT: null })), { status: 'pass', summary: /compat_sys_keyctl is in the kernel/ });

  const a64 = await probeFixture('android7-3.10');
  const noFutex = { ...a64.facts, live: { ...a64.facts.live!, compatSyscalls: { keyctl: true, futex: false } } };
  t.match(userland.run(noFutex), { status: 'warn', summary: /no compat futex in \/proc\/kallsyms/, evidence: [{}, {}, {}, { source: 'kallsyms', value: 'missing' }] });
});
