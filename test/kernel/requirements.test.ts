import t from 'tap';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseKernelConfig } from '../../src/kernel/config.js';
import {
  bundledRequirementSetPath,
  evaluateRequirementSet,
  loadRequirementSet,
  requirementSetOptions,
  validateRequirementSet,
  type OptionVerdict,
  type RequirementSet,
} from '../../src/kernel/requirements.js';

const SAMPLES = fileURLToPath(new URL('../../../kernel-configs/samples/', import.meta.url));
const sample = (name: string) => parseKernelConfig(readFileSync(join(SAMPLES, name), 'utf8'), name);
const byOption = (verdicts: OptionVerdict[]) => new Map(verdicts.map((v) => [v.option, v]));

const FIXTURE_SET: RequirementSet = {
  schema: 1,
  id: 'fixture',
  title: 'fixture',
  source: 'test',
  groups: [
    {
      id: 'g1',
      title: 'G1',
      severity: 'required',
      items: [
        { option: 'A', note: 'a' },
        { option: 'CONFIG_B', note: 'b, full name' },
        { option: 'C', note: 'c' },
        { option: 'D', note: 'd', when: { kernelBelow: '4.8' } },
        { option: 'E', note: 'e', when: { kernelAtLeast: '4.8' } },
        { option: 'F', note: 'f', when: { unlessSet: 'G' } },
        { option: 'N', note: 'explicit =n' },
        { option: 'S', note: 'string value' },
      ],
    },
    {
      id: 'g2',
      title: 'G2',
      severity: 'recommended',
      items: [
        { anyOf: ['X1', 'X2', 'X3'], note: 'any' },
        { anyOf: ['Y1', 'Y2'], note: 'none', severity: 'optional' },
        { option: 'P', mustBeOff: true, note: 'must be off', error: 'socket: Permission denied' },
        { option: 'Q', mustBeOff: true, note: 'is off' },
        { choice: ['V_NATIVE', 'V_EMULATE', 'V_NONE'], good: ['V_EMULATE'], note: 'choice' },
        { choice: ['W_1', 'W_2'], good: ['W_1'], note: 'choice, none set' },
      ],
    },
  ],
};

const FIXTURE_CONFIG = parseKernelConfig(
  [
    '# Linux/arm64 3.10.40 Kernel Configuration',
    'CONFIG_A=y',
    'CONFIG_B=m',
    '# CONFIG_C is not set',
    'CONFIG_G=y',
    'CONFIG_N=n',
    'CONFIG_S="text"',
    'CONFIG_X2=m',
    'CONFIG_X3=y',
    'CONFIG_P=y',
    'CONFIG_V_NONE=y',
  ].join('\n'),
  'fixture',
);

t.test('evaluate: single options, values and states', async (t) => {
  const v = byOption(evaluateRequirementSet(FIXTURE_SET, FIXTURE_CONFIG, '3.10.40'));
  t.match(v.get('CONFIG_A'), { state: 'enabled', value: 'y', ok: true, applicable: true, group: 'g1', severity: 'required', kind: 'option' });
  t.match(v.get('CONFIG_B'), { state: 'module', value: 'm', ok: true });
  t.match(v.get('CONFIG_C'), { state: 'missing', value: null, ok: false });
  t.match(v.get('CONFIG_N'), { state: 'missing', value: 'n', ok: false });
  t.match(v.get('CONFIG_S'), { state: 'enabled', value: '"text"' });
  t.equal(v.get('CONFIG_A')?.condition, undefined);
});

t.test('evaluate: version and config conditions', async (t) => {
  const at = (version: string | null) => byOption(evaluateRequirementSet(FIXTURE_SET, FIXTURE_CONFIG, version));
  t.match(at('3.10.40').get('CONFIG_D'), { applicable: true, ok: false, condition: 'Linux < 4.8' });
  t.match(at('4.7.99').get('CONFIG_D'), { applicable: true });
  t.match(at('4.8.0-rc1').get('CONFIG_D'), { applicable: false, ok: true, state: 'missing' });
  t.match(at('3.10.40').get('CONFIG_E'), { applicable: false, ok: true, condition: 'Linux >= 4.8' });
  t.match(at('4.8').get('CONFIG_E'), { applicable: true, ok: false });
  // null: falls back to the config header (3.10.40)
  t.match(at(null).get('CONFIG_D'), { applicable: true });
  t.match(at(null).get('CONFIG_E'), { applicable: false });
  // unknown everywhere: conditions hold
  const headerless = parseKernelConfig('CONFIG_A=y\n', 'x');
  const u = byOption(evaluateRequirementSet(FIXTURE_SET, headerless, null));
  t.match(u.get('CONFIG_D'), { applicable: true });
  t.match(u.get('CONFIG_E'), { applicable: true });
  const junk = byOption(evaluateRequirementSet(FIXTURE_SET, headerless, 'not-a-version'));
  t.match(junk.get('CONFIG_D'), { applicable: true });
  // unlessSet: G=y excludes F
  t.match(at('3.10').get('CONFIG_F'), { applicable: false, ok: true, condition: 'CONFIG_G not set' });
  const noG = parseKernelConfig('CONFIG_A=y\n', 'x');
  t.match(byOption(evaluateRequirementSet(FIXTURE_SET, noG, '3.10')).get('CONFIG_F'), { applicable: true, ok: false });
});

