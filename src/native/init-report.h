/* Step reports for droidcheck-init, in the one format every backend writes
 * (parseStepLines in src/runtime/launch-result.ts reads it):
 *
 *   STEP<TAB>name<TAB>status<TAB>op<TAB>path<TAB>errno<TAB>detail
 *
 * one line per step on fd 3, errno as a number (droidcheck names it), tabs and
 * newlines inside a value written as spaces. fd 3 is close-on-exec, so
 * droidcheck sees EOF once the workload's execve succeeded.
 * Included by droidcheck-init.c. */

#define STATUS_FD 3

static char line[16384];
static size_t used;

static void put_raw(const char *s) {
  size_t n = strlen(s);
  if (used + n >= sizeof line) n = sizeof line - used - 1;
  memcpy(line + used, s, n);
  used += n;
}

/* A value: a tab or a newline would start a new field or line. */
static void put_field(const char *s) {
  put_raw("\t");
  for (; s && *s && used + 2 < sizeof line; s++) line[used++] = (*s == '\t' || *s == '\n' || *s == '\r') ? ' ' : *s;
}

static void write_line(void) {
  line[used++] = '\n';
  size_t off = 0;
  while (off < used) {
    ssize_t w = write(STATUS_FD, line + off, used - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    off += (size_t)w;
  }
  used = 0;
}

/* err < 0: no errno. */
static void report_line(const char *name, const char *status, const char *op, const char *path, int err, const char *detail) {
  char num[16] = "";
  if (err >= 0) snprintf(num, sizeof num, "%d", err);
  used = 0;
  put_raw("STEP");
  put_field(name);
  put_field(status);
  put_field(op);
  put_field(path);
  put_field(num);
  put_field(detail);
  write_line();
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

/* ---- the step being run: its name, and what its operations add to its report ---- */

static const char *cur_step = "init";
static char note[1024];
static const char *skip_reason;
static int skip_errno = -1;

/* A note an operation adds to the step's ok text ("null (bind)", "installed with prctl(PR_SET_SECCOMP)"). */
static void add_note(const char *s) {
  size_t n = strlen(note);
  snprintf(note + n, sizeof note - n, "%s%s", n ? ", " : "", s);
}

/* An operation that cannot be done here ends its step as skipped, with why (and the errno that said so). */
static void skip_step(const char *why, int err) {
  skip_reason = why;
  skip_errno = err;
}

/* A failed operation reports its step and ends the launch with 125. */
static void fail_op(const char *op, const char *path, int err, const char *detail) {
  report_line(cur_step, "failed", op, path && *path ? path : NULL, err, detail);
  _exit(125);
}
