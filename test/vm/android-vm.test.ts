// Boots the Android-7-like QEMU VM (scripts/android-vm.sh) and checks that it
// really looks like an Android 7 / Linux 3.10 device from the inside.
// Skips unless root + qemu + a built kernel (or DROIDCHECK_VM_TESTS=1, which
// builds the kernel if needed).
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureKernel, runBatchInVm, runInVm, vmSkipReason, type BatchStep } from './vm.js';

const skip = vmSkipReason();
if (skip !== undefined) {
  t.plan(0, skip);
} else {
  // A cold kernel build takes minutes, each boot tens of seconds under TCG.
  t.setTimeout(30 * 60 * 1000);
  t.before(() => {
    ensureKernel();
  });

  t.test('Android 7 layout inside the VM (one boot)', async (t) => {
    const { steps, vm } = await runBatchInVm({
      mounts: 'cat /proc/mounts',
      cgroups: 'cat /proc/cgroups',
      shm: 'ls /proc/sys/kernel/ | grep shm',
      ns: 'ls /proc/self/ns',
      configgz: 'zcat /proc/config.gz | grep -E "CONFIG_(SYSVIPC|IPC_NS|USER_NS|PID_NS|NET_NS|UTS_NS|CGROUP_DEVICE|OVERLAY_FS|SECCOMP_FILTER)[= ]"',
      touchroot: 'touch /x',
      touchdata: 'touch /data/x && ls /data/x',
      absent: 'for d in /etc /tmp /run /etc/resolv.conf /usr; do test -e $d && echo "present: $d"; done; true',
      buildprop: 'cat /system/build.prop',
      env: 'echo "uid=$(id -u) pwd=$(pwd) HOME=$HOME PATH=$PATH"',
      node: 'node -e "console.log(process.version)"',
      nodechild:
        'node -e "const c=require(\'child_process\');console.log(c.execFileSync(\'sh\',[\'-c\',\'echo child-ok\']).toString().trim())"',
      droidcheck: 'ls /droidcheck && test -d /droidcheck/dist && test -d /droidcheck/node_modules/yargs && echo ok',
      unshare_ok: 'unshare -u -p -n -m -f true && echo ok',
      unshare_ipc: 'unshare -i true',
      unshare_user: 'unshare -U true',
      uname: 'uname -r',
    });
    const step = (name: string): BatchStep => {
      const s = steps.get(name);
      if (!s) throw new Error(`step ${name} did not run; VM stderr:\n${vm.stderr}\noutput:\n${vm.output}`);
      return s;
    };
    t.equal(vm.exitCode, 0, 'VM batch exits 0', { stderr: vm.stderr });

    const mounts = step('mounts').output;
    const mount = (dir: string) =>
      mounts.split('\n').map((l) => l.split(' ')).find((f) => f[1] === dir);
    const root = mount('/');
    t.ok(root && /^ro(,|$)/.test(root[3] ?? ''), '/ (rootfs) is read-only', { root });
    t.equal(mount('/proc')?.[2], 'proc', '/proc mounted');
    t.equal(mount('/sys')?.[2], 'sysfs', '/sys mounted');
    t.equal(mount('/dev')?.[2], 'devtmpfs', '/dev is devtmpfs');
    t.equal(mount('/dev/pts')?.[2], 'devpts', '/dev/pts mounted');
    const cg = (dir: string, opt: string) => {
      const m = mount(dir);
      t.equal(m?.[2], 'cgroup', `${dir} is a cgroup v1 mount`);
      t.ok(m?.[3]?.split(',').includes(opt), `${dir} has ${opt}`, { options: m?.[3] });
    };
    cg('/dev/cpuctl', 'cpu');
    cg('/dev/cpuset', 'cpuset');
    cg('/dev/cpuset', 'noprefix');
    cg('/dev/memcg', 'memory');
    cg('/acct', 'cpuacct');
    t.notOk(/\scgroup2\s/.test(mounts), 'no cgroup2 mount');
    t.notOk(/[\s,]devices[\s,]/.test(mounts), 'devices controller not mounted');
    const data = mount('/data');
    t.equal(data?.[2], 'tmpfs', '/data is tmpfs');
    t.ok(data?.[3]?.split(',').includes('nosuid') && data[3].split(',').includes('nodev'), '/data nosuid,nodev');

    const cgroups = step('cgroups').output;
    for (const c of ['cpuset', 'cpu', 'cpuacct', 'memory', 'blkio', 'freezer', 'devices']) {
      t.match(cgroups, new RegExp(`^${c}\\s`, 'm'), `controller ${c} in /proc/cgroups`);
    }
    t.notMatch(cgroups, /^pids\s/m, 'no pids controller');

    t.equal(step('shm').output, '', 'no shm sysctls (no SYSVIPC)');
    t.not(step('shm').exitCode, 0, 'grep shm finds nothing');
    const ns = step('ns').output.split(/\s+/);
    for (const n of ['mnt', 'uts', 'pid', 'net']) t.ok(ns.includes(n), `namespace ${n} present`);
    for (const n of ['ipc', 'user', 'time']) t.notOk(ns.includes(n), `namespace ${n} absent`);

    const cfg = step('configgz').output;
    t.match(cfg, /^# CONFIG_SYSVIPC is not set$/m, 'config.gz: no SYSVIPC');
    t.notMatch(cfg, /^CONFIG_IPC_NS=y/m, 'config.gz: no IPC_NS');
    t.notMatch(cfg, /^CONFIG_USER_NS=y/m, 'config.gz: no USER_NS');
    t.notMatch(cfg, /^CONFIG_OVERLAY_FS=y/m, 'config.gz: no OVERLAY_FS');
    for (const o of ['PID_NS', 'NET_NS', 'UTS_NS', 'CGROUP_DEVICE', 'SECCOMP_FILTER']) {
      t.match(cfg, new RegExp(`^CONFIG_${o}=y$`, 'm'), `config.gz: ${o}=y`);
    }

    t.not(step('touchroot').exitCode, 0, 'touch /x fails');
    t.match(step('touchroot').output, /Read-only file system/, 'because / is read-only');
    t.equal(step('touchdata').exitCode, 0, '/data is writable');
    t.equal(step('absent').output, '', 'no /etc, /tmp, /run, /usr');

    const prop = step('buildprop').output;
    t.match(prop, /^ro\.build\.version\.release=7\.1\.1$/m, 'build.prop release 7.1.1');
    t.match(prop, /^ro\.build\.version\.sdk=25$/m, 'build.prop sdk 25');
    t.match(step('env').output, /^uid=0 pwd=\/data HOME=\/data PATH=\/bin:\/system\/bin$/m, 'root in /data');

    t.match(step('node').output, /^v20\.\d+\.\d+$/m, 'node runs');
    t.equal(step('nodechild').output.trim(), 'child-ok', 'node child_process works');
    t.match(step('droidcheck').output, /^ok$/m, 'droidcheck copied to /droidcheck');

    t.match(step('unshare_ok').output, /^ok$/m, 'uts/pid/net/mnt namespaces can be created');
    t.not(step('unshare_ipc').exitCode, 0, 'ipc namespace cannot be created');
    t.not(step('unshare_user').exitCode, 0, 'user namespace cannot be created');
    t.match(step('uname').output, /^6\.1\./m, 'kernel 6.1');
  });

  t.test('exit status, --no-config-gz and --add (second boot)', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'droidcheck-vm-test-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'hello.txt'), 'hello from the host\n');
    const vm = await runInVm(
      'cat /data/local/tmp/hello.txt; zcat /proc/config.gz >/dev/null 2>&1; echo "zcat=$?"; echo "size=$(wc -c </proc/config.gz)"; echo to-stderr >&2; exit 42',
      { noConfigGz: true, add: [`${path.join(dir, 'hello.txt')}:/data/local/tmp/hello.txt`] },
    );
    t.equal(vm.exitCode, 42, 'exit status propagates', { stderr: vm.stderr });
    t.match(vm.output, /^hello from the host$/m, '--add file is inside the VM');
    t.notMatch(vm.output, /^zcat=0$/m, 'config.gz is not readable');
    t.match(vm.output, /^size=0$/m, 'config.gz is empty');
    t.match(vm.output, /^to-stderr$/m, 'stderr is captured');
  });
}
