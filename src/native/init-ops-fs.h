/* droidcheck-init's filesystem operations (mounts, devices, the root), one
 * function per operation kind of src/runtime/launch-steps.ts. Each gets the
 * operation's record (its desc and path for a failure report, its args) and
 * either does it, skips its step with a reason, or fails the launch.
 * Included by droidcheck-init.c. */

static const char *rootfs; /* the container root on the host, from the pivot-root/chroot record */

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

static int touch(const char *path, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode);
  return fd < 0 ? -1 : close(fd);
}

/*
 * A path under the rootfs resolved again now, as the container sees it after the
 * mounts made so far: absolute link targets restart at the rootfs and ".." stops
 * there (as src/runtime/rootfs-path.ts did when droidcheck made the plan).
 * Any other path is returned as given.
 */
static const char *in_root(const char *path) {
  static char out[2][PATH_MAX];
  static int which;
  char *o = out[which++ & 1];
  size_t root_len = rootfs ? strlen(rootfs) : 0;
  if (!rootfs || strncmp(path, rootfs, root_len) || (path[root_len] && path[root_len] != '/')) return path;
  char rest[2 * PATH_MAX], link[PATH_MAX], next[PATH_MAX + NAME_MAX + 2];
  int hops = 0;
  snprintf(o, PATH_MAX, "%s", rootfs);
  snprintf(rest, sizeof rest, "%s", path + root_len);
  char *r = rest;
  for (;;) {
    while (*r == '/') r++;
    if (!*r) return o;
    char *slash = strchr(r, '/');
    size_t len = slash ? (size_t)(slash - r) : strlen(r);
    char part[NAME_MAX + 1];
    if (len > NAME_MAX) len = NAME_MAX;
    memcpy(part, r, len);
    part[len] = 0;
    r += slash ? (size_t)(slash - r) : strlen(r);
    if (!strcmp(part, ".")) continue;
    if (!strcmp(part, "..")) {
      if (strlen(o) > root_len) *strrchr(o, '/') = 0;
      continue;
    }
    snprintf(next, sizeof next, "%s/%s", o, part);
    struct stat st;
    ssize_t n = -1;
    if (lstat(next, &st) == 0 && S_ISLNK(st.st_mode)) n = readlink(next, link, sizeof link - 1);
    if (n < 0 || ++hops > 40) {
      snprintf(o, PATH_MAX, "%s", next);
      continue;
    }
    link[n] = 0;
    char joined[2 * PATH_MAX];
    snprintf(joined, sizeof joined, "%s/%s", link, r);
    snprintf(rest, sizeof rest, "%s", joined);
    r = rest;
    if (link[0] == '/') snprintf(o, PATH_MAX, "%s", rootfs);
  }
}

#define CHECK(rc, o, path) \
  do { \
    if ((rc) < 0) fail_op((o)->desc, (path), errno, NULL); \
  } while (0)

static void op_make_rprivate(const struct rec *o) { CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), o, "/"); }

/* TARGET SOURCE: a file for a bind mount of a file, else a directory; nothing when it exists. */
static void op_mkdir_target(const struct rec *o) {
  const char *target = in_root(o->args[0]), *source = o->args[1];
  if (exists(target)) return;
  int rc;
  if (*source && exists(source) && !is_dir(source)) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", target);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) *slash = 0;
    rc = mkdirs(dir);
    if (rc == 0) rc = touch(target, 0644);
  } else {
    rc = mkdirs(target);
  }
  CHECK(rc, o, target);
}

static void op_bind(const struct rec *o) {
  const char *target = in_root(o->args[1]);
  CHECK(mount(o->args[0], target, NULL, MS_BIND | (strcmp(o->args[2], "1") ? 0 : MS_REC), NULL), o, target);
}

static void op_mount(const struct rec *o) {
  const char *target = in_root(o->args[2]);
  CHECK(mount(o->args[1], target, *o->args[0] ? o->args[0] : NULL, (unsigned long)num(o->args[3]), *o->args[4] ? o->args[4] : NULL), o, target);
}

static void op_remount(const struct rec *o) {
  const char *target = in_root(o->args[0]);
  CHECK(mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | (unsigned long)num(o->args[1]), NULL), o, target);
}

