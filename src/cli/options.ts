// The options of `probe` and `run` as plain data: yargs builds the help, the
// validation and the errors from them, and the fast parser (fast-argv.ts)
// reads the same tables for ordinary command lines without loading yargs.

export interface OptionSpec {
  type: 'boolean' | 'string';
  describe: string;
  default?: boolean | string;
  alias?: string;
  choices?: readonly string[];
  /** path.normalize the value (yargs' normalize). */
  normalize?: boolean;
  array?: boolean;
}

export const PROBE_OPTIONS = {
  'kernel-config': { type: 'string', describe: 'Kernel config to read, found by content: a .config (plain or gzip), a defconfig, a kernel image with IKCONFIG (Image, Image.gz/.lz4, bzImage, zImage) or an Android boot.img/vendor_boot; default /proc/config.gz, then /boot/config-$(uname -r)', normalize: true },
  'kernel-version': { type: 'string', describe: "The kernel version a --kernel-config file belongs to, when the file does not say (a defconfig has no version line); version-dependent checks follow it" },
  fragment: { type: 'boolean', default: false, describe: 'Print a config fragment that makes this kernel container-ready (missing options and their dependencies, for its version) instead of the report' },
  live: { type: 'boolean', default: true, describe: 'Run live tests (unshare, mounts, syscalls) in throwaway namespaces; --no-live reads files only' },
  ffi: { type: 'boolean', default: true, describe: 'Use koffi for live tests; --no-ffi (or DROIDCHECK_NO_FFI=1) uses busybox/util-linux/toybox' },
  busybox: { type: 'string', describe: 'Static busybox to use on the tools path' },
  format: { choices: ['table', 'json', 'yaml', 'markdown'], type: 'string', default: 'table', describe: 'Output format' },
  output: { alias: 'o', type: 'string', describe: 'Write the report to FILE instead of stdout' },
  verbose: { alias: 'v', type: 'boolean', default: false, describe: 'Show passed checks and evidence' },
  'list-checks': { type: 'boolean', default: false, describe: 'List the checks and exit' },
  check: { type: 'string', array: true, describe: 'Run only these check ids (repeatable)' },
  strict: { type: 'boolean', default: false, describe: 'Exit 1 on warnings too' },
  redact: { type: 'boolean', default: true, describe: 'Hide host and user names, addresses and serials; --no-redact keeps them' },
} as const satisfies Record<string, OptionSpec>;

export const RUN_OPTIONS = {
  'fix-config': { type: 'boolean', default: false, describe: 'Adapt config.json to this kernel; writes config.fixed.json beside it' },
  'in-place': { type: 'boolean', default: false, describe: 'With --fix-config: rewrite config.json itself, keeping config.json.orig' },
  runtime: { type: 'string', default: 'embedded', describe: "embedded (droidcheck's own), runc, crun or a path to a runtime binary" },
  report: { type: 'string', describe: 'Write the run report to FILE (YAML; JSON when FILE ends in .json)' },
  'host-fixes': { type: 'boolean', default: false, describe: 'With runc/crun: apply reversible host changes they need (mount the devices cgroup), then undo them' },
  'live-probe': { type: 'boolean', default: false, describe: "Also run the probe's live tests before the launch (slower; the fixes come from the same checks read from files)" },
  ffi: { type: 'boolean', default: true, describe: 'Use koffi and droidcheck-init; --no-ffi (or DROIDCHECK_NO_FFI=1) probes and launches through busybox/util-linux/toybox' },
  init: { choices: ['auto', 'c'], type: 'string', default: 'auto', describe: "The embedded runtime's launcher: c (droidcheck-init; fail when none runs here); auto: droidcheck-init where one runs here, else the tools (busybox, toybox, util-linux)" },
  busybox: { type: 'string', describe: 'Static busybox to use on the tools path' },
  tty: { alias: 't', type: 'boolean', default: false, describe: 'Give the workload a terminal whatever config.json says (docker run -t): droidcheck-init makes a pty and relays it' },
  interactive: { alias: 'i', type: 'boolean', default: false, describe: 'Keep stdin attached (docker run -i); with -t but without -i the workload gets no input. Without either, config.json decides (stdin attached)' },
  network: { choices: ['config', 'host'], type: 'string', default: 'config', describe: "config: the network namespace config.json asks for (loopback only: droidcheck makes no veth); host: share the host's network, as docker run --network host (what works on Android)" },
  verbose: { alias: 'v', type: 'boolean', default: false, describe: 'List every launch step' },
  redact: { type: 'boolean', default: true, describe: 'Hide host and user names, addresses and serials in the report' },
} as const satisfies Record<string, OptionSpec>;

