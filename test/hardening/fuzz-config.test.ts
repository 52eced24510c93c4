// Seeded fuzz of config.json (pure, no root): a few hundred mutations of the
// stock `runc spec` config go through what `droidcheck run` does before any
// privileged step (parse and validate, fix for every fixture host, plan, the
// droidcheck-init argv and the busybox script). Every failure must be
// droidcheck's own message naming a field, never a raw JavaScript error.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeBundle } from '../helpers/bundle.js';
import { BIN, launchSkip } from '../helpers/launch-env.js';
import t from 'tap';
import { hostCapabilities } from '../../src/runtime/capabilities.js';
import { fixConfig } from '../../src/runtime/fixer.js';
import { initArgv } from '../../src/runtime/native-init.js';
import { buildPlan } from '../../src/runtime/plan.js';
import { parseSpec } from '../../src/runtime/spec.js';
import { shLaunchScript } from '../../src/runtime/launch-sh.js';
import { launchSteps } from '../../src/runtime/launch-steps.js';
import { compileSeccomp } from '../../src/runtime/seccomp/compile.js';
import { probeFixture } from '../helpers/probe-fixture.js';

const STOCK = readFileSync(new URL('../../../test/fixtures/bundles/runc-spec.json', import.meta.url), 'utf8');

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD: unknown[] = [null, true, false, 0, -1, 4294967295, 1e20, 1.5, '', 'x', '/', '../..', [], [1], ['a'], {}, { a: 1 }, NaN, -0, 'CAP_SYS_ADMIN', '/proc/self/fd/8'];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function mutate(doc: Json, r: () => number): Json {
  const copy = structuredClone(doc);
  const all = paths(copy).filter((p) => p.length > 0);
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const p = all[Math.floor(r() * all.length)]!;
    // An earlier mutation may have replaced a container on the way: then this one does nothing.
    let parent: Json = copy;
    for (const k of p.slice(0, -1)) parent = parent && typeof parent === 'object' ? ((parent as Record<string | number, Json>)[k] ?? null) : null;
    if (!parent || typeof parent !== 'object') continue;
    const key = p[p.length - 1]!;
    const choice = r();
    if (choice < 0.6) (parent as Record<string | number, Json>)[key] = ODD[Math.floor(r() * ODD.length)] as Json;
    else if (choice < 0.8) delete (parent as Record<string | number, Json>)[key];
    else (parent as Record<string | number, Json>)[key] = String((parent as Record<string | number, Json>)[key]);
  }
  return copy;
}

/** A raw JavaScript error: a TypeError/RangeError, or a message in V8's wording. */
const RAW = /is not a function|is not iterable|Cannot (read|convert|set)|undefined|null \(reading|BigInt|Invalid array length|Maximum call stack/;

t.test('400 mutated configs: droidcheck\'s own errors only', async (t) => {
  const hosts = await Promise.all(['debian-6.18', 'android7-3.10', 'android10-4.14'].map((h) => probeFixture(h)));
  const caps = hosts.map((h) => hostCapabilities(h.outcomes, h.facts, { stdinIsTty: false }));
  const r = rng(20261204);
  const stock = JSON.parse(STOCK) as Json;
  const raw: string[] = [];
  let refused = 0;
  for (let i = 0; i < 400; i++) {
    const text = JSON.stringify(mutate(stock, r));
    try {
      const spec = parseSpec(text, 'config.json');
      for (const c of caps) {
        const fixed = fixConfig(spec, c).spec;
        const plan = buildPlan(fixed, '/tmp/bundle', { machine: 'x86_64', kernel: [3, 10], compileSeccomp });
        const steps = launchSteps(plan);
        initArgv(steps);
        shLaunchScript(steps, { sh: ['/bin/busybox', 'sh'], unshare: ['/bin/busybox', 'unshare'], busybox: '/bin/busybox' });
      }
    } catch (error) {
      refused++;
      const e = error as Error;
      if (e.constructor !== Error || RAW.test(e.message)) raw.push(`#${i} ${e.constructor.name}: ${e.message}\n  ${text}`);
    }
  }
  t.same(raw, [], 'no raw JavaScript error');
  t.ok(refused > 0 && refused < 400, `${refused} of 400 refused with a message naming the field`);
});

t.test('a sample of them through a real `droidcheck run` (root): documented exit codes, no raw error, no mount left', { skip: launchSkip }, async (t) => {
  const r = rng(4242);
  const stock = JSON.parse(STOCK) as Json;
  for (let i = 0; i < 25; i++) {
    const doc = mutate(stock, r) as Record<string, Json>;
    const bundle = makeBundle();
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(doc));
    // In a private mount namespace whose table is compared before and after the run.
    const script = 'before=$(cat /proc/self/mountinfo); "$@"; s=$?; [ "$before" = "$(cat /proc/self/mountinfo)" ] || echo MOUNTS-CHANGED >&2; exit $s';
    const run = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', process.execPath, BIN, 'run', bundle, '--fix-config'], {
      encoding: 'utf8',
      timeout: 60_000,
      input: '',
      env: { ...process.env, NO_COLOR: '1' },
    });
    rmSync(bundle, { recursive: true, force: true });
    t.ok([0, 1, 2, 125, 126, 127].includes(run.status ?? -1), `#${i}: exit ${run.status}`);
    t.notMatch(run.stderr, RAW, `#${i}: no raw JavaScript error`);
    t.notMatch(run.stderr, /MOUNTS-CHANGED/, `#${i}: no mount left in the caller's namespace`);
  }
});
