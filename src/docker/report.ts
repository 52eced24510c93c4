// The docker report: the probe report's shape (host, kernel config, live,
// summary, checks) with the docker checks, plus the installed Docker, where it
// would keep its state, the settings that make it work, and a --prove run.

import { buildReport, summarize, type ProbeReport } from '../report/report.js';
import type { CheckOutcome } from '../probes/types.js';
import type { Settings } from './settings.js';
import type { DockerBinaries, DockerFacts, Places } from './types.js';
import type { ProveResult } from './prove.js';

export interface DockerReport extends Omit<ProbeReport, 'command'> {
  command: 'docker';
  docker: {
    binaries: DockerBinaries;
    places: Places;
    notes: string[];
    tools: Record<string, string>;
    settings: SettingsData;
    prove?: ProveResult;
  };
}

/** Settings as data: daemon.json and each line with the check it comes from. */
export interface SettingsData {
  daemonJson: Record<string, unknown>;
  lines: Array<{ what: string; from: string; why: string }>;
}

export function settingsData(s: Settings): SettingsData {
  return { daemonJson: s.daemon, lines: s.lines };
}

export function buildDockerReport(facts: DockerFacts, outcomes: CheckOutcome[], settings: Settings, opts: { version: string; now: Date }): DockerReport {
  const base = buildReport(facts.base, outcomes, opts);
  const { command: _probe, ...rest } = base;
  return {
    ...rest,
    summary: summarize(outcomes),
    command: 'docker',
    docker: { binaries: facts.binaries, places: facts.places, notes: [...facts.notes, ...(facts.live?.notes ?? [])], tools: facts.live?.tools ?? {}, settings: settingsData(settings) },
  };
}
