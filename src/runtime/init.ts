// The container's first process. The parent unshared the namespaces and
// spawned this node process, which is PID 1 of the new PID namespace. It sets
// the container up step by step, reports each step as a JSON line on fd 3
// (close-on-exec, so the parent sees EOF once exec succeeds), then replaces
// itself with the workload, which becomes PID 1 and starts clean: default
// signal dispositions, empty signal mask, blocking stdio, no other fds.
//
// Only synchronous fs calls are used: they run on this (main) thread, which
// is the one that chroots; libuv's pool threads would still see the host.

import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errnoName, loadLibc, type Libc } from '../sys/libc.js';
import { MS, type LaunchPlan, type PlannedMount } from './plan.js';
import { classify, LOOPBACK_ONLY, type StepOutcome } from './steps.js';
import { foreignElfDetail } from '../sys/elf.js';
import { resolveInRootfs } from './rootfs-path.js';
import { trace } from '../util/trace.js';

/* c8 ignore start - runs only as the container's init, driven by the root integration tests */
const STATUS_FD = 3;

class StepFailed extends Error {}

function report(step: StepOutcome): void {
  writeSync(STATUS_FD, `${JSON.stringify(step)}\n`);
}

class Init {
  constructor(
    private readonly c: Libc,
    private readonly plan: LaunchPlan,
  ) {}

  /** Runs a C call; on failure reports the step and stops the launch. */
  call(name: string, op: string, path: string | undefined, rc: number): void {
    if (rc >= 0) return;
    const errno = errnoName(this.c.errno());
    report({ name, status: 'failed', op, ...(path ? { path } : {}), errno, class: classify(op, errno) });
    throw new StepFailed(op);
  }

  makeTarget(m: PlannedMount, target: string): void {
    if (existsSync(target)) return;
    const sourceIsFile = m.bind && existsSync(m.source) && !statSync(m.source).isDirectory();
    mkdirSync(sourceIsFile ? dirname(target) : target, { recursive: true });
    if (sourceIsFile) writeFileSync(target, '');
  }

  /** Into the container's cgroups (droidcheck made them), then a cgroup namespace rooted there. */
  joinCgroups(): void {
    const p = this.plan;
    if (!p.cgroups.length) return;
    for (const dir of p.cgroups) {
      const file = join(dir, 'cgroup.procs');
      try {
        // "0" is the writer itself: this process, and so everything it starts.
        writeFileSync(file, '0');
      } catch (error) {
        const errno = (error as NodeJS.ErrnoException).code ?? 'EIO';
        report({ name: 'cgroup join', status: 'failed', op: `write 0 to ${file}`, path: file, errno, class: classify('write', errno) });
        throw new StepFailed(file);
      }
    }
    const ns = p.namespaces.includes('cgroup');
    if (ns) this.call('cgroup join', 'unshare(CLONE_NEWCGROUP)', undefined, this.c.unshare(0x02000000));
    report({ name: 'cgroup join', status: 'ok', detail: `${p.cgroups.length} group${p.cgroups.length > 1 ? 's' : ''}${ns ? '; cgroup namespace rooted there' : ''}` });
  }

  /** Our own mount namespace, every mount private, so nothing propagates to the host. */
  mountNamespace(): void {
    // buildPlan refuses a config without one; a plan that got here anyway must not mount on the host.
    if (!this.plan.namespaces.includes('mount')) {
      report({ name: 'mount namespace', status: 'failed', op: 'plan without a mount namespace', errno: 'EINVAL', detail: 'refusing to mount in the host\'s', class: 'config' });
      throw new StepFailed('mount namespace');
    }
    this.call('mount namespace', 'unshare(CLONE_NEWNS)', undefined, this.c.unshare(0x00020000));
    this.call('mount namespace', 'mount --make-rprivate /', '/', this.c.mount(null, '/', null, MS.REC | MS.PRIVATE, null));
    report({ name: 'mount namespace', status: 'ok', detail: 'private propagation' });
  }

