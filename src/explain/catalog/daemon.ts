// explain catalog: dockerd, containerd and the runtimes: storage drivers, shims, sockets, images.
// Patterns run on normalized lines (normalize.ts): runc's nested quoting is a plain ", timestamps and
// log prefixes are gone. Every entry names where the message was seen.

import type { CatalogEntry } from '../types.js';

const NS_CHECKS = ['ns.ipc', 'ns.pid', 'ns.uts', 'ns.net', 'ns.user', 'ns.cgroup'];

export const DAEMON: readonly CatalogEntry[] = [
  {
    id: 'overlay-unsupported',
    title: 'overlay storage does not work here',
    pattern: /failed to mount overlay: invalid argument|driver not supported: overlay2?\b|error creating overlay mount to [^\n]*?: invalid argument/i,
    runtime: ['dockerd', 'containerd'],
    sources: ['mgksu/dockerd#5'],
    causes: [
      {
        id: 'overlay-unsupported',
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
      },
    ],
    specificity: 3,
  },
  {
    id: 'unix-socket-path-long',
    title: 'a unix socket path is longer than 108 bytes',
    pattern: /listen unix [^\s:]+: bind: invalid argument|create new shim socket[^\n]*?bind: invalid argument/i,
    runtime: ['containerd', 'dockerd'],
    sources: ['termux/termux-packages#22099'],
    causes: [
      {
        id: 'unix-socket-path-long',
        cause:
          'AF_UNIX socket paths are limited to 108 bytes (sun_path). containerd names shim sockets <state>/s/<64-hex-digit hash>; under Termux\'s prefix (/data/data/com.termux/files/usr/var/run/containerd/...) the path is longer and bind() fails with EINVAL.',
        configOptions: [],
        hostFact: 'the runtime state directory has a long path (e.g. Termux\'s $PREFIX/var/run)',
        checkIds: [],
        remediation: [
          { kind: 'runtime-flag', text: 'use a short state directory', items: ['containerd --state /data/local/tmp/c', 'dockerd --exec-root /data/local/tmp/d'] },
          { kind: 'info', text: 'Termux\'s containerd carries too_long_path.patch for this (termux-packages PR #22099)' },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'no-manifest-android',
    title: 'docker asks registries for android images',
    pattern: /no matching manifest for android\/[\w/]+|operating system is not supported/i,
    runtime: ['docker', 'dockerd'],
    sources: ['termux/termux-root-packages#60'],
    causes: [
      {
        id: 'no-manifest-android',
        cause:
          'docker built with GOOS=android reports its platform as android/<arch>; images are published for linux/<arch>, so none matches (and a linux image is then refused with "operating system is not supported").',
        configOptions: [],
        hostFact: 'the docker binaries were built for GOOS=android',
        checkIds: ['host.android', 'host.arch'],
        remediation: [
          { kind: 'runtime-flag', text: 'ask for the linux platform explicitly', items: ['docker pull --platform linux/arm64 IMAGE', 'docker run --platform linux/arm64 IMAGE'] },
          { kind: 'info', text: 'use docker built for linux (Termux patches runtime.GOOS to "linux"), or droidcheck run with an OCI bundle' },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'child-pid-eof',
    title: 'runc\'s init process died before it started',
    pattern: /can't get final child's PID from pipe: EOF/i,
    runtime: ['runc', 'docker'],
    sources: ['opencontainers/runc#4905', 'termux/termux-packages#18359'],
    causes: [
      {
        id: 'child-pid-eof',
        cause:
          'runc\'s C part (nsexec) exited before sending the container PID: a clone()/unshare() of a namespace failed, a syscall newer than the kernel was used, or the process was killed. On old Android kernels it usually hides a missing namespace or syscall.',
        configOptions: ['CONFIG_NAMESPACES'],
        checkIds: [...NS_CHECKS, 'syscall.memfd_create', 'syscall.clone3', 'sec.seccomp'],
        remediation: [
          { kind: 'runtime-flag', text: 'rerun with debug output to see the nsexec line that failed', items: ['runc --debug run ID'] },
          { kind: 'info', text: 'check namespaces and syscalls', items: ['droidcheck probe'] },
          { kind: 'info', text: 'Termux users report runc 1.1.x working where 1.2 fails (termux-packages#18359, #23181)' },
        ],
      },
    ],
    specificity: 1,
  },
  {
    id: 'exec-not-found',
    title: 'the command is not in the container\'s rootfs',
    pattern: /exec: "(?!containerd-shim)[^"]+": executable file not found in \$PATH|exec: "[^"]+": stat [^:]+: no such file or directory/i,
    runtime: ['runc', 'docker'],
    sources: ['axonweb3/axon#1524', 'docker/for-linux#963', 'docker-library/docs#1437'],
    causes: [
      {
        id: 'exec-not-found',
        cause:
          'process.args[0] does not exist in the rootfs or is not in PATH (an alpine or busybox image has no bash; a busybox rootfs without applet links has no "ls"). A dynamically linked binary whose loader is missing fails similarly.',
        configOptions: [],
        checkIds: [],
        remediation: [
          { kind: 'config-edit', text: 'run a program that exists in the image, with its full path', items: ['.process.args = ["/bin/sh"]'] },
          { kind: 'rootfs', text: 'for a busybox rootfs, create the applet links (droidcheck rootfs does)', items: ['droidcheck rootfs DIR --busybox /path/to/busybox'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'openat2-fallback',
    title: 'no openat2 (Linux < 5.6): runc falls back, harmless',
    pattern: /openat2 not available, falling back to securejoin/i,
    runtime: ['runc'],
    sources: ['termux/termux-packages#23181 (runc 1.2.4 --debug)'],
    causes: [
      {
        id: 'openat2-fallback',
        cause: 'A runc --debug line: openat2() (Linux 5.6) is missing, so runc resolves cgroup paths with securejoin instead. Not an error; look for the real failure further down.',
        configOptions: [],
        hostFact: 'kernel older than 5.6',
        checkIds: ['syscall.openat2'],
        remediation: [{ kind: 'info', text: 'nothing to fix; read the next error line' }],
      },
    ],
    specificity: 0,
  },
  {
    id: 'runc-exe-clone-fallback',
    title: 'runc cannot seal its own binary the new way: falls back, harmless',
    pattern: /could not use overlayfs for \/proc\/self\/exe sealing|fsopen overlay: function not implemented|F_GET_SEALS on \/proc\/self\/exe failed/i,
    runtime: ['runc'],
    sources: ['termux/termux-packages#23181 (runc 1.2.4 --debug)'],
    causes: [
      {
        id: 'runc-exe-clone-fallback',
        cause:
          'runc 1.2+ --debug lines: it protects /proc/self/exe with an overlayfs mount (fsopen, Linux 5.2) or a sealed memfd (memfd_create, 3.17) and falls back to a temporary copy when both are missing. Not an error by itself.',
        configOptions: ['CONFIG_MEMFD_CREATE'],
        hostFact: 'kernel older than 5.2 (no fsopen) or without memfd sealing',
        checkIds: ['syscall.memfd_create'],
        remediation: [{ kind: 'info', text: 'nothing to fix; if runc then fails, runc 1.1.x is the last series that needs neither' }],
      },
    ],
    specificity: 0,
  },
  {
    id: 'overlay-backing-fs',
    title: 'overlay cannot be stacked on the filesystem holding the storage',
    pattern: /'overlay' is not supported over [\w-]+|backing file system is unsupported for this graph driver/i,
    runtime: ['podman', 'dockerd'],
    sources: ['containers/buildah#1304', 'containers/bootc#1665'],
    causes: [
      {
        id: 'overlay-backing-fs',
        cause: 'The storage directory (data-root, graphroot) is on a filesystem overlayfs cannot use as its upper layer: overlayfs itself, ext4/xfs without d_type, f2fs with casefolding, FUSE/sdcardfs (Android\'s /sdcard).',
        configOptions: [],
        hostFact: 'the storage directory\'s filesystem',
        checkIds: ['fs.overlay', 'host.data-mount'],
        remediation: [
          { kind: 'runtime-flag', text: 'put the storage on ext4 (on Android: under /data, not /sdcard), or use a driver that copies', items: ['"data-root": "/data/docker"', '"storage-driver": "vfs"', 'podman: --storage-driver vfs, or mount_program = "/usr/bin/fuse-overlayfs"'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'graphdriver-not-supported',
    title: 'the configured storage driver does not work here',
    pattern: /error initializing graphdriver: driver not supported/i,
    runtime: ['dockerd'],
    sources: ['moby/moby#15651', 'docker/machine#1732'],
    causes: [
      {
        id: 'overlay-not-built',
        cause: 'dockerd was told (storage-driver, or its default overlay2) to use a driver the kernel lacks: no overlay filesystem (CONFIG_OVERLAY_FS; most Android kernels before 11).',
        configOptions: ['CONFIG_OVERLAY_FS'],
        checkIds: ['fs.overlay'],
        remediation: [
          { kind: 'runtime-flag', text: 'use the vfs driver (slow, always works)', items: ['"storage-driver": "vfs"'] },
          { kind: 'kernel-option', text: 'or rebuild the kernel', items: ['CONFIG_OVERLAY_FS=y'] },
        ],
        when: [{ check: 'fs.overlay', status: ['fail'] }],
      },
      {
        id: 'driver-vs-backing-fs',
        cause: 'The kernel has the driver, but not on the filesystem under data-root (overlay on overlay/FUSE/sdcardfs, aufs or devicemapper pieces missing).',
        configOptions: [],
        hostFact: 'the filesystem under data-root',
        checkIds: ['fs.overlay', 'host.data-mount'],
        remediation: [{ kind: 'runtime-flag', text: 'move data-root to ext4, or pick another driver', items: ['"data-root": "/data/docker"', '"storage-driver": "vfs"'] }],
        when: [{ check: 'fs.overlay', status: ['pass', 'warn'] }],
      },
    ],
    specificity: 2,
  },
  {
    id: 'graphdriver-multiple',
    title: 'data-root holds data of several storage drivers',
    pattern: /contains several valid graphdrivers/i,
    runtime: ['dockerd'],
    sources: ['docker/docker-install#114'],
    causes: [
      {
        id: 'graphdriver-multiple',
        cause: 'data-root has directories of more than one storage driver (left by an earlier install) and no storage-driver is configured, so dockerd will not guess. Not a kernel problem.',
        configOptions: [],
        hostFact: 'several driver directories under data-root',
        checkIds: [],
        remediation: [{ kind: 'runtime-flag', text: 'name the driver in daemon.json (or remove the unused directory under data-root)', items: ['"storage-driver": "overlay2"'] }],
      },
    ],
    specificity: 3,
  },
  {
    id: 'shim-not-found',
    title: 'containerd cannot find its runtime shim',
    pattern: /exec: "containerd-shim[\w-]*": executable file not found|binary not installed "containerd-shim-[\w-]+"/i,
    runtime: ['containerd', 'dockerd'],
    sources: ['containerd/containerd#2481', 'docker/docker-ce-packaging#465', 'kata-containers/kata-containers#301'],
    causes: [
      {
        id: 'shim-not-found',
        cause: 'containerd starts each container through a shim binary (containerd-shim, containerd-shim-runc-v2, containerd-shim-kata-v2) looked up in its PATH; it is not installed there (Termux installs under $PREFIX/bin, Magisk modules under /data/adb/...).',
        configOptions: [],
        hostFact: 'the shim is not in containerd\'s PATH',
        checkIds: [],
        remediation: [{ kind: 'host-command', text: 'install it or put its directory first in the PATH containerd/dockerd start with', items: ['command -v containerd-shim-runc-v2', 'PATH=/path/to/shim/dir:$PATH dockerd ...'] }],
      },
    ],
    specificity: 3,
  },
  {
    id: 'daemon-not-running',
    title: 'the docker client finds no daemon',
    pattern: /Cannot connect to the Docker daemon at \S+?\.? Is the docker daemon running\?/i,
    runtime: ['docker'],
    sources: ['moby/moby#37653 (Termux)', 'nix-community/nix-on-droid#346', 'LinuxDroidMaster/Termux-Projects#1'],
    causes: [
      {
        id: 'daemon-not-running',
        cause: 'No dockerd listens on that socket: it was never started (Android has no init service for it: start dockerd as root), it exited at start-up (its own log says why), or the client runs in proot (Termux proot-distro, nix-on-droid), where dockerd cannot run at all.',
        configOptions: [],
        hostFact: 'no dockerd process, or the client is in proot',
        checkIds: ['sec.root', 'ns.mnt'],
        remediation: [
          { kind: 'host-command', text: 'start dockerd as root and read what it prints', items: ['dockerd --debug', 'droidcheck probe'] },
          { kind: 'info', text: 'in proot (no root, no namespaces) Docker cannot work; use a rooted device or udocker' },
        ],
      },
    ],
    specificity: 1,
  },
  {
    id: 'socket-permission',
    title: 'no permission to use the docker socket',
    pattern: /permission denied while trying to connect to the Docker daemon socket/i,
    runtime: ['docker'],
    sources: ['mgksu/dockerd#3'],
    causes: [
      {
        id: 'socket-permission',
        cause: 'The docker socket belongs to root (and the docker group); the client runs as another user, e.g. the Termux app user talking to a dockerd started by su.',
        configOptions: [],
        hostFact: 'the client\'s user may not write the socket',
        checkIds: ['sec.root'],
        remediation: [{ kind: 'host-command', text: 'run the client as root, or let the user in', items: ['su -c docker ...', 'usermod -aG docker $USER (Linux)'] }],
      },
    ],
    specificity: 3,
  },
  {
    id: 'image-platform-32bit',
    title: 'a 32-bit docker on a 64-bit kernel asks for linux/arm/v8',
    pattern: /no matching manifest for linux\/arm\/v8\b/i,
    runtime: ['docker'],
    sources: ['koush/scrypted#1653'],
    causes: [
      {
        id: 'image-platform-32bit',
        cause: 'This docker is a 32-bit ARM build running on an arm64 kernel, so it asks for the platform linux/arm with variant v8, which no image publishes. Common on phones and Raspberry Pis with a 32-bit userland.',
        configOptions: [],
        hostFact: 'a 32-bit userland on a 64-bit kernel',
        checkIds: ['host.arch'],
        remediation: [
          { kind: 'runtime-flag', text: 'ask for a platform images have', items: ['docker pull --platform linux/arm/v7 IMAGE', 'docker pull --platform linux/arm64 IMAGE (runs only with a 64-bit docker)'] },
          { kind: 'info', text: 'or install the 64-bit (arm64) Docker build' },
        ],
        when: [{ userland32on64: true }],
      },
    ],
    specificity: 3,
  },
  {
    id: 'image-platform-missing',
    title: 'the image has no build for this platform',
    pattern: /no matching manifest for linux\/(?!arm\/v8\b)[\w/]+ in the manifest list entries/i,
    runtime: ['docker'],
    sources: ['openimsdk/open-im-server#456', 'cirruslabs/docker-images-android#60'],
    causes: [
      {
        id: 'image-platform-missing',
        cause: 'The image\'s manifest list has no entry for this machine\'s platform (often linux/arm64/v8 on phones and Apple silicon). Not a kernel problem.',
        configOptions: [],
        hostFact: 'the platform docker asked for',
        checkIds: ['host.arch'],
        remediation: [
          { kind: 'info', text: 'use an image built for this architecture, or build it yourself' },
          { kind: 'runtime-flag', text: 'or run another platform under emulation (needs binfmt_misc and qemu-user)', items: ['docker run --platform linux/amd64 IMAGE'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'crun-did-not-terminate',
    title: 'the OCI runtime failed without saying why',
    pattern: /\S*crun did not terminate succ?essfully/i,
    runtime: ['docker', 'crun'],
    sources: ['containers/crun#433'],
    causes: [
      {
        id: 'crun-did-not-terminate',
        cause: 'dockerd/containerd ran crun and it exited non-zero; the reason is in crun\'s own log, not in this line (on Android often the cgroup layout: see crun-cgroup-fstype).',
        configOptions: [],
        checkIds: ['cgroup.controllers', 'cgroup.v2'],
        remediation: [{ kind: 'host-command', text: 'run the container with crun directly to see its message', items: ['droidcheck run BUNDLE --runtime crun', 'crun --debug run ID'] }],
      },
    ],
    specificity: 1,
  },
];
