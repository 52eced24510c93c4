/*
 * linux.seccomp for droidcheck-init: droidcheck compiles the profile to a
 * classic-BPF program (src/runtime/seccomp/compile.ts) and passes it as hex,
 * 16 digits per struct sock_filter in little-endian order; this file decodes
 * and installs it. seccomp(2) came in 3.17: on older kernels (3.10 phones)
 * prctl(PR_SET_SECCOMP) installs the same filter.
 *
 * Included by droidcheck-init.c after its step-report helpers (fail_op, add_note, fmt).
 */
#include <linux/filter.h>
#include <linux/seccomp.h>

static struct sock_filter *seccomp_prog;
static unsigned short seccomp_len;

static int hex_nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* Returns 0, or -1 when HEX is not whole instructions of hex digits. */
static int seccomp_parse(const char *hex) {
  size_t n = strlen(hex);
  if (n == 0 || n % 16 || n / 16 > BPF_MAXINSNS) return -1;
  unsigned char *bytes = malloc(n / 2);
  if (!bytes) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    bytes[i] = (unsigned char)(hi << 4 | lo);
  }
  seccomp_len = (unsigned short)(n / 16);
  seccomp_prog = calloc(seccomp_len, sizeof *seccomp_prog);
  if (!seccomp_prog) return -1;
  for (unsigned i = 0; i < seccomp_len; i++) {
    const unsigned char *b = bytes + 8 * i;
    seccomp_prog[i].code = (uint16_t)(b[0] | b[1] << 8);
    seccomp_prog[i].jt = b[2];
    seccomp_prog[i].jf = b[3];
    seccomp_prog[i].k = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
  }
  free(bytes);
  return 0;
}

/* HEX: installs the filter; a failure ends the launch like any other step (a profile is never dropped silently). */
static void op_seccomp(const struct rec *o) {
  if (seccomp_parse(o->args[0]) < 0) fail_op(o->desc, NULL, EINVAL, "not whole BPF instructions in hex");
  struct sock_fprog prog = {seccomp_len, seccomp_prog};
  const char *how = "seccomp(2)";
  long rc = -1;
  errno = ENOSYS;
#ifdef SYS_seccomp
  rc = syscall(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, 0, &prog);
#endif
  if (rc < 0 && errno == ENOSYS) {
    how = "prctl(PR_SET_SECCOMP)";
    rc = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
  }
  if (rc < 0) fail_op(fmt("%s with %u BPF instructions", how, (unsigned)seccomp_len), NULL, errno, NULL);
  add_note(fmt("installed with %s", how));
}
