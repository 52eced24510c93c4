// Every docker check, in report order.

import type { DockerCheck } from './check.js';
import { cgroupChecks } from './checks/cgroups.js';
import { networkChecks } from './checks/network.js';
import { runtimeChecks } from './checks/runtime.js';
import { storageChecks } from './checks/storage.js';

export const DOCKER_CHECKS: readonly DockerCheck[] = [...runtimeChecks, ...networkChecks, ...storageChecks, ...cgroupChecks];
