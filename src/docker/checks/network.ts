// Docker's default bridge network, tested in a private network namespace:
// veth pairs, a bridge, and the iptables rules dockerd makes at start-up with
// each backend (legacy, nf_tables). On Android the usual answer is
// "iptables-legacy, or no bridge at all (--network host)".

import { liveEvidence, result } from '../../probes/checks/util.js';
import type { CheckResult, Evidence } from '../../probes/types.js';
import { firstFailure, why, type DockerCheck } from '../check.js';
import { BACKENDS, type Backend, type DockerFacts, type IptablesRun } from '../types.js';

const notTested = (facts: DockerFacts, what: string): CheckResult =>
  result({ status: 'skip', summary: `${what} not tested: ${facts.notes[0] ?? facts.live?.notes[0] ?? 'no live tests'}` });

const HOST_NETWORK = { kind: 'runtime-flag' as const, text: 'run containers in the host\'s network (what works on Android without veth): no bridge, no iptables', items: ['daemon.json: "bridge": "none", "iptables": false', 'docker run --network host ...'] };

const veth: DockerCheck = {
  id: 'docker.net.veth',
  title: 'veth pairs',
  category: 'network',
  severity: 'recommended',
  probes: 'ip link add type veth, in a private network namespace',
  run(facts) {
    const net = facts.live?.net;
    const a = net?.netns ?? net?.veth;
    if (!a) return notTested(facts, 'veth');
    if (a.ok) return result({ status: 'pass', summary: 'a veth pair can be made', evidence: [liveEvidence(a)] });
    return result({ status: 'fail', summary: `no veth: ${why(a)}`, evidence: [liveEvidence(a)], impact: 'the default bridge network fails: "failed to add the host (veth...) <=> sandbox (veth...) pair interfaces: operation not supported"', remediation: [HOST_NETWORK, { kind: 'kernel-option', text: 'or rebuild the kernel', items: ['CONFIG_VETH=y'] }], configOptions: ['CONFIG_VETH'] });
  },
};

const bridge: DockerCheck = {
  id: 'docker.net.bridge',
  title: 'Linux bridge',
  category: 'network',
  severity: 'recommended',
  probes: 'ip link add type bridge, a veth enslaved to it, set up; in a private network namespace',
  run(facts) {
    const net = facts.live?.net;
    if (!net) return notTested(facts, 'bridge');
    const steps = [net.netns, net.bridge, net.enslave, net.up];
    const f = firstFailure(steps);
    const evidence = steps.filter((s) => s !== undefined).map((s) => liveEvidence(s));
    if (!f && net.bridge) return result({ status: 'pass', summary: 'a bridge can be made and a veth added to it', evidence });
    if (!f) return notTested(facts, 'bridge');
    return result({ status: 'fail', summary: `${f.op}: ${why(f)}`, evidence, impact: 'dockerd cannot create docker0: its start fails unless "bridge": "none"', remediation: [HOST_NETWORK, { kind: 'kernel-option', text: 'or rebuild the kernel', items: ['CONFIG_BRIDGE=y', 'CONFIG_BRIDGE_NETFILTER=y'] }], configOptions: ['CONFIG_BRIDGE'] });
  },
};

/** A backend works when every rule dockerd makes at start-up was accepted. */
export function backendWorks(run: IptablesRun | undefined): boolean {
  return Boolean(run && run.steps.length > 0 && run.steps.every((s) => s.ok));
}

/** The iptables backend Docker should use here: the default one when it works, else the other; null when none does. */
export function iptablesChoice(facts: DockerFacts): { backend: Backend; binary: string; isDefault: boolean; lockfile?: string } | null {
  const live = facts.live;
  if (!live) return null;
  const def = live.defaultIptables?.backend ?? null;
  const order: Backend[] = def ? [def, ...BACKENDS.filter((b) => b !== def)] : [...BACKENDS];
  for (const b of order) {
    const run = live.iptables[b];
    if (backendWorks(run) && run) return { backend: b, binary: run.binary, isDefault: b === def, ...(run.lockfile ? { lockfile: run.lockfile } : {}) };
  }
  return null;
}

function runEvidence(run: IptablesRun): Evidence[] {
  const f = firstFailure(run.steps);
  const last = f ?? run.steps.at(-1);
  return last ? [{ ...liveEvidence(last), what: `${run.binary}: ${f ? 'first failing rule' : `all ${run.steps.length} rules`}: ${last.op}` }] : [];
}