t.test('evaluate: anyOf, mustBeOff, choice, severity override', async (t) => {
  const v = byOption(evaluateRequirementSet(FIXTURE_SET, FIXTURE_CONFIG, '3.10'));
  t.match(v.get('CONFIG_X1|CONFIG_X2|CONFIG_X3'), {
    kind: 'anyOf',
    state: 'enabled',
    value: 'y',
    ok: true,
    options: ['CONFIG_X1', 'CONFIG_X2', 'CONFIG_X3'],
  });
  t.match(v.get('CONFIG_Y1|CONFIG_Y2'), { state: 'missing', value: null, ok: false, severity: 'optional' });
  t.match(v.get('CONFIG_P'), { state: 'on-bad', ok: false, mustBeOff: true, error: 'socket: Permission denied' });
  t.match(v.get('CONFIG_Q'), { state: 'off-ok', ok: true, mustBeOff: true });
  t.match(v.get('CONFIG_V_NONE'), { kind: 'choice', state: 'enabled', ok: false });
  t.match(v.get('CONFIG_W_1|CONFIG_W_2'), { kind: 'choice', state: 'missing', ok: true });
  const emulate = parseKernelConfig('CONFIG_V_EMULATE=y\nCONFIG_X2=m\n', 'x');
  const e = byOption(evaluateRequirementSet(FIXTURE_SET, emulate, '3.10'));
  t.match(e.get('CONFIG_V_EMULATE'), { state: 'enabled', ok: true });
  t.match(e.get('CONFIG_X1|CONFIG_X2|CONFIG_X3'), { state: 'module', value: 'm', ok: true });
  t.equal(evaluateRequirementSet(FIXTURE_SET, FIXTURE_CONFIG, '3.10').length, 14, 'one verdict per item');
});

