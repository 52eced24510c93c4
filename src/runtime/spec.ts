// The parts of the OCI runtime spec (config.json) droidcheck reads and edits.
// Unknown fields are kept as they are: the fixer copies and edits, never drops.

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

/** Parses config.json text; errors name the field. */
export function parseSpec(text: string, path: string): OciSpec {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not JSON (${(error as Error).message})`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error(`${path}: the top level must be an object`);
  const spec = data as OciSpec;
  if (typeof spec.ociVersion !== 'string') throw new Error(`${path}: .ociVersion must be a string`);
  if (spec.root !== undefined && typeof spec.root?.path !== 'string') throw new Error(`${path}: .root.path must be a string`);
  if (spec.process !== undefined) {
    if (!Array.isArray(spec.process.args) || spec.process.args.length === 0) throw new Error(`${path}: .process.args must be a non-empty array`);
    if (typeof spec.process.cwd !== 'string' || !spec.process.cwd.startsWith('/')) throw new Error(`${path}: .process.cwd must be an absolute path`);
    if (typeof spec.process.user?.uid !== 'number' || typeof spec.process.user?.gid !== 'number') throw new Error(`${path}: .process.user.uid and .gid must be numbers`);
  }
  if (spec.mounts !== undefined && !Array.isArray(spec.mounts)) throw new Error(`${path}: .mounts must be an array`);
  for (const [i, m] of (spec.mounts ?? []).entries()) {
    if (typeof m?.destination !== 'string' || !m.destination.startsWith('/')) throw new Error(`${path}: .mounts[${i}].destination must be an absolute path`);
  }
  return spec;
}
