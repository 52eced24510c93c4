// The fast parser gives either exactly what yargs gives or nothing (and yargs
// takes over): checked on a corpus of command lines against the real yargs
// parser built from the same option tables.

import t from 'tap';
import { fastParse } from '../../src/cli/fast-argv.js';
import { yargsMain, type Handlers } from '../../src/cli/main.js';
import { DOCKER_OPTIONS, EXPLAIN_OPTIONS, PROBE_OPTIONS, RUN_OPTIONS } from '../../src/cli/options.js';

const camel = (k: string): string => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const KEYS = {
  probe: Object.keys(PROBE_OPTIONS).map(camel),
  run: [...Object.keys(RUN_OPTIONS).map(camel), 'bundle'],
  explain: [...Object.keys(EXPLAIN_OPTIONS).map(camel), 'message'],
  docker: Object.keys(DOCKER_OPTIONS).map(camel),
};

/** What yargs hands the command handler, on the keys the handlers read; null when yargs refuses the line. */
async function viaYargs(argv: string[]): Promise<{ command: string; args: Record<string, unknown> } | null> {
  let got: { command: string; args: Record<string, unknown> } | null = null;
  const capture = (command: 'probe' | 'run' | 'explain' | 'docker') => async (args: object): Promise<number> => {
    const a = args as Record<string, unknown>;
    got = { command, args: Object.fromEntries(KEYS[command].filter((k) => a[k] !== undefined).map((k) => [k, a[k]])) };
    return 0;
  };
  const handlers: Handlers = { probe: capture('probe'), run: capture('run'), explain: capture('explain'), docker: capture('docker') };
  const write = process.stderr.write;
  process.stderr.write = () => true; // yargs' own error messages
  try {
    await yargsMain(argv, handlers);
  } finally {
    process.stderr.write = write;
  }
  return got;
}

const FAST = [
  ['probe'],
  ['probe', '--format', 'json'],
  ['probe', '--format=yaml', '-o', 'r.yaml'],
  ['probe', '--no-ffi', '--busybox', '/data/local/tmp/busybox', '-v'],
  ['probe', '--kernel-config', './x/../config.gz', '--no-live'],
  ['probe', '--strict', '--no-redact', '--list-checks'],
  ['probe', '--output', 'a b.md', '--format', 'markdown'],
  ['run'],
  ['run', '/tmp/bundle'],
  ['run', 'bundle', '--fix-config', '--in-place', '--report', 'r.yaml'],
  ['run', '--fix-config', 'bundle', '--runtime', 'runc', '--host-fixes'],
  ['run', '--no-ffi', '--busybox=/bin/busybox', '--live-probe', '-v', '.'],
  ['run', '123'],
  ['run', '--report=', 'b'],
  ['explain', 'exit status 46'],
  ['explain', 'open', '/dev/ptmx:', 'no', 'such', 'file'],
  ['explain', '--file', 'dockerd.log', '--no-facts'],
  ['explain', '--format=markdown', '--report', 'p.json', 'mountpoint for devices not found'],
  ['explain'],
  ['docker'],
  ['docker', '--format', 'json', '--no-ffi', '-v'],
  ['docker', '--write', '/data/docker/etc', '--dockerd=/usr/sbin/dockerd'],
  ['docker', '--prove', '--no-redact', '-o', 'r.md', '--format', 'markdown'],
];

const DEFERRED = [
  ['probe', '--format', 'xml'],
  ['probe', '--format'],
  ['probe', '--check', 'ns.ipc'],
  ['probe', '--check', 'ns.ipc', 'ns.pid'],
  ['probe', '--bogus'],
  ['probe', 'extra'],
  ['probe', '-vo', 'x'],
  ['probe', '--verbose', 'false'],
  ['probe', '--verbose=true'],
  ['probe', '-v', '-v'],
  ['probe', '--output', '-v'],
  ['probe', '--no-format'],
  ['probe', '--kernelConfig', 'x'],
  ['run', 'a', 'b'],
  ['run', '--', 'sh'],
  ['run', '--runtime'],
  ['run', '--no-runtime'],
  ['explain', '46'],
  ['docker', '--prove', '--', 'sh', '-c', 'echo hi'],
  ['docker', 'extra'],
  ['explain', '--', 'x'],
  ['explain', '--format', 'html', 'x'],
  ['rootfs', '/tmp/x', '--busybox', '/bin/busybox'],
  ['--version'],
  ['probe', '--help'],
  ['run', '-h'],
  [],
];

t.test('ordinary lines: the fast parser and yargs agree key for key', async (t) => {
  for (const argv of FAST) {
    const fast = fastParse(argv);
    t.ok(fast, `fast path taken for ${argv.join(' ')}`);
    t.same(fast, await viaYargs(argv), argv.join(' '));
  }
});

t.test('anything unusual goes to yargs, which then parses or refuses it', async (t) => {
  for (const argv of DEFERRED) t.equal(fastParse(argv), null, argv.join(' ') || '(empty)');
  // Where yargs accepts a deferred line, the handler still gets a full argument set.
  const check = await viaYargs(['probe', '--check', 'ns.ipc', '--check', 'ns.pid']);
  t.same(check?.args['check'], ['ns.ipc', 'ns.pid']);
  t.equal(await viaYargs(['probe', '--format', 'xml']), null, 'yargs refuses a bad choice');
  t.equal(await viaYargs(['run', 'a', 'b']), null, 'yargs refuses a second bundle');
});
