/*
 * droidcheck-init: the embedded runtime's launcher in C, used instead of a
 * second node process when it was built for this machine (scripts/build-init.mjs).
 *
 * droidcheck (src/runtime/native-init.ts) turns the launch plan into this
 * program's arguments and spawns it. Being single-threaded, it unshares every
 * namespace of the plan itself and forks: the child is PID 1 of the new PID
 * namespace, sets the container up step by step and execve()s the workload,
 * which becomes PID 1; this process relays signals to it and leaves with its
 * status (or dies of the same signal). The steps and their errors are the
 * node init's (src/runtime/init.ts): one JSON line per step on fd 3, which is
 * close-on-exec, so droidcheck sees EOF once the exec succeeded. A failed step
 * names its operation, the path, and the errno as a number ("errnum"), which
 * droidcheck turns into a name and a failure class.
 *
 * Arguments (all values are single argv entries, so nothing needs escaping):
 *   --ns NAME FLAG              a namespace to create (FLAG: its CLONE_NEW* value)
 *   --rootfs PATH               the container root on the host
 *   --cgroup DIR                a group droidcheck made for the container: PID 1 writes itself into
 *                               DIR/cgroup.procs first, then makes the cgroup namespace (rooted there)
 *   --hostname NAME
 *   --mount DEST SOURCE TYPE FLAGS DATA PROPAGATION REMOUNT BIND
 *                               TYPE "" for a bind mount; REMOUNT -1 for none; BIND 0 or 1
 *   --no-pivot                  chroot (after moving the rootfs over /) instead of pivot_root
 *   --readonly-root
 *   --mask PATH / --readonly PATH
 *   --rlimit NAME RESOURCE SOFT HARD
 *   --no-new-privs
 *   --user UID GID GROUPS       GROUPS: comma-separated, or ""
 *   --caps BOUNDING EFFECTIVE PERMITTED INHERITABLE AMBIENT   masks in decimal; AMBIENT: how many were asked for
 *   --seccomp HEX DETAIL        linux.seccomp as BPF (see seccomp-install.h) and what the step reports
 *   --terminal                  process.terminal: a pty for the workload, relayed (see pty-relay.h)
 *   --sysctl KEY PATH VALUE     written to PATH (/proc/sys/...) once inside the root
 *   --umask MODE                the workload's umask (decimal)
 *   --cwd PATH
 *   --env NAME=VALUE
 *   -- ARGS...                  the workload's argv
 *
 * `droidcheck-init --probe-userns` only tries unshare(CLONE_NEWUSER), which needs a
 * single-threaded caller (node never is), and prints "ok" or "errno N" for the probe.
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

#define STATUS_FD 3
/* The same words as LOOPBACK_ONLY in src/runtime/steps.ts (a unit test compares them). */
#define LOOPBACK_ONLY "loopback up; no other interface (droidcheck makes no veth pair): --network host shares the host's network, which is what works on Android"
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#define MAX_ITEMS 256

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

struct mnt {
  const char *dest, *source, *type, *data;
  unsigned long flags, propagation;
  long remount;
  int bind;
};

struct plan {
  const char *ns_name[16];
  int ns_flag[16];
  int n_ns;
  const char *rootfs, *hostname, *cwd;
  struct mnt mounts[MAX_ITEMS];
  int n_mounts;
  int no_pivot, readonly_root, no_new_privs, has_caps, ambient, terminal;
  const char *masked[MAX_ITEMS], *readonly[MAX_ITEMS];
  int n_masked, n_readonly;
  const char *rl_name[32];
  int rl_resource[32];
  unsigned long long rl_soft[32], rl_hard[32];
  int n_rl;
  uid_t uid;
  gid_t gid;
  gid_t groups[MAX_ITEMS];
  int n_groups;
  const char *groups_text;
  unsigned long long cap_bounding, cap_effective, cap_permitted, cap_inheritable;
  char **env;
  int n_env;
  char **args;
  const char *cgroups[16];
  int n_cgroups;
  const char *sysctl_key[64], *sysctl_path[64], *sysctl_value[64];
  int n_sysctl;
  mode_t umask;
};

