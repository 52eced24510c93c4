/*
 * droidcheck-init: the embedded runtime's launcher in C, one of the two
 * backends of the launch description (src/runtime/launch-steps.ts; the other
 * is the sh script of launch-sh.ts). It decides nothing about the launch: it
 * runs the steps it is given, in their order, and reports each one.
 *
 * Arguments: records, each KIND N DESC PATH followed by N arguments (every value
 * one argv entry, so nothing needs escaping; see src/runtime/launch-encode.ts):
 *   step N NAME PATH OK SKIP    starts a step: OK is what it reports when done,
 *                               SKIP (when not "") makes it a skipped step
 *   KIND N DESC PATH ARGS...    an operation of the current step (init-ops-*.h);
 *                               DESC and PATH are what a failure names
 * The first step, "namespaces" (its unshare operation), is done by this process,
 * single-threaded, before it forks: the child is PID 1 of the new PID namespace
 * and runs every later step, ending with execve of the workload, which becomes
 * PID 1; this process relays signals (and the pty, pty-relay.h) to it and
 * leaves with its status, or dies of the same signal. Each step is one line on
 * fd 3 (init-report.h).
 *
 * `droidcheck-init --dry-run RECORDS...` prints the operations it would run, one
 * per line as opLines() in launch-steps.ts renders them, and runs nothing (the
 * test comparing both backends uses it). `droidcheck-init --probe-userns` only
 * tries unshare(CLONE_NEWUSER), which needs a single-threaded caller (node never
 * is), and prints "ok" or "errno N".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

#ifndef MS_REC
#define MS_REC 0x4000
#endif
#ifndef MS_PRIVATE
#define MS_PRIVATE 0x40000
#endif
#ifndef MNT_DETACH
#define MNT_DETACH 2
#endif
#ifndef PR_CAPBSET_DROP
#define PR_CAPBSET_DROP 24
#endif
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS 38
#endif
#ifndef CLONE_NEWNS
#define CLONE_NEWNS 0x00020000
#endif

#ifndef MS_MOVE
#define MS_MOVE 0x2000
#endif
static double started_ms;
static int tracing;

static double now_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

/* DROIDCHECK_TRACE=1: the same milestone lines as droidcheck's own (src/util/trace.ts). */
static void trace(const char *label) {
  if (!tracing) return;
  double t = now_ms();
  fprintf(stderr, "trace %.1f %d %s (+%.1f ms in this process)\n", t, (int)getpid(), label, t - started_ms);
}


#include "init-report.h"

struct rec {
  const char *kind, *desc, *path;
  char **args;
  int n;
};

static struct rec *recs;
static int n_recs;
static int terminal; /* a pty operation is in the list: the relay needs its socketpair before the fork */

static void usage(const char *why) {
  fprintf(stderr, "droidcheck-init: %s (it is started by droidcheck run; see src/native/droidcheck-init.c)\n", why);
  _exit(125);
}

static unsigned long long num(const char *s) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || *end || !*s) usage(fmt("not a number: %s", s));
  return v;
}

static void parse(int argc, char **argv) {
  recs = calloc((size_t)argc, sizeof *recs);
  if (!recs) usage("out of memory");
  for (int i = 0; i < argc;) {
    if (i + 4 > argc) usage(fmt("a record needs KIND N DESC PATH: %s", argv[i]));
    struct rec *r = &recs[n_recs++];
    r->kind = argv[i];
    r->n = (int)num(argv[i + 1]);
    r->desc = argv[i + 2];
    r->path = argv[i + 3];
    r->args = argv + i + 4;
    if (r->n < 0 || i + 4 + r->n > argc) usage(fmt("%s needs %d values", r->kind, r->n));
    i += 4 + r->n;
  }
  if (!n_recs || strcmp(recs[0].kind, "step") || strcmp(recs[0].desc, "namespaces")) usage("the first step must be namespaces");
}