const iptables: DockerCheck = {
  id: 'docker.iptables',
  title: 'iptables for Docker',
  category: 'network',
  severity: 'recommended',
  probes: "the rules dockerd makes for docker0 (nat and filter chains, MASQUERADE, conntrack, addrtype, DNAT), with iptables-legacy and iptables-nft, in a private network namespace",
  run(facts) {
    const live = facts.live;
    if (!live || !BACKENDS.some((b) => live.iptables[b])) return notTested(facts, 'iptables');
    const evidence = BACKENDS.flatMap((b) => (live.iptables[b] ? runEvidence(live.iptables[b]) : []));
    if (live.defaultIptables) evidence.unshift({ source: 'command', what: `${live.defaultIptables.path} --version (the one dockerd runs)`, value: live.defaultIptables.version });
    const choice = iptablesChoice(facts);
    if (!choice) {
      const nft = live.iptables.nft ? firstFailure(live.iptables.nft.steps) : undefined;
      return result({ status: 'fail', summary: 'no iptables backend accepts dockerd\'s rules', evidence, impact: `dockerd cannot start with its bridge network${nft ? ` (nf_tables: ${why(nft)})` : ''}: "failed to create NAT chain DOCKER"`, remediation: [HOST_NETWORK, { kind: 'kernel-option', text: 'or rebuild the kernel with legacy iptables and NAT', items: ['CONFIG_IP_NF_IPTABLES=y', 'CONFIG_IP_NF_FILTER=y', 'CONFIG_IP_NF_NAT=y', 'CONFIG_IP_NF_TARGET_MASQUERADE=y', 'CONFIG_NETFILTER_XT_MATCH_ADDRTYPE=y', 'CONFIG_NETFILTER_XT_MATCH_CONNTRACK=y'] }] });
    }
    const lock = choice.lockfile ? ` (with XTABLES_LOCKFILE=${choice.lockfile}: /run/xtables.lock cannot be opened)` : '';
    if (choice.isDefault) return result({ status: 'pass', summary: `${choice.binary} (${choice.backend}) accepts every rule${lock}`, evidence });
    return result({
      status: 'warn',
      summary: `the default iptables fails; ${choice.binary} (${choice.backend}) works${lock}`,
      evidence,
      impact: 'dockerd runs `iptables` from its PATH and fails with the default one ("Could not fetch rule set generation id" / "Table does not exist")',
      remediation: [{ kind: 'host-command', text: `put ${choice.backend} first in dockerd's PATH (the generated dockerd.sh does), or switch the system default`, items: [`update-alternatives --set iptables ${choice.binary}`] }],
    });
  },
};

const nat: DockerCheck = {
  id: 'docker.nat',
  title: 'NAT for container traffic',
  category: 'network',
  severity: 'recommended',
  probes: 'iptables -t nat -N DOCKER and the MASQUERADE rule, with the backend docker.iptables picks',
  run(facts) {
    const live = facts.live;
    const choice = iptablesChoice(facts);
    if (choice) return result({ status: 'pass', summary: `nat table and MASQUERADE work with ${choice.backend}` });
    const runs = BACKENDS.map((b) => live?.iptables[b]).filter((r): r is IptablesRun => r !== undefined);
    if (!runs.length) return notTested(facts, 'NAT');
    const natSteps = runs.flatMap((r) => r.steps.filter((s) => / -t nat /.test(` ${s.op} `)));
    const f = firstFailure(natSteps);
    if (!f) return result({ status: 'warn', summary: 'the nat rules were accepted, but another of dockerd\'s rules failed (see docker.iptables)' });
    return result({ status: 'fail', summary: `${f.op}: ${why(f)}`, evidence: [liveEvidence(f)], impact: 'containers on the bridge cannot reach the outside; dockerd fails to start with its bridge', remediation: [HOST_NETWORK, { kind: 'kernel-option', text: 'or rebuild the kernel with NAT', items: ['CONFIG_NF_NAT=y', 'CONFIG_IP_NF_NAT=y', 'CONFIG_IP_NF_TARGET_MASQUERADE=y'] }], configOptions: ['CONFIG_IP_NF_NAT'] });
  },
};

const ip6tables: DockerCheck = {
  id: 'docker.ip6tables',
  title: 'ip6tables',
  category: 'network',
  severity: 'optional',
  probes: 'ip6tables nat and filter chains and MASQUERADE, per backend, in a private network namespace',
  run(facts) {
    const live = facts.live;
    const runs = BACKENDS.map((b) => live?.ip6tables[b]).filter((r): r is IptablesRun => r !== undefined);
    if (!runs.length) return notTested(facts, 'ip6tables');
    const ok = runs.find(backendWorks);
    const evidence = runs.flatMap(runEvidence);
    if (ok) return result({ status: 'pass', summary: `${ok.binary} accepts the rules`, evidence });
    return result({ status: 'warn', summary: 'no ip6tables backend works', evidence, impact: 'dockerd 27 and later also make IPv6 rules (ip6tables is on by default there) and can fail to start without them', remediation: [{ kind: 'runtime-flag', text: 'switch IPv6 rules off', items: ['daemon.json: "ip6tables": false'] }] });
  },
};

export const networkChecks: readonly DockerCheck[] = [veth, bridge, iptables, nat, ip6tables];
