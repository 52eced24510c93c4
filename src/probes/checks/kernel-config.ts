// Kernel config requirement sets (kernel-configs/*.json): the options moby's
// check-config.sh checks, and what containers need on Android.

import { bundledRequirementSetPath, evaluateRequirementSet, loadRequirementSet, requirementSetOptions, type OptionVerdict, type RequirementSet } from '../../kernel/requirements.js';
import type { Check, CheckResult, Evidence } from '../types.js';
import { result } from './util.js';

const cache = new Map<string, RequirementSet>();
function set(name: string): RequirementSet {
  let s = cache.get(name);
  if (!s) {
    s = loadRequirementSet(bundledRequirementSetPath(name));
    cache.set(name, s);
  }
  return s;
}

function describe(v: OptionVerdict): string {
  const state = v.mustBeOff ? (v.ok ? 'off (good)' : `on (${v.value}): must be off`) : v.state === 'module' ? 'module' : v.state;
  return `${state}${v.condition ? `; checked because ${v.condition}` : ''}`;
}

const source: Check = {
  id: 'kconfig.source',
  title: 'Kernel config available',
  category: 'kernel-config',
  severity: 'optional',
  probes: '/proc/config.gz, /boot/config-$(uname -r), or --kernel-config FILE',
  run(facts) {
    const evidence: Evidence[] = facts.configNotes.map((n) => ({ source: 'kernel-config' as const, what: 'kernel config', value: n }));
    if (facts.config) {
      const input = facts.config.input;
      const how = input && input.kind !== 'config' ? `; ${input.kind}${input.steps.length ? `: ${input.steps.join(' -> ')}` : ''}` : '';
      return result({ status: 'pass', summary: `${facts.config.source}${facts.config.version ? ` (Linux ${facts.config.version})` : ''}${how}`, evidence });
    }
    return result({
      status: 'warn',
      summary: 'none found: only live tests and /proc can tell',
      evidence,
      impact: 'options that no live test covers (networking, storage drivers) cannot be judged',
      remediation: [
        { kind: 'host-command', text: 'load the configs module where it exists, or copy the config from the kernel build', items: ['modprobe configs', 'droidcheck probe --kernel-config /path/to/.config'] },
        { kind: 'kernel-option', text: 'build the config into the kernel', items: ['CONFIG_IKCONFIG=y', 'CONFIG_IKCONFIG_PROC=y'] },
      ],
    });
  },
};

function setCheck(id: string, name: string, title: string, impact: string): Check {
  return {
    id,
    title,
    category: 'kernel-config',
    severity: 'recommended',
    probes: `every option of kernel-configs/${name}.json against the kernel config, with its kernel-version conditions`,
    run(facts): CheckResult {
      const s = set(name);
      const configOptions = requirementSetOptions(s);
      if (!facts.config) return result({ status: 'skip', summary: 'no kernel config', configOptions });
      // Version conditions follow the kernel the config belongs to: the running one, or the file's header in config-only mode.
      const verdicts = evaluateRequirementSet(s, facts.config, facts.configOnly ? facts.config.version : facts.uname.release);
      const applicable = verdicts.filter((v) => v.applicable);
      const defaults = facts.config.defaults;
      const evidence: Evidence[] = applicable.map((v) => {
        const d = defaults && v.options.map((o) => defaults.get(o)).find((x) => x !== undefined);
        return d !== undefined && d !== null
          ? { source: 'kconfig-default', what: `${v.option} (${v.group})`, value: `${describe(v)}; default: ${d}` }
          : { source: 'kernel-config', what: `${v.option} (${v.group})`, value: describe(v) };
      });
      const bad = applicable.filter((v) => !v.ok);
      const badRequired = bad.filter((v) => v.severity === 'required');
      const counts = `${applicable.length - bad.length}/${applicable.length} as wanted`;
      if (bad.length === 0) return result({ status: 'pass', summary: counts, evidence, configOptions });
      const names = (list: OptionVerdict[]): string => list.map((v) => v.option.replace(/CONFIG_/g, '')).join(', ');
      const summary = badRequired.length
        ? `${counts}; required: ${names(badRequired)}`
        : `${counts}; all required present; missing optional: ${names(bad.slice(0, 6))}${bad.length > 6 ? ', ...' : ''}`;
      const enable = bad.filter((v) => !v.mustBeOff).map((v) => `${v.options[0]}=y${v.note ? `  # ${v.note}` : ''}`);
      const disable = bad.filter((v) => v.mustBeOff).map((v) => `# ${v.options[0]} is not set${v.note ? `  # ${v.note}` : ''}`);
      return result({
        status: badRequired.length ? 'warn' : 'pass',
        summary,
        evidence,
        configOptions,
        impact: badRequired.length ? `${impact}: ${badRequired.map((v) => v.error ?? v.note).filter(Boolean).slice(0, 3).join('; ')}` : '',
        remediation: [{ kind: 'kernel-option', text: 'rebuild the kernel with these changes (the live checks above say which ones droidcheck can work around)', items: [...disable, ...enable] }],
      });
    },
  };
}

export const kernelConfigChecks: Check[] = [
  source,
  setCheck('kconfig.moby', 'moby-check-config', "Docker's check-config.sh options", 'Docker (dockerd + runc with default settings) will not work as shipped'),
  setCheck('kconfig.android', 'android-droidcheck', 'Options containers need on Android', 'stock OCI bundles fail on this kernel until droidcheck adapts them'),
];
