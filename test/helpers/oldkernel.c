/*
 * oldkernel - run a command under a seccomp profile that makes an x86_64
 * machine look like an old Android kernel (Linux 3.10) to the command and to
 * everything it spawns (the filter is inherited across fork/clone/execve).
 *
 *   oldkernel [--arch-check] -- CMD ARGS...
 *
 * What it emulates:
 *   - Syscalls added after 3.10 do not exist: every x86_64 syscall nr >= 314
 *     returns ENOSYS.  The last 3.10 syscall is finit_module (313); see
 *     arch/x86/entry/syscalls/syscall_64.tbl.  Examples of what disappears:
 *       314/315 sched_setattr/getattr  316 renameat2    317 seccomp
 *       318 getrandom   319 memfd_create  321 bpf       322 execveat
 *       323 userfaultfd 324 membarrier    326 copy_file_range
 *       327/328 preadv2/pwritev2          332 statx     334 rseq
 *       424 pidfd_send_signal             425-427 io_uring_setup/enter/register
 *       428-433 new mount API             434 pidfd_open 435 clone3
 *       436 close_range  437 openat2      439 faccessat2 441 epoll_pwait2
 *       444-446 landlock_*                449 futex_waitv
 *   - x32 ABI syscalls (nr & __X32_SYSCALL_BIT) return ENOSYS.
 *   - A kernel built without CONFIG_IPC_NS: unshare(2) and clone(2) with
 *     CLONE_NEWIPC in their flags fail with EINVAL.
 *
 * What it does NOT emulate: new flags on old syscalls (e.g. O_TMPFILE,
 * MAP_FIXED_NOREPLACE, new prctl/ioctl/fcntl/socket options), setns() into an
 * IPC namespace, missing /proc or /sys files, cgroup layout, other missing
 * CONFIG_* options, LSM behaviour, or anything visible in uname(2).
 * Syscalls of other ABIs (i386 via int 0x80) are allowed unchanged.
 *
 * Side effect, needed because uname(2) still reports the host kernel: when
 * getrandom is ENOSYS, OpenSSL >= 1.1.1 (node's bundled 3.0 too) only falls
 * back to /dev/urandom if uname says < 4.8 or the "random is seeded" marker
 * exists (SysV shm key 114, which OpenSSL itself creates on old kernels after
 * /dev/random became readable).  Without it node aborts at startup with
 * "Assertion failed: crypto::CSPRNG(nullptr, 0).is_ok()".  So oldkernel
 * creates that 1-byte, read-only segment (persists in the IPC namespace, only
 * consulted by OpenSSL when getrandom fails), like a real 3.10 device has
 * after its first OpenSSL run.  The syscall profile itself is not weakened.
 *
 * --arch-check: before exec'ing, verify that the filter is really active
 * (getrandom must return ENOSYS); with no CMD, print "ok" and exit 0.
 * On any failure: message naming the call and errno on stderr, exit 125.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

#define FIRST_NEW_NR 314 /* sched_setattr, first syscall after 3.10 */
#define NR_CLONE 56
#define NR_UNSHARE 272
/* Low 32 bits of args[0] (x86_64 is little-endian). */
#define ARG0_LO offsetof(struct seccomp_data, args[0])

static int fail(const char *what, int err) {
  fprintf(stderr, "oldkernel: %s failed: %s (errno %d)\n", what, strerror(err), err);
  return 125;
}

int main(int argc, char **argv) {
#if !defined(__x86_64__)
  (void)argc; (void)argv;
  fprintf(stderr, "oldkernel: only x86_64 is supported\n");
  return 125;
#else
  int arch_check = 0, i = 1;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--arch-check") == 0) arch_check = 1;
    else if (strcmp(argv[i], "--") == 0) { i++; break; }
    else break;
  }
  if (i >= argc && !arch_check) {
    fprintf(stderr, "usage: oldkernel [--arch-check] -- CMD ARGS...\n");
    return 125;
  }

  /* Jump offsets are relative to the next instruction. */
  struct sock_filter code[] = {
    /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 9),  /* else -> 11 allow */
    /* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    /* 3 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, __X32_SYSCALL_BIT, 5, 0), /* -> 9 enosys */
    /* 4 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, FIRST_NEW_NR, 4, 0),       /* -> 9 enosys */
    /* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_UNSHARE, 1, 0),         /* -> 7 */
    /* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_CLONE, 0, 4),           /* else -> 11 allow */
    /* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LO),
    /* 8 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWIPC, 1, 2),       /* -> 10 einval, else 11 */
    /* 9 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
    /* 10 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EINVAL & SECCOMP_RET_DATA)),
    /* 11 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { .len = sizeof code / sizeof code[0], .filter = code };

  if (shmget(114 /* OPENSSL_RAND_SEED_DEVRANDOM_SHM_ID */, 1, IPC_CREAT | 0444) == -1)
    fprintf(stderr, "oldkernel: warning: shmget(114, 1, IPC_CREAT|0444) failed: %s (errno %d);"
            " OpenSSL/node may fail to seed its RNG\n", strerror(errno), errno);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return fail("prctl(PR_SET_NO_NEW_PRIVS, 1)", errno);
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
    return fail("prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER)", errno);

  if (arch_check) {
    char b;
    long r = syscall(318 /* getrandom */, &b, 1, 0);
    if (r != -1 || errno != ENOSYS) {
      fprintf(stderr, "oldkernel: --arch-check: getrandom returned %ld (errno %d), expected ENOSYS\n",
              r, r == -1 ? errno : 0);
      return 125;
    }
    if (i >= argc) { puts("ok"); return 0; }
  }

  execvp(argv[i], &argv[i]);
  char what[512];
  snprintf(what, sizeof what, "execvp(\"%s\")", argv[i]);
  return fail(what, errno);
#endif
}
