// Runs the whole probe pipeline on a fixture host.

import { gatherFacts, type Facts } from '../../src/probes/facts.js';
import { ALL_CHECKS } from '../../src/probes/registry.js';
import { runChecks } from '../../src/probes/run.js';
import type { CheckOutcome } from '../../src/probes/types.js';
import { FixtureHost, type HostJson } from './fixture-host.js';

export interface FixtureRun {
  host: FixtureHost;
  facts: Facts;
  outcomes: CheckOutcome[];
  byId: Map<string, CheckOutcome>;
}

export async function probeFixture(
  name: string,
  opts: { live?: boolean; noFfi?: boolean; kernelConfig?: string; overrides?: Partial<HostJson> } = {},
): Promise<FixtureRun> {
  const host = new FixtureHost(name, opts.overrides);
  const facts = await gatherFacts(host, {
    live: opts.live ?? true,
    noFfi: opts.noFfi ?? false,
    platform: host.json.platform,
    arch: host.json.arch,
    execPath: '/proc/self/exe',
    ...(opts.kernelConfig ? { kernelConfig: opts.kernelConfig } : {}),
  });
  const outcomes = runChecks(ALL_CHECKS, facts);
  return { host, facts, outcomes, byId: new Map(outcomes.map((o) => [o.id, o])) };
}

/** "id=status" for every check, one string, for compact exact assertions. */
export function statusLine(outcomes: readonly CheckOutcome[]): string {
  return outcomes.map((o) => `${o.id}=${o.status}`).join(' ');
}
