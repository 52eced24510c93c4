// What the VM tests run in the guest and read back from its output, written once:
// droidcheck's command line there, uptime marks around a step, "key=value" lines.

/** droidcheck as the guest runs it (the repository is mounted at /droidcheck). */
export const DC = 'node /droidcheck/bin/droidcheck';

/** Guest uptime in seconds: steps print it before and after, the test reports durations. */
export const UP = `echo "uptime=$(cut -d' ' -f1 /proc/uptime)"`;

/** Runs a step between two uptime lines. */
export const timed = (cmd: string): string => `${UP}; ${cmd}; ${UP}`;

/** A run report's outcome and steps (with their details) as lines: started=, launcher=, "step NAME=STATUS ...". */
export const launchLines = (file: string): string =>
  `node -e 'const r=require("${file}"); console.log("started=" + r.launch.started + " exit=" + r.launch.exitCode + " path=" + r.runtime.path); console.log("launcher=" + r.runtime.launcher); for (const s of r.launch.steps) console.log("step " + s.name + "=" + s.status + (s.errno ? " " + s.errno : "") + (s.detail ? " (" + s.detail + ")" : ""))'`;

/** The "key=value" lines of a step's output. */
export function parse(out: string): Map<string, string> {
  return new Map(out.split('\n').filter((l) => /^[\w.-]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Seconds between the first and last uptime= lines of a step. */
export function duration(out: string): number | undefined {
  const ups = [...out.matchAll(/^uptime=([\d.]+)$/gm)].map((m) => Number(m[1]));
  return ups.length >= 2 ? (ups.at(-1) as number) - (ups[0] as number) : undefined;
}
