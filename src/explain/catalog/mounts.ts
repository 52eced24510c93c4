// explain catalog: mounts, the container root, pty and exec.
// Patterns run on normalized lines (normalize.ts): runc's nested quoting is a plain ", timestamps and
// log prefixes are gone. Every entry names where the message was seen.

import type { CatalogEntry } from '../types.js';

export const MOUNTS: readonly CatalogEntry[] = [
  {
    id: 'mqueue-nodev',
    title: 'no POSIX message queue filesystem',
    pattern: /mount(?:ing)? "?mqueue"? to rootfs[^\n]*?(?:\/dev\/mqueue)[^\n]*?no such device|mount `mqueue` to `\/?dev\/mqueue`: No such device|mqueue:\/dev\/mqueue[^\n]*?no such device/i,
    runtime: ['runc', 'crun', 'docker'],
    sources: ['containers/crun#2080', 'runc notes on a Nexus 9, Android 7.1.1, kernel 3.10 (hard-wrapped)', 'libkrun notes (docker 25 in a VM without POSIX_MQUEUE)', 'a BSP bring-up log (runc, CONFIG_POSIX_MQUEUE missing)'],
    causes: [
      {
        id: 'mqueue-nodev',
        cause: 'The default config.json mounts an mqueue filesystem at /dev/mqueue; the kernel has no mqueue filesystem (ENODEV) because POSIX message queues are not built in.',
        configOptions: ['CONFIG_POSIX_MQUEUE'],
        checkIds: ['fs.mqueue'],
        remediation: [
          { kind: 'config-edit', text: 'remove the /dev/mqueue mount from config.json', items: ['.mounts -= [{"destination":"/dev/mqueue"}]', 'droidcheck run --fix-config'] },
          { kind: 'kernel-option', text: 'or rebuild the kernel with POSIX message queues', items: ['CONFIG_POSIX_MQUEUE=y'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'pivot-root-einval',
    title: 'pivot_root is impossible: / is the initramfs (rootfs/ramfs)',
    pattern: /error jailing process inside rootfs: pivot_root[^\n]*?invalid argument|pivot_root\s*\.?:? ?invalid argument|Invalid argument - pivot_root syscall failed|pivot_root: EINVAL/i,
    runtime: ['runc', 'docker', 'lxc', 'bwrap'],
    sources: ['a dockerd-on-Android note (runc 1.1, initramfs root)', 'runc notes on a Nexus 9, Android 7.1.1, kernel 3.10 (hard-wrapped)', 'lxc/lxc#61', 'containers/bubblewrap#214', 'xianlubird/mydocker#62'],
    causes: [
      {
        id: 'pivot-root-einval',
        cause:
          'pivot_root() returns EINVAL when the current root is the kernel\'s rootfs (initramfs/ramfs), as on Android devices before system-as-root, or when the root is not a mount point (after a chroot) or a shared mount.',
        configOptions: [],
        hostFact: '/ is rootfs/ramfs (initramfs), or the runtime itself runs inside a chroot',
        checkIds: ['rootfs.pivot-root'],
        remediation: [
          { kind: 'runtime-flag', text: 'enter the container with chroot instead of pivot_root', items: ['runc run --no-pivot', 'crun run --no-pivot', 'DOCKER_RAMDISK=true dockerd'] },
          { kind: 'info', text: 'droidcheck run falls back to chroot by itself' },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'devpts-ptmx',
    title: 'devpts has no private instances (no /dev/ptmx in the container)',
    pattern: /open \/dev\/ptmx: no such file or directory|mount(?:ing)? "?devpts"? to rootfs[^\n]*?\/dev\/pts[^\n]*?invalid argument/i,
    runtime: ['runc', 'docker'],
    sources: ['runc notes on a Nexus 9, Android 7.1.1, kernel 3.10', 'opencontainers/runc#1783'],
    causes: [
      {
        id: 'devpts-ptmx',
        cause:
          'With process.terminal true the runtime opens /dev/ptmx inside the container, which points at the new devpts instance\'s ptmx. Kernels before 4.7 without DEVPTS_MULTIPLE_INSTANCES give every devpts mount the host\'s single instance with no ptmx node (or refuse "newinstance").',
        configOptions: ['CONFIG_DEVPTS_MULTIPLE_INSTANCES', 'CONFIG_UNIX98_PTYS'],
        checkIds: ['fs.devpts-instances', 'fs.devpts'],
        remediation: [
          { kind: 'config-edit', text: 'run without a terminal, or bind-mount the host /dev/pts', items: ['.process.terminal = false', '.mounts[destination=="/dev/pts"] = bind /dev/pts', 'droidcheck run --fix-config'] },
          { kind: 'kernel-option', text: 'or rebuild the kernel (only exists before 4.7)', items: ['CONFIG_DEVPTS_MULTIPLE_INSTANCES=y'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'lxc-pty',
    title: 'LXC cannot allocate ptys for the container',
    pattern: /failed to allocate a pty|failed to create pty #?\d+|Failed to allocate new pty device|failed to allocate peer tty device|Failed to mount new devpts instance|Failed to setup new devpts instance/i,
    runtime: ['lxc'],
    sources: ['sailfish-containers/harbour-containers#8 (Galaxy S2, kernel 3.0)', 'lxc/lxc#3625 (CentOS 7, kernel 3.10)', 'lxc/lxc#1552'],
    causes: [
      {
        id: 'lxc-pty',
        cause:
          'LXC allocates the container\'s ttys from a fresh devpts instance (newinstance). Without DEVPTS_MULTIPLE_INSTANCES (kernels before 4.7) or without /dev/ptmx on the host, allocation fails.',
        configOptions: ['CONFIG_DEVPTS_MULTIPLE_INSTANCES', 'CONFIG_UNIX98_PTYS'],
        checkIds: ['fs.devpts-instances', 'fs.devpts'],
        remediation: [
          { kind: 'config-edit', text: 'ask for no ttys in the LXC config', items: ['lxc.tty.max = 0', 'lxc.pty.max = 0'] },
          { kind: 'kernel-option', text: 'or rebuild the kernel', items: ['CONFIG_DEVPTS_MULTIPLE_INSTANCES=y'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'exec-format',
    title: 'the program is for another CPU architecture',
    pattern: /exec user process caused:? "?exec format error|exec format error/i,
    runtime: ['runc', 'crun', 'docker', 'any'],
    sources: ['runc notes on a Nexus 9 (x86 busybox on arm)', 'IAmStoxe/wirehole#42'],
    causes: [
      {
        id: 'exec-format',
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
      },
    ],
    specificity: 2,
  },
  {
    id: 'run-readonly',
    title: 'the runtime\'s state directory is on a read-only /',
    pattern: /mkdir \/(?:var\/)?run(?:\/[^:\s]*)?: read-only file system/i,
    runtime: ['runc', 'containerd', 'dockerd'],
    sources: ['format: runc on Android (anchors note: mkdir of the state dir on read-only /)'],
    causes: [
      {
        id: 'run-readonly',
        cause:
          'runc keeps container state in /run/runc (containerd and dockerd in /run/containerd, /var/run/docker). Android\'s / is read-only and has no /run, so the directory cannot be created.',
        configOptions: [],
        hostFact: '/ is mounted read-only and /run does not exist (Android)',
        checkIds: ['host.run', 'host.root-readonly'],
        remediation: [
          { kind: 'runtime-flag', text: 'put the state directory on a writable filesystem', items: ['runc --root /data/local/tmp/runc run ...', 'containerd --state /data/local/tmp/containerd', 'dockerd --exec-root /data/local/tmp/docker'] },
          { kind: 'host-command', text: 'or (root) mount a tmpfs at /run if the directory exists', items: ['mount -t tmpfs -o mode=755 tmpfs /run'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'data-noexec-nodev',
    title: 'the target directory is mounted noexec or nodev',
    pattern: /Cannot install into target [^\n]*?mounted with noexec or nodev|mounted with noexec or nodev/i,
    runtime: ['debootstrap'],
    sources: ['meefik/linuxdeploy#419'],
    causes: [
      {
        id: 'data-noexec-nodev',
        cause:
          'debootstrap (Linux Deploy, chroot installers) checks that it can create a device node and execute a file in the target. Android mounts /data nodev (and app storage noexec), and the sdcard is noexec.',
        configOptions: [],
        hostFact: 'the filesystem holding the rootfs is mounted nodev/noexec/nosuid',
        checkIds: ['host.data-mount'],
        remediation: [
          { kind: 'host-command', text: 'remount /data with exec, dev and suid (root; lasts until reboot)', items: ['mount -o remount,exec,dev,suid /data'] },
          { kind: 'rootfs', text: 'or put the rootfs in an ext4 image mounted by loop', items: ['mount -o loop rootfs.img /data/local/rootfs'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'fbe-key-missing',
    title: 'file-based encryption key not available',
    pattern: /Required key not available/i,
    runtime: ['lxc', 'runc', 'any'],
    sources: ['google/fscrypt#118'],
    causes: [
      {
        id: 'fbe-key-missing',
        cause:
          'Android encrypts /data per file (FBE). A process whose session keyring lacks the user\'s key (a container with its own keyring, or a process started from init before unlock) gets ENOKEY opening files in encrypted directories.',
        configOptions: [],
        hostFact: 'the rootfs is in an FBE-encrypted directory of /data and the container has a new session keyring',
        checkIds: [],
        remediation: [
          { kind: 'rootfs', text: 'keep the rootfs in an ext4 image (loop mount) or an unencrypted directory such as /data/local/tmp on some devices', items: ['mount -o loop rootfs.img /data/local/rootfs'] },
          { kind: 'runtime-flag', text: 'do not give the container a new session keyring', items: ['runc run --no-new-keyring ID'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'chroot-exec-denied',
    title: 'the chroot\'s programs may not be executed',
    pattern: /chroot: can't execute '[^']+': Permission denied|chroot: failed to run command '?[^':]+'?: Permission denied/i,
    runtime: ['any'],
    sources: ['FerryAr/lhroot#42'],
    causes: [
      {
        id: 'chroot-exec-denied',
        cause: 'The root filesystem sits on a mount with noexec (Android\'s /sdcard and /storage always are; some /data/local/tmp setups too), or SELinux forbids executing those files from the shell\'s domain.',
        configOptions: [],
        hostFact: 'the rootfs is on a noexec mount, or SELinux denies execute',
        checkIds: ['host.data-mount', 'sec.selinux'],
        remediation: [
          { kind: 'rootfs', text: 'keep the rootfs under /data (ext4/f2fs, exec) instead of /sdcard', items: ['mv ROOTFS /data/local/ROOTFS', 'grep " /data " /proc/mounts'] },
          { kind: 'host-command', text: 'or, for a test, SELinux permissive (root)', items: ['setenforce 0'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'proot-exec-denied',
    title: 'Android forbids proot from executing files in the app\'s data',
    pattern: /proot error: execve\("[^"]+"\): Permission denied/i,
    runtime: ['proot'],
    sources: ['termux/proot#338'],
    causes: [
      {
        id: 'proot-exec-denied',
        cause: 'Since Android 10, apps that target API 29+ may not execute files they wrote to their own data directory (SELinux "execute_no_trans" for untrusted_app); a Termux built for a newer API, or a file without its execute bit, hits this. proot needs no kernel feature; containers do (root).',
        configOptions: [],
        hostFact: 'an untrusted_app executing from its writable data directory',
        checkIds: ['sec.selinux', 'host.android'],
        remediation: [
          { kind: 'info', text: 'use Termux from F-Droid/GitHub (targets API 28), and check the file is executable (chmod +x)' },
          { kind: 'info', text: 'for real containers: root the device and run droidcheck probe' },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'lxc-rootfs-mount',
    title: 'LXC cannot mount the container\'s root filesystem',
    pattern: /Failed to mount rootfs "[^"]+" onto "[^"]+"/i,
    runtime: ['lxc'],
    sources: ['lxc/lxc#2286'],
    causes: [
      {
        id: 'lxc-rootfs-mount',
        cause: 'LXC bind-mounts lxc.rootfs.path onto its staging directory; it failed: the rootfs path is wrong or missing, on a filesystem that refuses the bind (FUSE/sdcardfs on Android), or the host\'s / is a shared/initramfs root.',
        configOptions: [],
        hostFact: 'lxc.rootfs.path and the filesystem under it',
        checkIds: ['rootfs.pivot-root', 'host.data-mount'],
        remediation: [{ kind: 'host-command', text: 'check the path and its filesystem; keep rootfs under /data on Android', items: ['ls -ld ROOTFS && stat -f ROOTFS', 'lxc-start -n NAME -F -l DEBUG -o /dev/stdout'] }],
      },
    ],
    specificity: 2,
  },
  {
    id: 'lxc-apparmor',
    title: 'LXC wants an AppArmor profile the kernel cannot apply',
    pattern: /Failed to set AppArmor label|failed to change apparmor profile to|lxc\.aa_allow_incomplete = 1|apparmor_process_label_set:?\s*\d*[^\n]*(?:No such file or directory|If you really want to start this container)/i,
    runtime: ['lxc'],
    sources: ['canonical/lxd#4498', 'lxc/lxc#1895', 'lxc/lxc#400'],
    causes: [
      {
        id: 'lxc-apparmor',
        cause: 'The container is configured to run under an AppArmor profile, but AppArmor is not the kernel\'s active LSM (Android uses SELinux), the profile is not loaded, or the kernel\'s AppArmor lacks features LXC needs.',
        configOptions: ['CONFIG_SECURITY_APPARMOR'],
        hostFact: 'AppArmor is not enabled or the lxc profiles are not loaded',
        checkIds: ['sec.selinux'],
        remediation: [
          { kind: 'config-edit', text: 'run the container unconfined (LXC 3+ / LXC 2 keys)', items: ['lxc.apparmor.profile = unconfined', 'lxc.aa_profile = unconfined', 'lxc.apparmor.allow_incomplete = 1'] },
          { kind: 'host-command', text: 'or load LXC\'s profiles where AppArmor is on', items: ['apparmor_parser -r /etc/apparmor.d/lxc-containers'] },
        ],
      },
    ],
    specificity: 3,
  },
];
