/* boot.c - "mkhurdimg boot": an image in QEMU, its serial console on stdout
 *
 * The machine is the one Guix's hurd-vm service (the childhurd) runs:
 * qemu-system-x86_64 even for 32-bit guests, 2048 MiB, an rtl8139 on user
 * networking with ssh forwarded from 127.0.0.1:10022, --snapshot,
 * --no-reboot, and -M q35 for hurd64 with 3584 MiB or more (spec 6.4, 9.4).
 * KVM is used only when /dev/kvm answers and QEMU then starts with it;
 * nothing depends on it.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__linux__) && defined(__has_include)
#if __has_include(<linux/kvm.h>)
#include <linux/kvm.h>
#define HAVE_KVM 1
#endif
#endif

#include "boot.h"
#include "diag.h"
#include "image-type.h"
#include "size.h"
#include "strbuf.h"

#define DEFAULT_QEMU "qemu-system-x86_64"
#define DEFAULT_MEMORY 2048	/* MiB: hurd-vm's memory-size */
#define Q35_MEMORY 3584		/* hurd64 needs -M q35 from here on */
#define SSH_HOST_PORT 10022	/* hurd-vm: 10022 + 1000 * id */
#define SSH_GUEST_PORT 22
#define KVM_GRACE 10		/* s: a KVM start that fails sooner -> TCG */
#define KILL_GRACE 5		/* s between SIGTERM and SIGKILL */
#define MAX_FORWARDS 32
#define MAX_LINE 65536		/* a longer console line is cut */

#define TRY_HELP "Try 'mkhurdimg boot --help' for more information.\n"

enum accel { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG };

struct forward {
	unsigned host, guest;
};

struct boot_opts {
	const char *image, *type, *qemu, *expect;
	unsigned long memory, cpus, timeout;
	int write, quiet, dry_run;
	enum accel accel;
	struct forward fwd[MAX_FORWARDS];
	size_t nfwd;
};

enum { OPT_CPUS = 256, OPT_WRITE, OPT_FORWARD, OPT_NO_FORWARD, OPT_ACCEL,
       OPT_EXPECT, OPT_TIMEOUT, OPT_QEMU, OPT_DRY_RUN, OPT_HELP };

static const struct option long_opts[] = {
	{ "image-type", required_argument, NULL, 't' },
	{ "memory", required_argument, NULL, 'm' },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "write", no_argument, NULL, OPT_WRITE },
	{ "forward", required_argument, NULL, OPT_FORWARD },
	{ "no-forward", no_argument, NULL, OPT_NO_FORWARD },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "qemu", required_argument, NULL, OPT_QEMU },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fputs("Usage: mkhurdimg boot [OPTION]... IMAGE\n"
	      "Boot IMAGE in QEMU as Guix's childhurd does; the serial console goes to stdout.\n"
	      "\n"
	      "  -t, --image-type=TYPE   hurd-raw, hurd-qcow2, hurd64-raw or hurd64-qcow2;\n"
	      "                          default: qcow2 or raw as the file says, 32-bit\n"
	      "  -m, --memory=SIZE       guest memory in MiB, or e.g. 4G (default 2048);\n"
	      "                          hurd64 gets -M q35 from 3584 MiB on\n"
	      "      --cpus=N            virtual CPUs (default: QEMU's, 1)\n"
	      "      --write             write to IMAGE (default: -snapshot, IMAGE unchanged)\n"
	      "      --forward=HOST:GUEST  forward 127.0.0.1:HOST to the guest's TCP port\n"
	      "                          GUEST; repeatable, replaces the default 10022:22\n"
	      "      --no-forward        no port forwards\n"
	      "      --accel=auto|kvm|tcg  auto (default): KVM if /dev/kvm works, and TCG\n"
	      "                          (software) if QEMU fails with KVM within 10 s\n"
	      "      --expect=REGEX      succeed and stop QEMU once a console line matches the\n"
	      "                          POSIX ERE REGEX (CRs and escape sequences left out)\n"
	      "      --timeout=SECONDS   stop QEMU after SECONDS and fail\n"
	      "      --qemu=PROGRAM      the emulator (default qemu-system-x86_64)\n"
	      "      --dry-run           print the QEMU command line and exit\n"
	      "  -q, --quiet             with --expect, do not echo the console\n"
	      "  -v, --verbose           say which command line runs and why\n"
	      "Without --expect QEMU runs in the foreground; Ctrl-A X quits it.\n"
	      "Exit status: 0 a match, or QEMU exited with 0; 1 no match, timeout or a\n"
	      "failure of QEMU; 2 bad command line.\n",
	      f);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_verror(EXIT_USAGE, fmt, ap);
	va_end(ap);
	diag_print();
	diag_clear();
	fputs(TRY_HELP, stderr);
	return EXIT_USAGE;
}

