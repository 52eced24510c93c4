// droidcheck's command line. Ordinary `probe`, `run` and `explain` lines are parsed by
// fast-argv.ts from the same option tables; everything else (help, version,
// errors, the other commands) goes to yargs, loaded only then. Commands load
// their modules lazily so start-up stays close to node's own.

import { fastParse } from './fast-argv.js';
import { DOCKER_OPTIONS, EXPLAIN_OPTIONS, PROBE_OPTIONS, RUN_OPTIONS, type DockerArgs, type ExplainArgs, type ProbeArgs, type RunArgs } from './options.js';
import { version } from './version.js';
import { trace } from '../util/trace.js';

export { version };

export const EXIT_CODES = `Exit codes:
  0  every required check passed (warnings allowed)
  1  a required check failed (with --strict: any warning or failure)
  2  droidcheck itself could not run (bad arguments, unreadable file, internal error)`;

const RUN_EXIT_CODES = `Exit status:
  N        the container's own
  125      the launch failed before the workload ran, or droidcheck could not write --report
  126/127  the workload could not be executed (not executable / not found)
  128+N    droidcheck (and so the container) was stopped by signal N
  2        bad arguments`;

/** A string option given twice arrives as an array: say so instead of failing later on the array. */
function singleValued(options: Record<string, { type?: string; array?: boolean }>): (argv: Record<string, unknown>) => true {
  return (argv) => {
    for (const [name, spec] of Object.entries(options)) {
      if (spec.type === 'string' && !spec.array && Array.isArray(argv[name])) throw new UsageError(`--${name} given more than once`);
    }
    return true;
  };
}

class UsageError extends Error {}

/** What follows "--" on the command line, as process.args. */
function rest(args: object): { args: string[] } | null {
  const tail = (args as { '--'?: unknown })['--'];
  return Array.isArray(tail) && tail.length ? { args: tail.map(String) } : null;
}

export interface Handlers {
  probe(args: ProbeArgs): Promise<number>;
  run(args: RunArgs): Promise<number>;
  explain(args: ExplainArgs): Promise<number>;
  docker(args: DockerArgs & { command?: string[] }): Promise<number>;
}

const noFfiEnv = (): boolean => process.env['DROIDCHECK_NO_FFI'] === '1';

const HANDLERS: Handlers = {
  async docker(args) {
    const { dockerCommand } = await import('./docker.js');
    return dockerCommand({
      live: args.live,
      noFfi: !args.ffi || noFfiEnv(),
      ...(args.busybox !== undefined ? { busybox: args.busybox } : {}),
      ...(args.dockerd !== undefined ? { dockerd: args.dockerd } : {}),
      ...(args.write !== undefined ? { write: args.write } : {}),
      prove: args.prove,
      format: args.format,
      ...(args.output !== undefined ? { output: args.output } : {}),
      verbose: args.verbose,
      strict: args.strict,
      redact: args.redact,
      command: args.command ?? [],
    });
  },
  async explain(args) {
    const { explainCommand } = await import('./explain.js');
    const words = (args.message ?? []).map(String);
    return explainCommand({
      ...(words.length ? { message: words.join(' ') } : {}),
      ...(args.file !== undefined ? { file: args.file } : {}),
      ...(args.report !== undefined ? { report: args.report } : {}),
      facts: args.facts,
      format: args.format,
    });
  },
  async probe(args) {
    // The live tests take longest (a koffi worker thread): they start before the probe's modules load.
    if (args.live && args.ffi && !noFfiEnv() && !args.listChecks) (await import('../host/node-host.js')).prestartLiveTests();
    const { probeCommand } = await import('./probe.js');
    return probeCommand({
      ...(args.kernelConfig !== undefined ? { kernelConfig: args.kernelConfig } : {}),
      live: args.live,
      noFfi: !args.ffi || noFfiEnv(),
      ...(args.busybox !== undefined ? { busybox: args.busybox } : {}),
      format: args.format,
      ...(args.output !== undefined ? { output: args.output } : {}),
      verbose: args.verbose,
      listChecks: args.listChecks,
      ...(args.fragment ? { fragment: true } : {}),
      ...(args.kernelVersion !== undefined ? { kernelVersion: args.kernelVersion } : {}),
      ...(args.check !== undefined ? { check: args.check.map(String) } : {}),
      strict: args.strict,
      redact: args.redact,
    });
  },
  async run(args) {
    // Checked here, after either parser (fast-argv or yargs).
    if (args.inPlace && !args.fixConfig) {
      process.stderr.write('droidcheck: --in-place rewrites config.json with the fixes: it needs --fix-config\nRun droidcheck run --help for usage.\n');
      return 2;
    }
    // The launch's own modules load beside run.js's (the module graph is read in parallel), not after it.
    const launcher = args.ffi && args.runtime === 'embedded' ? [import('../runtime/native-init.js'), import('../runtime/native-path.js'), import('../runtime/plan.js')] : [];
    const [{ runCommand }, { NodeHost }] = await Promise.all([import('./run.js'), import('../host/node-host.js'), ...launcher]);
    return runCommand(
      {
        bundle: args.bundle ?? '.',
        fixConfig: args.fixConfig,
        inPlace: args.inPlace,
        runtime: args.runtime,
        ...(args.report !== undefined ? { report: args.report } : {}),
        hostFixes: args.hostFixes,
        liveProbe: args.liveProbe,
        verbose: args.verbose,
        redact: args.redact,
        noFfi: !args.ffi || noFfiEnv(),
        init: args.init,
        network: args.network,
        ...(args.tty ? { tty: true } : {}),
        ...(args.interactive ? { interactive: true } : {}),
        ...(args.busybox !== undefined ? { busybox: args.busybox } : {}),
      },
      {
        host: new NodeHost(),
        stderr: (s) => process.stderr.write(s),
        color: Boolean(process.stderr.isTTY) && !process.env['NO_COLOR'],
        stdinIsTty: Boolean(process.stdin.isTTY),
        now: new Date(),
        platform: process.platform,
        arch: process.arch,
        execPath: process.execPath,
      },
    );
  },
};

