// This machine's facts for explain: the probe's files-only pass (no live
// tests, nothing changed), turned into a report and read like one from a
// device, so both paths give explain the same facts.

import { factsFromReport, type ExplainFacts } from '../explain/facts.js';
import { NodeHost } from '../host/node-host.js';
import { gatherFacts } from '../probes/facts.js';
import { ALL_CHECKS } from '../probes/registry.js';
import { runChecks } from '../probes/run.js';
import { buildReport } from '../report/report.js';
import { version } from './version.js';

export async function hostFacts(options: readonly string[]): Promise<ExplainFacts> {
  const facts = await gatherFacts(new NodeHost(), { live: false, noFfi: true, platform: process.platform, arch: process.arch, execPath: process.execPath });
  const report = buildReport(facts, runChecks(ALL_CHECKS, facts), { version: version(), now: new Date(), extraOptions: options });
  return factsFromReport(report, 'this machine');
}
