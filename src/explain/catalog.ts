// Known container-runtime errors on Android and old kernels: what the message
// means, which kernel option or host fact is behind it, how to fix it and
// which `droidcheck probe` check confirms it. The entries live in catalog/ by
// subject; this is the one list explain matches against.

import { CGROUPS } from './catalog/cgroups.js';
import { DAEMON } from './catalog/daemon.js';
import { MOUNTS } from './catalog/mounts.js';
import { NAMESPACES } from './catalog/namespaces.js';
import { NETWORK } from './catalog/network.js';
import type { CatalogEntry } from './types.js';

export type { CatalogEntry, Cause, FactTest, Runtime } from './types.js';

export const CATALOG: readonly CatalogEntry[] = [...NAMESPACES, ...MOUNTS, ...CGROUPS, ...NETWORK, ...DAEMON];

export function entryById(id: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.id === id);
}
