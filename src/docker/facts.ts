// Gathers what the docker checks read: the probe's facts (with its live tests),
// the docker live tests beside them, the installed Docker and where it would
// keep its state.

import type { Host } from '../host/host.js';
import { gatherFacts, type GatherOptions } from '../probes/facts.js';
import { parseMountinfo } from '../sys/mountinfo.js';
import { runDockerLive, type DockerHost } from './live.js';
import { choosePlaces, storageParent } from './places.js';
import type { DockerBinaries, DockerFacts } from './types.js';

export interface DockerGatherOptions extends GatherOptions {
  /** --dockerd PATH: another dockerd than the one on PATH. */
  dockerd?: string;
}

async function firstLine(host: Host, path: string | null, args: string[]): Promise<string | undefined> {
  if (!path) return undefined;
  const r = await host.exec(path, args);
  return (r.stdout || r.stderr).trim().split('\n')[0] || undefined;
}

/**
 * The programs, and runc's version (docker.ns.user needs it). dockerd and
 * containerd are not asked for theirs: starting those large Go programs twice
 * costs more than the whole check run, and no check depends on it.
 */
export async function findBinaries(host: Host, dockerd?: string, dockerdVersion = false): Promise<DockerBinaries> {
  // An explicit --dockerd must exist: otherwise it is "not found" like a missing one.
  const given = dockerd ? ((await host.stat(dockerd)) === 'file' ? dockerd : null) : undefined;
  const [d, cli, containerd, runc] = await Promise.all([given !== undefined ? Promise.resolve(given) : host.which('dockerd'), host.which('docker'), host.which('containerd'), host.which('runc')]);
  const [vr, vd] = await Promise.all([firstLine(host, runc, ['--version']), dockerdVersion ? firstLine(host, d, ['--version']) : Promise.resolve(undefined)]);
  return { dockerd: d, docker: cli, containerd, runc, versions: { ...(vr ? { runc: vr } : {}), ...(vd ? { dockerd: vd } : {}) } };
}

export async function gatherDockerFacts(host: DockerHost, opts: DockerGatherOptions): Promise<DockerFacts> {
  // The docker tests need only the mount table and three paths, so they run beside the probe's own.
  const [mountinfo, varLib, varRun, data, etc] = await Promise.all([host.readFile('/proc/self/mountinfo'), host.stat('/var/lib'), host.stat('/var/run'), host.stat('/data'), host.stat('/etc')]);
  const mounts = parseMountinfo(mountinfo?.toString('utf8') ?? '');
  const places = choosePlaces(mounts, { varLib, varRun, data, etc });
  const notes: string[] = [];
  const runLive = opts.live && host.uid() === 0;
  if (!opts.live) notes.push('--no-live: the docker tests were judged from files and the kernel config');
  else if (!runLive) notes.push('not root: the docker live tests need root and were not run');
  const [base, binaries, live] = await Promise.all([
    gatherFacts(host, opts),
    // dockerd's version only matters where key.json must move (see settings.ts): asking costs a Go start-up.
    findBinaries(host, opts.dockerd, places.keyPath !== undefined),
    runLive ? runDockerLive(host, mounts, { noFfi: opts.noFfi, arch: opts.arch, storageDir: storageParent(places), ...(opts.busybox ? { busybox: opts.busybox } : {}) }) : Promise.resolve(null),
  ]);
  return { base, live, binaries, places, notes };
}