/* A decimal number from MIN to MAX, nothing else. */
static int parse_number(const char *text, unsigned long min, unsigned long max,
			unsigned long *out)
{
	unsigned long v;
	char *end;

	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "2048" is MiB, as QEMU's -m; "4G", "512MiB" are sizes. */
static int parse_memory(const char *text, unsigned long *mib)
{
	uint64_t bytes;

	if (!parse_number(text, 1, 1UL << 20, mib))
		return 0;
	if (size_parse(text, &bytes) || bytes % (1 << 20) || bytes < (1 << 20) ||
	    bytes > (1ULL << 40))
		return -1;
	*mib = (unsigned long)(bytes >> 20);
	return 0;
}

static int parse_forward(const char *text, struct forward *f)
{
	const char *colon = strchr(text, ':');
	unsigned long host, guest;
	char buf[16];

	if (!colon || (size_t)(colon - text) >= sizeof(buf))
		return -1;
	memcpy(buf, text, (size_t)(colon - text));
	buf[colon - text] = '\0';
	if (parse_number(buf, 1, 65535, &host) ||
	    parse_number(colon + 1, 1, 65535, &guest))
		return -1;
	f->host = (unsigned)host;
	f->guest = (unsigned)guest;
	return 0;
}

/* ---- the console matcher ---- */

int console_match_init(struct console_match *m, const char *pattern)
{
	char why[256];
	int rc;

	memset(m, 0, sizeof(*m));
	rc = regcomp(&m->re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		regerror(rc, &m->re, why, sizeof(why));
		return diag_error(EXIT_USAGE, "bad regular expression '%s': %s",
				  pattern, why);
	}
	m->cap = 256;
	m->line = malloc(m->cap);
	if (!m->line) {
		regfree(&m->re);
		return diag_error(EXIT_BUILD, "out of memory");
	}
	m->line[0] = '\0';
	return 0;
}

void console_match_free(struct console_match *m)
{
	regfree(&m->re);
	free(m->line);
	m->line = NULL;
}

static void line_add(struct console_match *m, char c)
{
	char *n;

	if (m->len + 1 >= m->cap) {
		n = realloc(m->line, m->cap * 2);
		if (!n)
			return;	/* keep what fits: a short line is no match */
		m->line = n;
		m->cap *= 2;
	}
	m->line[m->len++] = c;
	m->line[m->len] = '\0';
}

static int line_matches(struct console_match *m, int flags)
{
	return regexec(&m->re, m->line, 0, NULL, flags) == 0;
}

int console_match_feed(struct console_match *m, const char *buf, size_t n)
{
	int changed = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (m->esc == 1) {		/* ESC x, or ESC [ */
			m->esc = c == '[' ? 2 : 0;
			continue;
		}
		if (m->esc == 2) {		/* parameters, then a final byte */
			if (c < 0x20 || c > 0x3f)
				m->esc = 0;
			continue;
		}
		if (c == 0x1b) {
			m->esc = 1;
			continue;
		}
		if (c == '\r' || c == '\0')
			continue;
		if (c == '\n' || m->len >= MAX_LINE) {
			if (line_matches(m, 0))
				return 1;
			m->len = 0;
			m->line[0] = '\0';
			changed = 0;
			if (c == '\n')
				continue;
		}
		line_add(m, (char)c);
		changed = 1;
	}
	return changed && line_matches(m, REG_NOTEOL);
}