static struct plan P;
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

/* ---- step reports: one JSON object per line on fd 3 ---- */

static char line[16384];
static size_t used;

static void put(const char *s) {
  size_t n = strlen(s);
  if (used + n < sizeof line) {
    memcpy(line + used, s, n);
    used += n;
  }
}

static void put_json_string(const char *s) {
  char esc[8];
  put("\"");
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      esc[2] = 0;
      put(esc);
    } else if (c < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", c);
      put(esc);
    } else {
      esc[0] = (char)c;
      esc[1] = 0;
      put(esc);
    }
  }
  put("\"");
}

static void field(const char *name, const char *value) {
  if (!value) return;
  put(",\"");
  put(name);
  put("\":");
  put_json_string(value);
}

static void flush_line(void) {
  put("}\n");
  size_t off = 0;
  while (off < used) {
    ssize_t w = write(STATUS_FD, line + off, used - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    off += (size_t)w;
  }
  used = 0;
}

static void report(const char *name, const char *status, const char *path, const char *detail) {
  used = 0;
  put("{\"name\":");
  put_json_string(name);
  field("status", status);
  field("path", path);
  field("detail", detail);
  flush_line();
}

static void report_errno(const char *name, const char *status, const char *op, const char *path, int err, const char *detail) {
  char num[16];
  used = 0;
  put("{\"name\":");
  put_json_string(name);
  field("status", status);
  field("op", op);
  field("path", path);
  snprintf(num, sizeof num, "%d", err);
  put(",\"errnum\":");
  put(num);
  field("detail", detail);
  flush_line();
}

static void report_failure(const char *name, const char *op, const char *path, int err, const char *detail) {
  report_errno(name, "failed", op, path, err, detail);
}

/* A failed call reports its step and ends the launch with 125, as the node init does. */
static void check(int rc, const char *name, const char *op, const char *path) {
  if (rc >= 0) return;
  report_failure(name, op, path, errno, NULL);
  _exit(125);
}

/* A failed step that ends the launch with 125, for failures that are not one call's return code. */
static void fail(const char *name, const char *op, const char *path, int err, const char *detail) {
  report_failure(name, op, path, err, detail);
  _exit(125);
}

static char *fmt(const char *f, ...) {
  static char bufs[4][PATH_MAX + 256];
  static int next;
  char *b = bufs[next++ & 3];
  va_list ap;
  va_start(ap, f);
  vsnprintf(b, sizeof bufs[0], f, ap);
  va_end(ap);
  return b;
}

#include "seccomp-install.h"
#include "pty-relay.h"

/* ---- arguments ---- */

static void usage(const char *why) {
  fprintf(stderr, "droidcheck-init: %s (it is started by droidcheck run; see src/native/droidcheck-init.c)\n", why);
  _exit(125);
}

static unsigned long long num(const char *s) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || *end) usage(fmt("not a number: %s", s));
  return v;
}

