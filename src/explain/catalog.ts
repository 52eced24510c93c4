// Known container-runtime errors on Android and old kernels: what the message
// means, which kernel option or host fact is behind it, how to fix it and
// which `droidcheck probe` check confirms it.
//
// Patterns run against one line of the pasted text at a time, after runc's
// nested quoting (\" \\\" \\\\\\\") has been collapsed to a plain ", so write
// them with plain quotes. Keep them case-insensitive unless case matters.

import type { Remediation } from '../probes/types.js';

export type Runtime = 'runc' | 'crun' | 'docker' | 'dockerd' | 'containerd' | 'lxc' | 'podman' | 'bwrap' | 'debootstrap' | 'any';

export interface CatalogEntry {
  id: string;
  /** One line naming the problem. */
  title: string;
  pattern: RegExp;
  /** Which programs print it. */
  runtime: Runtime[];
  cause: string;
  /** CONFIG_ options whose absence causes it; empty when it is not a kernel option. */
  configOptions: string[];
  /** When the cause is a fact about the host rather than a kernel option. */
  hostFact?: string;
  /** `droidcheck probe` check ids that detect the cause. */
  checkIds: string[];
  remediation: Remediation[];
  /**
   * How precisely the message names its cause: 3 names one feature (mqueue,
   * pivot_root, ptmx...), 2 narrows it to a few, 1 is a symptom with many
   * causes, 0 is a harmless debug line. Higher is shown first.
   */
  specificity: 0 | 1 | 2 | 3;
}

const NS_CHECKS = ['ns.ipc', 'ns.pid', 'ns.uts', 'ns.net', 'ns.user', 'ns.cgroup'];