static void dry_run(void) {
  for (int i = 0; i < n_recs; i++) {
    const struct rec *r = &recs[i];
    if (!strcmp(r->kind, "step")) {
      printf("step\t%s\t%s%s\n", r->desc, r->n > 1 && *r->args[1] ? "skip " : "", r->n > 1 && *r->args[1] ? r->args[1] : r->args[0]);
      continue;
    }
    fputs(r->kind, stdout);
    for (int a = 0; a < r->n; a++) printf("\t%s", r->args[a]);
    putchar('\n');
  }
}

#include "init-ops-fs.h"
#include "init-ops-process.h"
#include "seccomp-install.h"
#include "pty-relay.h"

typedef void (*op_fn)(const struct rec *);

static void op_unshare_cgroup(const struct rec *o) { CHECK(unshare(CLONE_NEWCGROUP), o, NULL); }

/* The namespaces are made before the fork (unshare_all): an unshare anywhere else is a list this program does not run. */
static void op_unshare_late(const struct rec *o) { fail_op(o->desc, NULL, EINVAL, "unshare belongs to the first step, namespaces"); }

static const struct { const char *kind; op_fn fn; int args; } OPS[] = {
  {"unshare", op_unshare_late, 0}, {"write", op_write, 2}, {"unshare-cgroup", op_unshare_cgroup, 0}, {"make-rprivate", op_make_rprivate, 0}, {"mkdir-target", op_mkdir_target, 2},
  {"bind", op_bind, 3}, {"mount", op_mount, 5}, {"remount", op_remount, 2}, {"propagation", op_propagation, 2},
  {"mknod-or-bind", op_mknod_or_bind, 4}, {"symlink", op_symlink, 2}, {"ptmx", op_ptmx, 1}, {"pivot-root", op_pivot_root, 1},
  {"chroot", op_chroot, 1}, {"pty", op_pty, 2}, {"mask", op_mask, 1}, {"readonly", op_readonly, 1},
  {"sethostname", op_sethostname, 1}, {"loopback-up", op_loopback_up, 0}, {"setrlimit", op_setrlimit, 4},
  {"bounding-set", op_bounding_set, 1}, {"seccomp", op_seccomp, 1}, {"setgroups", op_setgroups, 1}, {"setresgid", op_setresgid, 1},
  {"setresuid", op_setresuid, 2}, {"capset", op_capset, 3}, {"no-new-privs", op_no_new_privs, 0}, {"chdir", op_chdir, 1},
  {"reset-process", op_reset_process, 0}, {"umask", op_umask, 1}, {"exec", op_exec, 1},
};

static void run_op(const struct rec *o) {
  for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++) {
    if (strcmp(OPS[i].kind, o->kind)) continue;
    if (o->n < OPS[i].args) fail_op(o->desc, NULL, EINVAL, fmt("%s needs %d arguments", o->kind, OPS[i].args));
    OPS[i].fn(o);
    return;
  }
  fail_op(o->desc, NULL, EINVAL, fmt("droidcheck-init has no operation %s: droidcheck and droidcheck-init are of different versions", o->kind));
}

static void end_step(const struct rec *s) {
  if (!s) return;
  if (skip_reason) {
    report_line(s->desc, "skipped", NULL, NULL, skip_errno, skip_reason);
  } else {
    const char *ok = s->args[0];
    report_line(s->desc, "ok", NULL, *s->path ? s->path : NULL, -1, *note ? fmt("%s%s%s", ok, *ok ? "; " : "", note) : ok);
  }
}

/* PID 1: every step after "namespaces", in order. */
static void run_steps(int from) {
  const struct rec *step = NULL;
  for (int i = from; i < n_recs; i++) {
    const struct rec *r = &recs[i];
    if (!strcmp(r->kind, "step")) {
      end_step(step);
      step = r;
      cur_step = r->desc;
      note[0] = 0;
      skip_reason = r->n > 1 && *r->args[1] ? r->args[1] : NULL;
      skip_errno = -1;
      continue;
    }
    if (!skip_reason) run_op(r);
  }
  end_step(step);
}
/* ---- the launcher: unshare, fork, relay ---- */

