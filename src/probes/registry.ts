// Every check, in report order.

import { cgroupChecks } from './checks/cgroups.js';
import { compatChecks } from './checks/compat.js';
import { filesystemChecks } from './checks/filesystems.js';
import { hostChecks, ipcChecks } from './checks/host.js';
import { kernelConfigChecks } from './checks/kernel-config.js';
import { namespaceChecks } from './checks/namespaces.js';
import { rootfsChecks } from './checks/rootfs.js';
import { securityChecks } from './checks/security.js';
import { syscallChecks } from './checks/syscalls.js';
import type { Check } from './types.js';

export const ALL_CHECKS: readonly Check[] = [
  ...namespaceChecks,
  ...filesystemChecks,
  ...rootfsChecks,
  ...ipcChecks,
  ...cgroupChecks,
  ...syscallChecks,
  ...securityChecks,
  ...hostChecks,
  ...compatChecks,
  ...kernelConfigChecks,
];

/** Checks by id; unknown ids are returned in `unknown`. */
export function selectChecks(ids: readonly string[] | undefined, all: readonly Check[] = ALL_CHECKS): { checks: Check[]; unknown: string[] } {
  if (!ids || ids.length === 0) return { checks: [...all], unknown: [] };
  const byId = new Map(all.map((c) => [c.id, c]));
  const checks: Check[] = [];
  const unknown: string[] = [];
  for (const id of ids) {
    const c = byId.get(id);
    if (c) checks.push(c);
    else unknown.push(id);
  }
  return { checks, unknown };
}