/** Builds the yargs parser; the probe and run handlers are passed in so a test can compare parsers. */
export async function yargsMain(argv: string[], handlers: Handlers): Promise<number> {
  const { default: yargs } = await import('yargs');
  let code = 0;
  const parser = yargs(argv)
    .scriptName('droidcheck')
    .parserConfiguration({ 'populate--': true })
    .usage('$0 <command> [options]\n\nCan Docker/OCI containers run on this Android device or old Linux kernel?')
    .command(
      'probe',
      'Check what this kernel and device can and cannot do for containers',
      (y) =>
        y
          .options(PROBE_OPTIONS)
          .check(singleValued(PROBE_OPTIONS))
          .example('$0 probe', 'probe this machine (as root for live tests)')
          .example('$0 probe --format markdown -o report.md', 'a report to attach to a bug')
          .example('$0 probe --kernel-config config.gz --no-live', 'evaluate another kernel\'s config only')
          .strict()
          .epilogue(EXIT_CODES),
      async (args) => {
        code = await handlers.probe(args);
      },
    )
    .command(
      'run [bundle]',
      'Launch an OCI bundle for real, fixing its config.json for this kernel when asked, and report every step',
      (y) =>
        y
          .positional('bundle', { type: 'string', default: '.', describe: 'Bundle directory (config.json and its rootfs)' })
          .options(RUN_OPTIONS)
          .check(singleValued(RUN_OPTIONS))
          .example('$0 run ./bundle --fix-config --report run.yaml', 'fix and launch a bundle, keep the report')
          .example('$0 run ./bundle --fix-config --runtime runc --host-fixes', 'the same with runc')
          .strict()
          .epilogue(RUN_EXIT_CODES),
      async (args) => {
        code = await handlers.run(args);
      },
    )
    .command(
      'explain [message..]',
      'Explain a runc/docker/containerd/LXC error: the kernel option or host fact behind it, the fix, the check that confirms it',
      (y) =>
        y
          .positional('message', { type: 'string', array: true, describe: 'The error text (quote it); read from --file or stdin when omitted' })
          .options(EXPLAIN_OPTIONS)
          .check(singleValued(EXPLAIN_OPTIONS))
          .example("$0 explain 'open /dev/ptmx: no such file or directory'", 'explain one message')
          .example('runc run x 2>&1 | $0 explain', 'explain whatever runc printed')
          .example('$0 explain --file dockerd.log --report probe.json', "every known error in a device's log, judged with that device's facts")
          .strict()
          .epilogue('Exit codes:\n  0  at least one known cause found\n  1  no known cause (the closest entries and what to run next are shown)\n  2  no message given, or an unreadable --file/--report'),
      async (args) => {
        code = await handlers.explain(args);
      },
    )
    .command(
      'docker',
      'What Docker (dockerd, containerd, runc) needs here, tested live in throwaway namespaces; the daemon settings that make it work; --prove runs a real private dockerd',
      (y) =>
        y
          .options(DOCKER_OPTIONS)
          .check(singleValued(DOCKER_OPTIONS))
          .example('$0 docker', 'what works and what to set')
          .example('$0 docker --write /data/docker/etc', 'daemon.json, dockerd.sh, setup.sh and undo.sh')
          .example("$0 docker --prove -- sh -c 'echo hi from $$'", 'a private dockerd runs one container, then everything is undone')
          .strict()
          .epilogue('Exit codes (as probe):\n  0  Docker can run (warnings allowed)\n  1  a required docker check failed\n  2  bad arguments, --prove without root or without Docker\nWith --prove: the container\'s own status; 125 when dockerd or the container did not start; 128+N after signal N'),
      async (args) => {
        code = await handlers.docker({ ...args, command: rest(args)?.args ?? [] });
      },
    )
    .command(
      'undo',
      'Undo the host changes (mounts, directories, a runtime container) of a run that was killed before it could undo them itself',
      (y) => y.strict().epilogue('Exit codes:\n  0  nothing left to undo, or everything undone\n  1  some change could not be undone (the journal is kept)'),
      async () => {
        const [{ undoCommand }, { NodeHost }] = await Promise.all([import('./undo.js'), import('../host/node-host.js')]);
        code = await undoCommand({ host: new NodeHost(), stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
      },
    )
    .command(
      'rootfs <dir>',
      'Make a minimal OCI bundle in DIR around a static busybox (rootfs/ + config.json in the runc spec layout)',
      (y) =>
        y
          .positional('dir', { type: 'string', demandOption: true, normalize: true, describe: 'Bundle directory to create (must not hold a bundle yet)' })
          .option('busybox', { type: 'string', demandOption: true, normalize: true, describe: 'A statically linked busybox for the target architecture' })
          .option('arch', { type: 'string', describe: 'Expected architecture (aarch64/arm64, arm/armv7, x86_64/amd64, i386); error if the busybox differs' })
          .option('terminal', { type: 'boolean', describe: 'process.terminal in config.json (default true, as runc spec)' })
          .option('args', { type: 'string', array: true, describe: 'process.args (default: sh)' })
          .example('$0 rootfs /data/local/tmp/bb --busybox ./busybox-armv7l --arch arm', 'a bundle for a 32-bit ARM phone')
          .example(`$0 rootfs /tmp/demo --busybox /bin/busybox -- sh -c 'echo hello'`, 'the command after -- becomes process.args')
          .strict()
          .epilogue('Exit codes:\n  0  bundle created\n  2  bad busybox, architecture mismatch, or the directory already holds a bundle'),
      async (args) => {
        const { rootfsCommand } = await import('./rootfs.js');
        code = await rootfsCommand({
          dir: args.dir,
          busybox: args.busybox,
          ...(args.arch !== undefined ? { arch: args.arch } : {}),
          ...(args.terminal !== undefined ? { terminal: args.terminal } : {}),
          ...(rest(args) ?? (args.args !== undefined ? { args: args.args.map(String) } : {})),
        });
      },
    )
    .demandCommand(1, 'Name a command: probe, run, docker, explain, rootfs or undo')
    .strict()
    .version(version())
    .help()
    .alias('h', 'help')
    .epilogue(EXIT_CODES)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      // yargs goes on to the handler unless fail() throws.
      throw err ?? new UsageError(msg);
    });
  try {
    await parser.parseAsync(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`droidcheck: ${error.message}\nRun droidcheck --help for usage.\n`);
    return 2;
  }
  return code;
}

export async function main(argv: string[]): Promise<number> {
  const fast = fastParse(argv);
  if (fast?.command === 'probe') return HANDLERS.probe(fast.args);
  if (fast?.command === 'run') return HANDLERS.run(fast.args);
  if (fast?.command === 'explain') return HANDLERS.explain(fast.args);
  if (fast?.command === 'docker') return HANDLERS.docker(fast.args);
  return yargsMain(argv, HANDLERS);
}

export async function run(): Promise<void> {
  trace('main: start');
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`droidcheck: ${(error as Error).message}\n`);
    process.exitCode = 2;
  }
  // Everything is written (stdout/stderr to files, pipes and terminals are synchronous on Linux and
  // reports are awaited): leave now rather than tear the whole heap down, which takes tens of ms.
  trace('main: exit');
  process.exit();
}