static pid_t child;

static void forward(int sig) {
  if (child > 0) kill(child, sig);
}

/* The "namespaces" step (records 0 and 1: the step and its unshare of NAME FLAG LETTER triples), before the fork. */
static void unshare_all(void) {
  const struct rec *s = &recs[0], *u = n_recs > 1 ? &recs[1] : NULL;
  if (!u || strcmp(u->kind, "unshare") || u->n % 3) usage("the namespaces step needs one unshare of NAME FLAG LETTER triples");
  cur_step = "namespaces";
  int flags = 0;
  for (int i = 0; i < u->n; i += 3) flags |= (int)num(u->args[i + 1]);
  if (flags && unshare(flags) < 0) {
    int err = errno;
    char missing[256] = "";
    int n_missing = 0;
    /* Which namespace does the kernel lack? Unsharing one more of a kind is harmless: this process exits next. */
    if (err == EINVAL)
      for (int i = 0; i < u->n; i += 3) {
        int flag = (int)num(u->args[i + 1]);
        if (flag != CLONE_NEWNS && unshare(flag) < 0) {
          snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s", n_missing ? ", " : "", u->args[i]);
          n_missing++;
        }
      }
    fail_op(u->desc, NULL, err, n_missing ? fmt("the kernel has no %s namespace: run with --fix-config to drop %s", missing, n_missing > 1 ? "them" : "it") : NULL);
  }
  end_step(s);
}

int main(int argc, char **argv) {
  if (argc == 2 && !strcmp(argv[1], "--probe-userns")) {
    if (unshare(0x10000000 /* CLONE_NEWUSER */) == 0) {
      puts("ok");
      return 0;
    }
    printf("errno %d\n", errno);
    return 1;
  }
  started_ms = now_ms();
  tracing = getenv("DROIDCHECK_TRACE") && !strcmp(getenv("DROIDCHECK_TRACE"), "1");
  int dry = argc > 1 && !strcmp(argv[1], "--dry-run");
  parse(argc - 1 - dry, argv + 1 + dry);
  if (dry) {
    dry_run();
    return 0;
  }
  for (int i = 0; i < n_recs; i++) {
    if (!strcmp(recs[i].kind, "pty")) terminal = 1;
    if ((!strcmp(recs[i].kind, "pivot-root") || !strcmp(recs[i].kind, "chroot")) && recs[i].n) rootfs = recs[i].args[0];
  }
  unshare_all();
  pty_prepare();
  child = fork();
  if (child < 0) {
    cur_step = "spawn init";
    fail_op("fork", NULL, errno, NULL);
  }
  if (child == 0) {
    /* PID 1 of the new PID namespace. */
    trace("init: start");
    fcntl(STATUS_FD, F_SETFD, FD_CLOEXEC);
    run_steps(2);
    _exit(125); /* the list always ends with exec */
  }
  /* The relay: droidcheck sees EOF on fd 3 once the child's copy closes at exec. */
  close(STATUS_FD);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward;
  sa.sa_flags = SA_RESTART;
  static const int relayed[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};
  for (size_t i = 0; i < sizeof relayed / sizeof relayed[0]; i++) sigaction(relayed[i], &sa, NULL);
  /* With a pty the relay copies the terminal until the workload's side closes; SIGWINCH goes to the pty. */
  pty_relay(child);
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return 125;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  int sig = WTERMSIG(status);
  /* Leave the way the workload did, so droidcheck reports the same signal. */
  signal(sig, SIG_DFL);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, sig);
  sigprocmask(SIG_UNBLOCK, &only, NULL);
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  kill(getpid(), sig);
  return 128 + sig;
}