t.test('validateRequirementSet rejects bad data', async (t) => {
  const base = () => JSON.parse(JSON.stringify(FIXTURE_SET)) as Record<string, any>;
  t.ok(validateRequirementSet(base()));
  const cases: [string, (d: Record<string, any>) => void, RegExp][] = [
    ['schema', (d) => (d['schema'] = 2), /schema/],
    ['no groups', (d) => delete d['groups'], /groups/],
    ['severity', (d) => (d['groups'][0].severity = 'must'), /severity/],
    ['two kinds', (d) => (d['groups'][0].items[0].anyOf = ['Z']), /exactly one/],
    ['no note', (d) => delete d['groups'][0].items[0].note, /note/],
    ['bad version', (d) => (d['groups'][0].items[3].when = { kernelBelow: 'four' }), /kernelBelow/],
    ['unknown condition', (d) => (d['groups'][0].items[3].when = { arch: 'x86' }), /unknown condition/],
    ['good not in choice', (d) => (d['groups'][1].items[4].good = ['OTHER']), /subset/],
    ['empty anyOf', (d) => (d['groups'][1].items[0].anyOf = []), /anyOf/],
    ['duplicate group', (d) => (d['groups'][1].id = 'g1'), /duplicate/],
  ];
  for (const [name, mutate, re] of cases) {
    const d = base();
    mutate(d);
    t.throws(() => validateRequirementSet(d, 'x.json'), re, name);
  }
  const dir = mkdtempSync(join(tmpdir(), 'droidcheck-test-req-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'bad.json'), '{ nope');
  t.throws(() => loadRequirementSet(join(dir, 'bad.json')), /cannot read requirement set/);
  t.throws(() => loadRequirementSet(join(dir, 'absent.json')), /cannot read requirement set/);
});

t.test('bundled data files load', async (t) => {
  const moby = loadRequirementSet(bundledRequirementSetPath('moby-check-config'));
  t.equal(moby.id, 'moby');
  t.equal(moby.groups[0]?.severity, 'required');
  t.ok(moby.groups.slice(1).every((g) => g.severity === 'optional'), 'all but Generally Necessary are optional');
  const mobyOptions = requirementSetOptions(moby);
  t.equal(new Set(mobyOptions).size, mobyOptions.length);
  for (const o of ['CONFIG_DEVPTS_MULTIPLE_INSTANCES', 'CONFIG_NF_NAT_IPV4', 'CONFIG_MEMCG_SWAP_ENABLED', 'CONFIG_RT_GROUP_SCHED', 'CONFIG_LEGACY_VSYSCALL_EMULATE', 'CONFIG_OVERLAY_FS']) {
    t.ok(mobyOptions.includes(o), o);
  }
  const android = loadRequirementSet(bundledRequirementSetPath('android-droidcheck'));
  const items = android.groups.flatMap((g) => g.items);
  t.ok(items.every((i) => i.note.length > 0));
  const paranoid = items.find((i) => 'option' in i && i.option === 'ANDROID_PARANOID_NETWORK');
  t.equal(paranoid?.mustBeOff, true);
  for (const o of ['IPC_NS', 'SYSVIPC', 'POSIX_MQUEUE', 'PID_NS', 'UTS_NS', 'NET_NS', 'USER_NS', 'CGROUP_DEVICE', 'CPUSETS', 'DEVPTS_MULTIPLE_INSTANCES', 'OVERLAY_FS']) {
    t.ok(requirementSetOptions(android).includes(`CONFIG_${o}`), o);
  }
  for (const o of ['IPC_NS', 'POSIX_MQUEUE', 'DEVPTS_MULTIPLE_INSTANCES']) {
    const item = items.find((i) => 'option' in i && i.option === o);
    t.ok(item?.error, `${o} cites an error message`);
  }
});

t.test('samples against the Android set', async (t) => {
  const android = loadRequirementSet(bundledRequirementSetPath('android-droidcheck'));

  const old = sample('android-3.10-like.config');
  t.equal(old.version, '3.10.40');
  const v310 = byOption(evaluateRequirementSet(android, old, null));
  t.match(v310.get('CONFIG_IPC_NS'), { state: 'missing', value: null, ok: false, severity: 'required' });
  t.match(v310.get('CONFIG_POSIX_MQUEUE'), { state: 'missing', ok: false });
  t.match(v310.get('CONFIG_SYSVIPC'), { state: 'missing', severity: 'recommended' });
  t.match(v310.get('CONFIG_DEVPTS_MULTIPLE_INSTANCES'), { applicable: true, ok: false });
  t.match(v310.get('CONFIG_ANDROID_PARANOID_NETWORK'), { state: 'on-bad', value: 'y', ok: false });
  t.match(v310.get('CONFIG_CGROUP_DEVICE'), { applicable: true, ok: false });
  t.match(v310.get('CONFIG_CGROUP_DEVICE|CONFIG_CGROUP_BPF'), { applicable: false, ok: true });
  t.match(v310.get('CONFIG_PID_NS'), { state: 'enabled', ok: true });
  t.match(v310.get('CONFIG_OVERLAY_FS'), { state: 'missing', value: null });

  const mid = sample('android-4.14-like.config');
  const v414 = byOption(evaluateRequirementSet(android, mid, '4.14.190-perf'));
  t.match(v414.get('CONFIG_DEVPTS_MULTIPLE_INSTANCES'), { applicable: false, ok: true });
  t.match(v414.get('CONFIG_CGROUP_DEVICE'), { applicable: true, ok: false, state: 'missing' });
  t.match(v414.get('CONFIG_OVERLAY_FS'), { state: 'enabled', ok: true });
  t.match(v414.get('CONFIG_MEMCG'), { state: 'enabled' });
  // the same config judged as if it ran on 4.19: CGROUP_BPF alone satisfies device control
  const as419 = byOption(evaluateRequirementSet(android, mid, '4.19.0'));
  t.match(as419.get('CONFIG_CGROUP_DEVICE'), { applicable: false });
  t.match(as419.get('CONFIG_CGROUP_DEVICE|CONFIG_CGROUP_BPF'), { applicable: true, ok: true, state: 'enabled', value: 'y' });

  const debian = sample('debian-6.1-amd64.config');
  t.equal(debian.version, '6.1.192');
  const vdeb = evaluateRequirementSet(android, debian, null);
  t.same(vdeb.filter((v) => v.severity === 'required' && !v.ok).map((v) => v.option), [], 'Debian passes every required item');
  t.match(byOption(vdeb).get('CONFIG_ANDROID_PARANOID_NETWORK'), { state: 'off-ok', ok: true, value: null });
});
