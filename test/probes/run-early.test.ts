// runChecksEarly (the probe runs the checks that need no live result while the live tests run)
// gives exactly runChecks' outcomes, on every fixture host, with and without FFI.

import t from 'tap';
import { startGathering } from '../../src/probes/facts.js';
import { ALL_CHECKS } from '../../src/probes/registry.js';
import { runChecks, runChecksEarly } from '../../src/probes/run.js';
import type { Check } from '../../src/probes/types.js';
import { FixtureHost } from '../helpers/fixture-host.js';

const HOSTS = ['debian-6.18', 'android7-3.10', 'android10-4.14', 'noconfig-5.10'];

for (const name of HOSTS) {
  for (const noFfi of [false, true]) {
    t.test(`${name}${noFfi ? ' --no-ffi' : ''}: the same outcomes, in the same order`, async (t) => {
      const host = new FixtureHost(name);
      const { facts, files } = await startGathering(host, { live: true, noFfi, platform: host.json.platform, arch: host.json.arch, execPath: '/proc/self/exe' });
      const finish = runChecksEarly(ALL_CHECKS, await files);
      const complete = await facts;
      t.same(finish(complete), runChecks(ALL_CHECKS, complete));
      t.ok(complete.live !== null || complete.liveNotes.length > 0, 'the live fields are filled in');
    });
  }
}

t.test('a check that reads a live field runs again with the complete facts', async (t) => {
  const host = new FixtureHost('debian-6.18');
  const { facts, files } = await startGathering(host, { live: true, noFfi: false, platform: host.json.platform, arch: host.json.arch, execPath: '/proc/self/exe' });
  let runs = 0;
  const base = { title: 't', category: 'host', severity: 'optional', probes: 't' } as const;
  const pass = { summary: 's', evidence: [], impact: '', remediation: [], configOptions: [] };
  const liveReader: Check = { ...base, id: 'test.live', run: (f) => (runs++, { ...pass, status: f.live ? 'pass' : 'fail' }) };
  const inReader: Check = { ...base, id: 'test.in', run: (f) => ({ ...pass, status: 'liveFfi' in f ? 'pass' : 'warn' }) };
  const spreader: Check = { ...base, id: 'test.spread', run: (f) => ({ ...pass, status: { ...f }.liveNotes ? 'pass' : 'warn' }) };
  let fileRuns = 0;
  const fileReader: Check = { ...base, id: 'test.files', run: (f) => (fileRuns++, { ...pass, status: f.uname.release ? 'pass' : 'fail' }) };
  const finish = runChecksEarly([liveReader, inReader, spreader, fileReader], await files);
  const outcomes = finish(await facts);
  t.same(outcomes.map((o) => `${o.id}=${o.status}`), ['test.live=pass', 'test.in=pass', 'test.spread=pass', 'test.files=pass']);
  t.equal(runs, 2, 'run early, then again');
  t.equal(fileRuns, 1, 'a check of files only runs once');
});