static void op_propagation(const struct rec *o) {
  const char *target = in_root(o->args[0]);
  CHECK(mount(NULL, target, NULL, (unsigned long)num(o->args[1]), NULL), o, target);
}

/* PATH MAJOR MINOR HOSTNODE: mknod, or bind the host's node where mknod is refused (nodev /dev, SELinux). */
static void op_mknod_or_bind(const struct rec *o) {
  const char *path = in_root(o->args[0]);
  if (exists(path)) return;
  mode_t old = umask(0); /* 0666 as asked, whatever droidcheck's umask */
  int rc = mknod(path, S_IFCHR | 0666, makedev((unsigned)num(o->args[1]), (unsigned)num(o->args[2])));
  if (rc < 0) {
    touch(path, 0666);
    rc = mount(o->args[3], path, NULL, MS_BIND, NULL);
    CHECK(rc, o, path);
    const char *slash = strrchr(o->args[3], '/');
    add_note(fmt("%s bound from the host", slash ? slash + 1 : o->args[3]));
  }
  umask(old);
}

static void op_symlink(const struct rec *o) {
  const char *path = in_root(o->args[1]);
  struct stat st;
  if (lstat(path, &st) == 0) return;
  CHECK(symlink(o->args[0], path), o, path);
}

/* DEVDIR: /dev/ptmx -> pts/ptmx where the container's devpts has one, else the host's /dev/ptmx bound in. */
static void op_ptmx(const struct rec *o) {
  const char *dir = in_root(o->args[0]);
  char pts[PATH_MAX], ptmx[PATH_MAX];
  struct stat st;
  snprintf(pts, sizeof pts, "%s/pts/ptmx", dir);
  snprintf(ptmx, sizeof ptmx, "%s/ptmx", dir);
  if (lstat(ptmx, &st) == 0) return;
  if (exists(pts)) {
    CHECK(symlink("pts/ptmx", ptmx), o, ptmx);
    add_note("ptmx -> pts/ptmx");
  } else if (exists("/dev/ptmx")) {
    touch(ptmx, 0666);
    CHECK(mount("/dev/ptmx", ptmx, NULL, MS_BIND, NULL), o, ptmx);
    add_note("/dev/ptmx bound from the host");
  }
}

static void op_pivot_root(const struct rec *o) {
  CHECK(chdir(o->args[0]), o, o->args[0]);
  /* pivot_root(".", "."): the old root ends up on top of the new one; detach it, as runc does. */
  CHECK((int)syscall(SYS_pivot_root, ".", "."), o, o->args[0]);
  CHECK(umount2(".", MNT_DETACH), o, "/");
  CHECK(chdir("/"), o, "/");
  rootfs = NULL; /* paths are the container's from here on */
}

/* No pivot_root (a rootfs/initramfs root): move the rootfs mount over / and chroot. */
static void op_chroot(const struct rec *o) {
  CHECK(chdir(o->args[0]), o, o->args[0]);
  CHECK(mount(o->args[0], "/", NULL, MS_MOVE, NULL), o, o->args[0]);
  CHECK(chroot("."), o, o->args[0]);
  CHECK(chdir("/"), o, "/");
  rootfs = NULL;
}

/* FILE VALUE: cgroup.procs, /proc/sys/... */
static void op_write(const struct rec *o) {
  int fd = open(o->args[0], O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  int rc = fd < 0 ? -1 : (int)write(fd, o->args[1], strlen(o->args[1]));
  int err = errno;
  if (fd >= 0) close(fd);
  errno = err;
  CHECK(rc, o, o->args[0]);
}

static void op_mask(const struct rec *o) {
  const char *p = o->args[0];
  if (!exists(p)) return;
  CHECK(is_dir(p) ? mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL) : mount("/dev/null", p, NULL, MS_BIND, NULL), o, p);
}

static void op_readonly(const struct rec *o) {
  const char *p = o->args[0];
  if (!exists(p)) return;
  CHECK(mount(p, p, NULL, MS_BIND | MS_REC, NULL), o, p);
  CHECK(mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC, NULL), o, p);
}