  mounts(): void {
    const { rootfs } = this.plan;
    this.call('rootfs', `mount --rbind ${rootfs} ${rootfs}`, rootfs, this.c.mount(rootfs, rootfs, null, MS.BIND | MS.REC, null));
    report({ name: 'rootfs', status: 'ok', path: rootfs });
    for (const m of this.plan.mounts) {
      const name = `mount ${m.destination}`;
      const target = resolveInRootfs(this.plan.rootfs, m.destination);
      if (m.type === 'cgroup' || m.type === 'cgroup2') {
        report({ name, status: 'skipped', detail: 'the embedded runtime does not mount cgroup filesystems in the container (linux.resources is applied from the host)' });
        continue;
      }
      try {
        this.makeTarget(m, target);
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        report({ name, status: 'failed', op: `mkdir ${target}`, path: target, errno: e.code ?? 'EIO', class: classify('mkdir', e.code ?? 'EIO') });
        throw new StepFailed(name);
      }
      const op = `mount ${m.bind ? '--bind ' : `-t ${m.type} `}${m.source} on ${m.destination}${m.data ? ` -o ${m.data}` : ''}`;
      // A bind mount ignores other flags on the first call: they need a remount.
      this.call(name, op, target, this.c.mount(m.source, target, m.type, m.bind ? m.flags & (MS.BIND | MS.REC) : m.flags, m.data || null));
      if (m.remountFlags !== null) {
        this.call(name, `remount ${m.destination} (bind, flags 0x${m.remountFlags.toString(16)})`, target, this.c.mount(null, target, null, MS.REMOUNT | MS.BIND | m.remountFlags, null));
      }
      if (m.propagation) this.call(name, `set propagation of ${m.destination}`, target, this.c.mount(null, target, null, m.propagation, null));
      report({ name, status: 'ok', path: m.destination });
    }
  }

