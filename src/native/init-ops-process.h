/* droidcheck-init's process operations (hostname, loopback, limits, identity,
 * capabilities, no_new_privs, seccomp, cwd, exec), one function per operation
 * kind of src/runtime/launch-steps.ts. Included by droidcheck-init.c. */

static void op_sethostname(const struct rec *o) { CHECK(sethostname(o->args[0], strlen(o->args[0])), o, NULL); }

/* struct ifreq on any socket reaches the device ioctls; AF_UNIX needs no network permission
 * (Android's paranoid network checks AF_INET sockets). */
static void op_loopback_up(const struct rec *o) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  CHECK(fd, o, NULL);
  CHECK(ioctl(fd, SIOCGIFFLAGS, &ifr), o, NULL);
  ifr.ifr_flags |= IFF_UP;
  CHECK(ioctl(fd, SIOCSIFFLAGS, &ifr), o, NULL);
  close(fd);
}

/* NAME RESOURCE SOFT HARD, each limit a number or "unlimited". */
static rlim_t limit(const char *v) { return strcmp(v, "unlimited") ? (rlim_t)num(v) : RLIM_INFINITY; }

static void op_setrlimit(const struct rec *o) {
  struct rlimit rl = {limit(o->args[2]), limit(o->args[3])};
  CHECK(setrlimit((int)num(o->args[1]), &rl), o, NULL);
}

static void op_bounding_set(const struct rec *o) {
  unsigned long long keep = num(o->args[0]);
  for (int bit = 0; bit < 64; bit++) {
    if ((keep >> bit) & 1) continue;
    if (prctl(PR_CAPBSET_DROP, bit, 0, 0, 0) < 0) {
      if (errno == EINVAL) break; /* past the kernel's last capability */
      fail_op(o->desc, NULL, errno, fmt("capability %d", bit));
    }
  }
}

static void op_setgroups(const struct rec *o) {
  gid_t groups[256];
  size_t n = 0;
  char *copy = strdup(o->args[0]), *save = NULL;
  if (!copy) fail_op(o->desc, NULL, ENOMEM, NULL);
  for (char *g = strtok_r(copy, ",", &save); g && n < 256; g = strtok_r(NULL, ",", &save)) groups[n++] = (gid_t)num(g);
  CHECK(setgroups(n, n ? groups : NULL), o, NULL);
  free(copy);
}

static void op_setresgid(const struct rec *o) {
  gid_t gid = (gid_t)num(o->args[0]);
  CHECK(setresgid(gid, gid, gid), o, NULL);
}

/* UID KEEPCAPS: with capabilities to set after the switch, keep them across it. */
static void op_setresuid(const struct rec *o) {
  uid_t uid = (uid_t)num(o->args[0]);
  if (!strcmp(o->args[1], "1")) prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
  CHECK(setresuid(uid, uid, uid), o, NULL);
}

struct cap_header {
  uint32_t version;
  int pid;
};
struct cap_data {
  uint32_t effective, permitted, inheritable;
};

static void op_capset(const struct rec *o) {
  unsigned long long e = num(o->args[0]), p = num(o->args[1]), i = num(o->args[2]);
  struct cap_header h = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
  struct cap_data d[2] = {{(uint32_t)e, (uint32_t)p, (uint32_t)i}, {(uint32_t)(e >> 32), (uint32_t)(p >> 32), (uint32_t)(i >> 32)}};
  CHECK((int)syscall(SYS_capset, &h, d), o, NULL);
}

static void op_no_new_privs(const struct rec *o) {
  (void)o;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) skip_step("kernel older than 3.5", errno);
}

/* A cwd reached through a descriptor or /proc link of the host (CVE-2024-21626) is outside the root:
 * getcwd() then fails (ENOENT) or does not start with "/". */
static void op_chdir(const struct rec *o) {
  CHECK(chdir(o->args[0]), o, o->args[0]);
  char here[PATH_MAX];
  errno = 0;
  if (!getcwd(here, sizeof here) || here[0] != '/') fail_op(o->desc, o->args[0], errno ? errno : ENOENT, "the working directory is outside the container root");
}

/* What a spawn can leave behind that execve would pass on: signals, mask, O_NONBLOCK, open fds. */
static void op_reset_process(const struct rec *o) {
  (void)o;
  for (int sig = 1; sig < 65; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  add_note("default signals, empty mask, blocking stdio");
  for (int fd = 0; fd < 3; fd++) {
    fcntl(fd, F_SETFD, 0);
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  }
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) == 0) return;
#endif
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

static void op_umask(const struct rec *o) { umask((mode_t)strtoul(o->args[0], NULL, 8)); }

static const char *resolve_executable(const char *name, char **env, char *buf, size_t size) {
  if (strchr(name, '/')) return name;
  const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (char **e = env; *e; e++)
    if (!strncmp(*e, "PATH=", 5)) path = *e + 5;
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

/* NENV ENV... ARGS...: the records' strings are argv entries, so env and args are NULL-terminated in place. */
static void op_exec(const struct rec *o) {
  int n_env = (int)num(o->args[0]);
  char **env = calloc((size_t)n_env + 1, sizeof *env), **args = calloc((size_t)(o->n - n_env), sizeof *args);
  if (!env || !args) fail_op(o->desc, NULL, ENOMEM, NULL);
  for (int i = 0; i < n_env; i++) env[i] = o->args[1 + i];
  for (int i = 1 + n_env; i < o->n; i++) args[i - 1 - n_env] = o->args[i];
  char buf[PATH_MAX];
  const char *path = resolve_executable(args[0], env, buf, sizeof buf);
  trace("init: execve");
  execve(path, args, env);
  int err = errno;
  report_line(cur_step, "failed", fmt("execve %s", path), path, err, NULL);
  _exit(err == ENOENT ? 127 : 126);
}