static void parse(int argc, char **argv) {
  int i = 1;
#define NEED(k) \
  if (i + (k) >= argc) usage(fmt("%s needs %d values", argv[i], k))
#define ROOM(n, max) \
  if ((n) >= (max)) usage(fmt("too many %s", argv[i]))
  P.cwd = "/";
  P.umask = 022;
  P.groups_text = "";
  P.env = calloc((size_t)argc + 1, sizeof *P.env);
  if (!P.env) usage("out of memory");
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--")) {
      P.args = argv + i + 1;
      break;
    } else if (!strcmp(a, "--ns")) {
      NEED(2);
      ROOM(P.n_ns, 16);
      P.ns_name[P.n_ns] = argv[i + 1];
      P.ns_flag[P.n_ns++] = (int)num(argv[i + 2]);
      i += 2;
    } else if (!strcmp(a, "--rootfs")) {
      NEED(1);
      P.rootfs = argv[++i];
    } else if (!strcmp(a, "--sysctl")) {
      NEED(3);
      ROOM(P.n_sysctl, 64);
      P.sysctl_key[P.n_sysctl] = argv[i + 1];
      P.sysctl_path[P.n_sysctl] = argv[i + 2];
      P.sysctl_value[P.n_sysctl++] = argv[i + 3];
      i += 3;
    } else if (!strcmp(a, "--umask")) {
      NEED(1);
      P.umask = (mode_t)num(argv[++i]);
    } else if (!strcmp(a, "--cgroup")) {
      NEED(1);
      ROOM(P.n_cgroups, 16);
      P.cgroups[P.n_cgroups++] = argv[++i];
    } else if (!strcmp(a, "--hostname")) {
      NEED(1);
      P.hostname = argv[++i];
    } else if (!strcmp(a, "--mount")) {
      NEED(8);
      ROOM(P.n_mounts, MAX_ITEMS);
      struct mnt *m = &P.mounts[P.n_mounts++];
      m->dest = argv[i + 1];
      m->source = argv[i + 2];
      m->type = argv[i + 3][0] ? argv[i + 3] : NULL;
      m->flags = (unsigned long)num(argv[i + 4]);
      m->data = argv[i + 5][0] ? argv[i + 5] : NULL;
      m->propagation = (unsigned long)num(argv[i + 6]);
      m->remount = strcmp(argv[i + 7], "-1") ? (long)num(argv[i + 7]) : -1;
      m->bind = !strcmp(argv[i + 8], "1");
      i += 8;
    } else if (!strcmp(a, "--no-pivot")) {
      P.no_pivot = 1;
    } else if (!strcmp(a, "--terminal")) {
      P.terminal = 1;
    } else if (!strcmp(a, "--readonly-root")) {
      P.readonly_root = 1;
    } else if (!strcmp(a, "--mask")) {
      NEED(1);
      ROOM(P.n_masked, MAX_ITEMS);
      P.masked[P.n_masked++] = argv[++i];
    } else if (!strcmp(a, "--readonly")) {
      NEED(1);
      ROOM(P.n_readonly, MAX_ITEMS);
      P.readonly[P.n_readonly++] = argv[++i];
    } else if (!strcmp(a, "--rlimit")) {
      NEED(4);
      ROOM(P.n_rl, 32);
      P.rl_name[P.n_rl] = argv[i + 1];
      P.rl_resource[P.n_rl] = (int)num(argv[i + 2]);
      P.rl_soft[P.n_rl] = num(argv[i + 3]);
      P.rl_hard[P.n_rl++] = num(argv[i + 4]);
      i += 4;
    } else if (!strcmp(a, "--no-new-privs")) {
      P.no_new_privs = 1;
    } else if (!strcmp(a, "--user")) {
      NEED(3);
      P.uid = (uid_t)num(argv[i + 1]);
      P.gid = (gid_t)num(argv[i + 2]);
      P.groups_text = argv[i + 3];
      char *copy = strdup(argv[i + 3]), *save = NULL;
      for (char *g = strtok_r(copy, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
        ROOM(P.n_groups, MAX_ITEMS);
        P.groups[P.n_groups++] = (gid_t)num(g);
      }
      i += 3;
    } else if (!strcmp(a, "--caps")) {
      NEED(5);
      P.has_caps = 1;
      P.cap_bounding = num(argv[i + 1]);
      P.cap_effective = num(argv[i + 2]);
      P.cap_permitted = num(argv[i + 3]);
      P.cap_inheritable = num(argv[i + 4]);
      P.ambient = (int)num(argv[i + 5]);
      i += 5;
    } else if (!strcmp(a, "--seccomp")) {
      NEED(2);
      if (seccomp_parse(argv[i + 1], argv[i + 2]) < 0) usage("--seccomp needs whole BPF instructions in hex");
      i += 2;
    } else if (!strcmp(a, "--cwd")) {
      NEED(1);
      P.cwd = argv[++i];
    } else if (!strcmp(a, "--env")) {
      NEED(1);
      P.env[P.n_env++] = argv[++i];
    } else {
      usage(fmt("unknown argument %s", a));
    }
  }
  if (!P.rootfs) usage("--rootfs is missing");
  if (!P.args || !P.args[0]) usage("no workload after --");
