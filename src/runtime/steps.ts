// Launch steps: each named, each with an outcome that goes into the report.

export type StepStatus = 'ok' | 'skipped' | 'failed';
export type FailureClass = 'kernel-feature' | 'host-layout' | 'config' | 'architecture' | 'permission' | 'internal';

export interface StepOutcome {
  name: string;
  status: StepStatus;
  /** The operation, e.g. "mount mqueue on /dev/mqueue". */
  op?: string;
  path?: string;
  errno?: string;
  detail?: string;
  class?: FailureClass;
  /** What performed the step: "koffi" on the FFI path; on the tools path the tool ("busybox /bin/busybox mount", "util-linux /usr/bin/unshare"). */
  tool?: string;
}

/** What an errno from an operation most likely means. */
export function classify(op: string, errno: string): FailureClass {
  if (errno === 'ENOEXEC') return 'architecture';
  if (errno === 'EPERM' || errno === 'EACCES') return 'permission';
  if (op.startsWith('unshare') && errno === 'EINVAL') return 'kernel-feature';
  if (op.startsWith('mount') && errno === 'ENODEV') return 'kernel-feature';
  if (op.startsWith('pivot_root') && errno === 'EINVAL') return 'host-layout';
  if (errno === 'EROFS' || errno === 'ENOSPC') return 'host-layout';
  // A symbolic link where droidcheck writes: the image's layout, refused rather than followed.
  if (errno === 'ELOOP') return 'config';
  if (errno === 'ENOSYS') return 'kernel-feature';
  if (errno === 'ENOENT' || errno === 'ENOTDIR' || errno === 'EINVAL') return 'config';
  return 'internal';
}

export function describeStep(s: StepOutcome): string {
  const where = s.path && !(s.op ?? '').includes(s.path) ? ` ${s.path}` : '';
  if (s.status === 'failed') return `${s.name}: ${s.op ?? s.name}${where}: ${s.errno ?? 'failed'}${s.detail ? ` (${s.detail})` : ''}`;
  if (s.status === 'skipped') return `${s.name}: skipped${s.detail ? ` (${s.detail})` : ''}`;
  return `${s.name}: ok${s.detail ? ` (${s.detail})` : ''}`;
}
