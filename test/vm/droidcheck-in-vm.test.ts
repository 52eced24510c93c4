// droidcheck itself on the Android-7-like VM: the probe names what is missing
// and passes what is present; `run` fails without --fix-config and explains
// why, then runs the stock `runc spec` bundle with the embedded runtime and
// with runc once the config is fixed. A second boot hides /proc/config.gz so
// only live probes can tell.

import t from 'tap';
import { existsSync, realpathSync } from 'node:fs';
import { runBatchInVm, vmSkipReason, ensureKernel, type BatchStep } from './vm.js';
import { DC, parse } from './guest.js';

const skip = vmSkipReason();
/** Prints "id=status" per check of a JSON report (a full report is slow over the serial console). */
const statuses = (file: string): string =>
  `node -e 'for (const c of require("${file}").checks) console.log(c.id + "=" + c.status)'`;
const steps = (file: string): string =>
  `node -e 'const r=require("${file}"); console.log("started=" + r.launch.started + " exit=" + r.launch.exitCode + " runtime=" + r.runtime.name + " path=" + r.runtime.path); for (const s of r.launch.steps) console.log("step " + s.name + "=" + s.status + (s.errno ? " " + s.errno : "") + (s.class ? " " + s.class : "")); for (const c of r.fixes.changes) console.log("change " + c.path + " " + c.checkId)'`;

/** linux.resources for a second bundle: limits the VM's v1 controllers at Android's paths take, and pids, which it lacks. */
const LIMITS =
  'const fs=require("fs"),f="/data/c/config.json",c=JSON.parse(fs.readFileSync(f));c.process.terminal=false;' +
  'c.linux.resources={memory:{limit:67108864},pids:{limit:16},cpu:{shares:512,cpus:"0"}};' +
  'c.mounts.push({destination:"/big",type:"tmpfs",source:"tmpfs",options:["nosuid"]});fs.writeFileSync(f,JSON.stringify(c))';


// runc and the one library it needs beyond node's (copied by its real path: the .so.2 name is a symlink).
const RUNC_LIBS = ['/usr/sbin/runc', '/lib/x86_64-linux-gnu/libseccomp.so.2'].filter((p) => existsSync(p));
const addSpec = (p: string): string => (p.endsWith('runc') ? `${realpathSync(p)}:/system/bin/runc` : `${realpathSync(p)}:${p}`);