#undef NEED
#undef ROOM
}

/* ---- paths ---- */

static int exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

static int is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* mkdir -p */
static int mkdirs(const char *path) {
  char buf[PATH_MAX];
  if (strlen(path) >= sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(buf, path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
  return 0;
}

/*
 * rootfs + path, following symbolic links as the container would: absolute
 * targets restart at the rootfs and ".." stops there (src/runtime/rootfs-path.ts).
 */
static void resolve_in_rootfs(const char *rootfs, const char *path, char *out, size_t size) {
  char rest[2 * PATH_MAX], link[PATH_MAX], next[PATH_MAX + NAME_MAX + 2];
  size_t root_len = strlen(rootfs);
  int hops = 0;
  snprintf(out, size, "%s", rootfs);
  snprintf(rest, sizeof rest, "%s", path);
  char *r = rest;
  for (;;) {
    while (*r == '/') r++;
    if (!*r) return;
    char *slash = strchr(r, '/');
    size_t len = slash ? (size_t)(slash - r) : strlen(r);
    char part[NAME_MAX + 1];
    if (len > NAME_MAX) len = NAME_MAX;
    memcpy(part, r, len);
    part[len] = 0;
    r += slash ? (size_t)(slash - r) : strlen(r);
    if (!strcmp(part, ".")) continue;
    if (!strcmp(part, "..")) {
      if (strlen(out) > root_len) *strrchr(out, '/') = 0;
      continue;
    }
    snprintf(next, sizeof next, "%s/%s", out, part);
    struct stat st;
    ssize_t n = -1;
    if (lstat(next, &st) == 0 && S_ISLNK(st.st_mode)) n = readlink(next, link, sizeof link - 1);
    if (n < 0) {
      snprintf(out, size, "%s", next);
      continue;
    }
    link[n] = 0;
    if (++hops > 40) {
      snprintf(out, size, "%s", next);
      return;
    }
    char joined[2 * PATH_MAX];
    snprintf(joined, sizeof joined, "%s/%s", link, r);
    snprintf(rest, sizeof rest, "%s", joined);
    r = rest;
    if (link[0] == '/') snprintf(out, size, "%s", rootfs);
  }
}

/* ---- the steps, in the node init's order and with its names ---- */

static int has_ns(const char *name) {
  for (int i = 0; i < P.n_ns; i++)
    if (!strcmp(P.ns_name[i], name)) return 1;
  return 0;
}

static void mount_namespace(void) {
  /* buildPlan refuses a config without one; a plan that got here anyway must not mount on the host. */
  if (!has_ns("mount")) fail("mount namespace", "plan without a mount namespace", NULL, EINVAL, "refusing to mount in the host's");
  check(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "mount namespace", "mount --make-rprivate /", "/");
  report("mount namespace", "ok", NULL, "private propagation");
}

static void make_target(const struct mnt *m, const char *target, const char *name) {
  if (exists(target)) return;
  int source_is_file = m->bind && exists(m->source) && !is_dir(m->source);
  int rc;
  if (source_is_file) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", target);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) *slash = 0;
    rc = mkdirs(dir);
    if (rc == 0) {
      int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      rc = fd < 0 ? -1 : close(fd);
    }
  } else {
    rc = mkdirs(target);
  }
  if (rc < 0) {
    report_failure(name, fmt("mkdir %s", target), target, errno, NULL);
    _exit(125);
  }
}

static void mounts(void) {
  check(mount(P.rootfs, P.rootfs, NULL, MS_BIND | MS_REC, NULL), "rootfs", fmt("mount --rbind %s %s", P.rootfs, P.rootfs), P.rootfs);
  report("rootfs", "ok", P.rootfs, NULL);
  for (int i = 0; i < P.n_mounts; i++) {
    const struct mnt *m = &P.mounts[i];
    char name[PATH_MAX + 8], target[PATH_MAX], op[2 * PATH_MAX];
    snprintf(name, sizeof name, "mount %s", m->dest);
    if (m->type && (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2"))) {
      report(name, "skipped", NULL, "the embedded runtime does not mount cgroup filesystems in the container (linux.resources is applied from the host)");
      continue;
    }
    resolve_in_rootfs(P.rootfs, m->dest, target, sizeof target);
    make_target(m, target, name);
    if (m->bind)
      snprintf(op, sizeof op, "mount --bind %s on %s%s%s", m->source, m->dest, m->data ? " -o " : "", m->data ? m->data : "");
    else
      snprintf(op, sizeof op, "mount -t %s %s on %s%s%s", m->type ? m->type : "none", m->source, m->dest, m->data ? " -o " : "", m->data ? m->data : "");
    /* A bind mount ignores other flags on the first call: they need a remount. */
    check(mount(m->source, target, m->type, m->bind ? m->flags & (MS_BIND | MS_REC) : m->flags, m->data), name, op, target);
    if (m->remount >= 0)
      check(mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | (unsigned long)m->remount, NULL), name,
            fmt("remount %s (bind, flags 0x%lx)", m->dest, (unsigned long)m->remount), target);
    if (m->propagation) check(mount(NULL, target, NULL, m->propagation, NULL), name, fmt("set propagation of %s", m->dest), target);
    report(name, "ok", m->dest, NULL);
  }
}

static void devices(void) {
  const struct mnt *dev = NULL;
  for (int i = 0; i < P.n_mounts; i++)
    if (!strcmp(P.mounts[i].dest, "/dev")) dev = &P.mounts[i];
  if (!dev || !dev->type || strcmp(dev->type, "tmpfs")) {
    report("devices", "skipped", NULL, "no tmpfs on /dev in config.json");
    return;
  }
  static const struct { const char *name; int major, minor; } nodes[] = {
    {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
  };
  char made[512] = "", path[PATH_MAX], devdir[PATH_MAX];
  /* Where the /dev tmpfs really is: a rootfs/dev symlink must not lead the nodes onto a host directory. */
  resolve_in_rootfs(P.rootfs, "/dev", devdir, sizeof devdir);
  mode_t old = umask(0); /* 0666 as asked, whatever droidcheck's umask */
  for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", devdir, nodes[i].name);
    if (exists(path)) continue;
    const char *how = "";
    if (mknod(path, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor)) < 0) {
      /* mknod refused (nodev /dev, SELinux): bind the host's node instead. */
      int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
      if (fd >= 0) close(fd);
      check(mount(fmt("/dev/%s", nodes[i].name), path, NULL, MS_BIND, NULL), "devices", fmt("bind /dev/%s", nodes[i].name), path);
      how = " (bind)";
    }
    snprintf(made + strlen(made), sizeof made - strlen(made), "%s%s%s", made[0] ? ", " : "", nodes[i].name, how);
  }
  umask(old);
  static const char *links[][2] = {
    {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}, {"core", "/proc/kcore"}, {"ptmx", "pts/ptmx"},
  };
  snprintf(path, sizeof path, "%s/pts/ptmx", devdir);
  int has_ptmx = exists(path);
  size_t n_links = has_ptmx ? 6 : 5;
  for (size_t i = 0; i < n_links; i++) {
    snprintf(path, sizeof path, "%s/%s", devdir, links[i][0]);
    struct stat st;
    if (lstat(path, &st) == 0) continue;
    check(symlink(links[i][1], path), "devices", fmt("symlink /dev/%s", links[i][0]), path);
  }
  if (!has_ptmx && exists("/dev/ptmx")) {
    snprintf(path, sizeof path, "%s/ptmx", devdir);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd >= 0) close(fd);
    check(mount("/dev/ptmx", path, NULL, MS_BIND, NULL), "devices", "bind /dev/ptmx", path);
  }
  report("devices", "ok", NULL, fmt("%s; links fd, stdin, stdout, stderr, core%s", made, has_ptmx ? ", ptmx" : "; /dev/ptmx bound from the host"));
}

