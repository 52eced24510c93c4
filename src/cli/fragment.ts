// `droidcheck probe --fragment`: the kernel config fragment for the kernel
// that was probed (or the --kernel-config given), printed or written to -o.

import { writeFile } from 'node:fs/promises';
import { buildFragment, renderFragment } from '../kernel/fragment.js';
import { guessArch } from '../kernel/input/defconfig.js';
import { bundledRequirementSetPath, loadRequirementSet } from '../kernel/requirements.js';
import type { Facts } from '../probes/facts.js';
import type { CheckOutcome } from '../probes/types.js';
import type { ProbeIo, ProbeOptions } from './probe.js';

/** CONFIG_ name -> the probe checks (failed or warned) whose remediation asks for it. */
export function optionsWanted(outcomes: readonly CheckOutcome[]): Map<string, string[]> {
  const wanted = new Map<string, string[]>();
  for (const o of outcomes) {
    if (o.status !== 'fail' && o.status !== 'warn') continue;
    if (o.category === 'kernel-config') continue;
    for (const r of o.remediation) {
      if (r.kind !== 'kernel-option') continue;
      for (const item of r.items ?? []) {
        const m = /^(CONFIG_[A-Za-z0-9_]+)=/.exec(item);
        if (m) wanted.set(m[1] as string, [...(wanted.get(m[1] as string) ?? []), o.id]);
      }
    }
  }
  return wanted;
}

export async function fragmentCommand(facts: Facts, outcomes: readonly CheckOutcome[], opts: ProbeOptions, io: ProbeIo): Promise<number> {
  if (!facts.config) {
    io.stderr(`droidcheck: --fragment needs a kernel config: ${facts.configNotes.join('; ') || 'none found'} (give one with --kernel-config)\n`);
    return 2;
  }
  const version = facts.configOnly ? facts.config.version : facts.uname.release;
  const arch = /^(x86_64|i[3-6]86)$/.test(facts.uname.machine) ? 'x86' : /^(aarch64|arm64)$/.test(facts.uname.machine) ? 'arm64' : guessArch(facts.config);
  const fragment = buildFragment({
    config: facts.config,
    version,
    arch,
    android: loadRequirementSet(bundledRequirementSetPath('android-droidcheck')),
    moby: loadRequirementSet(bundledRequirementSetPath('moby-check-config')),
    wantedBy: optionsWanted(outcomes),
  });
  const text = renderFragment(fragment, facts.config.source);
  if (opts.output !== undefined) {
    try {
      await writeFile(opts.output, text);
    } catch (error) {
      io.stderr(`droidcheck: write ${opts.output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      return 2;
    }
    io.stderr(`droidcheck: fragment written to ${opts.output} (${fragment.lines.length} lines)\n`);
  } else {
    io.stdout(text);
  }
  return 0;
}