export const EXPLAIN_OPTIONS = {
  file: { type: 'string', describe: 'Read the error text, or a whole log, from FILE (every known error in it, in order)', normalize: true },
  report: { type: 'string', describe: "Pick among causes with the facts of a device's probe report (droidcheck probe --format json -o FILE on the device)", normalize: true },
  facts: { type: 'boolean', default: true, describe: "Pick among causes with this machine's facts (files only); --no-facts when the error came from another machine" },
  format: { choices: ['table', 'json', 'yaml', 'markdown'], type: 'string', default: 'table', describe: 'Output format' },
} as const satisfies Record<string, OptionSpec>;

export const DOCKER_OPTIONS = {
  live: { type: 'boolean', default: true, describe: 'Run the live tests (veth, bridge, iptables, overlay, cgroups, keyring) in throwaway namespaces; --no-live judges from files only' },
  ffi: { type: 'boolean', default: true, describe: 'Use koffi for the BPF and keyring tests; --no-ffi uses the tools' },
  busybox: { type: 'string', describe: 'Static busybox for the tools path and for --prove\'s image' },
  dockerd: { type: 'string', describe: 'The dockerd to judge and --prove (default: dockerd on PATH)' },
  write: { type: 'string', describe: 'Write daemon.json, dockerd.sh, setup.sh and undo.sh into DIR', normalize: true },
  prove: { type: 'boolean', default: false, describe: 'Start a private dockerd with those settings, run one container (the command after --), stop and undo everything' },
  format: { choices: ['table', 'json', 'yaml', 'markdown'], type: 'string', default: 'table', describe: 'Output format' },
  output: { alias: 'o', type: 'string', describe: 'Write the report to FILE' },
  verbose: { alias: 'v', type: 'boolean', default: false, describe: 'Show passed checks and evidence' },
  strict: { type: 'boolean', default: false, describe: 'Exit 1 on warnings too' },
  redact: { type: 'boolean', default: true, describe: 'Hide host and user names in the report' },
} as const satisfies Record<string, OptionSpec>;

/** The arguments a command handler receives, whichever parser produced them. */
export interface ProbeArgs {
  kernelConfig?: string | undefined;
  live: boolean;
  ffi: boolean;
  busybox?: string | undefined;
  format: 'table' | 'json' | 'yaml' | 'markdown';
  output?: string | undefined;
  verbose: boolean;
  listChecks: boolean;
  fragment?: boolean | undefined;
  kernelVersion?: string | undefined;
  check?: (string | number)[] | undefined;
  strict: boolean;
  redact: boolean;
}

export interface RunArgs {
  bundle?: string | undefined;
  fixConfig: boolean;
  inPlace: boolean;
  runtime: string;
  report?: string | undefined;
  hostFixes: boolean;
  liveProbe: boolean;
  ffi: boolean;
  init: 'auto' | 'c';
  busybox?: string | undefined;
  network: 'config' | 'host';
  tty: boolean;
  interactive: boolean;
  verbose: boolean;
  redact: boolean;
}

export interface ExplainArgs {
  message?: (string | number)[] | undefined;
  file?: string | undefined;
  report?: string | undefined;
  facts: boolean;
  format: 'table' | 'json' | 'yaml' | 'markdown';
}

export interface DockerArgs {
  live: boolean;
  ffi: boolean;
  busybox?: string | undefined;
  dockerd?: string | undefined;
  write?: string | undefined;
  prove: boolean;
  format: 'table' | 'json' | 'yaml' | 'markdown';
  output?: string | undefined;
  verbose: boolean;
  strict: boolean;
  redact: boolean;
}
