// A ProbeIo over a fixture host that captures output.

import type { ProbeIo } from '../../src/cli/probe.js';
import { ALL_CHECKS } from '../../src/probes/registry.js';
import { FixtureHost, type HostJson } from './fixture-host.js';

export function fixtureIo(name: string, overrides: Partial<HostJson> = {}): ProbeIo & { out: () => string; err: () => string } {
  const host = new FixtureHost(name, overrides);
  let out = '';
  let err = '';
  return {
    host,
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
    color: false,
    now: new Date('2026-11-30T12:00:00Z'),
    platform: host.json.platform,
    arch: host.json.arch,
    execPath: '/proc/self/exe',
    checks: ALL_CHECKS,
    out: () => out,
    err: () => err,
  };
}
