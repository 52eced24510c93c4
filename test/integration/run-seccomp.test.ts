// linux.seccomp in the embedded runtime (root only): droidcheck-init installs the
// compiled filter last (seccomp(2), or prctl on a kernel without it, as on 3.10),
// and the launchers that cannot install one say so in a skipped step.

import t from 'tap';
import { rmSync } from 'node:fs';
import { makeBundle } from '../helpers/bundle.js';
import { launchSkip as skip, nativeSkip, runBundle } from '../helpers/launch-env.js';
import { getOldKernelHelper } from '../helpers/oldkernel.js';
import type { OciSpec } from '../../src/runtime/spec.js';

const ARCHES = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];

/** A bundle whose workload tries mkdir and uname and prints what /proc says of its filter. */
function seccompBundle(seccomp: unknown, noNewPrivileges = true): string {
  return makeBundle((s: OciSpec) => {
    s.process!.terminal = false;
    s.process!.noNewPrivileges = noNewPrivileges;
    // A writable root, so mkdir can only fail because of the filter.
    s.root!.readonly = false;
    s.process!.args = ['sh', '-c', 'mkdir /tmp/x && echo mkdir=made || echo mkdir=refused; hostname >/dev/null && echo hostname=ok; grep ^Seccomp: /proc/self/status'];
    s.linux!.seccomp = seccomp;
  });
}

const run = (bundle: string, ...args: string[]): ReturnType<typeof runBundle> => runBundle(bundle, args);

const denyMkdir = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ARCHES, syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] };

for (const nnp of [true, false]) {
  t.test(`droidcheck-init applies the profile: mkdir fails with EPERM inside (noNewPrivileges ${nnp})`, { skip: nativeSkip }, async (t) => {
    const bundle = seccompBundle(denyMkdir, nnp);
    t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
    const r = run(bundle, '--init', 'c');
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, 'mkdir=refused', 'the filtered call fails');
    t.match(r.stderr, "mkdir: can't create directory '/tmp/x': Operation not permitted");
    t.match(r.stdout, 'hostname=ok', 'other calls still work');
    t.match(r.stdout, /Seccomp:\s+2/, 'the workload runs in filter mode');
    t.match(r.steps.find((s) => s.name === 'seccomp'), { status: 'ok', detail: /^1 rules, default SCMP_ACT_ALLOW, x86_64\/x86\/aarch64\/arm, \d+ BPF instructions; installed with seccomp\(2\)$/ });
  });
}

t.test('errnoRet is what the workload sees', { skip: nativeSkip }, async (t) => {
  const bundle = seccompBundle({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ARCHES, syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }] });
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  const r = run(bundle, '--init', 'c');
  t.equal(r.status, 0, r.stderr);
  t.match(r.stderr, 'Function not implemented');
});

t.test('a profile droidcheck cannot honour stops the launch with the field named (config error, 125)', { skip: nativeSkip }, async (t) => {
  const bundle = seccompBundle({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] });
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  const r = run(bundle, '--init', 'c');
  t.equal(r.status, 125);
  t.match(r.steps, [{ name: 'plan', status: 'failed', class: 'config', detail: /^\.linux\.seccomp\.syscalls\[0\]\.action: "SCMP_ACT_NOTIFY" is not allowed/ }]);
  t.notMatch(r.stdout, 'mkdir=', 'nothing ran');
});

const helper = await getOldKernelHelper();
const oldSkip = nativeSkip || (!helper.ok && helper.unsupported ? `needs a C compiler for the seccomp helper: ${helper.reason}` : false);

t.test('without seccomp(2) (3.10: ENOSYS) droidcheck-init installs the same filter with prctl', { skip: oldSkip }, async (t) => {
  if (!helper.ok) throw new Error(helper.reason);
  const bundle = seccompBundle(denyMkdir);
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
  // The old-kernel profile also refuses CLONE_NEWIPC: drop that namespace.
  const r = runBundle(bundle, ['--init', 'c', '--fix-config', '--live-probe'], [helper.path, '--']);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, 'mkdir=refused');
  const steps = r.steps;
  t.match(steps.find((s) => s.name === 'seccomp'), { status: 'ok', detail: /installed with prctl\(PR_SET_SECCOMP\)$/ });
});

for (const [label, args] of [['the tools path (busybox)', ['--no-ffi']]] as const) {
  t.test(`${label} cannot install a filter and says so in a skipped step`, { skip }, async (t) => {
    const bundle = seccompBundle(denyMkdir);
    t.teardown(() => rmSync(bundle, { recursive: true, force: true }));
    const r = run(bundle, ...args);
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, 'mkdir=made', 'the profile is not applied here');
    t.match(r.steps.find((s) => s.name === 'seccomp'), { status: 'skipped', detail: /cannot install a seccomp filter: the container runs WITHOUT the profile in config\.json/ });
  });
}