/* ---- KVM ---- */

/* 0 when /dev/kvm opens and speaks the KVM API and creates a VM; else -1
 * and why. */
static int kvm_probe(char *why, size_t len)
{
#ifdef HAVE_KVM
	int fd, vm, v;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "/dev/kvm: %s", strerror(errno));
		return -1;
	}
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		snprintf(why, len, "/dev/kvm: API version %d, not %d", v,
			 KVM_API_VERSION);
		close(fd);
		return -1;
	}
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		snprintf(why, len, "/dev/kvm: cannot create a VM: %s",
			 strerror(errno));
		close(fd);
		return -1;
	}
	close(vm);
	close(fd);
	return 0;
#else
	snprintf(why, len, "no KVM on this system");
	return -1;
#endif
}

/* ---- the command line ---- */

struct words {
	char **v;
	size_t n, cap;
	int oom;
};

static void words_add(struct words *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void words_add(struct words *w, const char *fmt, ...)
{
	char **n, *s, tmp[1];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (w->n + 2 > w->cap) {
		n = realloc(w->v, (w->cap ? w->cap * 2 : 32) * sizeof(*n));
		if (!n) {
			w->oom = 1;
			return;
		}
		w->v = n;
		w->cap = w->cap ? w->cap * 2 : 32;
	}
	s = len < 0 ? NULL : malloc((size_t)len + 1);
	if (!s) {
		w->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	w->v[w->n++] = s;
	w->v[w->n] = NULL;
}

static void words_free(struct words *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

/* NAME with every ',' doubled, as QEMU's option syntax wants. */
static char *qemu_escape(const char *name)
{
	struct strbuf b;
	const char *p;

	sb_init(&b);
	for (p = name; *p; p++)
		sb_add(&b, *p == ',' ? ",," : (char[]){ *p, '\0' });
	return sb_take(&b);
}

static int qemu_words(const struct boot_opts *o, const char *format, int is64,
		      int kvm, struct words *w)
{
	struct strbuf net;
	char *file, *netdev;
	size_t i;

	words_add(w, "%s", o->qemu);
	words_add(w, "-m");
	words_add(w, "%lu", o->memory);
	if (is64 && o->memory >= Q35_MEMORY) {
		words_add(w, "-M");
		words_add(w, "q35");
	}
	if (o->cpus) {
		words_add(w, "-smp");
		words_add(w, "%lu", o->cpus);
	}
	words_add(w, "-device");
	words_add(w, "rtl8139,netdev=net0");
	sb_init(&net);
	sb_add(&net, "user,id=net0");
	for (i = 0; i < o->nfwd; i++)
		sb_addf(&net, ",hostfwd=tcp:127.0.0.1:%u-:%u", o->fwd[i].host,
			o->fwd[i].guest);
	netdev = sb_take(&net);
	words_add(w, "-netdev");
	words_add(w, "%s", netdev ? netdev : "");
	free(netdev);
	if (!o->write)
		words_add(w, "-snapshot");
	file = qemu_escape(o->image);
	words_add(w, "-drive");
	words_add(w, "file=%s,format=%s,if=ide", file ? file : "", format);
	free(file);
	words_add(w, "-no-reboot");
	words_add(w, "-accel");
	words_add(w, "%s", kvm ? "kvm" : "tcg");
	words_add(w, "-display");
	words_add(w, "none");
	if (o->expect) {
		/* The console is our pipe; nothing reads the monitor. */
		words_add(w, "-monitor");
		words_add(w, "none");
		words_add(w, "-serial");
		words_add(w, "stdio");
	} else {
		words_add(w, "-serial");
		words_add(w, "mon:stdio");
	}
	if (w->oom || !netdev)
		return diag_error(EXIT_BUILD, "out of memory");
	return 0;
}

/* The words as a shell would need them: quoted only when needed. */
static void print_words(FILE *f, char **v)
{
	const char *safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			   "0123456789_@%+=:,./-";
	const char *p;
	size_t i;

	for (i = 0; v[i]; i++) {
		if (i)
			fputc(' ', f);
		if (*v[i] && strspn(v[i], safe) == strlen(v[i])) {
			fputs(v[i], f);
			continue;
		}
		fputc('\'', f);
		for (p = v[i]; *p; p++) {
			if (*p == '\'')
				fputs("'\\''", f);
			else
				fputc(*p, f);
		}
		fputc('\'', f);
	}
	fputc('\n', f);
}

/* ---- running QEMU ---- */

static volatile sig_atomic_t caught;
static int wake[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;

	if (sig != SIGCHLD)
		caught = sig;
	if (write(wake[1], "", 1) < 0) {
		/* full: poll wakes up anyway */
	}
	errno = saved;
}

static const int handled[] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD };

static int setup_signals(void)
{
	struct sigaction sa;
	size_t i;

	if (pipe(wake) || fcntl(wake[0], F_SETFD, FD_CLOEXEC) ||
	    fcntl(wake[1], F_SETFD, FD_CLOEXEC) ||
	    fcntl(wake[0], F_SETFL, O_NONBLOCK) ||
	    fcntl(wake[1], F_SETFL, O_NONBLOCK))
		return diag_error(EXIT_BUILD, "pipe: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(handled) / sizeof(*handled); i++)
		sigaction(handled[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Start ARGV with its stdout on CONSOLE (and stdin /dev/null), or on ours
 * when CONSOLE is -1.  Returns the pid, or -1 with the message recorded. */
static pid_t spawn(char **argv, int console)
{
	int ep[2], e = 0, fd;
	ssize_t got;
	size_t i;
	pid_t pid;

	if (pipe(ep) || fcntl(ep[0], F_SETFD, FD_CLOEXEC) ||
	    fcntl(ep[1], F_SETFD, FD_CLOEXEC))
		return diag_error(EXIT_BUILD, "pipe: %s", strerror(errno)), -1;
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(ep[0]);
		close(ep[1]);
		return diag_error(EXIT_BUILD, "fork: %s", strerror(e)), -1;
	}
	if (!pid) {
		sigset_t none;

		for (i = 0; i < sizeof(handled) / sizeof(*handled); i++)
			signal(handled[i], SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (console >= 0) {
			fd = open("/dev/null", O_RDONLY);
			if (fd < 0 || dup2(fd, 0) < 0 || dup2(console, 1) < 0)
				goto fail;
		}
		execvp(argv[0], argv);
fail:
		e = errno;
		if (write(ep[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(ep[1]);
	do
		got = read(ep[0], &e, sizeof(e));
	while (got < 0 && errno == EINTR);
	close(ep[0]);
	if (got == (ssize_t)sizeof(e)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return diag_error(EXIT_BUILD, "cannot run %s: %s", argv[0],
				  strerror(e)), -1;
	}
	return pid;
}

/* SIGTERM, then SIGKILL if it is still there after KILL_GRACE s. */
static void stop(pid_t pid)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	double until = now() + KILL_GRACE;

	kill(pid, SIGTERM);
	while (now() < until) {
		pid_t r = waitpid(pid, NULL, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return;
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static void echo(int *on, const char *buf, size_t n)
{
	ssize_t w;

	while (*on && n) {
		w = write(1, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*on = 0;	/* nobody reads stdout: go on matching */
			return;
		}
		buf += w;
		n -= (size_t)w;
	}
}

enum outcome { RAN_MATCH, RAN_EXITED, RAN_TIMEOUT, RAN_SILENT, RAN_SIGNAL,
	       RAN_ERROR };

/* One run of QEMU.  DEADLINE is 0 for none; SILENCE > 0 gives up when
 * the console says nothing for that many seconds from the start. */
static enum outcome run_once(char **argv, struct console_match *m, int quiet,
			     double deadline, double silence, int *status)
{
	double start = now(), wait_s;
	int con[2] = { -1, -1 }, echo_on = !quiet, heard = 0, st, timeout_ms;
	struct pollfd p[2];
	char buf[4096], drain[64], last = '\n';
	enum outcome out;
	ssize_t n;
	nfds_t np;
	pid_t pid, r;

	if (m && (pipe(con) || fcntl(con[0], F_SETFD, FD_CLOEXEC))) {
		diag_error(EXIT_BUILD, "pipe: %s", strerror(errno));
		return RAN_ERROR;
	}
	pid = spawn(argv, con[1]);
	if (con[1] >= 0)
		close(con[1]);
	if (pid < 0) {
		if (con[0] >= 0)
			close(con[0]);
		return RAN_ERROR;
	}
	for (;;) {
		if (caught) {
			stop(pid);
			out = RAN_SIGNAL;
			break;
		}
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			*status = st;
			out = RAN_EXITED;
			/* What it wrote before it went is still in the pipe. */
			while (con[0] >= 0 &&
			       (n = read(con[0], buf, sizeof(buf))) != 0) {
				if (n < 0 && errno == EINTR)
					continue;
				if (n < 0)
					break;
				echo(&echo_on, buf, (size_t)n);
				last = buf[n - 1];
				if (console_match_feed(m, buf, (size_t)n)) {
					out = RAN_MATCH;
					break;
				}
			}
			break;
		}
		wait_s = -1;
		if (deadline > 0) {
			wait_s = deadline - now();
			if (wait_s <= 0) {
				stop(pid);
				out = RAN_TIMEOUT;
				break;
			}
		}
		if (silence > 0 && !heard) {
			double left = start + silence - now();

			if (left <= 0) {
				stop(pid);
				out = RAN_SILENT;
				break;
			}
			if (wait_s < 0 || left < wait_s)
				wait_s = left;
		}
		timeout_ms = wait_s < 0 ? -1 : (int)(wait_s * 1000) + 1;
		p[0].fd = wake[0];
		p[0].events = POLLIN;
		np = 1;
		if (con[0] >= 0) {
			p[1].fd = con[0];
			p[1].events = POLLIN;
			np = 2;
		}
		if (poll(p, np, timeout_ms) < 0 && errno != EINTR) {
			stop(pid);
			diag_error(EXIT_BUILD, "poll: %s", strerror(errno));
			out = RAN_ERROR;
			break;
		}
		while (read(wake[0], drain, sizeof(drain)) > 0)
			;
		if (np == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = read(con[0], buf, sizeof(buf));
			if (n == 0) {
				close(con[0]);	/* QEMU is going: reap it */
				con[0] = -1;
			} else if (n > 0) {
				heard = 1;
				echo(&echo_on, buf, (size_t)n);
				last = buf[n - 1];
				if (console_match_feed(m, buf, (size_t)n)) {
					stop(pid);
					out = RAN_MATCH;
					break;
				}
			}
		}
	}
	/* End the console's last line, so what follows starts a line. */
	if (out == RAN_MATCH && last != '\n')
		echo(&echo_on, "\n", 1);
	if (con[0] >= 0)
		close(con[0]);
	return out;
}

static void describe_status(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(buf, len, "ended with wait status %d", st);
}

static int failed(int st)
{
	return !WIFEXITED(st) || WEXITSTATUS(st) != 0;
}

/* ---- the subcommand ---- */

/* "raw" or "qcow2" from the first bytes of the file. */
static int file_format(const char *image, const char **format)
{
	unsigned char magic[4] = { 0 };
	ssize_t n;
	int fd;

	fd = open(image, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_error(EXIT_BUILD, "cannot open %s: %s", image,
				  strerror(errno));
	n = read(fd, magic, sizeof(magic));
	if (n < 0) {
		int e = errno;

		close(fd);
		return diag_error(EXIT_BUILD, "cannot read %s: %s", image,
				  strerror(e));
	}
	close(fd);
	*format = n == 4 && !memcmp(magic, "QFI\xfb", 4) ? "qcow2" : "raw";
	return 0;
}

static int load_types(struct image_types *reg)
{
	if (!access(TYPESDIR, R_OK | X_OK))
		return image_types_load_dir(reg, TYPESDIR, 1);
	return image_types_load_dir(reg, SRCTYPESDIR, 0);
}

/* Format and architecture: from -t, checked against the file, or from the
 * file with a 32-bit guest. */
static int image_kind(const struct boot_opts *o, const char **format,
		      int *is64)
{
	struct image_types reg = { NULL, 0 };
	const struct image_type *t;
	const char *found = "raw";
	int err;

	err = file_format(o->image, &found);
	if (err)
		return err;
	*format = found;
	*is64 = 0;
	if (!o->type)
		return 0;
	err = load_types(&reg);
	if (!err)
		err = image_types_find(&reg, o->type, &t);
	if (!err) {
		*is64 = !strncmp(t->system, "x86_64", 6);
		if (strcmp(t->format, found))
			err = diag_error(EXIT_USAGE,
					 "%s is a %s image, not %s as %s says",
					 o->image, found, t->format, o->type);
		*format = !strcmp(t->format, "qcow2") ? "qcow2" : "raw";
	}
	image_types_free(&reg);
	return err;
}

static int parse_args(int argc, char **argv, struct boot_opts *o)
{
	unsigned long v;
	int c, default_fwd;

	o->qemu = DEFAULT_QEMU;
	o->memory = DEFAULT_MEMORY;
	o->fwd[0] = (struct forward){ SSH_HOST_PORT, SSH_GUEST_PORT };
	o->nfwd = 1;
	default_fwd = 1;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:m:qv", long_opts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->type = optarg;
			break;
		case 'm':
			if (parse_memory(optarg, &o->memory))
				return usage_error("--memory '%s': expected MiB or a size such as 4G, from 1 MiB to 1 TiB in whole MiB",
						   optarg);
			break;
		case OPT_CPUS:
			if (parse_number(optarg, 1, 255, &o->cpus))
				return usage_error("--cpus '%s': expected a number from 1 to 255",
						   optarg);
			break;
		case OPT_WRITE:
			o->write = 1;
			break;
		case OPT_FORWARD:
			if (default_fwd)
				o->nfwd = 0, default_fwd = 0;
			if (o->nfwd == MAX_FORWARDS)
				return usage_error("at most %d --forward options",
						   MAX_FORWARDS);
			if (parse_forward(optarg, &o->fwd[o->nfwd]))
				return usage_error("--forward '%s': expected HOST:GUEST, two TCP port numbers from 1 to 65535",
						   optarg);
			o->nfwd++;
			break;
		case OPT_NO_FORWARD:
			o->nfwd = 0;
			default_fwd = 0;
			break;
		case OPT_ACCEL:
			if (!strcmp(optarg, "auto"))
				o->accel = ACCEL_AUTO;
			else if (!strcmp(optarg, "kvm"))
				o->accel = ACCEL_KVM;
			else if (!strcmp(optarg, "tcg"))
				o->accel = ACCEL_TCG;
			else
				return usage_error("--accel '%s': expected auto, kvm or tcg",
						   optarg);
			break;
		case OPT_EXPECT:
			o->expect = optarg;
			break;
		case OPT_TIMEOUT:
			if (parse_number(optarg, 1, 1000000, &v))
				return usage_error("--timeout '%s': expected whole seconds from 1 to 1000000",
						   optarg);
			o->timeout = v;
			break;
		case OPT_QEMU:
			if (!*optarg)
				return usage_error("--qemu: empty program name");
			o->qemu = optarg;
			break;
		case OPT_DRY_RUN:
			o->dry_run = 1;
			break;
		case 'q':
			o->quiet = 1;
			diag_set_level(DIAG_QUIET);
			break;
		case 'v':
			diag_set_level(DIAG_VERBOSE);
			break;
		case OPT_HELP:
			usage(stdout);
			return -1;
		case ':':
			return usage_error("option '%s' needs an argument",
					   argv[optind - 1]);
		default:
			if (optopt)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("no IMAGE given");
	if (optind != argc - 1)
		return usage_error("only one IMAGE may be given");
	o->image = argv[optind];
	return 0;
}

static void reset_matcher(struct console_match *m)
{
	m->len = 0;
	m->line[0] = '\0';
	m->esc = 0;
}

int boot_main(int argc, char **argv)
{
	struct boot_opts o;
	struct console_match match, *m = NULL;
	struct words w = { NULL, 0, 0, 0 };
	const char *format = "raw";
	enum outcome out;
	double start, deadline = 0;
	char why[256], st_text[96];
	int err, is64 = 0, kvm = 0, status = 0;

	memset(&o, 0, sizeof(o));
	err = parse_args(argc, argv, &o);
	if (err)
		return err < 0 ? EXIT_OK : err;
	if (o.expect) {
		err = console_match_init(&match, o.expect);
		if (err == EXIT_USAGE) {
			diag_print();
			diag_clear();
			fputs(TRY_HELP, stderr);
			return EXIT_USAGE;
		}
		if (err)
			return err;
		m = &match;
	}
	err = image_kind(&o, &format, &is64);
	if (err)
		goto out;

	if (o.accel == ACCEL_KVM) {
		kvm = 1;
		if (!o.dry_run && kvm_probe(why, sizeof(why))) {
			err = diag_error(EXIT_BUILD, "--accel=kvm: KVM is not usable: %s",
					 why);
			goto out;
		}
	} else if (o.accel == ACCEL_AUTO) {
		kvm = !kvm_probe(why, sizeof(why));
		if (kvm)
			diag_verbose("KVM works (/dev/kvm); TCG if QEMU fails with it");
		else
			diag_verbose("software emulation (TCG): %s", why);
	}
	err = qemu_words(&o, format, is64, kvm, &w);
	if (err)
		goto out;
	if (o.dry_run) {
		print_words(stdout, w.v);
		goto out;
	}
	err = setup_signals();
	if (err)
		goto out;

	start = now();
	if (o.timeout)
		deadline = start + (double)o.timeout;
	for (;;) {
		double t0 = now();
		int auto_kvm = kvm && o.accel == ACCEL_AUTO;

		if (diag_get_level() >= DIAG_VERBOSE) {
			fputs("mkhurdimg: ", stderr);
			print_words(stderr, w.v);
		}
		out = run_once(w.v, m, o.quiet, deadline,
			       auto_kvm && m ? KVM_GRACE : 0, &status);
		if (!auto_kvm)
			break;
		if (out == RAN_SILENT) {
			diag_warn("QEMU with KVM printed nothing in %d s; trying again with TCG",
				  KVM_GRACE);
		} else if (out == RAN_EXITED && failed(status) &&
			   now() - t0 < KVM_GRACE) {
			describe_status(status, st_text, sizeof(st_text));
			diag_warn("QEMU with KVM %s; trying again with TCG",
				  st_text);
		} else {
			break;
		}
		kvm = 0;
		words_free(&w);
		err = qemu_words(&o, format, is64, kvm, &w);
		if (err)
			goto out;
		if (m)
			reset_matcher(m);
	}

	switch (out) {
	case RAN_MATCH:
		err = EXIT_OK;
		break;
	case RAN_TIMEOUT:
		if (m)
			err = diag_error(EXIT_BUILD, "no match for '%s' within %lu s",
					 o.expect, o.timeout);
		else
			err = diag_error(EXIT_BUILD, "QEMU was still running after %lu s: stopped it",
					 o.timeout);
		break;
	case RAN_EXITED:
		describe_status(status, st_text, sizeof(st_text));
		if (m)
			err = diag_error(EXIT_BUILD, "QEMU %s before a match for '%s'",
					 st_text, o.expect);
		else if (failed(status))
			err = diag_error(EXIT_BUILD, "QEMU %s", st_text);
		else
			err = EXIT_OK;
		break;
	case RAN_SIGNAL:
		/* Die of the same signal, as if QEMU and we were one. */
		words_free(&w);
		if (m)
			console_match_free(m);
		m = NULL;
		signal(caught, SIG_DFL);
		raise(caught);
		err = EXIT_BUILD;
		break;
	case RAN_SILENT:	/* only with auto KVM, handled above */
	case RAN_ERROR:
		err = diag_message() ? EXIT_BUILD : diag_error(EXIT_BUILD, "QEMU failed");
		break;
	}
out:
	words_free(&w);
	if (m)
		console_match_free(m);
	return err;
}