static void enter_root(void) {
  check(chdir(P.rootfs), "enter root", fmt("chdir %s", P.rootfs), P.rootfs);
  if (!P.no_pivot) {
    /* pivot_root(".", "."): the old root ends up on top of the new one; detach it. */
    check((int)syscall(SYS_pivot_root, ".", "."), "pivot_root", fmt("pivot_root %s", P.rootfs), P.rootfs);
    check(umount2(".", MNT_DETACH), "pivot_root", "umount the old root", "/");
    check(chdir("/"), "pivot_root", "chdir /", "/");
    report("pivot_root", "ok", P.rootfs, NULL);
    return;
  }
  /* No pivot_root (rootfs/initramfs root): move the rootfs mount over / and chroot. */
  check(mount(P.rootfs, "/", NULL, MS_MOVE, NULL), "chroot", fmt("mount --move %s /", P.rootfs), P.rootfs);
  check(chroot("."), "chroot", "chroot .", P.rootfs);
  check(chdir("/"), "chroot", "chdir /", "/");
  report("chroot", "ok", P.rootfs, "pivot_root not used");
}

/* linux.sysctl, in the container's own namespaces (droidcheck checked each belongs to one), before /proc/sys turns read-only. */
static void sysctls(void) {
  if (!P.n_sysctl) return;
  char names[512] = "";
  for (int i = 0; i < P.n_sysctl; i++) {
    int fd = open(P.sysctl_path[i], O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    int rc = fd < 0 ? -1 : (int)write(fd, P.sysctl_value[i], strlen(P.sysctl_value[i]));
    int err = errno;
    if (fd >= 0) close(fd);
    errno = err;
    check(rc, "sysctl", fmt("write %s to %s", P.sysctl_value[i], P.sysctl_path[i]), P.sysctl_path[i]);
    snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s=%s", i ? ", " : "", P.sysctl_key[i], P.sysctl_value[i]);
  }
  report("sysctl", "ok", NULL, names);
}

static void paths(void) {
  for (int i = 0; i < P.n_masked; i++) {
    const char *p = P.masked[i];
    if (!exists(p)) continue;
    int rc = is_dir(p) ? mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL) : mount("/dev/null", p, NULL, MS_BIND, NULL);
    check(rc, "masked paths", fmt("mask %s", p), p);
  }
  for (int i = 0; i < P.n_readonly; i++) {
    const char *p = P.readonly[i];
    if (!exists(p)) continue;
    check(mount(p, p, NULL, MS_BIND | MS_REC, NULL), "readonly paths", fmt("bind %s", p), p);
    check(mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC, NULL), "readonly paths", fmt("remount %s read-only", p), p);
  }
  report("masked and read-only paths", "ok", NULL, fmt("%d masked, %d read-only (missing ones skipped)", P.n_masked, P.n_readonly));
  if (P.readonly_root) {
    check(mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), "read-only root", "remount / read-only", "/");
    report("read-only root", "ok", NULL, NULL);
  }
}