  devices(): void {
    const dev = this.plan.mounts.find((m) => m.destination === '/dev');
    if (!dev || dev.type !== 'tmpfs') {
      report({ name: 'devices', status: 'skipped', detail: 'no tmpfs on /dev in config.json' });
      return;
    }
    // Where the /dev tmpfs really is: a rootfs/dev symlink must not lead the nodes onto a host directory.
    const devDir = resolveInRootfs(this.plan.rootfs, '/dev');
    const nodes: [string, number, number][] = [['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]];
    const made: string[] = [];
    for (const [node, major, minor] of nodes) {
      const path = join(devDir, node);
      if (existsSync(path)) continue;
      if (this.c.mknod(path, 0o20666, major * 256 + minor) === 0) {
        made.push(node);
        continue;
      }
      // mknod refused (nodev /dev, SELinux): bind the host's node instead.
      writeFileSync(path, '');
      this.call('devices', `bind /dev/${node}`, path, this.c.mount(`/dev/${node}`, path, null, MS.BIND, null));
      made.push(`${node} (bind)`);
    }
    const links: [string, string][] = [['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2'], ['core', '/proc/kcore']];
    const ptmx = existsSync(join(devDir, 'pts/ptmx')) ? 'pts/ptmx' : null;
    if (ptmx) links.push(['ptmx', ptmx]);
    for (const [name, target] of links) {
      const path = join(devDir, name);
      if (!existsSync(path)) this.call('devices', `symlink /dev/${name}`, path, symlinkRc(target, path));
    }
    if (!ptmx && existsSync('/dev/ptmx')) {
      const path = join(devDir, 'ptmx');
      writeFileSync(path, '');
      this.call('devices', 'bind /dev/ptmx', path, this.c.mount('/dev/ptmx', path, null, MS.BIND, null));
    }
    report({ name: 'devices', status: 'ok', detail: `${made.join(', ')}; links ${links.map(([n]) => n).join(', ')}${ptmx ? '' : '; /dev/ptmx bound from the host'}` });
  }

  enterRoot(): void {
    const { rootfs } = this.plan;
    this.call('enter root', `chdir ${rootfs}`, rootfs, this.c.chdir(rootfs));
    if (!this.plan.noPivot) {
      // pivot_root(".", "."): the old root ends up on top of the new one; detach it.
      this.call('pivot_root', `pivot_root ${rootfs}`, rootfs, this.c.pivotRoot('.', '.'));
      this.call('pivot_root', 'umount the old root', '/', this.c.umount2('.', 2 /* MNT_DETACH */));
      this.call('pivot_root', 'chdir /', '/', this.c.chdir('/'));
      report({ name: 'pivot_root', status: 'ok', path: rootfs });
      return;
    }
    // No pivot_root (rootfs/initramfs root): move the rootfs mount over / and chroot.
    this.call('chroot', `mount --move ${rootfs} /`, rootfs, this.c.mount(rootfs, '/', null, MS.MOVE, null));
    this.call('chroot', 'chroot .', rootfs, this.c.chroot('.'));
    this.call('chroot', 'chdir /', '/', this.c.chdir('/'));
    report({ name: 'chroot', status: 'ok', path: rootfs, detail: 'pivot_root not used' });
  }

  /** linux.sysctl in the container's own namespaces, before /proc/sys turns read-only. */
  sysctls(): void {
    const done: string[] = [];
    for (const s of this.plan.sysctls) {
      try {
        writeFileSync(s.path, s.value);
      } catch (error) {
        const errno = (error as NodeJS.ErrnoException).code ?? 'EIO';
        report({ name: 'sysctl', status: 'failed', op: `write ${s.value} to ${s.path}`, path: s.path, errno, class: classify('write', errno) });
        throw new StepFailed(s.path);
      }
      done.push(`${s.key}=${s.value}`);
    }
    if (done.length) report({ name: 'sysctl', status: 'ok', detail: done.join(', ') });
  }

  paths(): void {
    for (const p of this.plan.maskedPaths) {
      if (!existsSync(p)) continue;
      const dir = statSync(p).isDirectory();
      this.call('masked paths', `mask ${p}`, p, dir ? this.c.mount('tmpfs', p, 'tmpfs', MS.RDONLY, null) : this.c.mount('/dev/null', p, null, MS.BIND, null));
    }
    for (const p of this.plan.readonlyPaths) {
      if (!existsSync(p)) continue;
      this.call('readonly paths', `bind ${p}`, p, this.c.mount(p, p, null, MS.BIND | MS.REC, null));
      this.call('readonly paths', `remount ${p} read-only`, p, this.c.mount(null, p, null, MS.REMOUNT | MS.BIND | MS.RDONLY | MS.REC, null));
    }
    report({ name: 'masked and read-only paths', status: 'ok', detail: `${this.plan.maskedPaths.length} masked, ${this.plan.readonlyPaths.length} read-only (missing ones skipped)` });
    if (this.plan.readonlyRoot) {
      this.call('read-only root', 'remount / read-only', '/', this.c.mount(null, '/', null, MS.REMOUNT | MS.BIND | MS.RDONLY, null));
      report({ name: 'read-only root', status: 'ok' });
    }
  }

  identity(): void {
    const p = this.plan;
    if (p.hostname !== null) {
      this.call('hostname', `sethostname ${p.hostname}`, undefined, this.c.sethostname(p.hostname, Buffer.byteLength(p.hostname)));
      report({ name: 'hostname', status: 'ok', detail: p.hostname });
    }
    if (p.namespaces.includes('network')) {
      // struct ifreq: the name, then ifr_flags at offset 16. Any socket reaches the device ioctls; AF_UNIX
      // needs no network permission (Android's paranoid network checks AF_INET).
      const ifr = Buffer.alloc(40);
      ifr.write('lo');
      const fd = this.c.socket(1 /* AF_UNIX */, 2 /* SOCK_DGRAM */, 0);
      this.call('network', 'socket(AF_UNIX)', undefined, fd);
      this.call('network', 'ioctl(lo, SIOCGIFFLAGS)', undefined, this.c.ioctl(fd, 0x8913, ifr));
      ifr.writeUInt16LE(ifr.readUInt16LE(16) | 1 /* IFF_UP */, 16);
      this.call('network', 'ioctl(lo, SIOCSIFFLAGS)', undefined, this.c.ioctl(fd, 0x8914, ifr));
      this.c.close(fd);
      report({ name: 'network', status: 'ok', detail: LOOPBACK_ONLY });
    }
    for (const r of p.rlimits) this.call('rlimits', `setrlimit ${r.name} ${r.soft}/${r.hard}`, undefined, this.c.setrlimit(r.resource, BigInt(r.soft), BigInt(r.hard)));
    if (p.rlimits.length) report({ name: 'rlimits', status: 'ok', detail: p.rlimits.map((r) => r.name).join(', ') });
    if (p.caps) {
      const bounding = BigInt(p.caps.bounding);
      for (let bit = 0; bit < 64; bit++) {
        if ((bounding >> BigInt(bit)) & 1n) continue;
        if (this.c.prctl(24 /* PR_CAPBSET_DROP */, bit) < 0 && this.c.errno() === 22) break; // past the kernel's last capability
      }
    }
    const { uid, gid, additionalGids } = p.user;
    this.call('user', `setgroups ${additionalGids.join(',') || '(none)'}`, undefined, this.c.setgroups(additionalGids));
    this.call('user', `setresgid ${gid}`, undefined, this.c.setresgid(gid));
    if (uid !== 0 && p.caps) this.c.prctl(8 /* PR_SET_KEEPCAPS */, 1);
    this.call('user', `setresuid ${uid}`, undefined, this.c.setresuid(uid));
    report({ name: 'user', status: 'ok', detail: `uid ${uid} gid ${gid}${additionalGids.length ? ` groups ${additionalGids.join(',')}` : ''}` });
    if (p.caps) {
      this.call('capabilities', 'capset', undefined, this.c.capset(BigInt(p.caps.effective), BigInt(p.caps.permitted), BigInt(p.caps.inheritable)));
      report({ name: 'capabilities', status: 'ok', detail: `bounding set 0x${BigInt(p.caps.bounding).toString(16)}${p.caps.ambient.length ? '; ambient capabilities not raised' : ''}` });
    }
    if (p.noNewPrivileges) {
      const rc = this.c.prctl(38 /* PR_SET_NO_NEW_PRIVS */, 1);
      if (rc < 0) report({ name: 'no_new_privs', status: 'skipped', errno: errnoName(this.c.errno()), detail: 'kernel older than 3.5' });
      else report({ name: 'no_new_privs', status: 'ok' });
    }
  }

  /** Undoes what node set up that execve would otherwise pass on to the workload. */
  resetProcess(): void {
    for (let sig = 1; sig < 65; sig++) if (sig !== 9 && sig !== 19) this.c.signalDefault(sig);
    this.c.sigprocmaskClear();
    for (const fd of [0, 1, 2]) {
      this.c.fcntl(fd, 2 /* F_SETFD */, 0);
      const fl = this.c.fcntl(fd, 3 /* F_GETFL */);
      if (fl >= 0) this.c.fcntl(fd, 4 /* F_SETFL */, fl & ~0o4000 /* O_NONBLOCK */);
    }
    if (this.c.closeRangeCloexec(3) < 0) {
      let fds: number[];
      try {
        fds = readdirSync('/proc/self/fd').map(Number).filter((n) => n > 2);
      } catch {
        fds = Array.from({ length: 1021 }, (_, i) => i + 3);
      }
      for (const fd of fds) this.c.fcntl(fd, 2 /* F_SETFD */, 1 /* FD_CLOEXEC */);
    }
    report({ name: 'reset process', status: 'ok', detail: 'default signals, empty mask, blocking stdio, fds above 2 close on exec' });
  }

  exec(hostMachine: string): never {
    const p = this.plan;
    this.call('cwd', `chdir ${p.cwd}`, p.cwd, this.c.chdir(p.cwd));
    // A cwd reached through a descriptor or /proc link of the host (CVE-2024-21626) is outside the root.
    let here = '';
    try {
      here = process.cwd();
    } catch {
      // getcwd() fails for a directory that cannot be reached from the root.
    }
    if (!here.startsWith('/')) {
      report({ name: 'cwd', status: 'failed', op: `chdir ${p.cwd}`, path: p.cwd, errno: 'ENOENT', detail: 'the working directory is outside the container root', class: 'config' });
      throw new StepFailed('cwd');
    }
    const path = resolveExecutable(p.args[0] as string, p.env);
    this.resetProcess();
    process.umask(p.umask);
    trace('init: execve');
    this.c.execve(path, p.args, p.env);
    const errno = errnoName(this.c.errno());
    const step: StepOutcome = { name: 'exec', status: 'failed', op: `execve ${path}`, path, errno, class: classify('execve', errno) };
    const foreign = errno === 'ENOEXEC' || errno === 'ENOENT' ? foreignElfDetail(path, path, hostMachine) : null;
    if (foreign) Object.assign(step, { detail: foreign, class: 'architecture' });
    report(step);
    this.c.exit(errno === 'ENOENT' ? 127 : 126);
  }
}

/** symlink(2) in the C convention, so it reports like the other calls. */
function symlinkRc(target: string, path: string): number {
  try {
    symlinkSync(target, path);
    return 0;
  } catch {
    return -1;
  }
}

function resolveExecutable(name: string, env: string[]): string {
  if (name.includes('/')) return name;
  const PATH = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  for (const dir of PATH.split(':')) {
    const candidate = join(dir || '.', name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // next
    }
  }
  return name;
}

function main(): void {
  trace('init: start');
  const plan = JSON.parse(process.env['DROIDCHECK_PLAN'] ?? '{}') as LaunchPlan;
  const hostMachine = process.env['DROIDCHECK_HOST_MACHINE'] ?? 'unknown';
  let libc: Libc;
  try {
    libc = loadLibc();
  } catch (error) {
    report({ name: 'load koffi', status: 'failed', detail: (error as Error).message, class: 'internal' });
    process.exit(125);
  }
  trace('init: koffi loaded');
  const init = new Init(libc, plan);
  // From here on, leave with _exit: node's exit hooks would run inside the container root.
  try {
    init.joinCgroups();
    init.mountNamespace();
    init.mounts();
    init.devices();
    init.enterRoot();
    init.sysctls();
    init.paths();
    init.identity();
    init.exec(hostMachine);
  } catch (error) {
    if (!(error instanceof StepFailed)) report({ name: 'init', status: 'failed', detail: (error as Error).message, class: 'internal' });
    libc.exit(125);
  }
}

main();
/* c8 ignore stop */
