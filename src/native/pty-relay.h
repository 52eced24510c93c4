/* process.terminal for droidcheck-init: PID 1 opens a pty from the container's
 * own /dev/ptmx (its devpts instance, or the host's /dev/pts bound in where the
 * kernel has no instances), makes the slave its controlling terminal and stdio,
 * and hands the master to the relay (droidcheck-init's outer process) over a
 * socketpair, as runc hands it to a console socket. The relay puts the caller's
 * terminal in raw mode, copies input and output, passes window-size changes on,
 * and restores the terminal on every way out but SIGKILL.
 * Included by droidcheck-init.c (uses its terminal flag, fail_op, add_note, fmt). */

#include <poll.h>
#include <termios.h>

static int pty_sock[2] = {-1, -1};

/* Before fork: the channel the master travels on. */
static void pty_prepare(void) {
  if (!terminal) return;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pty_sock) < 0) {
    cur_step = "terminal";
    fail_op("socketpair(AF_UNIX)", NULL, errno, NULL);
  }
}

static int send_fd(int sock, int fd) {
  char byte = 'T';
  struct iovec iov = {&byte, 1};
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock) {
  char byte;
  struct iovec iov = {&byte, 1};
  char control[CMSG_SPACE(sizeof(int))];
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return fd;
}

/* In PID 1, inside the root, before the identity switch: the pty becomes the workload's terminal. */
static void op_pty(const struct rec *o) {
  uid_t uid = (uid_t)num(o->args[0]);
  gid_t gid = (gid_t)num(o->args[1]);
  close(pty_sock[0]);
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) fail_op("open /dev/ptmx", "/dev/ptmx", errno, "no pty: the container's devpts has no ptmx");
  int unlock = 0, n = -1;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0) fail_op("ioctl(TIOCSPTLCK/TIOCGPTN)", "/dev/ptmx", errno, NULL);
  const char *name = fmt("/dev/pts/%d", n);
  int slave = open(name, O_RDWR | O_NOCTTY);
  if (slave < 0) fail_op(fmt("open %s", name), name, errno, NULL);
  struct winsize ws = {0};
  /* The caller's window: stdin's terminal, else stdout's (docker run -t without -i). */
  if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) ioctl(slave, TIOCSWINSZ, &ws);
  /* The workload's user owns its terminal, as with runc. */
  if (fchown(slave, uid, gid) < 0) { /* a read-only devpts: the terminal stays root's */ }
  if (send_fd(pty_sock[1], master) < 0) fail_op("sendmsg(SCM_RIGHTS)", NULL, errno, "the pty master could not reach the relay");
  close(master);
  close(pty_sock[1]);
  if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0) fail_op("setsid + ioctl(TIOCSCTTY)", name, errno, NULL);
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) fail_op(fmt("dup2 onto %d", fd), name, errno, NULL);
  if (slave > 2) close(slave);
  add_note(fmt("%s of the container's devpts, %dx%d; droidcheck-init relays this terminal to it", name, ws.ws_col, ws.ws_row));
}

static struct termios pty_saved;
static int pty_raw;
static int pty_wake[2] = {-1, -1};

static void pty_restore(void) {
  if (pty_raw) tcsetattr(STDIN_FILENO, TCSADRAIN, &pty_saved);
  pty_raw = 0;
}

static void pty_signal(int sig) {
  char s = (char)sig;
  if (write(pty_wake[1], &s, 1) < 0) { /* the pipe is full: a wake-up is already pending */ }
}

static int write_all(int fd, const char *buf, ssize_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, (size_t)n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += w;
    n -= w;
  }
  return 0;
}

/* The relay's loop; returns when the workload's side of the pty is gone. */
static void pty_relay(pid_t child) {
  if (!terminal) return;
  close(pty_sock[1]);
  int master = recv_fd(pty_sock[0]);
  close(pty_sock[0]);
  if (master < 0) return; /* PID 1 failed before the pty: its step says why */
  if (pipe2(pty_wake, O_CLOEXEC | O_NONBLOCK) < 0) return;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = pty_signal;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGWINCH, &sa, NULL);
  sigaction(SIGCHLD, &sa, NULL);
  if (tcgetattr(STDIN_FILENO, &pty_saved) == 0) {
    struct termios raw = pty_saved;
    cfmakeraw(&raw);
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) pty_raw = 1;
    atexit(pty_restore);
  }
  char buf[8192];
  int in_open = 1;
  for (;;) {
    struct pollfd fds[3] = {{master, POLLIN, 0}, {pty_wake[0], POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    if (poll(fds, in_open ? 3 : 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents & POLLIN) {
      char s;
      int exited = 0;
      while (read(pty_wake[0], &s, 1) == 1) {
        if (s == SIGWINCH) {
          struct winsize ws;
          if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
        } else if (s == SIGCHLD && waitpid(child, NULL, WNOHANG | WNOWAIT) == child) {
          exited = 1;
        }
      }
      if (exited) {
        /* Drain what the workload wrote before it went. */
        int fl = fcntl(master, F_GETFL);
        fcntl(master, F_SETFL, fl | O_NONBLOCK);
        ssize_t n;
        while ((n = read(master, buf, sizeof buf)) > 0) write_all(STDOUT_FILENO, buf, n);
        break;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0) break; /* EIO: every holder of the slave has gone */
      if (write_all(STDOUT_FILENO, buf, n) < 0) break;
    }
    if (in_open && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
      if (n <= 0) in_open = 0;
      else if (write_all(master, buf, n) < 0) break;
    }
  }
  pty_restore();
  close(master);
}