struct cap_header {
  uint32_t version;
  int pid;
};
struct cap_data {
  uint32_t effective, permitted, inheritable;
};

static void identity(void) {
  if (P.hostname && has_ns("uts")) {
    check(sethostname(P.hostname, strlen(P.hostname)), "hostname", fmt("sethostname %s", P.hostname), NULL);
    report("hostname", "ok", NULL, P.hostname);
  }
  if (has_ns("network")) {
    /* struct ifreq on any socket reaches the device ioctls; AF_UNIX needs no network permission
     * (Android's paranoid network checks AF_INET sockets). */
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    check(fd, "network", "socket(AF_UNIX)", NULL);
    check(ioctl(fd, SIOCGIFFLAGS, &ifr), "network", "ioctl(lo, SIOCGIFFLAGS)", NULL);
    ifr.ifr_flags |= IFF_UP;
    check(ioctl(fd, SIOCSIFFLAGS, &ifr), "network", "ioctl(lo, SIOCSIFFLAGS)", NULL);
    close(fd);
    report("network", "ok", NULL, LOOPBACK_ONLY);
  }
  char names[512] = "";
  for (int i = 0; i < P.n_rl; i++) {
    struct rlimit rl = {(rlim_t)P.rl_soft[i], (rlim_t)P.rl_hard[i]};
    check(setrlimit(P.rl_resource[i], &rl), "rlimits", fmt("setrlimit %s %llu/%llu", P.rl_name[i], P.rl_soft[i], P.rl_hard[i]), NULL);
    snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", P.rl_name[i]);
  }
  if (P.n_rl) report("rlimits", "ok", NULL, names);
  if (P.has_caps)
    for (int bit = 0; bit < 64; bit++) {
      if ((P.cap_bounding >> bit) & 1) continue;
      if (prctl(PR_CAPBSET_DROP, bit, 0, 0, 0) < 0 && errno == EINVAL) break; /* past the kernel's last capability */
    }
  /* Without no_new_privs only a privileged process may install a filter: before the user switch, as runc does. */
  if (!P.no_new_privs) seccomp_install();
  check(setgroups((size_t)P.n_groups, P.n_groups ? P.groups : NULL), "user", fmt("setgroups %s", P.n_groups ? P.groups_text : "(none)"), NULL);
  check(setresgid(P.gid, P.gid, P.gid), "user", fmt("setresgid %u", (unsigned)P.gid), NULL);
  if (P.uid != 0 && P.has_caps) prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
  check(setresuid(P.uid, P.uid, P.uid), "user", fmt("setresuid %u", (unsigned)P.uid), NULL);
  report("user", "ok", NULL, fmt("uid %u gid %u%s%s", (unsigned)P.uid, (unsigned)P.gid, P.n_groups ? " groups " : "", P.n_groups ? P.groups_text : ""));
  if (P.has_caps) {
    struct cap_header h = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
    struct cap_data d[2] = {
      {(uint32_t)P.cap_effective, (uint32_t)P.cap_permitted, (uint32_t)P.cap_inheritable},
      {(uint32_t)(P.cap_effective >> 32), (uint32_t)(P.cap_permitted >> 32), (uint32_t)(P.cap_inheritable >> 32)},
    };
    check((int)syscall(SYS_capset, &h, d), "capabilities", "capset", NULL);
    report("capabilities", "ok", NULL, fmt("bounding set 0x%llx%s", P.cap_bounding, P.ambient ? "; ambient capabilities not raised" : ""));
  }
  if (P.no_new_privs) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
      report_errno("no_new_privs", "skipped", NULL, NULL, errno, "kernel older than 3.5");
    } else {
      report("no_new_privs", "ok", NULL, NULL);
    }
    seccomp_install();
  }
}