if (skip !== undefined) {
  t.plan(0, skip);
} else {
  t.setTimeout(30 * 60 * 1000);
  t.before(() => void ensureKernel());

  t.test('probe and run on the Android 7 VM', async (t) => {
    const hasRunc = RUNC_LIBS.length === 2;
    const { steps: out, vm } = await runBatchInVm(
      {
        probe: `${DC} probe --format json -o /data/probe.json; echo "exit=$?"; ${statuses('/data/probe.json')}`,
        table: `${DC} probe | tail -3`,
        bundle: `${DC} rootfs /data/b --busybox /bin/busybox -- sh -c 'echo "hello from PID $$ in $(hostname)"'`,
        nofix: `${DC} run /data/b --report /data/r0.json </dev/null; echo "exit=$?"; ${steps('/data/r0.json')}`,
        fix: `${DC} run /data/b --fix-config --report /data/r1.json </dev/null; echo "exit=$?"; ${steps('/data/r1.json')}`,
        fixtools: `${DC} run /data/b --fix-config --no-ffi --report /data/r3.json </dev/null; echo "exit=$?"; ${steps('/data/r3.json')}`,
        limits:
          `${DC} rootfs /data/c --busybox /bin/busybox -- sh -c 'dd if=/dev/zero of=/big/f bs=1M count=200 2>/dev/null && echo wrote-all; echo done' >/dev/null && node -e '${LIMITS}' && ` +
          `${DC} run /data/c --fix-config --report /data/r4.json </dev/null; echo "exit=$?"; ${steps('/data/r4.json')}; echo "left=$(ls /dev/memcg /dev/cpuctl /dev/cpuset | grep -c droidcheck)"`,
        limitstools: `${DC} run /data/c --fix-config --no-ffi --report /data/r5.json </dev/null; echo "exit=$?"; ${steps('/data/r5.json')}; echo "left=$(ls /dev/memcg /dev/cpuctl /dev/cpuset | grep -c droidcheck)"`,
        ...(hasRunc
          ? { runc: `${DC} run /data/b --fix-config --runtime runc --host-fixes --report /data/r2.json </dev/null; echo "exit=$?"; ${steps('/data/r2.json')}; grep -c devices /proc/mounts` }
          : {}),
      },
      { add: RUNC_LIBS.map(addSpec), timeoutSec: 600 },
    );
    const step = (name: string): BatchStep => {
      const s = out.get(name);
      if (!s) throw new Error(`step ${name} did not run; VM stderr:\n${vm.stderr}\noutput:\n${vm.output}`);
      return s;
    };
    const probe = parse(step('probe').output);
    t.equal(probe.get('exit'), '0', 'no required check fails: containers can run after fixes');
    for (const id of ['ns.ipc', 'ns.user', 'fs.mqueue', 'rootfs.pivot-root', 'cgroup.devices', 'ipc.sysctls', 'host.root-readonly', 'host.run', 'host.tmp', 'host.resolv-conf', 'kconfig.android']) {
      t.equal(probe.get(id), 'warn', `${id} names what is missing`);
    }
    for (const id of ['ns.mnt', 'ns.uts', 'ns.pid', 'ns.net', 'fs.proc', 'fs.tmpfs', 'fs.devpts', 'fs.devpts-instances', 'rootfs.chroot', 'sec.root', 'sec.seccomp', 'host.android', 'kconfig.source']) {
      t.equal(probe.get(id), 'pass', `${id} passes what is present`);
    }
    t.match(step('table').output, /Summary: .* containers can run with the fixes above/);
    t.equal(step('bundle').exitCode, 0, step('bundle').output);

    const nofix = step('nofix');
    t.match(nofix.output, /exit=125/);
    t.match(nofix.output, /started=false/);
    t.match(nofix.output, /step terminal=failed ENOTTY config/, 'without --fix-config the report says why');
    t.match(nofix.output, /the container did not start/);

    const fix = step('fix');
    t.match(fix.output, /hello from PID 1 in runc/, 'the container prints its output');
    t.match(fix.output, /exit=0/);
    t.match(fix.output, /started=true exit=0 runtime=embedded/);
    t.match(fix.output, /change \.linux\.namespaces\[type=ipc\] ns\.ipc/);
    t.match(fix.output, /change \.mounts\[\/dev\/mqueue\] fs\.mqueue/);
    t.match(fix.output, /change \.annotations\["org\.droidcheck\.no-pivot"\] rootfs\.pivot-root/);
    t.match(fix.output, /step chroot=ok/, 'no pivot_root on an initramfs root: chroot');
    t.match(fix.output, /runtime=embedded path=native/, 'launched by droidcheck-init (built by npm run build)');

    const fixtools = step('fixtools');
    t.match(fixtools.output, /hello from PID 1 in runc/, 'the sh backend (busybox) launches the same bundle');
    t.match(fixtools.output, /started=true exit=0 runtime=embedded path=tools/);
    t.match(fixtools.output, /step chroot=ok/);

    for (const name of ['limits', 'limitstools']) {
    const limits = step(name);
    t.comment(`${name}: ${name === 'limits' ? 'droidcheck-init' : 'the sh backend (--no-ffi)'}`);
    t.notMatch(limits.output, /wrote-all/, 'a 200 MB tmpfs write under a 64 MiB limit in /dev/memcg is stopped');
    t.match(limits.output, /^step cgroup memory=ok$/m, 'memory limit in a group under /dev/memcg');
    t.match(limits.output, /^step cgroup cpu=ok$/m, 'cpu shares in a group under /dev/cpuctl');
    t.match(limits.output, /^step cgroup cpuset=ok$/m, 'cpus in a group under the noprefix /dev/cpuset');
    t.match(limits.output, /^step cgroup pids=skipped$/m, 'no pids controller (4.3+): a skipped step, not a silent no-op');
    t.match(limits.output, /^step cgroup join=ok$/m);
    t.match(limits.output, /^left=0$/m, 'the groups are removed afterwards');
    }

    if (hasRunc) {
      const runc = step('runc');
      t.match(runc.output, /hello from PID 1 in runc/, 'runc runs the fixed bundle');
      t.match(runc.output, /started=true exit=0 runtime=runc/);
      t.match(runc.output, /step host fixes=ok/, 'the devices cgroup was mounted for runc');
      t.match(runc.output.trim().split('\n').at(-1), /^0$/, 'and unmounted afterwards');
    }
  });

  t.test('without /proc/config.gz only live probes can tell', async (t) => {
    const { steps: out, vm } = await runBatchInVm(
      { probe: `${DC} probe --format json -o /data/probe.json; echo "exit=$?"; ${statuses('/data/probe.json')}` },
      { noConfigGz: true },
    );
    const s = out.get('probe');
    if (!s) throw new Error(`probe did not run: ${vm.stderr}`);
    const probe = parse(s.output);
    t.equal(probe.get('kconfig.source'), 'warn', 'no kernel config');
    t.equal(probe.get('kconfig.moby'), 'skip');
    for (const id of ['ns.ipc', 'ns.user', 'fs.mqueue', 'rootfs.pivot-root', 'cgroup.devices']) t.equal(probe.get(id), 'warn', `${id} still found missing`);
    for (const id of ['ns.mnt', 'ns.pid', 'fs.devpts-instances']) t.equal(probe.get(id), 'pass', `${id} still found present`);
  });
}
