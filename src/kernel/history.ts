// Kernel versions where an option droidcheck reasons about appeared or went
// away, each with its source, in one place for checks and explain alike.

/**
 * CONFIG_KEYS_COMPAT was removed by 601f0093f264 "KEYS: remove CONFIG_KEYS_COMPAT"
 * (2019-12, on 5.5-rc2, so from 5.6 on): later kernels build the compat keyctl with
 * CONFIG_COMPAT and CONFIG_KEYS (checked in linux-source-6.1: security/keys/Makefile).
 */
export const KEYS_COMPAT_REMOVED_IN = '5.6';

/**
 * BPF_PROG_TYPE_CGROUP_DEVICE, which runc needs for device rules on cgroup v2, exists from
 * Linux 4.15 (runc maintainers: "4.15 is the absolute minimum for cgroup v2",
 * opencontainers/runc#3867).
 */
export const CGROUP2_DEVICE_BPF_SINCE = '4.15';