/* What a spawn can leave behind that execve would pass on: signals, mask, O_NONBLOCK, open fds. */
static void reset_process(void) {
  for (int sig = 1; sig < 65; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int fd = 0; fd < 3; fd++) {
    fcntl(fd, F_SETFD, 0);
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  }
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) == 0) goto done;
#endif
  {
    DIR *d = opendir("/proc/self/fd");
    if (d) {
      struct dirent *e;
      while ((e = readdir(d)))
        if (atoi(e->d_name) > 2) fcntl(atoi(e->d_name), F_SETFD, FD_CLOEXEC);
      closedir(d);
    } else {
      for (int fd = 3; fd < 1024; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
  }
#ifdef SYS_close_range
done:
#endif
  report("reset process", "ok", NULL, "default signals, empty mask, blocking stdio, fds above 2 close on exec");
}

static const char *resolve_executable(const char *name, char *buf, size_t size) {
  if (strchr(name, '/')) return name;
  const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (int i = 0; i < P.n_env; i++)
    if (!strncmp(P.env[i], "PATH=", 5)) path = P.env[i] + 5;
  while (path) {
    const char *colon = strchr(path, ':');
    size_t len = colon ? (size_t)(colon - path) : strlen(path);
    snprintf(buf, size, "%.*s/%s", len ? (int)len : 1, len ? path : ".", name);
    struct stat st;
    if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) return buf;
    path = colon ? colon + 1 : NULL;
  }
  return name;
}

