// DROIDCHECK_TRACE=1: one stderr line per milestone with the wall-clock time,
// so the start-up of droidcheck and of the container can be profiled across
// processes (`npm run bench` reports the totals).

const on = process.env['DROIDCHECK_TRACE'] === '1';

export function trace(label: string): void {
  if (on) process.stderr.write(`trace ${(performance.timeOrigin + performance.now()).toFixed(1)} ${process.pid} ${label} (+${performance.now().toFixed(1)} ms in this process)\n`);
}
