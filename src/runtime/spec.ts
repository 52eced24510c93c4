// The parts of the OCI runtime spec (config.json) droidcheck reads and edits.
// Unknown fields are kept as they are: the fixer copies and edits, never drops.

import { validateSpec } from './validate.js';

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface OciNamespace {
  type: 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time' | string;
  path?: string;
}

export interface OciRlimit {
  type: string;
  hard: number;
  soft: number;
}

export interface OciUser {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

export interface OciCapabilities {
  bounding?: string[];
  effective?: string[];
  permitted?: string[];
  inheritable?: string[];
  ambient?: string[];
}

export interface OciProcess {
  terminal?: boolean;
  user: OciUser;
  args?: string[];
  env?: string[];
  cwd: string;
  capabilities?: OciCapabilities;
  rlimits?: OciRlimit[];
  noNewPrivileges?: boolean;
  [key: string]: unknown;
}

export interface OciLinux {
  namespaces?: OciNamespace[];
  uidMappings?: unknown[];
  gidMappings?: unknown[];
  sysctl?: Record<string, string>;
  resources?: Record<string, unknown>;
  seccomp?: unknown;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  devices?: unknown[];
  rootfsPropagation?: string;
  cgroupsPath?: string;
  [key: string]: unknown;
}

export interface OciSpec {
  ociVersion: string;
  process?: OciProcess;
  root?: { path: string; readonly?: boolean };
  hostname?: string;
  mounts?: OciMount[];
  linux?: OciLinux;
  [key: string]: unknown;
}

/**
 * Parses and validates config.json text (validate.ts); the error names every field that cannot be
 * used, with its value and what is allowed.
 */
export function parseSpec(text: string, path: string): OciSpec {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not JSON (${(error as Error).message})`);
  }
  const problems = validateSpec(data);
  if (problems.length === 1) throw new Error(`${path}: ${problems[0]}`);
  if (problems.length > 1) throw new Error(`${path}: ${problems.length} problems: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; ...' : ''}`);
  return data as OciSpec;
}