static void exec_workload(void) {
  check(chdir(P.cwd), "cwd", fmt("chdir %s", P.cwd), P.cwd);
  /* A cwd reached through a descriptor or /proc link of the host (CVE-2024-21626) is outside the root:
   * getcwd() then fails (ENOENT) or does not start with "/". */
  char here[PATH_MAX];
  if (!getcwd(here, sizeof here) || here[0] != '/') {
    if (errno == 0 || here[0] != '/') errno = ENOENT;
    report_failure("cwd", fmt("chdir %s", P.cwd), P.cwd, errno, "the working directory is outside the container root");
    _exit(125);
  }
  char buf[PATH_MAX];
  const char *path = resolve_executable(P.args[0], buf, sizeof buf);
  reset_process();
  umask(P.umask);
  trace("init: execve");
  execve(path, P.args, P.env);
  int err = errno;
  report_failure("exec", fmt("execve %s", path), path, err, NULL);
  _exit(err == ENOENT ? 127 : 126);
}

/* Into the container's groups (droidcheck made them and set their limits), then its cgroup namespace. */
static void join_cgroups(void) {
  if (!P.n_cgroups) return;
  for (int i = 0; i < P.n_cgroups; i++) {
    const char *file = fmt("%s/cgroup.procs", P.cgroups[i]);
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    /* "0" is the writer itself: this process, and so everything it starts. */
    int rc = fd < 0 ? -1 : (int)write(fd, "0", 1);
    int err = errno;
    if (fd >= 0) close(fd);
    errno = err;
    check(rc, "cgroup join", fmt("write 0 to %s", file), file);
  }
  int ns = has_ns("cgroup");
  if (ns) check(unshare(CLONE_NEWCGROUP), "cgroup join", "unshare(CLONE_NEWCGROUP)", NULL);
  report("cgroup join", "ok", NULL, fmt("%d group%s%s", P.n_cgroups, P.n_cgroups > 1 ? "s" : "", ns ? "; cgroup namespace rooted there" : ""));
}

/* ---- the launcher: unshare, fork, relay ---- */

static pid_t child;

static void forward(int sig) {
  if (child > 0) kill(child, sig);
}

static void unshare_all(void) {
  int flags = 0;
  char names[256] = "";
  for (int i = 0; i < P.n_ns; i++) {
    /* With groups to join, PID 1 makes the cgroup namespace after joining them (join_cgroups). */
    if (P.n_cgroups && P.ns_flag[i] == CLONE_NEWCGROUP) continue;
    flags |= P.ns_flag[i];
    if (strcmp(P.ns_name[i], "mount"))
      snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? ", " : "", P.ns_name[i]);
  }
  if (flags && unshare(flags) < 0) {
    int err = errno;
    char missing[256] = "";
    int n_missing = 0;
    /* Which namespace does the kernel lack? Unsharing one more of a kind is harmless: this process exits next. */
    if (err == EINVAL)
      for (int i = 0; i < P.n_ns; i++)
        if (P.ns_flag[i] != CLONE_NEWNS && unshare(P.ns_flag[i]) < 0) {
          snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s", n_missing ? ", " : "", P.ns_name[i]);
          n_missing++;
        }
    const char *detail = n_missing ? fmt("the kernel has no %s namespace: run with --fix-config to drop %s", missing, n_missing > 1 ? "them" : "it") : NULL;
    report_failure("namespaces", fmt("unshare(%s)", names[0] ? names : "none"), NULL, err, detail);
    _exit(125);
  }
  report("namespaces", "ok", NULL, names[0] ? names : "none");
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
  parse(argc, argv);
  unshare_all();
  pty_prepare();
  child = fork();
  if (child < 0) {
    report_failure("spawn init", "fork", NULL, errno, NULL);
    _exit(125);
  }
  if (child == 0) {
    /* PID 1 of the new PID namespace. */
    trace("init: start");
    fcntl(STATUS_FD, F_SETFD, FD_CLOEXEC);
    join_cgroups();
    mount_namespace();
    mounts();
    devices();
    enter_root();
    pty_attach();
    sysctls();
    paths();
    identity();
    exec_workload();
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
