// config.json checked once, before anything reads it: the runtime-spec's types
// for every field droidcheck (or a runtime it starts) reads, written as data
// from the spec's schema (config-schema.json, config-linux.json, defs.json of
// opencontainers/runtime-spec 1.2). Unknown fields pass: they are kept as they
// are. Every error names the field, the value and what is allowed.

export type Problem = string;

/** One wording for a field that cannot be used: the field, the value, what is allowed. */
export function fieldError(field: string, value: unknown, allowed: string): string {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
  return `${field}: ${shown} is not allowed (${allowed})`;
}

type Rule = (v: unknown, at: string, out: Problem[]) => void;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const str: Rule = (v, at, out) => void (typeof v !== 'string' && out.push(fieldError(at, v, 'a string')));
const bool: Rule = (v, at, out) => void (typeof v !== 'boolean' && out.push(fieldError(at, v, 'true or false')));
const abs: Rule = (v, at, out) => void ((typeof v !== 'string' || !v.startsWith('/')) && out.push(fieldError(at, v, 'an absolute path')));

function int(min: number, max: number, what: string): Rule {
  return (v, at, out) => void ((typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) && out.push(fieldError(at, v, what)));
}
/** uid/gid: 0 to 2^32-2; 2^32-1 is (uid_t)-1, "leave unchanged", which would keep root. */
const id = int(0, 4294967294, 'an id from 0 to 4294967294');
const uint32 = int(0, 4294967295, 'an integer from 0 to 4294967295');
/** JSON numbers are doubles: past 2^53 the number read is not the number written. */
const uint64 = int(0, Number.MAX_SAFE_INTEGER, 'an integer from 0 to 2^53-1');
const int64 = int(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'an integer within +-2^53-1');

function oneOf(values: readonly string[]): Rule {
  return (v, at, out) => void ((typeof v !== 'string' || !values.includes(v)) && out.push(fieldError(at, v, `one of ${values.join(', ')}`)));
}

function arrayOf(item: Rule, opts: { nonEmpty?: boolean } = {}): Rule {
  return (v, at, out) => {
    if (!Array.isArray(v)) return void out.push(fieldError(at, v, 'an array'));
    if (opts.nonEmpty && v.length === 0) return void out.push(fieldError(at, v, 'a non-empty array'));
    v.forEach((x, i) => item(x, `${at}[${i}]`, out));
  };
}

function recordOf(item: Rule): Rule {
  return (v, at, out) => {
    if (!isObj(v)) return void out.push(fieldError(at, v, 'an object'));
    for (const [k, x] of Object.entries(v)) item(x, `${at}[${JSON.stringify(k)}]`, out);
  };
}

function object(fields: Record<string, Rule>, required: readonly string[] = []): Rule {
  return (v, at, out) => {
    if (!isObj(v)) return void out.push(fieldError(at || '.', v, 'an object'));
    for (const r of required) if (v[r] === undefined) out.push(`${at}.${r}: missing (required)`);
    for (const [k, rule] of Object.entries(fields)) if (v[k] !== undefined) rule(v[k], `${at}.${k}`, out);
  };
}

const anyObject: Rule = (v, at, out) => void (!isObj(v) && out.push(fieldError(at, v, 'an object')));

const NAMESPACE_TYPES = ['mount', 'uts', 'ipc', 'pid', 'network', 'user', 'cgroup', 'time'];
const PROPAGATION = ['private', 'shared', 'slave', 'unbindable', 'rprivate', 'rshared', 'rslave', 'runbindable'];

const idMapping = object({ containerID: uint32, hostID: uint32, size: uint32 }, ['containerID', 'hostID', 'size']);

const resources = object({
  memory: object({ limit: int64, reservation: int64, swap: int64, kernel: int64, kernelTCP: int64, swappiness: uint64, disableOOMKiller: bool }),
  pids: object({ limit: int64 }, ['limit']),
  cpu: object({ shares: uint64, quota: int64, period: uint64, realtimeRuntime: int64, realtimePeriod: uint64, cpus: str, mems: str, idle: int64 }),
  blockIO: object({ weight: int(10, 1000, 'a weight from 10 to 1000'), leafWeight: int(10, 1000, 'a weight from 10 to 1000') }),
  devices: arrayOf(object({ allow: bool, type: oneOf(['a', 'c', 'b']), major: int64, minor: int64, access: str }, ['allow'])),
  hugepageLimits: arrayOf(object({ pageSize: str, limit: uint64 }, ['pageSize', 'limit'])),
  network: anyObject,
  rdma: anyObject,
  unified: recordOf(str),
});

const SPEC: Rule = object(
  {
    ociVersion: str,
    hostname: str,
    domainname: str,
    root: object({ path: str, readonly: bool }, ['path']),
    process: object(
      {
        terminal: bool,
        consoleSize: object({ height: uint32, width: uint32 }, ['height', 'width']),
        user: object({ uid: id, gid: id, umask: int(0, 0o777, 'a mode from 0 to 0777 (511)'), additionalGids: arrayOf(id), username: str }, ['uid', 'gid']),
        args: arrayOf(str, { nonEmpty: true }),
        commandLine: str,
        env: arrayOf((v, at, out) => void ((typeof v !== 'string' || !v.includes('=')) && out.push(fieldError(at, v, 'NAME=VALUE')))),
        cwd: abs,
        capabilities: object({ bounding: arrayOf(str), effective: arrayOf(str), inheritable: arrayOf(str), permitted: arrayOf(str), ambient: arrayOf(str) }),
        rlimits: arrayOf(object({ type: str, soft: uint64, hard: uint64 }, ['type', 'soft', 'hard'])),
        noNewPrivileges: bool,
        apparmorProfile: str,
        oomScoreAdj: int(-1000, 1000, 'an integer from -1000 to 1000'),
        selinuxLabel: str,
      },
      ['user', 'cwd', 'args'],
    ),
    mounts: arrayOf(object({ destination: abs, source: str, type: str, options: arrayOf(str), uidMappings: arrayOf(idMapping), gidMappings: arrayOf(idMapping) }, ['destination'])),
    annotations: recordOf(str),
    hooks: anyObject,
    linux: object({
      namespaces: arrayOf(object({ type: oneOf(NAMESPACE_TYPES), path: abs }, ['type'])),
      uidMappings: arrayOf(idMapping),
      gidMappings: arrayOf(idMapping),
      sysctl: recordOf(str),
      resources,
      cgroupsPath: str,
      seccomp: object({ defaultAction: str, defaultErrnoRet: uint32, architectures: arrayOf(str), flags: arrayOf(str), listenerPath: str, listenerMetadata: str, syscalls: arrayOf(anyObject) }, ['defaultAction']),
      maskedPaths: arrayOf(abs),
      readonlyPaths: arrayOf(abs),
      devices: arrayOf(object({ type: oneOf(['c', 'b', 'u', 'p']), path: abs, major: int64, minor: int64, fileMode: uint32, uid: id, gid: id }, ['type', 'path'])),
      rootfsPropagation: oneOf(PROPAGATION),
      mountLabel: str,
      personality: anyObject,
    }),
  },
  ['ociVersion'],
);

/** Every problem of config.json's content, in document order; none when it can be used. */
export function validateSpec(data: unknown): Problem[] {
  const out: Problem[] = [];
  SPEC(data, '', out);
  return out;
}
