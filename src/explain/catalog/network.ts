// explain catalog: networking: iptables/nf_tables, veth, bridge, tun, Android paranoid network.
// Patterns run on normalized lines (normalize.ts): runc's nested quoting is a plain ", timestamps and
// log prefixes are gone. Every entry names where the message was seen.

import type { CatalogEntry } from '../types.js';

export const NETWORK: readonly CatalogEntry[] = [
  {
    id: 'paranoid-network',
    title: 'Android paranoid network: sockets only for group inet (3003)',
    pattern: /\bsocket: permission denied|(?:Error creating network socket|couldn't create socket|cannot open socket|libnet_get_hwaddr\(\): socket): permission denied/i,
    runtime: ['any'],
    sources: ['meefik/linuxdeploy#1158', 'guardianproject/lildebi#6'],
    causes: [
      {
        id: 'paranoid-network',
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
      },
    ],
    specificity: 2,
  },
  {
    id: 'iptables-not-found',
    title: 'dockerd finds no iptables',
    pattern: /failed to create NAT chain DOCKER: iptables not found|iptables not found in \$?PATH/i,
    runtime: ['dockerd'],
    sources: ['dyrnq/install-docker#10'],
    causes: [
      {
        id: 'iptables-not-found',
        cause: 'dockerd runs iptables to set up its bridge network and found no iptables program in its PATH (Termux puts it under $PREFIX/bin; Android\'s own /system/bin/iptables is not in a chroot\'s PATH).',
        configOptions: [],
        hostFact: 'no iptables in dockerd\'s PATH',
        checkIds: [],
        remediation: [
          { kind: 'host-command', text: 'install iptables where dockerd looks (Debian: apt-get install iptables; Termux: pkg install root-repo iptables)', items: ['command -v iptables iptables-legacy'] },
          { kind: 'runtime-flag', text: 'or run dockerd without its iptables rules (containers then use --network host)', items: ['"iptables": false', '"bridge": "none"'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'iptables-nat-missing',
    title: 'the kernel has no iptables NAT table',
    pattern: /can't initialize iptables table [`'"]?nat[`'"]?: Table does not exist|failed to create NAT chain DOCKER: iptables failed|Chain '?MASQUERADE'? does not exist/i,
    runtime: ['dockerd', 'iptables'],
    sources: ['byJoey/Actions-bbr-v3#30'],
    causes: [
      {
        id: 'iptables-nat-missing',
        cause: 'The nat table needs CONFIG_IP_NF_NAT (and NF_NAT, IP_NF_TARGET_MASQUERADE) built in or loadable; the kernel lacks it, or its module is missing for the running kernel (modprobe: Module ip_tables not found after a kernel update).',
        configOptions: ['CONFIG_IP_NF_IPTABLES', 'CONFIG_IP_NF_NAT', 'CONFIG_NF_NAT', 'CONFIG_IP_NF_TARGET_MASQUERADE', 'CONFIG_NETFILTER_XT_MATCH_ADDRTYPE', 'CONFIG_NETFILTER_XT_MATCH_CONNTRACK'],
        checkIds: ['kconfig.moby'],
        remediation: [
          { kind: 'kernel-option', text: 'rebuild the kernel with NAT', items: ['CONFIG_IP_NF_IPTABLES=y', 'CONFIG_IP_NF_NAT=y', 'CONFIG_NF_NAT=y', 'CONFIG_IP_NF_TARGET_MASQUERADE=y'] },
          { kind: 'host-command', text: 'or, when they are modules, load them (after a kernel update: reboot into the kernel whose modules are installed)', items: ['modprobe ip_tables iptable_nat'] },
          { kind: 'runtime-flag', text: 'or run dockerd without NAT (containers use --network host)', items: ['"iptables": false', '"bridge": "none"'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'iptables-nft-mismatch',
    title: 'iptables-nft cannot work with this kernel\'s nf_tables',
    pattern: /\(nf_tables\):?\s+(?:Could not fetch rule set generation|[A-Z]+_[A-Z]+ failed \((?:Invalid argument|No such file or directory|Operation not supported)\))/i,
    runtime: ['iptables', 'dockerd', 'podman'],
    sources: ['docker-library/docker#467', 'docker/for-win#517', 'basecamp/kamal#1762', 'htrgouvea/nipe#101', 'sosandroid/docker-fail2ban-synology#6', 'containers/buildah#5785', 'mysteriumnetwork/node#6134', 'binhex/arch-qbittorrentvpn#370'],
    causes: [
      {
        id: 'no-nf-tables',
        cause: 'This iptables is the nf_tables variant ("(nf_tables)" in its version), but the kernel has no nf_tables (CONFIG_NF_TABLES): every Android kernel before GKI, and many NAS and old kernels.',
        configOptions: ['CONFIG_NF_TABLES', 'CONFIG_NFT_COMPAT'],
        checkIds: ['kconfig.moby'],
        remediation: [
          { kind: 'host-command', text: 'use the legacy iptables (root; Debian/Ubuntu, or put iptables-legacy first in dockerd\'s PATH)', items: ['update-alternatives --set iptables /usr/sbin/iptables-legacy', 'update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy'] },
          { kind: 'kernel-option', text: 'or rebuild the kernel with nf_tables', items: ['CONFIG_NF_TABLES=y', 'CONFIG_NFT_COMPAT=y', 'CONFIG_NFT_NAT=y', 'CONFIG_NFT_CHAIN_NAT=y (before 5.1)'] },
        ],
        when: [{ option: 'CONFIG_NF_TABLES', is: 'unset' }],
      },
      {
        id: 'nft-parts-missing',
        cause: 'The kernel has nf_tables but not the parts iptables-nft needs (nft_compat for xtables matches, NAT expressions), or rules written by iptables-legacy are in the way.',
        configOptions: ['CONFIG_NFT_COMPAT', 'CONFIG_NFT_NAT', 'CONFIG_NFT_MASQ'],
        checkIds: ['kconfig.moby'],
        remediation: [
          { kind: 'host-command', text: 'use the legacy iptables consistently (root)', items: ['update-alternatives --set iptables /usr/sbin/iptables-legacy'] },
          { kind: 'kernel-option', text: 'or add the missing expressions', items: ['CONFIG_NFT_COMPAT=y', 'CONFIG_NFT_NAT=y', 'CONFIG_NFT_MASQ=y'] },
        ],
        when: [{ option: 'CONFIG_NF_TABLES', is: 'set' }],
      },
    ],
    specificity: 3,
  },
  {
    id: 'veth-missing',
    title: 'no veth pairs',
    pattern: /failed to add the host \(.*?\) <=> sandbox \(.*?\) pair interfaces: operation not supported/i,
    runtime: ['dockerd'],
    sources: ['laradock/laradock#2114', 'firecracker-microvm/firecracker#3626', 'blakeblackshear/frigate#1558', 'Nico640/docker-unms#55', 'moby/moby#42229', 'moby/moby#38440 (armv7l, 4.9)'],
    causes: [
      {
        id: 'veth-not-built',
        cause: 'Docker connects each container to its bridge with a veth pair; the kernel has no CONFIG_VETH (stock Android before 11, minimal VM kernels).',
        configOptions: ['CONFIG_VETH'],
        checkIds: ['kconfig.moby'],
        remediation: [
          { kind: 'kernel-option', text: 'rebuild the kernel with veth', items: ['CONFIG_VETH=y'] },
          { kind: 'runtime-flag', text: 'or run containers in the host\'s network (what works on Android without veth)', items: ['docker run --network host ...', 'daemon.json: "bridge": "none"'] },
        ],
        when: [{ option: 'CONFIG_VETH', is: 'unset' }],
      },
      {
        id: 'veth-module-not-loadable',
        cause: 'The kernel has veth as a module but cannot load it: usually the kernel was updated and the running one\'s modules are gone (reboot), or modprobe is missing.',
        configOptions: [],
        hostFact: 'no /lib/modules/$(uname -r)/.../veth.ko for the running kernel',
        checkIds: ['kconfig.moby'],
        remediation: [{ kind: 'host-command', text: 'load it, or reboot into the kernel whose modules are installed', items: ['modprobe veth', 'ls /lib/modules/$(uname -r)'] }],
        when: [{ option: 'CONFIG_VETH', is: 'set' }],
      },
    ],
    specificity: 3,
  },
  {
    id: 'bridge-missing',
    title: 'Docker\'s bridge interface does not exist',
    pattern: /could not find bridge \S+: route ip\+net: no such network interface/i,
    runtime: ['dockerd'],
    sources: ['moby/moby#27426'],
    causes: [
      {
        id: 'bridge-missing',
        cause: 'The container\'s network is a bridge (docker0) that is gone: dockerd could not create it at start-up (no CONFIG_BRIDGE, see its log), or something deleted it while dockerd ran.',
        configOptions: ['CONFIG_BRIDGE'],
        checkIds: ['kconfig.moby'],
        remediation: [
          { kind: 'host-command', text: 'restart dockerd so it recreates docker0, and read its start-up log', items: ['ip link show docker0'] },
          { kind: 'kernel-option', text: 'if bridge creation fails', items: ['CONFIG_BRIDGE=y', 'CONFIG_BRIDGE_NETFILTER=y'] },
        ],
      },
    ],
    specificity: 2,
  },
  {
    id: 'bridge-add-if',
    title: 'a veth cannot be added to the bridge',
    pattern: /adding interface \S+ to bridge \S+ failed: operation not supported/i,
    runtime: ['dockerd'],
    sources: ['moby/moby#23047'],
    causes: [
      {
        id: 'bridge-add-if',
        cause: 'The bridge named in the network (or "bridge" in daemon.json) is not a Linux bridge (an Open vSwitch bridge, an ordinary interface), or the kernel\'s bridge support is missing.',
        configOptions: ['CONFIG_BRIDGE'],
        checkIds: ['kconfig.moby'],
        remediation: [{ kind: 'runtime-flag', text: 'point Docker at a Linux bridge (ip link add NAME type bridge) or let it create docker0', items: ['daemon.json: remove "bridge", or "bridge": "docker0"'] }],
      },
    ],
    specificity: 3,
  },
  {
    id: 'bridge-no-network',
    title: 'no free address range for Docker\'s bridge',
    pattern: /list bridge addresses failed: no available network|could not find an available, non-overlapping IPv4 address pool/i,
    runtime: ['dockerd'],
    sources: ['moby/moby#31546'],
    causes: [
      {
        id: 'bridge-no-network',
        cause: 'Every private range Docker tries for docker0 overlaps a route the host already has (VPN, Wi-Fi, a phone\'s mobile data ranges). Not a kernel problem.',
        configOptions: [],
        hostFact: 'all of Docker\'s default address pools overlap existing routes',
        checkIds: [],
        remediation: [{ kind: 'runtime-flag', text: 'give docker0 a range of its own in daemon.json', items: ['"bip": "10.200.0.1/24"', '"default-address-pools": [{"base": "10.201.0.0/16", "size": 24}]'] }],
      },
    ],
    specificity: 3,
  },
  {
    id: 'tun-missing',
    title: 'no TUN/TAP device for slirp4netns or rootlesskit',
    pattern: /setting up tap tap0: executing|open\(?"?\/dev\/net\/tun"?\)?: No such (?:file or directory|device)/i,
    runtime: ['podman'],
    sources: ['rootless-containers/rootlesskit#299', 'rootless-containers/rootlesskit#441'],
    causes: [
      {
        id: 'tun-missing',
        cause: 'Rootless networking creates a tap device through /dev/net/tun: the kernel has no CONFIG_TUN, or the node is elsewhere (Android has /dev/tun, not /dev/net/tun).',
        configOptions: ['CONFIG_TUN'],
        hostFact: '/dev/net/tun is missing',
        checkIds: ['kconfig.android'],
        remediation: [
          { kind: 'host-command', text: 'make the node where tools look for it (root)', items: ['mkdir -p /dev/net && ln -sf /dev/tun /dev/net/tun', 'or: mknod /dev/net/tun c 10 200'] },
          { kind: 'kernel-option', text: 'if the kernel lacks it', items: ['CONFIG_TUN=y'] },
        ],
      },
    ],
    specificity: 3,
  },
  {
    id: 'tun-denied',
    title: '/dev/net/tun may not be opened',
    pattern: /open\(?"?\/dev\/net\/tun"?\)?: (?:Permission denied|Operation not permitted)/i,
    runtime: ['podman'],
    sources: ['containers/podman#19908', 'containers/podman#10001'],
    causes: [
      {
        id: 'tun-denied',
        cause: 'The device exists but this user, or the container/LSM it runs under, may not open it: mode 0600 root-only, an LXC/Docker guest without the device allowed, or an SELinux/AppArmor denial.',
        configOptions: [],
        hostFact: '/dev/net/tun is not readable and writable for this user, or a device cgroup/LSM denies it',
        checkIds: ['sec.selinux'],
        remediation: [
          { kind: 'host-command', text: 'allow it (root)', items: ['chmod 0666 /dev/net/tun', 'LXC guest: lxc.cgroup.devices.allow = c 10:200 rwm'] },
        ],
      },
    ],
    specificity: 3,
  },
];