export const CATALOG: readonly CatalogEntry[] = [
  {
    id: 'ns-unshare-einval',
    title: 'the kernel lacks a namespace the container asks for',
    pattern:
      /nsenter: failed to unshare namespaces: Invalid argument|failed to unshare remaining namespaces(?: \(except cgroupns\))?: Invalid argument|running exec setns process for init caused:? "?exit status (?:29|46)\b|Invalid argument - Failed to clone a new set of namespaces|creating new namespace failed: Invalid argument|unshare: unshare failed: Invalid argument/i,
    runtime: ['runc', 'docker', 'lxc', 'bwrap'],
    cause:
      'unshare()/clone() returned EINVAL: one of the namespaces in linux.namespaces is not built into this kernel. Android kernels often lack the IPC namespace (AOSP disables SYSVIPC), and older ones the PID, user or network namespace. runc\'s nsexec exits with a line-dependent status (29 or 46 in the versions Docker shipped).',
    configOptions: ['CONFIG_NAMESPACES', 'CONFIG_IPC_NS', 'CONFIG_SYSVIPC', 'CONFIG_PID_NS', 'CONFIG_UTS_NS', 'CONFIG_NET_NS', 'CONFIG_USER_NS'],
    checkIds: NS_CHECKS,
    remediation: [
      { kind: 'info', text: 'find out which namespace is missing', items: ['droidcheck probe --check ns.ipc --check ns.pid --check ns.uts --check ns.net --check ns.user --check ns.cgroup'] },
      { kind: 'config-edit', text: 'drop the missing namespaces from config.json (the container then shares the host\'s: no IPC isolation, host PIDs visible...)', items: ['.linux.namespaces -= [{"type":"ipc"}]', 'droidcheck run --fix-config'] },
      { kind: 'kernel-option', text: 'rebuild the kernel with the namespace options', items: ['CONFIG_NAMESPACES=y', 'CONFIG_SYSVIPC=y', 'CONFIG_IPC_NS=y', 'CONFIG_PID_NS=y', 'CONFIG_UTS_NS=y', 'CONFIG_NET_NS=y'] },
    ],
    specificity: 2,
  },
  {
    id: 'userns-disabled',
    title: 'user namespaces are switched off',
    pattern:
      /user namespaces are not enabled in \/proc\/sys\/(?:user\/max_user_namespaces|kernel\/unprivileged_userns_clone)|unshare\(CLONE_NEWUSER\): Operation not permitted|Error during unshare\(CLONE_NEWUSER\): (?:Operation not permitted|Invalid argument)/i,
    runtime: ['podman', 'runc', 'bwrap'],
    cause:
      'Creating a user namespace failed: user.max_user_namespaces is 0 (or Debian\'s kernel.unprivileged_userns_clone is 0), or the kernel has no CONFIG_USER_NS. Rootless containers and userns-remap need one.',
    configOptions: ['CONFIG_USER_NS'],
    hostFact: 'user.max_user_namespaces = 0 or kernel.unprivileged_userns_clone = 0',
    checkIds: ['ns.user'],
    remediation: [
      { kind: 'host-command', text: 'allow user namespaces (as root)', items: ['sysctl -w user.max_user_namespaces=15000', 'sysctl -w kernel.unprivileged_userns_clone=1'] },
      { kind: 'config-edit', text: 'or run as root without a user namespace', items: ['.linux.namespaces -= [{"type":"user"}]', 'del(.linux.uidMappings, .linux.gidMappings)'] },
      { kind: 'kernel-option', text: 'if the kernel lacks it', items: ['CONFIG_USER_NS=y'] },
    ],
    specificity: 3,
  },
  {
    id: 'clone-einval',
    title: 'a container runtime cannot create namespaces here',
    pattern: /cannot clone: (?:Invalid argument|Operation not permitted)/i,
    runtime: ['podman'],
    cause:
      'podman/buildah re-exec themselves in a new user namespace and clone() failed. Inside proot (proot-distro, udocker, Termux) there are no real namespaces at all; on a real kernel USER_NS is missing or limited by user.max_user_namespaces.',
    configOptions: ['CONFIG_USER_NS'],
    hostFact: 'running under proot/ptrace, where namespaces cannot be created, or user namespaces disabled',
    checkIds: ['ns.user'],
    remediation: [
      { kind: 'info', text: 'container runtimes do not work inside proot; run them as root on the host (droidcheck run) or use proot-distro\'s own image support' },
      { kind: 'host-command', text: 'on a real kernel, allow user namespaces', items: ['sysctl -w user.max_user_namespaces=15000'] },
      { kind: 'kernel-option', text: 'if the kernel lacks it', items: ['CONFIG_USER_NS=y'] },
    ],
    specificity: 2,
  },
  {
    id: 'mqueue-nodev',
    title: 'no POSIX message queue filesystem',
    pattern: /mount(?:ing)? "?mqueue"? to rootfs[^\n]*?(?:\/dev\/mqueue)[^\n]*?no such device|mount `mqueue` to `\/?dev\/mqueue`: No such device|mqueue:\/dev\/mqueue[^\n]*?no such device/i,
    runtime: ['runc', 'crun', 'docker'],
    cause: 'The default config.json mounts an mqueue filesystem at /dev/mqueue; the kernel has no mqueue filesystem (ENODEV) because POSIX message queues are not built in.',
    configOptions: ['CONFIG_POSIX_MQUEUE'],
    checkIds: ['fs.mqueue'],
    remediation: [
      { kind: 'config-edit', text: 'remove the /dev/mqueue mount from config.json', items: ['.mounts -= [{"destination":"/dev/mqueue"}]', 'droidcheck run --fix-config'] },
      { kind: 'kernel-option', text: 'or rebuild the kernel with POSIX message queues', items: ['CONFIG_POSIX_MQUEUE=y'] },
    ],
    specificity: 3,
  },
  {
    id: 'pivot-root-einval',
    title: 'pivot_root is impossible: / is the initramfs (rootfs/ramfs)',
    pattern: /error jailing process inside rootfs: pivot_root[^\n]*?invalid argument|pivot_root\s*\.?:? ?invalid argument|Invalid argument - pivot_root syscall failed|pivot_root: EINVAL/i,
    runtime: ['runc', 'docker', 'lxc', 'bwrap'],
    cause:
      'pivot_root() returns EINVAL when the current root is the kernel\'s rootfs (initramfs/ramfs), as on Android devices before system-as-root, or when the root is not a mount point (after a chroot) or a shared mount.',
    configOptions: [],
    hostFact: '/ is rootfs/ramfs (initramfs), or the runtime itself runs inside a chroot',
    checkIds: ['rootfs.pivot-root'],
    remediation: [
      { kind: 'runtime-flag', text: 'enter the container with chroot instead of pivot_root', items: ['runc run --no-pivot', 'crun run --no-pivot', 'DOCKER_RAMDISK=true dockerd'] },
      { kind: 'info', text: 'droidcheck run falls back to chroot by itself' },
    ],
    specificity: 3,
  },
  {
    id: 'devpts-ptmx',
    title: 'devpts has no private instances (no /dev/ptmx in the container)',
    pattern: /open \/dev\/ptmx: no such file or directory|mount(?:ing)? "?devpts"? to rootfs[^\n]*?\/dev\/pts[^\n]*?invalid argument/i,
    runtime: ['runc', 'docker'],
    cause:
      'With process.terminal true the runtime opens /dev/ptmx inside the container, which points at the new devpts instance\'s ptmx. Kernels before 4.7 without DEVPTS_MULTIPLE_INSTANCES give every devpts mount the host\'s single instance with no ptmx node (or refuse "newinstance").',
    configOptions: ['CONFIG_DEVPTS_MULTIPLE_INSTANCES', 'CONFIG_UNIX98_PTYS'],
    checkIds: ['fs.devpts-instances', 'fs.devpts'],
    remediation: [
      { kind: 'config-edit', text: 'run without a terminal, or bind-mount the host /dev/pts', items: ['.process.terminal = false', '.mounts[destination=="/dev/pts"] = bind /dev/pts', 'droidcheck run --fix-config'] },
      { kind: 'kernel-option', text: 'or rebuild the kernel (only exists before 4.7)', items: ['CONFIG_DEVPTS_MULTIPLE_INSTANCES=y'] },
    ],
    specificity: 3,
  },
  {
    id: 'lxc-pty',
    title: 'LXC cannot allocate ptys for the container',
    pattern: /failed to allocate a pty|failed to create pty #?\d+|Failed to allocate new pty device|failed to allocate peer tty device|Failed to mount new devpts instance|Failed to setup new devpts instance/i,
    runtime: ['lxc'],
    cause:
      'LXC allocates the container\'s ttys from a fresh devpts instance (newinstance). Without DEVPTS_MULTIPLE_INSTANCES (kernels before 4.7) or without /dev/ptmx on the host, allocation fails.',
    configOptions: ['CONFIG_DEVPTS_MULTIPLE_INSTANCES', 'CONFIG_UNIX98_PTYS'],
    checkIds: ['fs.devpts-instances', 'fs.devpts'],
    remediation: [
      { kind: 'config-edit', text: 'ask for no ttys in the LXC config', items: ['lxc.tty.max = 0', 'lxc.pty.max = 0'] },
      { kind: 'kernel-option', text: 'or rebuild the kernel', items: ['CONFIG_DEVPTS_MULTIPLE_INSTANCES=y'] },
    ],
    specificity: 3,
  },
  {
    id: 'exec-format',
    title: 'the program is for another CPU architecture',
    pattern: /exec user process caused:? "?exec format error|exec format error/i,
    runtime: ['runc', 'crun', 'docker', 'any'],
    cause:
      'execve() returned ENOEXEC: the image\'s binaries are built for another architecture (an amd64 image on an arm64 phone, or arm64 on a 32-bit userspace), or the entrypoint is a script without a #! line.',
    configOptions: ['CONFIG_BINFMT_MISC'],
    hostFact: 'the image architecture differs from the kernel\'s (uname -m) or userspace\'s',
    checkIds: ['host.arch'],
    remediation: [
      { kind: 'rootfs', text: 'pull the image for this device\'s platform', items: ['docker pull --platform linux/arm64 IMAGE', 'docker pull --platform linux/arm/v7 IMAGE'] },
      { kind: 'host-command', text: 'or register qemu-user through binfmt_misc to run foreign binaries (slow)', items: ['apt install qemu-user-static binfmt-support'] },
      { kind: 'info', text: 'droidcheck rootfs --arch checks a busybox before it goes into a bundle' },
    ],
    specificity: 2,
  },
  {
    id: 'ipc-sysctl-hostns',
    title: 'IPC sysctls need an IPC namespace',
    pattern: /sysctl "?[\w.\/-]+"? is not allowed in the hosts ipc namespace/i,
    runtime: ['runc', 'docker'],
    cause:
      'config.json sets kernel.shm*, kernel.msg*, kernel.sem or fs.mqueue.* sysctls. runc only allows them when the container has its own IPC namespace, and this container has none (dropped because the kernel lacks IPC_NS, or --ipc=host).',
    configOptions: ['CONFIG_IPC_NS', 'CONFIG_SYSVIPC'],
    checkIds: ['ipc.sysctls', 'ns.ipc'],
    remediation: [
      { kind: 'config-edit', text: 'remove the IPC sysctls from config.json', items: ['del(.linux.sysctl["kernel.shmmax"])', 'droidcheck run --fix-config'] },
      { kind: 'kernel-option', text: 'or give the kernel IPC namespaces', items: ['CONFIG_SYSVIPC=y', 'CONFIG_IPC_NS=y'] },
    ],
    specificity: 3,
  },
  {
    id: 'run-readonly',
    title: 'the runtime\'s state directory is on a read-only /',
    pattern: /mkdir \/(?:var\/)?run(?:\/[^:\s]*)?: read-only file system/i,
    runtime: ['runc', 'containerd', 'dockerd'],
    cause:
      'runc keeps container state in /run/runc (containerd and dockerd in /run/containerd, /var/run/docker). Android\'s / is read-only and has no /run, so the directory cannot be created.',
    configOptions: [],
    hostFact: '/ is mounted read-only and /run does not exist (Android)',
    checkIds: ['host.run', 'host.root-readonly'],
    remediation: [
      { kind: 'runtime-flag', text: 'put the state directory on a writable filesystem', items: ['runc --root /data/local/tmp/runc run ...', 'containerd --state /data/local/tmp/containerd', 'dockerd --exec-root /data/local/tmp/docker'] },
      { kind: 'host-command', text: 'or (root) mount a tmpfs at /run if the directory exists', items: ['mount -t tmpfs -o mode=755 tmpfs /run'] },
    ],
    specificity: 3,
  },
  {
    id: 'cgroup-devices-missing',
    title: 'no devices cgroup',
    pattern: /mountpoint for devices not found|Devices cgroup isn't mounted/i,
    runtime: ['runc', 'dockerd'],
    cause:
      'With cgroup v1, runc and dockerd need the devices controller mounted. Android mounts cpu, cpuset, memory, schedtune and blkio under /dev but never devices, and many Android kernels lack CGROUP_DEVICE altogether.',
    configOptions: ['CONFIG_CGROUP_DEVICE'],
    hostFact: 'the devices controller is not mounted (Android does not mount it)',
    checkIds: ['cgroup.devices'],
    remediation: [
      { kind: 'host-command', text: 'mount the devices controller (root)', items: ['mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup', 'mkdir -p /sys/fs/cgroup/devices', 'mount -t cgroup -o devices cgroup /sys/fs/cgroup/devices'] },
      { kind: 'kernel-option', text: 'if /proc/cgroups has no devices line', items: ['CONFIG_CGROUP_DEVICE=y'] },
    ],
    specificity: 3,
  },
  {
    id: 'cpuset-noprefix',
    title: 'Android mounts cpuset with noprefix',
    pattern: /cpuset\/[^\s"]*?cpuset\.(?:cpus|mems): no such file or directory/i,
    runtime: ['runc', 'dockerd'],
    cause:
      'Android mounts the cpuset controller with the noprefix option, so its files are "cpus" and "mems" instead of "cpuset.cpus" and "cpuset.mems"; runc (after 1.3 also Termux\'s build) looks for the prefixed names.',
    configOptions: ['CONFIG_CPUSETS'],
    hostFact: 'the cpuset hierarchy is mounted with -o noprefix',
    checkIds: ['cgroup.cpuset-noprefix'],
    remediation: [
      { kind: 'host-command', text: 'mount a second cpuset hierarchy without noprefix for containers (root)', items: ['mkdir -p /sys/fs/cgroup/cpuset', 'mount -t cgroup -o cpuset cgroup /sys/fs/cgroup/cpuset'] },
      { kind: 'config-edit', text: 'or drop the cpuset limits so runc does not write them', items: ['del(.linux.resources.cpu.cpus, .linux.resources.cpu.mems)'] },
      { kind: 'info', text: 'Termux shipped a runc patch (cg-cpuset-noprefix-compat) for this until runc 1.3' },
    ],
    specificity: 3,
  },
  {
    id: 'cgroup2-bpf-device',
    title: 'cgroup v2 device control needs Linux 4.15',
    pattern: /bpf_prog_query\(BPF_CGROUP_DEVICE\) failed: invalid argument|setting cgroup config for procHooks process(?: caused)?:? "?load program: invalid argument/i,
    runtime: ['runc', 'docker'],
    cause:
      'On cgroup v2 runc enforces device rules with a BPF_PROG_TYPE_CGROUP_DEVICE program, which needs Linux 4.15 and CONFIG_CGROUP_BPF. Recent Android mounts cgroup2 at /sys/fs/cgroup even on 4.9/4.14 kernels, so runc picks v2 and the BPF calls fail.',
    configOptions: ['CONFIG_CGROUP_BPF', 'CONFIG_BPF_SYSCALL'],
    hostFact: 'cgroup2 is mounted at /sys/fs/cgroup on a kernel older than 4.15',
    checkIds: ['cgroup.v2'],
    remediation: [
      { kind: 'host-command', text: 'give the runtime cgroup v1 instead: a tmpfs on /sys/fs/cgroup with v1 controllers (root)', items: ['mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup', 'for c in cpu cpuacct memory devices freezer pids blkio; do mkdir -p /sys/fs/cgroup/$c && mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c; done'] },
      { kind: 'info', text: 'runc maintainers: Linux 4.15 is the minimum for cgroup v2 (opencontainers/runc#3867)' },
    ],
    specificity: 3,
  },
  {
    id: 'overlay-unsupported',
    title: 'overlay storage does not work here',
    pattern: /failed to mount overlay: invalid argument|driver not supported: overlay2?\b|error creating overlay mount to [^\n]*?: invalid argument/i,
    runtime: ['dockerd', 'containerd'],
    cause:
      'dockerd\'s overlay2 driver mounts overlayfs under its data-root. The kernel has no overlayfs (3.10 predates it; Android only recommends it from Q), or the data-root sits on a filesystem overlayfs refuses as upper layer (sdcardfs, FUSE, f2fs on some kernels, /data/data of an app).',
    configOptions: ['CONFIG_OVERLAY_FS'],
    hostFact: 'the data-root is on a filesystem overlayfs cannot use as upper layer',
    checkIds: ['fs.overlay'],
    remediation: [
      { kind: 'config-edit', text: 'use the vfs storage driver in daemon.json (copies layers: slow, more space)', items: ['"storage-driver": "vfs"'] },
      { kind: 'host-command', text: 'or move the data-root to ext4, e.g. /data/docker', items: ['dockerd --data-root /data/docker'] },
      { kind: 'kernel-option', text: 'or rebuild the kernel with overlayfs', items: ['CONFIG_OVERLAY_FS=y'] },
    ],
    specificity: 3,
  },
  {
    id: 'paranoid-network',
    title: 'Android paranoid network: sockets only for group inet (3003)',
    pattern: /\bsocket: permission denied|(?:Error creating network socket|couldn't create socket|cannot open socket|libnet_get_hwaddr\(\): socket): permission denied/i,
    runtime: ['any'],
    cause:
      'Android kernels with ANDROID_PARANOID_NETWORK let a process open AF_INET/AF_INET6 sockets only if it is in group 3003 (aid_inet), raw sockets only in 3004 (aid_net_raw); some kernels apply it to root too. Processes in a container (apt\'s _apt sandbox user, ping) have no such group.',
    configOptions: ['CONFIG_ANDROID_PARANOID_NETWORK'],
    hostFact: 'the container user is not in group 3003 (aid_inet) / 3004 (aid_net_raw)',
    checkIds: ['host.paranoid-network'],
    remediation: [
      { kind: 'config-edit', text: 'give the container process the Android network groups', items: ['.process.user.additionalGids += [3003, 3004]'] },
      { kind: 'rootfs', text: 'add the groups inside the rootfs and put users in them; let apt run as root', items: ['groupadd -g 3003 aid_inet && groupadd -g 3004 aid_net_raw', 'usermod -a -G aid_inet,aid_net_raw _apt', 'echo \'APT::Sandbox::User "root";\' > /etc/apt/apt.conf.d/01-android'] },
      { kind: 'kernel-option', text: 'or rebuild the kernel without it', items: ['# CONFIG_ANDROID_PARANOID_NETWORK is not set'] },
    ],
    specificity: 2,
  },
  {
    id: 'data-noexec-nodev',
    title: 'the target directory is mounted noexec or nodev',
    pattern: /Cannot install into target [^\n]*?mounted with noexec or nodev|mounted with noexec or nodev/i,
    runtime: ['debootstrap'],
    cause:
      'debootstrap (Linux Deploy, chroot installers) checks that it can create a device node and execute a file in the target. Android mounts /data nodev (and app storage noexec), and the sdcard is noexec.',
    configOptions: [],
    hostFact: 'the filesystem holding the rootfs is mounted nodev/noexec/nosuid',
    checkIds: ['host.data-mount'],
    remediation: [
      { kind: 'host-command', text: 'remount /data with exec, dev and suid (root; lasts until reboot)', items: ['mount -o remount,exec,dev,suid /data'] },
      { kind: 'rootfs', text: 'or put the rootfs in an ext4 image mounted by loop', items: ['mount -o loop rootfs.img /data/local/rootfs'] },
    ],
    specificity: 3,
  },
  {
    id: 'unix-socket-path-long',
    title: 'a unix socket path is longer than 108 bytes',
    pattern: /listen unix [^\s:]+: bind: invalid argument|create new shim socket[^\n]*?bind: invalid argument/i,
    runtime: ['containerd', 'dockerd'],
    cause:
      'AF_UNIX socket paths are limited to 108 bytes (sun_path). containerd names shim sockets <state>/s/<64-hex-digit hash>; under Termux\'s prefix (/data/data/com.termux/files/usr/var/run/containerd/...) the path is longer and bind() fails with EINVAL.',
    configOptions: [],
    hostFact: 'the runtime state directory has a long path (e.g. Termux\'s $PREFIX/var/run)',
    checkIds: [],
    remediation: [
      { kind: 'runtime-flag', text: 'use a short state directory', items: ['containerd --state /data/local/tmp/c', 'dockerd --exec-root /data/local/tmp/d'] },
      { kind: 'info', text: 'Termux\'s containerd carries too_long_path.patch for this (termux-packages PR #22099)' },
    ],
    specificity: 3,
  },
  {
    id: 'openat2-fallback',
    title: 'no openat2 (Linux < 5.6): runc falls back, harmless',
    pattern: /openat2 not available, falling back to securejoin/i,
    runtime: ['runc'],
    cause: 'A runc --debug line: openat2() (Linux 5.6) is missing, so runc resolves cgroup paths with securejoin instead. Not an error; look for the real failure further down.',
    configOptions: [],
    hostFact: 'kernel older than 5.6',
    checkIds: ['syscall.openat2'],
    remediation: [{ kind: 'info', text: 'nothing to fix; read the next error line' }],
    specificity: 0,
  },
  {
    id: 'runc-exe-clone-fallback',
    title: 'runc cannot seal its own binary the new way: falls back, harmless',
    pattern: /could not use overlayfs for \/proc\/self\/exe sealing|fsopen overlay: function not implemented|F_GET_SEALS on \/proc\/self\/exe failed/i,
    runtime: ['runc'],
    cause:
      'runc 1.2+ --debug lines: it protects /proc/self/exe with an overlayfs mount (fsopen, Linux 5.2) or a sealed memfd (memfd_create, 3.17) and falls back to a temporary copy when both are missing. Not an error by itself.',
    configOptions: ['CONFIG_MEMFD_CREATE'],
    hostFact: 'kernel older than 5.2 (no fsopen) or without memfd sealing',
    checkIds: ['syscall.memfd_create'],
    remediation: [{ kind: 'info', text: 'nothing to fix; if runc then fails, runc 1.1.x is the last series that needs neither' }],
    specificity: 0,
  },
  {
    id: 'child-pid-eof',
    title: 'runc\'s init process died before it started',
    pattern: /can't get final child's PID from pipe: EOF/i,
    runtime: ['runc', 'docker'],
    cause:
      'runc\'s C part (nsexec) exited before sending the container PID: a clone()/unshare() of a namespace failed, a syscall newer than the kernel was used, or the process was killed. On old Android kernels it usually hides a missing namespace or syscall.',
    configOptions: ['CONFIG_NAMESPACES'],
    checkIds: [...NS_CHECKS, 'syscall.memfd_create', 'syscall.clone3', 'sec.seccomp'],
    remediation: [
      { kind: 'runtime-flag', text: 'rerun with debug output to see the nsexec line that failed', items: ['runc --debug run ID'] },
      { kind: 'info', text: 'check namespaces and syscalls', items: ['droidcheck probe'] },
      { kind: 'info', text: 'Termux users report runc 1.1.x working where 1.2 fails (termux-packages#18359, #23181)' },
    ],
    specificity: 1,
  },
  {
    id: 'no-manifest-android',
    title: 'docker asks registries for android images',
    pattern: /no matching manifest for android\/[\w/]+|operating system is not supported/i,
    runtime: ['docker', 'dockerd'],
    cause:
      'docker built with GOOS=android reports its platform as android/<arch>; images are published for linux/<arch>, so none matches (and a linux image is then refused with "operating system is not supported").',
    configOptions: [],
    hostFact: 'the docker binaries were built for GOOS=android',
    checkIds: ['host.android', 'host.arch'],
    remediation: [
      { kind: 'runtime-flag', text: 'ask for the linux platform explicitly', items: ['docker pull --platform linux/arm64 IMAGE', 'docker run --platform linux/arm64 IMAGE'] },
      { kind: 'info', text: 'use docker built for linux (Termux patches runtime.GOOS to "linux"), or droidcheck run with an OCI bundle' },
    ],
    specificity: 3,
  },
  {
    id: 'fbe-key-missing',
    title: 'file-based encryption key not available',
    pattern: /Required key not available/i,
    runtime: ['lxc', 'runc', 'any'],
    cause:
      'Android encrypts /data per file (FBE). A process whose session keyring lacks the user\'s key (a container with its own keyring, or a process started from init before unlock) gets ENOKEY opening files in encrypted directories.',
    configOptions: [],
    hostFact: 'the rootfs is in an FBE-encrypted directory of /data and the container has a new session keyring',
    checkIds: [],
    remediation: [
      { kind: 'rootfs', text: 'keep the rootfs in an ext4 image (loop mount) or an unencrypted directory such as /data/local/tmp on some devices', items: ['mount -o loop rootfs.img /data/local/rootfs'] },
      { kind: 'runtime-flag', text: 'do not give the container a new session keyring', items: ['runc run --no-new-keyring ID'] },
    ],
    specificity: 3,
  },
  {
    id: 'exec-not-found',
    title: 'the command is not in the container\'s rootfs',
    pattern: /exec: "[^"]+": executable file not found in \$PATH|exec: "[^"]+": stat [^:]+: no such file or directory/i,
    runtime: ['runc', 'docker'],
    cause:
      'process.args[0] does not exist in the rootfs or is not in PATH (an alpine or busybox image has no bash; a busybox rootfs without applet links has no "ls"). A dynamically linked binary whose loader is missing fails similarly.',
    configOptions: [],
    checkIds: [],
    remediation: [
      { kind: 'config-edit', text: 'run a program that exists in the image, with its full path', items: ['.process.args = ["/bin/sh"]'] },
      { kind: 'rootfs', text: 'for a busybox rootfs, create the applet links (droidcheck rootfs does)', items: ['droidcheck rootfs DIR --busybox /path/to/busybox'] },
    ],
    specificity: 3,
  },
  {
    id: 'cgroup-not-empty',
    title: 'the container\'s cgroup already holds processes',
    pattern: /container's cgroup is not empty/i,
    runtime: ['runc', 'docker'],
    cause:
      'runc 1.2+ refuses to start a container in a cgroup that already contains processes. On Android the computed cgroup is often a shared one (the root of a v2 hierarchy without controllers, or a v1 path that maps onto Android\'s own groups); runc 1.1 did not check.',
    configOptions: [],
    hostFact: 'the cgroup path runc chose is shared with host processes',
    checkIds: ['cgroup.v2', 'cgroup.controllers'],
    remediation: [
      { kind: 'config-edit', text: 'give the container a fresh cgroup of its own', items: ['.linux.cgroupsPath = "/droidcheck/ID"'] },
      { kind: 'host-command', text: 'or mount cgroup v1 controllers under /sys/fs/cgroup for containers', items: ['mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup'] },
      { kind: 'info', text: 'Termux users report runc 1.1.x works (termux-packages#23181)' },
    ],
    specificity: 2,
  },
  {
    id: 'seccomp-unsupported',
    title: 'the kernel has no seccomp',
    pattern: /seccomp: config provided but seccomp not supported/i,
    runtime: ['runc'],
    cause: 'config.json has a linux.seccomp profile, but the kernel was built without seccomp filters (or runc without libseccomp).',
    configOptions: ['CONFIG_SECCOMP', 'CONFIG_SECCOMP_FILTER'],
    checkIds: ['sec.seccomp', 'syscall.seccomp'],
    remediation: [
      { kind: 'config-edit', text: 'remove the seccomp profile (the container loses syscall filtering)', items: ['del(.linux.seccomp)', 'docker run --security-opt seccomp=unconfined'] },
      { kind: 'kernel-option', text: 'or rebuild the kernel', items: ['CONFIG_SECCOMP=y', 'CONFIG_SECCOMP_FILTER=y'] },
    ],
    specificity: 3,
  },
];

export function entryById(id: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.id === id);
}
