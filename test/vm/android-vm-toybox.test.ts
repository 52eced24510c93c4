// droidcheck on the x86_64 Android-7-like VM with a stock-Android userland and
// no busybox at all: Debian's toybox (0.8.9) in /system/bin and mksh as
// /system/bin/sh (scripts/android-vm.sh --userland toybox). The probe's live
// tests go through toybox (--no-ffi: Android 7 has no koffi), `run` launches
// with droidcheck-init, and the report names what toybox could not do.
// The bundle's rootfs holds only a static mksh, made here on the host.
// Skips with the requirement named unless root + qemu + the x86_64 kernel +
// toybox + mksh (Debian: apt-get install toybox mksh), or DROIDCHECK_VM_TESTS=1.

import t from 'tap';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureKernel, repoRoot, runBatchInVm, vmSkipReason, type BatchStep } from './vm.js';
import { DC, UP, duration, launchLines, parse, timed } from './guest.js';

const MKSH = '/bin/mksh-static';
const skip = vmSkipReason('x86_64') ?? (!existsSync('/usr/bin/toybox') && !existsSync('/bin/toybox') ? 'toybox VM needs toybox (apt-get install toybox)' : !existsSync(MKSH) ? `toybox VM needs ${MKSH} (apt-get install mksh)` : undefined);
const probeLines = (file: string): string =>
  `node -e 'const r=require("${file}"); for (const c of r.checks) console.log(c.id + "=" + c.status); console.log("live.path=" + r.live.path); console.log("live.tool=" + r.live.tool); for (const n of r.live.notes) console.log("note " + n); const ipc=r.checks.find((c) => c.id === "ns.ipc"); console.log("ipc.evidence=" + JSON.stringify(ipc.evidence.find((e) => e.source === "live")))'`;


/** A bundle whose rootfs is one static mksh: the container needs no busybox either. */
function mkshBundle(dir: string): string {
  const b = join(dir, 'b');
  for (const d of ['bin', 'proc', 'dev', 'sys']) mkdirSync(join(b, 'rootfs', d), { recursive: true });
  copyFileSync(MKSH, join(b, 'rootfs/bin/sh'));
  const spec = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/bundles/runc-spec.json'), 'utf8')) as { process: { args: string[]; terminal: boolean } };
  spec.process.args = ['/bin/sh', '-c', 'read h </proc/sys/kernel/hostname; echo "hello from PID $$ in $h"'];
  spec.process.terminal = false;
  writeFileSync(join(b, 'config.json'), JSON.stringify(spec, null, 2));
  return b;
}

if (skip !== undefined) {
  t.plan(0, skip);
} else {
  t.setTimeout(40 * 60 * 1000);
  t.before(() => {
    ensureKernel('x86_64');
  });

  t.test('probe and run on a toybox-only Android 7 VM', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dc-toybox-vm-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const { steps: out, vm } = await runBatchInVm(
      {
        layout: `${UP}; command -v busybox || echo "no-busybox"; ls -l /system/bin/sh /system/bin/unshare | sed 's/.* \\//\\//'`,
        probe: timed(`${DC} probe --no-ffi --format json -o /data/probe.json; echo "exit=$?"; ${probeLines('/data/probe.json')}`),
        native: timed(`${DC} run /data/b --fix-config --report /data/r1.json </dev/null; echo "exit=$?"; ${launchLines('/data/r1.json')}`),
        tools: timed(`${DC} run /data/b --fix-config --no-ffi --report /data/r2.json </dev/null; echo "exit=$?"; ${launchLines('/data/r2.json')}`),
      },
      { userland: 'toybox', add: [`${mkshBundle(dir)}:/data/b`], timeoutSec: 600 },
    );
    const step = (name: string): BatchStep => {
      const s = out.get(name);
      if (!s) throw new Error(`step ${name} did not run; VM stderr:\n${vm.stderr}\noutput:\n${vm.output}`);
      return s;
    };
    t.equal(vm.exitCode, 0, 'VM batch exits 0', { stderr: vm.stderr });
    t.comment(`harness: ${vm.stderr.trim().split('\n').filter((l) => /initramfs|VM /.test(l)).join('; ')}`);
    const layout = step('layout').output;
    t.match(layout, /^no-busybox$/m, 'no busybox anywhere on PATH');
    t.match(layout, /\/system\/bin\/unshare -> toybox/, 'unshare is toybox\'s');

    const probeOut = step('probe').output;
    const probe = parse(probeOut);
    t.comment(`probe --no-ffi (toybox): ${duration(probeOut)?.toFixed(1)} s`);
    t.equal(probe.get('exit'), '0', 'no required check fails');
    t.equal(probe.get('live.path'), 'tools');
    t.equal(probe.get('live.tool'), '/system/bin/toybox (toybox)', 'the report names toybox as the tool');
    t.match(probeOut, /^note toybox \/system\/bin\/toybox: no shell of its own: another one runs the scripts \(\/system\/bin\/sh\); no setpriv: `run` on the tools path cannot drop capabilities/m, 'the report names what toybox cannot do');
    t.equal(probe.get('ns.pid'), 'pass', 'toybox unshare -p works');
    t.equal(probe.get('ns.ipc'), 'warn');
    t.match(probe.get('ipc.evidence') ?? '', /"value":"EINVAL: /, 'toybox\'s error message is read (errno, not UNKNOWN)');
    const notPass = [...probe].filter(([k, v]) => !/^(live\.|exit|uptime|ipc\.)/.test(k) && v !== 'pass').map(([k, v]) => `${k}=${v}`);
    t.comment(`probe warn/fail/skip: ${notPass.join(' ')}`);

    const native = step('native').output;
    t.comment(`run --fix-config (droidcheck-init): ${duration(native)?.toFixed(1)} s`);
    t.match(native, /hello from PID 1 in runc/, 'droidcheck-init launches the container without busybox');
    t.match(native, /^exit=0$/m);
    t.match(native, /started=true exit=0 path=native/);
    t.match(native, /^launcher=droidcheck-init-x86_64: built for this machine/m);
    t.match(native, /step capabilities=ok/);

    // The sh backend with toybox + mksh: what toybox cannot do (setpriv, remounts after the root moved) is a skipped step or a note.
    const tools = step('tools').output;
    t.comment(`run --fix-config --no-ffi (toybox): ${duration(tools)?.toFixed(1)} s; ${tools.split('\n').filter((l) => /^(started|step .*=(failed|skipped))/.test(l)).join('; ')}`);
    t.match(tools, /hello from PID 1 in runc/, 'toybox and mksh launch the container');
    t.match(tools, /^exit=0$/m);
    t.match(tools, /started=true exit=0 path=tools/);
    t.match(tools, /step bounding set=skipped/, 'no setpriv: said, not pretended');
    t.match(tools, /step chroot=ok/);
  });
}
