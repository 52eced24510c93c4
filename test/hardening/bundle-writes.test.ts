// Files droidcheck writes in a bundle (issue #16, case 5; root only, since
// --fix-config launches): never through a symlink, config.json.orig never
// overwritten, and 20 concurrent --in-place runs keep the original.

import t from 'tap';
import { existsSync, lstatSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { makeBundle } from '../helpers/bundle.js';
import { BIN, launchSkip } from '../helpers/launch-env.js';

function bundle(): string {
  return makeBundle((s) => {
    s.process!.terminal = false;
    s.process!.args = ['true'];
  });
}

function dc(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'run', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stderr: r.stderr };
}

t.test('a symlinked config.fixed.json, config.json.orig or config.json is never written through', { skip: launchSkip }, async (t) => {
  for (const [name, args] of [
    ['config.fixed.json', ['--fix-config']],
    ['config.json', ['--fix-config', '--in-place']],
  ] as const) {
    const b = bundle();
    const outside = join(b, '..', `${b.split('/').at(-1)}-outside`);
    writeFileSync(outside, 'keep me\n');
    t.teardown(() => {
      rmSync(b, { recursive: true, force: true });
      rmSync(outside, { force: true });
    });
    if (name === 'config.json') {
      // The real config lives outside; config.json is a link to it.
      writeFileSync(outside, readFileSync(join(b, 'config.json')));
      rmSync(join(b, 'config.json'));
    }
    const before = readFileSync(outside, 'utf8');
    symlinkSync(outside, join(b, name));
    const r = dc([b, ...args]);
    t.equal(r.status, 125, `${name}: refused (${r.stderr.trim().split('\n').at(-1)})`);
    t.match(r.stderr, `write ${join(b, name)}: ELOOP (a symlink: droidcheck does not write through links in a bundle)`);
    t.equal(readFileSync(outside, 'utf8'), before, `${name}: the file outside the bundle is untouched`);
  }
  const b = bundle();
  const outside = `${b}-orig-outside`;
  writeFileSync(outside, 'keep me\n');
  t.teardown(() => {
    rmSync(b, { recursive: true, force: true });
    rmSync(outside, { force: true });
  });
  symlinkSync(outside, join(b, 'config.json.orig'));
  const r = dc([b, '--fix-config', '--in-place']);
  t.equal(r.status, 0, r.stderr);
  t.equal(readFileSync(outside, 'utf8'), 'keep me\n', 'a config.json.orig link is left alone, its target untouched');
  t.ok(lstatSync(join(b, 'config.json.orig')).isSymbolicLink());
});

t.test('an existing config.json.orig is never overwritten', { skip: launchSkip }, async (t) => {
  const b = bundle();
  t.teardown(() => rmSync(b, { recursive: true, force: true }));
  writeFileSync(join(b, 'config.json.orig'), 'the first original\n');
  t.equal(dc([b, '--fix-config', '--in-place']).status, 0);
  t.equal(readFileSync(join(b, 'config.json.orig'), 'utf8'), 'the first original\n');
});

t.test('20 concurrent --in-place runs: the original survives in config.json.orig, config.json is whole', { skip: launchSkip }, async (t) => {
  const b = bundle();
  t.teardown(() => rmSync(b, { recursive: true, force: true }));
  const original = readFileSync(join(b, 'config.json'), 'utf8');
  const codes = await Promise.all(
    Array.from({ length: 20 }, () => new Promise<number | null>((resolve) => spawn(process.execPath, [BIN, 'run', b, '--fix-config', '--in-place'], { stdio: 'ignore' }).on('exit', resolve))),
  );
  t.same(codes, Array(20).fill(0));
  t.equal(readFileSync(join(b, 'config.json.orig'), 'utf8'), original, 'the original, byte for byte');
  t.doesNotThrow(() => JSON.parse(readFileSync(join(b, 'config.json'), 'utf8')), 'config.json parses');
  t.notOk(existsSync(join(b, 'config.fixed.json')));
});
