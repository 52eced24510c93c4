// explain catalog: namespaces, user namespaces, keyrings, procfs and seccomp.
// Patterns run on normalized lines (normalize.ts): runc's nested quoting is a plain ", timestamps and
// log prefixes are gone. Every entry names where the message was seen.

import { KEYS_COMPAT_REMOVED_IN } from '../../kernel/history.js';
import type { CatalogEntry } from '../types.js';

const NS_CHECKS = ['ns.ipc', 'ns.pid', 'ns.uts', 'ns.net', 'ns.user', 'ns.cgroup'];

export const NAMESPACES: readonly CatalogEntry[] = [
  {
    id: 'ns-unshare-einval',
    title: 'the kernel lacks a namespace the container asks for',
    pattern:
      /nsenter: failed to unshare namespaces: Invalid argument|failed to unshare remaining namespaces(?: \(except cgroupns\))?: Invalid argument|running exec setns process for init caused:? "?exit status (?:29|46)\b|Invalid argument - Failed to clone a new set of namespaces|creating new namespace failed: Invalid argument|unshare: unshare failed: Invalid argument/i,
    runtime: ['runc', 'docker', 'lxc', 'bwrap'],
    sources: ['opencontainers/runc#1343', 'moby/moby#34971 (docker client line alone)', 'runc notes on a Nexus 9, Android 7.1.1, kernel 3.10 (IPC namespace missing), hard-wrapped as pasted', 'a docker install note (exit status 46 from the docker client)', 'canonical/lxd#4720', 'firehol/firehol#195'],
    causes: [
      {
        id: 'ns-unshare-einval',
        cause:
          'unshare()/clone() returned EINVAL: one of the namespaces in linux.namespaces is not built into this kernel. Android kernels often lack the IPC namespace (AOSP disables SYSVIPC), and older ones the PID, user or network namespace. runc\'s nsexec exits with a line-dependent status (29 or 46 in the versions Docker shipped).',
        configOptions: ['CONFIG_NAMESPACES', 'CONFIG_IPC_NS', 'CONFIG_SYSVIPC', 'CONFIG_PID_NS', 'CONFIG_UTS_NS', 'CONFIG_NET_NS', 'CONFIG_USER_NS'],
        checkIds: NS_CHECKS,
        remediation: [
          { kind: 'info', text: 'find out which namespace is missing', items: ['droidcheck probe --check ns.ipc --check ns.pid --check ns.uts --check ns.net --check ns.user --check ns.cgroup'] },
          { kind: 'config-edit', text: 'drop the missing namespaces from config.json (the container then shares the host\'s: no IPC isolation, host PIDs visible...)', items: ['.linux.namespaces -= [{"type":"ipc"}]', 'droidcheck run --fix-config'] },
          { kind: 'kernel-option', text: 'rebuild the kernel with the namespace options', items: ['CONFIG_NAMESPACES=y', 'CONFIG_SYSVIPC=y', 'CONFIG_IPC_NS=y', 'CONFIG_PID_NS=y', 'CONFIG_UTS_NS=y', 'CONFIG_NET_NS=y'] },
        ],
      },
    ],
    specificity: 2,
  },
  {
    id: 'userns-disabled',
    title: 'user namespaces are switched off',
    pattern:
      /user namespaces are not enabled in \/proc\/sys\/(?:user\/max_user_namespaces|kernel\/unprivileged_userns_clone)|unshare\(CLONE_NEWUSER\): Operation not permitted|Error during unshare\(CLONE_NEWUSER\): (?:Operation not permitted|Invalid argument)/i,
    runtime: ['podman', 'runc', 'bwrap'],
    sources: ['containers/podman#8463', 'mviereck/x11docker#255 (podman on Debian)'],
    causes: [
      {
        id: 'userns-disabled',
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
      },
    ],
    specificity: 3,
  },
  {
    id: 'clone-einval',
    title: 'a container runtime cannot create namespaces here',
    pattern: /cannot clone: (?:Invalid argument|Operation not permitted)/i,
    runtime: ['podman'],
    sources: ['CHTC/chtc-website-source#464 (podman on CentOS 7)'],
    causes: [
      {
        id: 'clone-einval',
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
      },
    ],
    specificity: 2,
  },
  {
    id: 'ipc-sysctl-hostns',
    title: 'IPC sysctls need an IPC namespace',
    pattern: /sysctl "?[\w.\/-]+"? is not allowed in the hosts ipc namespace/i,
    runtime: ['runc', 'docker'],
    sources: ['format: runc libcontainer/configs/validate/validator.go'],
    causes: [
      {
        id: 'ipc-sysctl-hostns',
        cause:
          'config.json sets kernel.shm*, kernel.msg*, kernel.sem or fs.mqueue.* sysctls. runc only allows them when the container has its own IPC namespace, and this container has none (dropped because the kernel lacks IPC_NS, or --ipc=host).',
        configOptions: ['CONFIG_IPC_NS', 'CONFIG_SYSVIPC'],
        checkIds: ['ipc.sysctls', 'ns.ipc'],
        remediation: [
          { kind: 'config-edit', text: 'remove the IPC sysctls from config.json', items: ['del(.linux.sysctl["kernel.shmmax"])', 'droidcheck run --fix-config'] },
          { kind: 'kernel-option', text: 'or give the kernel IPC namespaces', items: ['CONFIG_SYSVIPC=y', 'CONFIG_IPC_NS=y'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'seccomp-unsupported',
    title: 'the kernel has no seccomp',
    pattern: /seccomp: config provided but seccomp not supported/i,
    runtime: ['runc'],
    sources: ['a Synology NAS troubleshooting note'],
    causes: [
      {
        id: 'seccomp-unsupported',
        cause: 'config.json has a linux.seccomp profile, but the kernel was built without seccomp filters (or runc without libseccomp).',
        configOptions: ['CONFIG_SECCOMP', 'CONFIG_SECCOMP_FILTER'],
        checkIds: ['sec.seccomp', 'syscall.seccomp'],
        remediation: [
          { kind: 'config-edit', text: 'remove the seccomp profile (the container loses syscall filtering)', items: ['del(.linux.seccomp)', 'docker run --security-opt seccomp=unconfined'] },
          { kind: 'kernel-option', text: 'or rebuild the kernel', items: ['CONFIG_SECCOMP=y', 'CONFIG_SECCOMP_FILTER=y'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'session-keyring',
    title: 'runc cannot create the container\'s session keyring',
    pattern: /could not create session key: function not implemented|unable to join session keyring: unable to create session key: function not implemented/i,
    runtime: ['runc', 'docker'],
    sources: ['docker/for-linux#53 (32-bit docker, arm64 3.14 kernel)', 'moby/moby#33976 (odroid c2, linux/arm)', 'ayufan-rock64/linux-build#34', 'docker/for-linux#409 (inside a Proxmox LXC guest)', 'opencontainers/runc#1369'],
    causes: [
      {
        id: 'keys-missing',
        cause: 'runc gives each container its own session keyring with keyctl(2); the kernel was built without CONFIG_KEYS, so keyctl answers ENOSYS.',
        configOptions: ['CONFIG_KEYS'],
        checkIds: ['kconfig.moby'],
        remediation: [
          { kind: 'kernel-option', text: 'rebuild the kernel with keyrings', items: ['CONFIG_KEYS=y'] },
          { kind: 'config-edit', text: 'or start runc without a new keyring (docker cannot pass this)', items: ['runc run --no-new-keyring ID'] },
        ],
        when: [{ option: 'CONFIG_KEYS', is: 'unset' }],
      },
      {
        id: 'keys-compat-missing',
        cause: 'The kernel has keyrings, but this is a 32-bit docker/runc on a 64-bit kernel without the compat keyctl entry (CONFIG_KEYS_COMPAT, absent on early arm64 kernels): the 32-bit keyctl call answers ENOSYS.',
        configOptions: ['CONFIG_KEYS_COMPAT', 'CONFIG_COMPAT'],
        hostFact: 'a 32-bit userland on a 64-bit kernel',
        checkIds: ['host.arch', 'kconfig.moby'],
        remediation: [
          { kind: 'info', text: 'install the 64-bit (arm64) build of docker/containerd/runc: it needs no compat call' },
          { kind: 'kernel-option', text: 'or rebuild the kernel with the compat entry', items: ['CONFIG_COMPAT=y', 'CONFIG_KEYS_COMPAT=y (kernels that have it)'] },
        ],
        // KEYS_COMPAT went away in Linux 5.6 (Eric Biggers, "KEYS: remove CONFIG_KEYS_COMPAT", posted to
        // keyrings@ 2019-10-09): from then on the compat keyctl is built whenever CONFIG_COMPAT is set.
        when: [{ option: 'CONFIG_KEYS', is: 'set' }, { userland32on64: true }, { option: 'CONFIG_KEYS_COMPAT', is: 'unset' }, { kernel: '<', version: KEYS_COMPAT_REMOVED_IN }],
      },
      {
        id: 'keyctl-filtered',
        cause: 'The kernel has keyrings and the userland matches it, so something between answers ENOSYS for keyctl: a seccomp profile of an outer container (Docker or an LXC/Proxmox guest running this docker).',
        configOptions: [],
        hostFact: 'this docker runs inside another container whose seccomp profile blocks keyctl',
        checkIds: ['sec.seccomp'],
        remediation: [
          { kind: 'host-command', text: 'allow keyctl in the outer container (Proxmox: features: keyctl=1,nesting=1)', items: ['pct set ID --features keyctl=1,nesting=1'] },
          { kind: 'config-edit', text: 'or start runc without a new keyring', items: ['runc run --no-new-keyring ID'] },
        ],
        when: [{ option: 'CONFIG_KEYS', is: 'set' }, { userland32on64: false }],
      },
    ],
    specificity: 3,
  },
  {
    id: 'session-keyring-quota',
    title: 'the keyring quota is used up',
    pattern: /(?:unable to create|could not create) session key:\s*disk quota exceeded/i,
    runtime: ['runc'],
    sources: ['darkyzhou/seele#13'],
    causes: [
      {
        id: 'session-keyring-quota',
        cause: 'Each container gets a session keyring owned by its user; the kernel\'s per-user key quota (kernel.keys.maxkeys, maxbytes) is exhausted, typically by many containers of one uid.',
        configOptions: [],
        hostFact: 'kernel.keys.maxkeys / maxbytes reached for this uid',
        checkIds: [],
        remediation: [{ kind: 'host-command', text: 'raise the quota (root)', items: ['sysctl -w kernel.keys.maxkeys=20000', 'sysctl -w kernel.keys.maxbytes=400000'] }],
      },
    ],
    specificity: 3,
  },
  {
    id: 'unsafe-procfs',
    title: 'runc refuses a /proc it cannot verify',
    pattern: /unsafe procfs detected/i,
    runtime: ['runc', 'docker'],
    sources: ['cri-o/cri-o#9573', 'opencontainers/runc#4963'],
    causes: [
      {
        id: 'userns-missing',
        cause: 'runc 1.3 (and the 1.2.8 fixes for CVE-2025-52881) opens /proc through a private procfs instance and checks every handle; without user namespaces (CONFIG_USER_NS, missing on most Android kernels) that private instance cannot be made and runc calls the host\'s /proc unsafe.',
        configOptions: ['CONFIG_USER_NS'],
        checkIds: ['ns.user'],
        remediation: [
          { kind: 'kernel-option', text: 'rebuild the kernel with user namespaces (Droidspaces\' fix)', items: ['CONFIG_USER_NS=y'] },
          { kind: 'info', text: 'or use runc 1.2.7 or older, or crun' },
        ],
        when: [{ option: 'CONFIG_USER_NS', is: 'unset' }],
      },
      {
        id: 'lsm-denies-fsmount',
        cause: 'The kernel has what runc needs, but a security policy (an SELinux or AppArmor profile older than runc) denies the new mount API on procfs (fsopen/fsmount: operation not permitted).',
        configOptions: [],
        hostFact: 'an LSM denial of fsmount on proc',
        checkIds: ['sec.selinux', 'ns.user'],
        remediation: [{ kind: 'info', text: 'update the container SELinux/AppArmor policy (container-selinux) to one that knows runc 1.3, or use runc 1.2.7/crun meanwhile' }],
        when: [{ option: 'CONFIG_USER_NS', is: 'set' }],
      },
    ],
    specificity: 3,
  },
  {
    id: 'ns-missing-proc',
    title: 'the process whose namespaces should be joined is gone',
    pattern: /nsenter: cannot open \/proc\/\d+\/ns\/\w+: No such file or directory/i,
    runtime: ['any'],
    sources: ['jpetazzo/nsenter#68'],
    causes: [
      {
        id: 'ns-missing-proc',
        cause: 'The PID given to nsenter has exited, belongs to another PID namespace (inside a container /proc shows other PIDs), or the kernel lacks that namespace type (no /proc/PID/ns/pid before 3.8 or without CONFIG_PID_NS).',
        configOptions: ['CONFIG_PID_NS'],
        checkIds: ['ns.pid'],
        remediation: [{ kind: 'host-command', text: 'take the PID from the host\'s view and check the entry exists', items: ['docker inspect -f {{.State.Pid}} ID', 'ls -l /proc/PID/ns/'] }],
      },
    ],
    specificity: 2,
  },
  {
    id: 'newuidmap-eperm',
    title: 'the uid/gid map of a rootless container could not be written',
    pattern: /newuidmap: (?:write to uid_map failed|open of uid_map failed)|newgidmap: (?:write to gid_map failed|open of gid_map failed)|writing file `?\/proc\/\d+\/[ug]id_map`?: Operation not permitted/i,
    runtime: ['podman'],
    sources: ['containers/podman#21738', 'containers/podman#20336', 'containers/podman#23109'],
    causes: [
      {
        id: 'newuidmap-eperm',
        cause: 'Rootless podman maps the ranges from /etc/subuid and /etc/subgid with newuidmap/newgidmap; the kernel refused: the helper lacks its setuid bit or file capabilities, the ranges are missing for this user, or the user namespace is nested in one that does not map them.',
        configOptions: ['CONFIG_USER_NS'],
        hostFact: '/etc/subuid, /etc/subgid and the newuidmap/newgidmap helpers',
        checkIds: ['ns.user'],
        remediation: [
          { kind: 'host-command', text: 'give the user ranges and the helpers their privileges (root), then reset podman', items: ['usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER', 'chmod u+s /usr/bin/newuidmap /usr/bin/newgidmap', 'podman system migrate'] },
        ],
      },
    ],
    specificity: 3,
  },
];
