// DockerFacts for a fixture host: the probe's facts from test/fixtures/hosts/NAME
// and the docker live results from test/fixtures/docker/NAME.json.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runDockerChecks } from '../../src/docker/check.js';
import { DOCKER_CHECKS } from '../../src/docker/registry.js';
import type { DockerFacts } from '../../src/docker/types.js';
import type { CheckOutcome } from '../../src/probes/types.js';
import { probeFixture } from './probe-fixture.js';

export async function dockerFixture(name: string, change: (f: DockerFacts) => void = () => {}): Promise<{ facts: DockerFacts; outcomes: CheckOutcome[]; byId: Map<string, CheckOutcome> }> {
  const { facts: base } = await probeFixture(name);
  const json = JSON.parse(readFileSync(fileURLToPath(new URL(`../../../test/fixtures/docker/${name}.json`, import.meta.url)), 'utf8')) as Omit<DockerFacts, 'base'> & { _source?: string };
  const { _source: _s, ...rest } = json;
  const facts: DockerFacts = { base, ...rest };
  change(facts);
  const outcomes = runDockerChecks(DOCKER_CHECKS, facts);
  return { facts, outcomes, byId: new Map(outcomes.map((o) => [o.id, o])) };
}

export const statuses = (outcomes: readonly CheckOutcome[]): Record<string, string> => Object.fromEntries(outcomes.map((o) => [o.id, o.status]));
