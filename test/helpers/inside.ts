// What integration tests look at from inside a container: one shell script
// that prints key=value facts, and its parser.

/** Prints the container's view of itself; exits 7 so exit-status propagation shows. */
export const INSIDE = [
  'echo "hostname=$(hostname)"',
  'echo "pid=$$"',
  'echo "id=$(id -u):$(id -g):$(id -G)"',
  'grep -E "^(CapEff|CapBnd|SigIgn|SigBlk|NoNewPrivs):" /proc/self/status | tr -d "\\t" | sed "s/:/=/"',
  'ls -1 /proc/1/fd', // no redirection or pipe: the shell (PID 1) opens nothing while ls looks
  'echo "stdout_flags=$(grep flags /proc/$$/fdinfo/1 | tr -d "\\t ")"',
  'echo "devnull=$(ls -l /dev/null | cut -c1)"',
  'grep -q " /proc proc " /proc/mounts && echo proc=mounted',
  'touch /x 2>/dev/null; echo "root_ro=$?"',
  'exit 7',
].join('; ');

export function facts(stdout: string): Record<string, string> {
  return Object.fromEntries(stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** The descriptors PID 1 had open, from the `ls -1 /proc/1/fd` lines. */
export function pid1Fds(stdout: string): string {
  return stdout.split('\n').filter((l) => /^\d+$/.test(l)).join(' ');
}
