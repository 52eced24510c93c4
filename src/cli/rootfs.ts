// `droidcheck rootfs DIR --busybox PATH [--arch ARCH]`: a minimal OCI bundle
// around a static busybox, to prove containers work before pulling images.

import { BundleError, makeBusyboxBundle } from '../runtime/rootfs.js';

export interface RootfsOptions {
  dir: string;
  busybox: string;
  arch?: string;
  /** process.args; default ["sh"]. */
  args?: string[];
  /** process.terminal; default true (stock runc spec). */
  terminal?: boolean;
}

export interface RootfsIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export function defaultRootfsIo(): RootfsIo {
  return { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };
}

export async function rootfsCommand(opts: RootfsOptions, io: RootfsIo = defaultRootfsIo()): Promise<number> {
  if (!opts.dir) {
    io.stderr('droidcheck rootfs: name the bundle directory\n');
    return 2;
  }
  if (!opts.busybox) {
    io.stderr('droidcheck rootfs: --busybox PATH is required (a static busybox for the target architecture)\n');
    return 2;
  }
  try {
    const b = await makeBusyboxBundle(opts.dir, {
      busybox: opts.busybox,
      ...(opts.arch !== undefined ? { arch: opts.arch } : {}),
      ...(opts.args !== undefined ? { args: opts.args } : {}),
      ...(opts.terminal !== undefined ? { terminal: opts.terminal } : {}),
    });
    io.stdout(
      [
        `bundle ${b.bundle}: rootfs with a static ${b.arch} busybox`,
        ...b.notes.map((n) => `  ${n}`),
        `run it (as root): runc run --bundle ${b.bundle} droidcheck-test`,
        `or: droidcheck probe, then droidcheck explain on any error`,
      ].join('\n') + '\n',
    );
    return 0;
  } catch (error) {
    if (error instanceof BundleError) {
      io.stderr(`droidcheck rootfs: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
