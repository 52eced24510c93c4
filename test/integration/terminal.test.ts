// "terminal": true in a real terminal (tmux): droidcheck-init gives the
// container a pty of its own devpts, relays input and output, passes window
// size changes on, and leaves the caller's terminal as it found it.

import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, nativeSkip } from '../helpers/launch-env.js';

const hasTmux = spawnSync('sh', ['-c', 'command -v tmux'], { stdio: 'ignore' }).status === 0;
const skip = nativeSkip || (!hasTmux && 'needs tmux (apt-get install tmux) for a real terminal');

const tmux = (...args: string[]): string => spawnSync('tmux', ['-L', `droidcheck-${process.pid}`, ...args], { encoding: 'utf8' }).stdout ?? '';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the pane shows `re` (the VM-free machine is shared and can be slow). */
async function waitFor(re: RegExp, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  let pane = '';
  while (Date.now() < end) {
    pane = tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', 'dc');
    if (re.test(pane)) return pane;
    await sleep(200);
  }
  return pane;
}

t.test('a pty of its own, relayed, resized, and the terminal restored', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-tty-'));
  const bundle = join(dir, 'b');
  t.teardown(() => {
    tmux('kill-server');
    rmSync(dir, { recursive: true, force: true });
  });
  t.equal(spawnSync(process.execPath, [BIN, 'rootfs', bundle, '--busybox', '/bin/busybox'], { stdio: 'ignore' }).status, 0);
  tmux('new-session', '-d', '-s', 'dc', '-x', '100', '-y', '30', 'sh');
  tmux('send-keys', '-t', 'dc', `stty -a > ${dir}/before; ${process.execPath} ${BIN} run ${bundle} --fix-config; echo "droidcheck-exit=$?"; stty -a > ${dir}/after`, 'Enter');
  await waitFor(/\/ # $/m);
  tmux('send-keys', '-t', 'dc', 'tty; stty size; echo "pid $$"', 'Enter');
  let pane = await waitFor(/^pid \d+$/m);
  t.match(pane, /^\/dev\/pts\/0$/m, "the container's own devpts: its first pty");
  t.match(pane, /^30 100$/m, 'the caller\'s window size');
  t.match(pane, /^pid 1$/m);
  tmux('resize-window', '-t', 'dc', '-x', '120', '-y', '40');
  await sleep(500);
  tmux('send-keys', '-t', 'dc', 'stty size', 'Enter');
  pane = await waitFor(/^40 120$/m);
  t.match(pane, /^40 120$/m, 'a resize reaches the container');
  tmux('send-keys', '-t', 'dc', 'exit 3', 'Enter');
  pane = await waitFor(/droidcheck-exit=\d+/);
  t.match(pane, /droidcheck-exit=3/, "the container's exit status");
  await sleep(300);
  const before = spawnSync('cat', [join(dir, 'before')], { encoding: 'utf8' }).stdout.replace(/rows \d+; columns \d+;/, '');
  const after = spawnSync('cat', [join(dir, 'after')], { encoding: 'utf8' }).stdout.replace(/rows \d+; columns \d+;/, '');
  t.match(before, / icanon /);
  t.equal(after, before, 'the terminal settings are as before (not left raw)');
});

t.test('-t and -i as in docker run', { skip: nativeSkip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-ti-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const make = (name: string, script: string): string => {
    const b = join(dir, name);
    spawnSync(process.execPath, [BIN, 'rootfs', b, '--busybox', '/bin/busybox', '--terminal', 'false', '--', 'sh', '-c', script], { stdio: 'ignore' });
    return b;
  };
  const tty = make('tty', 'tty; [ -t 0 ] && echo stdin-is-a-terminal');
  const reader = make('reader', 'read x; echo "got-$x"');
  // With a pty and no input, read waits for ever (as under docker run -t): give up after a second.
  const patient = make('patient', 'read -t 1 x; echo "got-$x."');
  const run = (args: string[], input = ''): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(process.execPath, [BIN, 'run', ...args], { input, encoding: 'utf8', timeout: 60_000 });

  const t1 = run(['-t', tty]);
  t.equal(t1.status, 0, t1.stderr);
  t.match(t1.stdout, /^\/dev\/pts\/0\r?$/m, '-t: a pty, though droidcheck has no terminal');
  t.match(t1.stdout, /stdin-is-a-terminal/);

  const t2 = run(['-i', '-t', tty], 'x\n');
  t.equal(t2.status, 125, '-i -t without a terminal on stdin is refused');
  t.match(t2.stderr, /ENOTTY/);

  const t3 = run(['-i', reader], 'hello\n');
  t.match(t3.stdout, /^got-hello$/m, '-i: the input reaches the workload');

  const t4 = run(['-t', patient], 'hello\n');
  t.match(t4.stdout, /^got-\.\r?$/m, '-t without -i: no input reaches the workload');
});
