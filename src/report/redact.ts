// Removes personal data from a report before it is shown or attached to a bug:
// host and user names, home paths, addresses and serial numbers.

export interface Secrets {
  hostname?: string | undefined;
  user?: string | undefined;
  home?: string | undefined;
}

const PATTERNS: [RegExp, string][] = [
  [/\b(?:[0-9a-f]{2}:){5}[0-9a-f]{2}\b/gi, '<mac>'],
  [/\b(?!127\.)(?!0\.0\.0\.0)(?:\d{1,3}\.){3}\d{1,3}\b/g, '<ipv4>'],
  [/\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b/gi, '<ipv6>'],
  [/((?:ro\.serialno|ro\.boot\.serialno|androidboot\.serialno|serial)\s*[=:]\s*)\S+/gi, '$1<serial>'],
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A home directory that names a person (/home/alice), not a system place (/data, Termux's home). */
function personalHome(secrets: Secrets): boolean {
  const home = secrets.home;
  if (!home) return false;
  return /^\/(home|Users)\/[^/]+/.test(home) || (secrets.user !== undefined && secrets.user.length >= 3 && secrets.user !== 'root' && home.includes(secrets.user));
}

/** The redaction for one set of secrets, its expressions built once. */
function redactor(secrets: Secrets): (s: string) => string {
  const home = personalHome(secrets) ? (secrets.home as string) : null;
  const names: [string, RegExp, string][] = [];
  for (const [value, label] of [[secrets.hostname, '<hostname>'], [secrets.user, '<user>']] as const) {
    // Short or generic names ("localhost", "root") are not personal and would mangle text.
    if (value && value.length >= 3 && !['localhost', 'root', 'android'].includes(value)) {
      names.push([value, new RegExp(`\\b${escapeRegExp(value)}\\b`, 'g'), label]);
    }
  }
  return (s) => {
    let out = s;
    if (home && out.includes(home)) out = out.split(home).join('~');
    // Every pattern needs a ':' (MAC, IPv6, "serial:"), a '.' (IPv4) or '=' ("serialno="): most strings have none.
    if (out.includes(':') || out.includes('.') || out.includes('=')) for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
    for (const [value, re, label] of names) if (out.includes(value)) out = out.replace(re, label);
    return out;
  };
}

export function redactString(s: string, secrets: Secrets): string {
  return redactor(secrets)(s);
}

/** A deep copy of value with every string redacted. */
export function redact<T>(value: T, secrets: Secrets): T {
  const redactOne = redactor(secrets);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactOne(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
