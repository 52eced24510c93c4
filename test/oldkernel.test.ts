// Proves that test/helpers/oldkernel really makes this machine look like a
// Linux 3.10 kernel without IPC namespaces, so tests run under it can fail.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOldKernelHelper, compileOldKernelHelper, getOldKernelHelper, oldKernelArgv } from './helpers/oldkernel.js';

const helper = await getOldKernelHelper();

interface Ran {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function runCmd(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Ran {
  const r = spawnSync(file, [...args], { encoding: 'utf8', timeout: 60_000, env });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

if (!helper.ok) {
  if (helper.unsupported) t.plan(0, `oldkernel helper unavailable: ${helper.reason}`);
  else t.fail(`oldkernel helper is broken: ${helper.reason}`);
} else {
  const bin = helper.path;
  const under = (cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Ran => {
    const [file, argv] = oldKernelArgv(bin, cmd, args);
    return runCmd(file, argv, env);
  };
  const isRoot = process.getuid?.() === 0;
  const haveUnshare = spawnSync('unshare', ['--version']).error === undefined;

  t.test('helper build API', async (t) => {
    t.equal(await buildOldKernelHelper(), bin, 'buildOldKernelHelper() returns the memoized path');
    const noCc = await compileOldKernelHelper({ cc: '/nonexistent/droidcheck-cc' });
    t.match(noCc, { ok: false, unsupported: true, reason: /no C compiler/ }, 'missing compiler -> unsupported (skip)');
    const badCc = await compileOldKernelHelper({ cc: 'false' });
    t.match(badCc, { ok: false, unsupported: false, reason: /failed/ }, 'failing compiler -> broken (fail)');
    const dir = await mkdtemp(join(tmpdir(), 'droidcheck-oldkernel-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    t.same(await compileOldKernelHelper({ outDir: dir }), { ok: true, path: join(dir, 'oldkernel') }, 'fresh build');
    t.same(await compileOldKernelHelper({ outDir: dir }), { ok: true, path: join(dir, 'oldkernel') }, 'up-to-date build');
  });

  t.test('usage and exec errors exit 125 with the failing call named', async (t) => {
    const none = runCmd(bin, []);
    t.equal(none.status, 125);
    t.match(none.stderr, /usage: oldkernel/);
    const missing = under('/nonexistent/droidcheck-no-such-cmd', []);
    t.equal(missing.status, 125);
    t.match(missing.stderr, /execvp\("\/nonexistent\/droidcheck-no-such-cmd"\) failed: No such file or directory \(errno 2\)/);
    const check = runCmd(bin, ['--arch-check', '--', 'true']);
    t.equal(check.status, 0, '--arch-check then exec');
  });

  t.test('IPC namespaces are missing (unshare/clone CLONE_NEWIPC -> EINVAL)', { skip: !isRoot ? 'needs root (CAP_SYS_ADMIN) to create namespaces' : !haveUnshare ? 'needs unshare(1) from util-linux' : false }, async (t) => {
    const base = runCmd('unshare', ['--ipc', 'true']);
    t.equal(base.status, 0, `control: unshare --ipc works without the helper ${base.stderr}`);
    const ipc = under('unshare', ['--ipc', 'true']);
    t.not(ipc.status, 0, 'unshare --ipc fails under oldkernel');
    t.match(ipc.stderr, /Invalid argument/);
    const uts = under('unshare', ['--uts', 'true']);
    t.equal(uts.status, 0, `unshare --uts still works under oldkernel ${uts.stderr}`);
    const both = under('unshare', ['--uts', '--ipc', 'true']);
    t.match(both.stderr, /Invalid argument/, 'CLONE_NEWIPC among other flags is caught too');
  });

  // Each probe uses arguments that fail harmlessly (or succeed harmlessly) on a
  // modern kernel, so "not ENOSYS" without the helper is a real control.
  const PROBE = String.raw`
const koffi = require(process.env.KOFFI_PATH);
const libc = koffi.load('libc.so.6');
const sys = libc.func('long syscall(long, ...)');
const L = (v) => ['long', v];
const P = ['void *', null];
const S = (s) => ['str', s];
const AT_FDCWD = -100;
const probes = {
  getpid: [39],
  syncfs: [306, L(-1)],
  finit_module: [313, L(-1), S(''), L(0)],
  sched_setattr: [314, L(0), P, L(0)],
  renameat2: [316, L(AT_FDCWD), S('/nonexistent/droidcheck-a'), L(AT_FDCWD), S('/nonexistent/droidcheck-b'), L(0)],
  seccomp: [317, L(0x7fff), L(0), P],
  getrandom: [318, P, L(0), L(0)],
  memfd_create: [319, S('droidcheck-probe'), L(0)],
  execveat: [322, L(-1), S(''), P, P, L(0x1000)],
  statx: [332, L(-1), S('x'), L(0), L(0), P],
  rseq: [334, P, L(0), L(0x7fff), L(0)],
  pidfd_send_signal: [424, L(-1), L(0), P, L(0)],
  io_uring_setup: [425, L(0), P],
  pidfd_open: [434, L(0), L(0)],
  clone3: [435, P, L(0)],
  close_range: [436, L(5), L(2), L(0)],
  openat2: [437, L(AT_FDCWD), S('/'), P, L(0)],
  x32_getpid: [0x40000000 + 39],
};
const out = {};
for (const [name, [nr, ...args]] of Object.entries(probes)) {
  koffi.errno(0);
  const ret = Number(sys(nr, ...args.flat()));
  const errno = koffi.errno();
  out[name] = { ret, errno: ret === -1 ? errno : 0 };
}
if (process.env.PROBE_CLONE) {
  // Raw clone(CLONE_NEWIPC|SIGCHLD). Only run under the helper, where it must
  // be EINVAL; if it ever forks, the child exits at once.
  koffi.errno(0);
  const ret = Number(sys(56, ...[L(0x08000000 | 17), L(0), L(0), L(0), L(0)].flat()));
  if (ret === 0) libc.func('void _exit(int)')(0);
  out.clone_newipc = { ret, errno: ret === -1 ? koffi.errno() : 0 };
}
process.stdout.write(JSON.stringify(out));
`;

  let koffiPath: string | undefined;
  try {
    const require = createRequire(import.meta.url);
    koffiPath = require.resolve('koffi');
    require(koffiPath);
  } catch (e) {
    koffiPath = undefined;
    t.comment(`koffi unavailable: ${String(e)}`);
  }

  t.test('post-3.10 syscalls are ENOSYS under the helper, not without it', { skip: koffiPath === undefined ? 'needs the optional dependency koffi' : false }, async (t) => {
    const env = { ...process.env, KOFFI_PATH: koffiPath };
    type Res = Record<string, { ret: number; errno: number }>;
    const parse = (r: Ran, label: string): Res => {
      t.equal(r.status, 0, `${label} probe exits 0 ${r.stderr}`);
      return JSON.parse(r.stdout || '{}') as Res;
    };
    const ENOSYS = 38;
    const EINVAL = 22;
    const plain = parse(runCmd(process.execPath, ['-e', PROBE], env), 'plain');
    const old = parse(under(process.execPath, ['-e', PROBE], { ...env, PROBE_CLONE: '1' }), 'oldkernel');
    const newer = ['sched_setattr', 'renameat2', 'seccomp', 'getrandom', 'memfd_create', 'execveat', 'statx', 'rseq',
      'pidfd_send_signal', 'io_uring_setup', 'pidfd_open', 'clone3', 'close_range', 'openat2'];
    for (const name of newer) {
      t.not(plain[name]?.errno, ENOSYS, `${name}: not ENOSYS without the helper (${JSON.stringify(plain[name])})`);
      t.same(old[name], { ret: -1, errno: ENOSYS }, `${name}: ENOSYS under oldkernel`);
    }
    t.ok((old['getpid']?.ret ?? 0) > 0, 'getpid (3.10 syscall) still works');
    t.same(old['syncfs'], { ret: -1, errno: 9 }, 'syncfs(-1) (306) reaches the kernel: EBADF');
    // 313 is the last 3.10 syscall; the kernel itself may say ENOSYS when built without CONFIG_MODULES.
    t.same(old['finit_module'], plain['finit_module'], 'finit_module (313) answers as without the helper');
    t.same(old['x32_getpid'], { ret: -1, errno: ENOSYS }, 'x32 ABI syscalls are ENOSYS');
    t.same(old['clone_newipc'], { ret: -1, errno: EINVAL }, 'raw clone(CLONE_NEWIPC) is EINVAL');
  });

  t.test('node runs under the profile (and spawns, uses crypto and fs)', async (t) => {
    const one = under(process.execPath, ['-e', 'console.log(1)']);
    t.equal(one.stdout, '1\n', `node prints 1 ${one.stderr}`);
    t.equal(one.status, 0);
    const script = `const cp=require('child_process'),fs=require('fs'),os=require('os'),p=require('path');
const d=fs.mkdtempSync(p.join(os.tmpdir(),'oldk-'));fs.writeFileSync(p.join(d,'a'),'x');fs.copyFileSync(p.join(d,'a'),p.join(d,'b'));
const s=cp.execFileSync(process.execPath,['-e','process.stdout.write(require("crypto").randomBytes(2).toString("hex"))']).toString();
fs.rmSync(d,{recursive:true});console.log(s.length)`;
    const r = under(process.execPath, ['-e', script]);
    t.equal(r.stdout.trim(), '4', `child node + crypto + fs copy work ${r.stderr}`);
  });

  t.test('startup cost of node -e 0', async (t) => {
    const N = 5;
    // Without tap's NODE_OPTIONS (--import hooks) and NODE_V8_COVERAGE, which dominate the time.
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    delete env['NODE_V8_COVERAGE'];
    const time = (f: () => Ran): number => {
      const ms: number[] = [];
      for (let i = 0; i < N; i++) {
        const s = process.hrtime.bigint();
        const r = f();
        ms.push(Number(process.hrtime.bigint() - s) / 1e6);
        t.equal(r.status, 0);
      }
      return ms.sort((a, b) => a - b)[Math.floor(N / 2)] ?? NaN;
    };
    const plain = time(() => runCmd(process.execPath, ['-e', '0'], env));
    const old = time(() => under(process.execPath, ['-e', '0'], env));
    t.comment(`node -e 0 median of ${N}: ${plain.toFixed(1)} ms plain, ${old.toFixed(1)} ms under oldkernel`);
  });
}
