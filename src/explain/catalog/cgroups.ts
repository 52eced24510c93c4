// explain catalog: cgroup v1/v2 layout, controllers and cgroup drivers.
// Patterns run on normalized lines (normalize.ts): runc's nested quoting is a plain ", timestamps and
// log prefixes are gone. Every entry names where the message was seen.

import { CGROUP2_DEVICE_BPF_SINCE } from '../../kernel/history.js';
import type { CatalogEntry } from '../types.js';

export const CGROUPS: readonly CatalogEntry[] = [
  {
    id: 'cgroup-devices-missing',
    title: 'no devices cgroup',
    pattern: /mountpoint for devices not found|Devices cgroup isn't mounted/i,
    runtime: ['runc', 'dockerd'],
    sources: ['docker/cli#3613', 'meefik/linuxdeploy#1088', 'NVIDIA/nvidia-docker#1568 (Raspberry Pi)', 'MasterDevX/Termux-Java#20', 'datmo/datmo-cli-installer#16', 'opencontainers/runc#1631'],
    causes: [
      {
        id: 'devices-not-mounted',
        cause:
          'With cgroup v1, runc and dockerd need the devices controller mounted. Android mounts cpu, cpuset, memory, schedtune and blkio under /dev but never devices.',
        configOptions: [],
        hostFact: 'the kernel has the devices controller but nothing mounts it (Android does not)',
        checkIds: ['cgroup.devices'],
        remediation: [{ kind: 'host-command', text: 'mount the devices controller (root)', items: ['mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup', 'mkdir -p /sys/fs/cgroup/devices', 'mount -t cgroup -o devices cgroup /sys/fs/cgroup/devices'] }],
        when: [{ option: 'CONFIG_CGROUP_DEVICE', is: 'set' }],
      },
      {
        id: 'devices-not-built',
        cause: 'The kernel was built without the devices controller (CONFIG_CGROUP_DEVICE), as many Android kernels are; /proc/cgroups has no devices line.',
        configOptions: ['CONFIG_CGROUP_DEVICE'],
        checkIds: ['cgroup.devices', 'cgroup.controllers'],
        remediation: [{ kind: 'kernel-option', text: 'rebuild the kernel with the devices controller', items: ['CONFIG_CGROUP_DEVICE=y'] }],
        when: [{ option: 'CONFIG_CGROUP_DEVICE', is: 'unset' }],
      },
    ],
    specificity: 3,
  },
  {
    id: 'cpuset-noprefix',
    title: 'Android mounts cpuset with noprefix',
    pattern: /cpuset\/[^\s"]*?cpuset\.(?:cpus|mems)'?: no such file or directory/i,
    runtime: ['runc', 'dockerd'],
    sources: ['termux/termux-packages#20921', 'docker/for-linux#689', 'moby/moby#41204', 'dnschneid/crouton#4978', 'moby/moby#33594', 'containers/crun#1115'],
    causes: [
      {
        id: 'cpuset-noprefix',
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
      },
    ],
    specificity: 3,
  },
  {
    id: 'cgroup2-bpf-device',
    title: 'cgroup v2 device control needs Linux 4.15',
    pattern: /bpf_prog_query\(BPF_CGROUP_DEVICE\) failed: invalid argument|setting cgroup config for procHooks process(?: caused)?:? "?load program: invalid argument/i,
    runtime: ['runc', 'docker'],
    sources: ['mgksu/dockerd#12 (Android 15, kernel 4.14)', 'opencontainers/runc#2959', 'opencontainers/runc#3867 (kernel 4.9)'],
    causes: [
      {
        id: 'kernel-before-4.15',
        cause:
          'On cgroup v2 runc enforces device rules with a BPF_PROG_TYPE_CGROUP_DEVICE program, which exists from Linux 4.15. Recent Android mounts cgroup2 at /sys/fs/cgroup even on 4.9/4.14 kernels, so runc picks v2 and the BPF calls fail.',
        configOptions: [],
        hostFact: 'cgroup2 is mounted at /sys/fs/cgroup on a kernel older than 4.15',
        checkIds: ['host.kernel', 'cgroup.v2'],
        remediation: [
          { kind: 'host-command', text: 'give the runtime cgroup v1 instead: a tmpfs on /sys/fs/cgroup with v1 controllers (root)', items: ['mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup', 'for c in cpu cpuacct memory devices freezer pids blkio; do mkdir -p /sys/fs/cgroup/$c && mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c; done'] },
          { kind: 'info', text: 'runc maintainers: Linux 4.15 is the minimum for cgroup v2 (opencontainers/runc#3867)' },
        ],
        when: [{ kernel: '<', version: CGROUP2_DEVICE_BPF_SINCE }],
      },
      {
        id: 'cgroup-bpf-missing',
        cause: 'The kernel is new enough for cgroup v2 device control but was built without CONFIG_CGROUP_BPF, so the device program cannot be attached or queried.',
        configOptions: ['CONFIG_CGROUP_BPF', 'CONFIG_BPF_SYSCALL'],
        checkIds: ['cgroup.v2', 'kconfig.moby'],
        remediation: [
          { kind: 'kernel-option', text: 'rebuild the kernel with BPF for cgroups', items: ['CONFIG_BPF_SYSCALL=y', 'CONFIG_CGROUP_BPF=y'] },
          { kind: 'host-command', text: 'or give the runtime cgroup v1 (see the other cause)', items: ['mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup'] },
        ],
        when: [{ kernel: '>=', version: CGROUP2_DEVICE_BPF_SINCE }, { option: 'CONFIG_CGROUP_BPF', is: 'unset' }],
      },
    ],
    specificity: 3,
  },
  {
    id: 'cgroup-not-empty',
    title: 'the container\'s cgroup already holds processes',
    pattern: /container's cgroup is not empty/i,
    runtime: ['runc', 'docker'],
    sources: ['termux/termux-packages#23181 (runc 1.2.4, Android 14, kernel 4.19)'],
    causes: [
      {
        id: 'cgroup-not-empty',
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
      },
    ],
    specificity: 2,
  },
  {
    id: 'memcg-missing',
    title: 'no memory cgroup for k3s/kubelet',
    pattern: /failed to find memory cgroup/i,
    runtime: ['k3s', 'kubelet'],
    sources: ['k3s-io/k3s#3293', 'k3s-io/k3s#2175', 'k3d-io/k3d#385', 'k3s-io/k3s#170', 'k3d-io/k3d#853'],
    causes: [
      {
        id: 'memcg-disabled-at-boot',
        cause: 'The kernel has the memory controller but it is switched off at boot (Raspberry Pi OS and some vendor kernels pass cgroup_disable=memory); /proc/cgroups lists memory with enabled 0.',
        configOptions: [],
        hostFact: 'memory is disabled on the kernel command line',
        checkIds: ['cgroup.controllers'],
        remediation: [{ kind: 'host-command', text: 'enable it on the kernel command line and reboot', items: ['append "cgroup_memory=1 cgroup_enable=memory" to /boot/cmdline.txt (or the bootloader\'s cmdline)'] }],
        when: [{ option: 'CONFIG_MEMCG', is: 'set' }],
      },
      {
        id: 'memcg-not-built',
        cause: 'The kernel was built without the memory controller (CONFIG_MEMCG). k3s refuses to start without it.',
        configOptions: ['CONFIG_MEMCG'],
        checkIds: ['cgroup.controllers', 'kconfig.moby'],
        remediation: [{ kind: 'kernel-option', text: 'rebuild the kernel with the memory controller', items: ['CONFIG_MEMCG=y', 'CONFIG_MEMCG_SWAP=y (before 6.1)'] }],
        when: [{ option: 'CONFIG_MEMCG', is: 'unset' }],
      },
    ],
    specificity: 3,
  },
  {
    id: 'kubelet-cgroup-driver',
    title: 'kubelet and docker use different cgroup drivers',
    pattern: /kubelet cgroup driver: "?\w+"? is different from docker cgroup driver: "?\w+"?/i,
    runtime: ['kubelet'],
    sources: ['opsnull/follow-me-install-kubernetes-cluster#101', 'kubernetes/kubernetes#43805'],
    causes: [
      {
        id: 'kubelet-cgroup-driver',
        cause: 'kubelet and dockerd must manage cgroups the same way (cgroupfs or systemd). Not a kernel problem. On Android there is no systemd: both must use cgroupfs.',
        configOptions: [],
        hostFact: 'kubelet --cgroup-driver differs from dockerd\'s native.cgroupdriver',
        checkIds: [],
        remediation: [
          { kind: 'runtime-flag', text: 'make dockerd use the kubelet\'s driver (daemon.json), then restart dockerd', items: ['"exec-opts": ["native.cgroupdriver=cgroupfs"]'] },
          { kind: 'runtime-flag', text: 'or start kubelet with the docker driver', items: ['kubelet --cgroup-driver=systemd'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'cgroup-systemd-missing',
    title: 'no name=systemd cgroup hierarchy',
    pattern: /cgroups: cannot (?:find|found) cgroup mount destination/i,
    runtime: ['docker', 'containerd'],
    sources: ['jgoerzen/docker-bbs#1', 'docker/for-linux#219', 'docker-archive/toolbox#816', 'oiax/rails6-compose#1', 'nicolasbock/ebuildtester#103', 'concourse/docker-image-resource#177'],
    causes: [
      {
        id: 'cgroup-systemd-missing',
        cause:
          'containerd of Docker 17.x-19.x looks for the name=systemd cgroup v1 hierarchy of the container\'s /proc/self/cgroup and fails when the host has no such mount (hosts without systemd: Alpine, WSL, Docker Toolbox, Android, a chroot).',
        configOptions: [],
        hostFact: '/sys/fs/cgroup/systemd (a cgroup v1 mount with name=systemd) is missing',
        checkIds: ['cgroup.controllers'],
        remediation: [
          { kind: 'host-command', text: 'mount an empty named hierarchy (root)', items: ['mkdir -p /sys/fs/cgroup/systemd', 'mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd'] },
          { kind: 'info', text: 'newer Docker (20.10+) no longer needs it' },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'cgroup-mount-missing',
    title: 'no cgroup filesystem mounted',
    pattern: /mountpoint for cgroup not found|cannot find cgroup mount destination: unknown \(none mounted\)/i,
    runtime: ['runc', 'docker'],
    sources: ['moby/moby#12785', 'containers/crun#69'],
    causes: [
      {
        id: 'cgroup-mount-missing',
        cause: 'runc found no cgroup v1 hierarchy in /proc/self/mountinfo: nothing mounts cgroups (a chroot, a minimal init, Android before the controllers are mounted), or the kernel has no CONFIG_CGROUPS.',
        configOptions: ['CONFIG_CGROUPS'],
        hostFact: 'no cgroup mount in /proc/self/mountinfo',
        checkIds: ['fs.cgroup', 'cgroup.controllers'],
        remediation: [
          { kind: 'host-command', text: 'mount the v1 controllers (root)', items: ['mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup', 'for c in cpu cpuacct memory devices freezer pids blkio; do mkdir -p /sys/fs/cgroup/$c && mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c; done'] },
          { kind: 'kernel-option', text: 'if /proc/filesystems has no cgroup', items: ['CONFIG_CGROUPS=y'] },
        ],
      },
    ],
    specificity: 2,
  },
  {
    id: 'cgroup-v1-netprio-name',
    title: 'the runtime built a cgroup path from a co-mounted controller pair in the wrong order',
    pattern: /creating cgroup directory `?\/sys\/fs\/cgroup\/net_prio,net_cls\//i,
    runtime: ['crun', 'podman'],
    sources: ['containers/crun#617 (containers/podman#9591)', 'containers/crun#374'],
    causes: [
      {
        id: 'cgroup-v1-netprio-name',
        cause: '/proc/self/cgroup names the co-mounted controllers "net_prio,net_cls" while the mount point is /sys/fs/cgroup/net_cls,net_prio; older crun took the first spelling. Not a kernel problem.',
        configOptions: [],
        hostFact: 'net_cls and net_prio are mounted together as net_cls,net_prio',
        checkIds: ['cgroup.controllers'],
        remediation: [
          { kind: 'host-command', text: 'add the other spelling as a link (root)', items: ['ln -s net_cls,net_prio /sys/fs/cgroup/net_prio,net_cls'] },
          { kind: 'info', text: 'or update crun (fixed upstream)' },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'cgroup2-cpuset-effective',
    title: 'the runtime treats /sys/fs/cgroup as cgroup v2 but cpuset is not there',
    pattern: /\/sys\/fs\/cgroup\/[^\s"]*cpuset\.cpus\.effective: no such file or directory/i,
    runtime: ['runc', 'docker'],
    sources: ['pyodide/pyodide#592'],
    causes: [
      {
        id: 'v2-cpuset-before-5.0',
        cause: 'cgroup2 is mounted at /sys/fs/cgroup (as on recent Android) but the kernel is older than 5.0, whose cgroup v2 has no cpuset controller; cpuset lives on a v1 mount (/dev/cpuset on Android).',
        configOptions: [],
        hostFact: 'cgroup2 at /sys/fs/cgroup on a kernel older than 5.0',
        checkIds: ['cgroup.v2', 'host.kernel'],
        remediation: [{ kind: 'host-command', text: 'give the runtime cgroup v1 (root)', items: ['mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup', 'for c in cpu cpuacct cpuset memory devices freezer pids blkio; do mkdir -p /sys/fs/cgroup/$c && mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c; done'] }],
        when: [{ kernel: '<', version: '5.0' }],
      },
      {
        id: 'runtime-without-v2',
        cause: 'The host boots with cgroup v2 only (Fedora 31+ and others) but this Docker/runc predates cgroup v2 support (Docker < 20.10, runc < 1.0.0-rc91).',
        configOptions: [],
        hostFact: 'a cgroup v2-only host and an old runtime',
        checkIds: ['cgroup.v2'],
        remediation: [
          { kind: 'info', text: 'update Docker to 20.10 or later (runc 1.0+)' },
          { kind: 'host-command', text: 'or boot with cgroup v1', items: ['add systemd.unified_cgroup_hierarchy=0 to the kernel command line'] },
        ],
        when: [{ kernel: '>=', version: '5.0' }],
      },
    ],
    specificity: 3,
  },
  {
    id: 'crun-cgroup-fstype',
    title: 'crun does not recognise what is mounted on /sys/fs/cgroup',
    pattern: /invalid file system type on [`'"]?\/sys\/fs\/cgroup/i,
    runtime: ['crun'],
    sources: ['containers/crun#433 (android-x86)'],
    causes: [
      {
        id: 'crun-cgroup-fstype',
        cause: 'crun expects /sys/fs/cgroup to be a cgroup2 mount or a tmpfs holding v1 controllers. On Android (and android-x86) it is often plain sysfs or nothing, with the controllers under /dev.',
        configOptions: [],
        hostFact: '/sys/fs/cgroup is neither cgroup2 nor a tmpfs of v1 controllers',
        checkIds: ['cgroup.controllers', 'cgroup.v2'],
        remediation: [{ kind: 'host-command', text: 'mount a tmpfs there with the v1 controllers (root)', items: ['mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup', 'for c in cpu cpuacct memory devices freezer pids blkio; do mkdir -p /sys/fs/cgroup/$c && mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c; done'] }],
      },
    ],
    specificity: 3,
  },
];
