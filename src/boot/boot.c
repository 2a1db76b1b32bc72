/* boot.c - "mkhurdimg boot": an image in QEMU, its serial console on stdout
 *
 * The machine is the one Guix's hurd-vm service (the childhurd) runs
 * (gnu/services/virtualization.scm; spec guix-hurd-image.md 6.3, 6.4):
 * qemu-system-x86_64 even for 32-bit guests, 2048 MiB, -M q35 for hurd64,
 * an rtl8139 on user networking with hurd-vm's three forwards from
 * 127.0.0.1 (11004 to the secret service's 1004, 10022 to ssh, 15900 to
 * VNC, each plus 1000 * id), --snapshot and --no-reboot.  With --secrets,
 * what its Shepherd service does next: send the secrets to the guest's
 * secret service through the forward, and stop QEMU if that fails.
 * KVM is used only when /dev/kvm answers and QEMU then starts with it;
 * nothing depends on it.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
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

#include "array.h"
#include "boot.h"
#include "cli.h"
#include "diag.h"
#include "fullio.h"
#include "image-type.h"
#include "registry.h"
#include "secret-service.h"
#include "sexp.h"
#include "size.h"
#include "strbuf.h"

#define DEFAULT_QEMU "qemu-system-x86_64"
#define DEFAULT_MEMORY 2048 /* MiB: hurd-vm's memory-size */
#define SSH_HOST_PORT 10022 /* hurd-vm: 10022 + 1000 * id */
#define MAX_ID 49	    /* 15900 + 1000 * id stays a port number */
#define HOST_KEY "/etc/ssh/ssh_host_ed25519_key.pub" /* in --secrets */
#define HOST_KEY_MAX 65536
#define KVM_GRACE 10 /* s: a KVM start that fails sooner -> TCG */
#define KILL_GRACE 5 /* s between SIGTERM and SIGKILL */
#define MAX_FORWARDS 32
#define MAX_LINE 65536 /* a longer console line is cut */

#define TRY_HELP "Try 'mkhurdimg boot --help' for more information.\n"
#define usage_error(...) cli_usage_error(TRY_HELP, __VA_ARGS__)

enum accel { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG };

struct forward {
	unsigned host, guest;
};

/* hurd-vm's forwards, in the order of its net-options: host port (plus
 * 1000 * id) to guest port. */
static const struct forward hurd_vm_forwards[] = {
	{ 11004, SECRET_SERVICE_GUEST_PORT }, /* the secret service */
	{ SSH_HOST_PORT, 22 },		      /* ssh */
	{ 15900, 5900 },		      /* VNC */
};

struct boot_opts {
	const char *image, *type, *qemu, *expect, *secrets, *offload_key;
	unsigned long memory, cpus, timeout, id, handshake;
	int write, quiet, dry_run, print_offload;
	enum accel accel;
	struct forward fwd[MAX_FORWARDS];
	size_t nfwd;
};

enum {
	OPT_CPUS = 256,
	OPT_WRITE,
	OPT_FORWARD,
	OPT_NO_FORWARD,
	OPT_ACCEL,
	OPT_EXPECT,
	OPT_TIMEOUT,
	OPT_QEMU,
	OPT_DRY_RUN,
	OPT_HELP,
	OPT_ID,
	OPT_SECRETS,
	OPT_HANDSHAKE,
	OPT_PRINT_OFFLOAD,
	OPT_OFFLOAD_KEY
};

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
	{ "id", required_argument, NULL, OPT_ID },
	{ "secrets", required_argument, NULL, OPT_SECRETS },
	{ "handshake-timeout", required_argument, NULL, OPT_HANDSHAKE },
	{ "print-offload-entry", no_argument, NULL, OPT_PRINT_OFFLOAD },
	{ "offload-key", required_argument, NULL, OPT_OFFLOAD_KEY },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fputs("Usage: mkhurdimg boot [OPTION]... IMAGE\n"
	      "Boot IMAGE in QEMU as Guix's childhurd does; the serial console goes to stdout.\n"
	      "  -t, --image-type=TYPE   hurd-raw, hurd-qcow2, hurd64-raw (-M q35) or\n"
	      "                          hurd64-qcow2; default: the file's format, 32-bit\n"
	      "  -m, --memory=SIZE       guest memory in MiB, or e.g. 4G (default 2048)\n"
	      "      --cpus=N            virtual CPUs (default: QEMU's, 1)\n"
	      "      --write             write to IMAGE (default: -snapshot, IMAGE unchanged)\n"
	      "      --forward=HOST:GUEST  forward 127.0.0.1:HOST to the guest's port GUEST;\n"
	      "                          repeatable; replaces 11004:1004,10022:22,15900:5900\n"
	      "      --no-forward        no port forwards\n"
	      "      --id=N              add 1000*N to the default host ports, as hurd-vm\n"
	      "      --secrets=DIR       send DIR's files to the guest's secret service (1004)\n"
	      "      --handshake-timeout=SECONDS  wait that long for its greeting (180)\n"
	      "      --print-offload-entry  print Guix's build-machine for this childhurd\n"
	      "                          and exit; needs --secrets and --offload-key=FILE\n"
	      "      --accel=auto|kvm|tcg  auto (default): KVM if it works, else TCG\n"
	      "      --expect=REGEX      succeed and stop QEMU once a console line matches the\n"
	      "                          POSIX ERE REGEX (CRs and escape sequences left out)\n"
	      "      --timeout=SECONDS   stop QEMU after SECONDS and fail\n"
	      "      --qemu=PROGRAM      the emulator (default qemu-system-x86_64)\n"
	      "      --dry-run           print the QEMU command line and exit\n"
	      "  -q, --quiet, -v, --verbose  no console echo (with --expect); more messages\n"
	      "Exit status: 0 a match, or QEMU exited with 0; 1 no match, timeout, a failure\n"
	      "of QEMU or of the secrets; 2 bad command line.  Ctrl-A X quits QEMU.\n",
	      f);
}

/* "2048" is MiB, as QEMU's -m; "4G", "512MiB" are sizes. */
static int parse_memory(const char *text, unsigned long *mib)
{
	uint64_t bytes;

	if (!cli_number(text, 1, 1UL << 20, mib))
		return 0;
	if (size_parse(text, &bytes) || bytes % (1 << 20) ||
	    bytes < (1 << 20) || bytes > (1ULL << 40))
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
	if (cli_number(buf, 1, 65535, &host) ||
	    cli_number(colon + 1, 1, 65535, &guest))
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
	/* Out of memory, keep what fits: a short line is no match. */
	if (array_grow(&m->line, &m->cap, m->len + 2, 1, 256))
		return;
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

		if (m->esc == 1) { /* ESC x, or ESC [ */
			m->esc = c == '[' ? 2 : 0;
			continue;
		}
		if (m->esc == 2) { /* parameters, then a final byte */
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
	char *s, tmp[1];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (array_grow(&w->v, &w->cap, w->n + 2, sizeof(*w->v), 32)) {
		w->oom = 1;
		return;
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
	if (is64) { /* hurd-vm: the default machine fails x86_64-gnu */
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
	const char *safe =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
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

/* ---- the secrets, sent while QEMU runs ---- */

/* The client runs in a thread of its own, so that the loop below keeps
 * draining and matching the console (QEMU blocks on a full pipe) while
 * the client waits up to minutes for the guest.  Until it is joined,
 * only it records messages through diag. */
struct sender {
	struct secret_peer peer;
	struct secret_files files;
	pthread_t thread;
	int running;   /* started and not yet joined */
	int done[2];   /* it writes a byte here when it ends */
	int cancel[2]; /* we write one here to stop it */
	int status;    /* what secret_service_send returned */
};

static void *sender_run(void *arg)
{
	struct sender *s = arg;

	s->status = secret_service_send(&s->peer, &s->files);
	if (write(s->done[1], "", 1) < 0) {
		/* cannot happen: the pipe is empty; join reports anyway */
	}
	return NULL;
}

static void close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

static const int handled[] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD };

static int sender_start(struct sender *s)
{
	sigset_t block, old;
	size_t i;
	int e;

	if (pipe2(s->done, O_CLOEXEC) || pipe2(s->cancel, O_CLOEXEC)) {
		e = errno;
		close_pair(s->done);
		return diag_error(EXIT_BUILD, "pipe: %s", strerror(e));
	}
	s->peer.cancel_fd = s->cancel[0];
	/* The signals are the loop's, which the wake pipe interrupts. */
	sigemptyset(&block);
	for (i = 0; i < sizeof(handled) / sizeof(*handled); i++)
		sigaddset(&block, handled[i]);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	e = pthread_create(&s->thread, NULL, sender_run, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		close_pair(s->done);
		close_pair(s->cancel);
		return diag_error(EXIT_BUILD, "cannot start a thread: %s",
				  strerror(e));
	}
	s->running = 1;
	return 0;
}

/* Wait for the client, after telling it to stop if CANCEL; its status. */
static int sender_finish(struct sender *s, int cancel)
{
	if (cancel && write(s->cancel[1], "", 1) < 0) {
		/* cannot happen: the pipe is empty */
	}
	pthread_join(s->thread, NULL);
	s->running = 0;
	close_pair(s->done);
	close_pair(s->cancel);
	return s->status;
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
 * when CONSOLE is -1, and its stderr on ERR.  Returns the pid, or -1 with
 * the message recorded. */
static pid_t spawn(char **argv, int console, int err)
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
		if (dup2(err, 2) < 0)
			goto fail;
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
				  strerror(e)),
		       -1;
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
	if (*on && n && write_full(1, buf, n))
		*on = 0; /* nobody reads stdout: go on matching */
}

enum outcome {
	RAN_MATCH,
	RAN_EXITED,
	RAN_TIMEOUT,
	RAN_SILENT,
	RAN_SIGNAL,
	RAN_SECRETS,
	RAN_ERROR
};

/* One run of QEMU, and what the loop knows of it. */
struct run {
	pid_t pid;
	int con; /* the console pipe, or -1 */
	int echo_on, heard;
	char last; /* the last console byte */
	double start;
	struct console_match *m;
	struct sender *snd; /* NULL, or the secrets on their way */
	int *status;	    /* QEMU's wait status, once it exited */
	int reaped;	    /* QEMU exited and was waited for */
	int err;	    /* QEMU's stderr, relayed to ours, or -1 */
	int stopped;	    /* we sent it SIGTERM */
	char line[1024];    /* the start of its stderr's current line */
	size_t nline;
};

/* QEMU says "qemu-system-x86_64: terminating on signal 15 from pid N
 * (mkhurdimg)" when stop() ends it: not news to whoever asked for the
 * stop, so that one line is not relayed. */
static int our_sigterm(const struct run *r, const char *line, size_t n)
{
	static const char said[] = ": terminating on signal 15";
	const char *at = memmem(line, n, said, sizeof(said) - 1);
	char pid[32];
	size_t rest;

	if (!r->stopped || !at || memchr(line, ' ', (size_t)(at - line)))
		return 0;
	at += sizeof(said) - 1;
	rest = n - (size_t)(at - line);
	if (rest <= 1)
		return 1; /* no pid said: it can only be ours */
	snprintf(pid, sizeof(pid), " from pid %ld", (long)getpid());
	return rest > strlen(pid) && !memcmp(at, pid, strlen(pid)) &&
	       (at[strlen(pid)] == ' ' || at[strlen(pid)] == '\n');
}

static void err_line(struct run *r, const char *line, size_t n)
{
	/* A write error: our stderr is gone, and nothing else can say so. */
	if (!our_sigterm(r, line, n))
		(void)write_full(2, line, n);
}

/* N bytes of QEMU's stderr: whole lines out, the rest kept. */
static void err_chunk(struct run *r, const char *buf, size_t n)
{
	const char *nl;

	while (n) {
		size_t take = (nl = memchr(buf, '\n', n)) ?
				      (size_t)(nl - buf) + 1 :
				      n;

		if (r->nline + take > sizeof(r->line)) {
			err_line(r, r->line, r->nline); /* too long: as it is */
			r->nline = 0;
		}
		if (take > sizeof(r->line)) {
			err_line(r, buf, take);
		} else {
			memcpy(r->line + r->nline, buf, take);
			r->nline += take;
		}
		if (nl) {
			err_line(r, r->line, r->nline);
			r->nline = 0;
		}
		buf += take;
		n -= take;
	}
}

/* What QEMU's stderr still holds, once QEMU is gone. */
static void err_drain(struct run *r)
{
	char buf[4096];
	ssize_t n;

	while (r->err >= 0 && (n = read(r->err, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		err_chunk(r, buf, (size_t)n);
	}
	if (r->nline)
		err_line(r, r->line, r->nline);
	r->nline = 0;
}

/* Console output: echoed, matched; 1 on a match. */
static int console_chunk(struct run *r, const char *buf, size_t n)
{
	r->heard = 1;
	echo(&r->echo_on, buf, n);
	r->last = buf[n - 1];
	return console_match_feed(r->m, buf, n);
}

/* QEMU is gone; what it wrote before it went is still in the pipe. */
static enum outcome drain_exited(struct run *r)
{
	char buf[4096];
	ssize_t n;

	while (r->con >= 0 && (n = read(r->con, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (console_chunk(r, buf, (size_t)n))
			return RAN_MATCH;
	}
	return RAN_EXITED;
}

/* Whether DEADLINE (0: none) or the silence limit has passed (*OUT says
 * which); else how long poll may sleep, in *MS (-1: for ever). */
static int time_is_up(const struct run *r, double deadline, double silence,
		      int *ms, enum outcome *out)
{
	double wait_s = -1, left;

	if (deadline > 0) {
		wait_s = deadline - now();
		if (wait_s <= 0) {
			*out = RAN_TIMEOUT;
			return 1;
		}
	}
	if (silence > 0 && !r->heard) {
		left = r->start + silence - now();
		if (left <= 0) {
			*out = RAN_SILENT;
			return 1;
		}
		if (wait_s < 0 || left < wait_s)
			wait_s = left;
	}
	*ms = wait_s < 0 ? -1 : (int)(wait_s * 1000) + 1;
	return 0;
}

/* One wait for a signal, console output or the end of the secrets.
 * Returns 1 with *OUT set when the run is over. */
static int step(struct run *r, int ms, enum outcome *out)
{
	struct pollfd p[4] = { { wake[0], POLLIN, 0 } };
	int icon = -1, isnd = -1, ierr = -1;
	char buf[4096], drain[64];
	nfds_t np = 1;
	ssize_t n;

	if (r->con >= 0) {
		icon = (int)np;
		p[np++] = (struct pollfd){ r->con, POLLIN, 0 };
	}
	if (r->snd && r->snd->running) {
		isnd = (int)np;
		p[np++] = (struct pollfd){ r->snd->done[0], POLLIN, 0 };
	}
	if (r->err >= 0) {
		ierr = (int)np;
		p[np++] = (struct pollfd){ r->err, POLLIN, 0 };
	}
	if (poll(p, np, ms) < 0 && errno != EINTR) {
		n = errno;
		if (r->snd && r->snd->running)
			sender_finish(r->snd, 1); /* diag is ours again */
		diag_error(EXIT_BUILD, "poll: %s", strerror((int)n));
		*out = RAN_ERROR;
		return 1;
	}
	while (read(wake[0], drain, sizeof(drain)) > 0)
		;
	if (ierr >= 0 && (p[ierr].revents & (POLLIN | POLLHUP | POLLERR))) {
		n = read(r->err, buf, sizeof(buf));
		if (n > 0) {
			err_chunk(r, buf, (size_t)n);
		} else if (n == 0) {
			close(r->err);
			r->err = -1;
		}
	}
	if (isnd >= 0 && p[isnd].revents && sender_finish(r->snd, 0)) {
		*out = RAN_SECRETS;
		return 1;
	}
	if (icon >= 0 && (p[icon].revents & (POLLIN | POLLHUP | POLLERR))) {
		n = read(r->con, buf, sizeof(buf));
		if (n == 0) {
			close(r->con); /* QEMU is going: reap it */
			r->con = -1;
		} else if (n > 0 && console_chunk(r, buf, (size_t)n)) {
			*out = RAN_MATCH;
			return 1;
		}
	}
	return 0;
}

/* Until the run is over; QEMU may still be running then. */
static enum outcome run_loop(struct run *r, double deadline, double silence)
{
	enum outcome out;
	int ms;

	for (;;) {
		if (caught)
			return RAN_SIGNAL;
		if (waitpid(r->pid, r->status, WNOHANG) == r->pid) {
			r->reaped = 1;
			return drain_exited(r);
		}
		if (time_is_up(r, deadline, silence, &ms, &out))
			return out;
		if (step(r, ms, &out))
			return out;
	}
}

/* The run ended with the secrets still on their way: stop them, before
 * QEMU, whose end would close their connection.  Their failure is the
 * run's when the console matched or the time ran out meanwhile; when QEMU
 * went, it is only a consequence. */
static enum outcome secrets_outcome(struct run *r, enum outcome out)
{
	int st;

	if (!r->snd || !r->snd->running)
		return out;
	st = sender_finish(r->snd, 1);
	if (st > 0 && (out == RAN_MATCH || out == RAN_TIMEOUT))
		return RAN_SECRETS;
	if (st > 0)
		diag_clear();
	if (st == SECRET_SERVICE_CANCELLED && out == RAN_MATCH)
		diag_warn(
			"the console matched before the secrets were sent; stopped sending them");
	return out;
}

/* One run of QEMU.  DEADLINE is 0 for none; SILENCE > 0 gives up when
 * the console says nothing for that many seconds from the start.  SND,
 * when not NULL, is sent to the guest meanwhile. */
static enum outcome run_once(char **argv, struct console_match *m,
			     struct sender *snd, int quiet, double deadline,
			     double silence, int *status)
{
	struct run r = { .pid = -1,
			 .con = -1,
			 .echo_on = !quiet,
			 .last = '\n',
			 .start = now(),
			 .m = m,
			 .snd = snd,
			 .status = status,
			 .err = -1 };
	int con[2] = { -1, -1 }, err[2] = { -1, -1 };
	enum outcome out;

	if ((m && pipe2(con, O_CLOEXEC)) || pipe2(err, O_CLOEXEC)) {
		diag_error(EXIT_BUILD, "pipe: %s", strerror(errno));
		if (con[0] >= 0) {
			close(con[0]);
			close(con[1]);
		}
		return RAN_ERROR;
	}
	r.pid = spawn(argv, con[1], err[1]);
	if (con[1] >= 0)
		close(con[1]);
	close(err[1]);
	r.con = con[0];
	r.err = err[0];
	out = r.pid < 0 ? RAN_ERROR : RAN_EXITED;
	if (r.pid >= 0 && snd && sender_start(snd)) {
		r.stopped = 1;
		stop(r.pid);
		out = RAN_ERROR;
	} else if (r.pid >= 0) {
		out = secrets_outcome(&r, run_loop(&r, deadline, silence));
		r.stopped = !r.reaped;
		if (!r.reaped)
			stop(r.pid);
	}
	err_drain(&r);
	if (r.err >= 0)
		close(r.err);
	/* End the console's last line, so what follows starts a line. */
	if (out == RAN_MATCH && r.last != '\n')
		echo(&r.echo_on, "\n", 1);
	if (r.con >= 0)
		close(r.con);
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

/* Format and architecture: from -t, checked against the file, or from the
 * file with a 32-bit guest. */
static int image_kind(const struct boot_opts *o, const char **format, int *is64)
{
	struct image_types reg = { NULL, 0, registry_image_type_kinds() };
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
	err = image_types_load_builtin(&reg);
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

/* hurd-vm's forwards, moved by --id as hurd-vm-port moves them. */
static void add_default_forwards(struct boot_opts *o)
{
	size_t i, n = sizeof(hurd_vm_forwards) / sizeof(*hurd_vm_forwards);

	for (i = 0; i < n; i++) {
		o->fwd[i] = hurd_vm_forwards[i];
		o->fwd[i].host += (unsigned)(1000 * o->id);
	}
	o->nfwd = n;
}

/* The host's end of the forward to the guest's secret service, or 0. */
static unsigned secrets_port(const struct boot_opts *o)
{
	size_t i;

	for (i = 0; i < o->nfwd; i++)
		if (o->fwd[i].guest == SECRET_SERVICE_GUEST_PORT)
			return o->fwd[i].host;
	return 0;
}

/* The options that only make sense together. */
static int check_childhurd_options(struct boot_opts *o)
{
	if (o->print_offload && !o->secrets)
		return usage_error(
			"--print-offload-entry needs --secrets DIR (the guest's host key is DIR%s)",
			HOST_KEY);
	if (o->print_offload && !o->offload_key)
		return usage_error(
			"--print-offload-entry needs --offload-key FILE, the host's private key for the guest's offloading account");
	if (o->offload_key && !o->print_offload)
		return usage_error(
			"--offload-key is only for --print-offload-entry");
	if (o->handshake && !o->secrets)
		return usage_error("--handshake-timeout is only for --secrets");
	if (o->secrets && !o->print_offload && !secrets_port(o))
		return usage_error(
			"--secrets: no forward to the guest's port %d (the secret service); keep the default forwards or add --forward HOST:%d",
			SECRET_SERVICE_GUEST_PORT, SECRET_SERVICE_GUEST_PORT);
	if (!o->handshake)
		o->handshake = SECRET_SERVICE_HANDSHAKE;
	return 0;
}

/* The childhurd's options: 0, a usage error, or -1 when C is not one. */
static int childhurd_option(int c, struct boot_opts *o)
{
	switch (c) {
	case OPT_ID:
		if (cli_number(optarg, 1, MAX_ID, &o->id))
			return usage_error(
				"--id '%s': expected a number from 1 to %d",
				optarg, MAX_ID);
		return 0;
	case OPT_SECRETS:
		if (!*optarg)
			return usage_error("--secrets: empty directory name");
		o->secrets = optarg;
		return 0;
	case OPT_HANDSHAKE:
		if (cli_number(optarg, 1, 1000000, &o->handshake))
			return usage_error(
				"--handshake-timeout '%s': expected whole seconds from 1 to 1000000",
				optarg);
		return 0;
	case OPT_PRINT_OFFLOAD:
		o->print_offload = 1;
		return 0;
	case OPT_OFFLOAD_KEY:
		if (!*optarg)
			return usage_error("--offload-key: empty file name");
		o->offload_key = optarg;
		return 0;
	}
	return -1;
}

static int parse_args(int argc, char **argv, struct boot_opts *o)
{
	unsigned long v;
	int c, err, default_fwd;

	o->qemu = DEFAULT_QEMU;
	o->memory = DEFAULT_MEMORY;
	default_fwd = 1;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:m:qv", long_opts, NULL)) !=
	       -1) {
		switch (c) {
		case 't':
			o->type = optarg;
			break;
		case 'm':
			if (parse_memory(optarg, &o->memory))
				return usage_error(
					"--memory '%s': expected MiB or a size such as 4G, from 1 MiB to 1 TiB in whole MiB",
					optarg);
			break;
		case OPT_CPUS:
			if (cli_number(optarg, 1, 255, &o->cpus))
				return usage_error(
					"--cpus '%s': expected a number from 1 to 255",
					optarg);
			break;
		case OPT_WRITE:
			o->write = 1;
			break;
		case OPT_FORWARD:
			default_fwd = 0;
			if (o->nfwd == MAX_FORWARDS)
				return usage_error(
					"at most %d --forward options",
					MAX_FORWARDS);
			if (parse_forward(optarg, &o->fwd[o->nfwd]))
				return usage_error(
					"--forward '%s': expected HOST:GUEST, two TCP port numbers from 1 to 65535",
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
				return usage_error(
					"--accel '%s': expected auto, kvm or tcg",
					optarg);
			break;
		case OPT_EXPECT:
			o->expect = optarg;
			break;
		case OPT_TIMEOUT:
			if (cli_number(optarg, 1, 1000000, &v))
				return usage_error(
					"--timeout '%s': expected whole seconds from 1 to 1000000",
					optarg);
			o->timeout = v;
			break;
		case OPT_QEMU:
			if (!*optarg)
				return usage_error(
					"--qemu: empty program name");
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
			err = childhurd_option(c, o);
			if (err >= 0) {
				if (err)
					return err;
				break;
			}
			if (optopt)
				return usage_error("unknown option '-%c'",
						   optopt);
			return usage_error("unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("no IMAGE given");
	if (optind != argc - 1)
		return usage_error("only one IMAGE may be given");
	o->image = argv[optind];
	if (default_fwd)
		add_default_forwards(o);
	return check_childhurd_options(o);
}

static void reset_matcher(struct console_match *m)
{
	m->len = 0;
	m->line[0] = '\0';
	m->esc = 0;
}

/* ---- the offloading entry ---- */

void boot_offload_entry(struct strbuf *b, unsigned port, const char *system,
			const char *host_key, size_t key_len,
			const char *private_key)
{
	/* hurd-vm-guix-extension's record, field for field, on one line as
	 * Guile's write lays it out in machines.scm.  Where we chose:
	 * - host-key: Guix writes (call-with-input-file KEY get-string-all),
	 *   read when machines.scm is loaded; we print the key itself, as
	 *   spec 6.7 shows it, without its trailing newline (guix offload
	 *   splits the key into words, so the newline never mattered);
	 * - systems: '("...") as in Guix's source; write would print
	 *   (quote ("...")), which reads the same;
	 * - the comment on overload-threshold (load reporting is off by 1 on
	 *   the Hurd) is not printed, as write drops it too. */
	sb_addf(b, "(build-machine (name \"localhost\") (port %u) (systems '(",
		port);
	sexp_add_string(b, system, strlen(system));
	sb_add(b, ")) (host-key ");
	sexp_add_string(b, host_key, key_len);
	sb_add(b,
	       ") (user \"offloading\") (overload-threshold 1.8) (private-key ");
	sexp_add_string(b, private_key, strlen(private_key));
	sb_add(b, "))\n");
}

/* FILE's bytes, NUL-terminated, if it has at most HOST_KEY_MAX; else an
 * errno value (EFBIG when larger). */
static int read_small_file(const char *file, char **text, size_t *len)
{
	ssize_t n;
	int fd, e = 0;

	*len = 0;
	*text = malloc(HOST_KEY_MAX + 1);
	if (!*text)
		return ENOMEM;
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		e = errno;
	while (!e &&
	       (n = read(fd, *text + *len, HOST_KEY_MAX + 1 - *len)) != 0) {
		if (n < 0 && errno != EINTR)
			e = errno;
		else if (n > 0 && (*len += (size_t)n) > HOST_KEY_MAX)
			e = EFBIG;
	}
	if (fd >= 0)
		close(fd);
	if (e) {
		free(*text);
		*text = NULL;
		return e;
	}
	(*text)[*len] = '\0';
	return 0;
}

/* The guest's SSH host key: DIR's .pub, trailing white space cut. */
static int read_host_key(const char *dir, char **key, size_t *len)
{
	size_t n = strlen(dir);
	struct strbuf name;
	char *file;
	int err;

	while (n > 0 && dir[n - 1] == '/')
		n--;
	sb_init(&name);
	sb_addf(&name, "%.*s%s", (int)n, dir, HOST_KEY);
	file = sb_take(&name);
	if (!file)
		return diag_error(EXIT_BUILD, "out of memory");
	err = read_small_file(file, key, len);
	if (err == ENOENT)
		err = diag_error(
			EXIT_BUILD,
			"cannot read the guest's SSH host key %s: %s; make the guest's keys with 'ssh-keygen -A -f %s'",
			file, strerror(err), dir);
	else if (err == EFBIG)
		err = diag_error(
			EXIT_BUILD,
			"%s is larger than %d bytes: not an SSH public key",
			file, HOST_KEY_MAX);
	else if (err)
		err = diag_error(EXIT_BUILD,
				 "cannot read the guest's SSH host key %s: %s",
				 file, strerror(err));
	while (!err && *len && strchr(" \t\r\n", (*key)[*len - 1]))
		(*key)[--*len] = '\0';
	if (!err && (!*len || memchr(*key, '\n', *len)))
		err = diag_error(EXIT_BUILD, "%s is %s: not an SSH public key",
				 file, *len ? "more than one line" : "empty");
	if (err) {
		free(*key);
		*key = NULL;
	}
	free(file);
	return err;
}

/* NAME made absolute, for guix offload, which runs elsewhere. */
static char *absolute(const char *name)
{
	struct strbuf b;
	char *cwd;

	if (*name == '/')
		return strdup(name);
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return NULL;
	sb_init(&b);
	sb_addf(&b, "%s/%s", cwd, name);
	free(cwd);
	return sb_take(&b);
}

/* --print-offload-entry: the record, without starting anything. */
static int print_offload_entry(const struct boot_opts *o, int is64)
{
	struct strbuf b;
	char *key = NULL, *priv, *text = NULL;
	size_t len = 0;
	int err;

	err = read_host_key(o->secrets, &key, &len);
	if (err)
		return err;
	priv = absolute(o->offload_key);
	if (priv) {
		sb_init(&b);
		boot_offload_entry(&b, SSH_HOST_PORT + 1000 * (unsigned)o->id,
				   is64 ? "x86_64-gnu" : "i586-gnu", key, len,
				   priv);
		text = sb_take(&b);
	}
	if (!text)
		err = diag_error(EXIT_BUILD, "%s",
				 priv ? "out of memory" : strerror(errno));
	else if (fputs(text, stdout) < 0 || fflush(stdout))
		err = diag_error(EXIT_BUILD,
				 "cannot write to standard output: %s",
				 strerror(errno));
	free(text);
	free(priv);
	free(key);
	return err;
}

/* ---- the subcommand ---- */

static int prepare_secrets(const struct boot_opts *o, struct sender *s)
{
	memset(s, 0, sizeof(*s));
	s->done[0] = s->done[1] = s->cancel[0] = s->cancel[1] = -1;
	s->peer.host = SECRET_SERVICE_HOST; /* QEMU's forwards listen there */
	s->peer.port = secrets_port(o);
	s->peer.retries = SECRET_SERVICE_RETRIES;
	s->peer.handshake_timeout = (unsigned)o->handshake;
	s->peer.cancel_fd = -1;
	return secret_files_scan(o->secrets, &s->files);
}

static int init_matcher(const struct boot_opts *o, struct console_match *m)
{
	int err = console_match_init(m, o->expect);

	if (err == EXIT_USAGE) {
		diag_print();
		diag_clear();
		fputs(TRY_HELP, stderr);
	}
	return err;
}

static int choose_accel(const struct boot_opts *o, int *kvm)
{
	char why[256];

	*kvm = 0;
	if (o->accel == ACCEL_KVM) {
		*kvm = 1;
		if (!o->dry_run && kvm_probe(why, sizeof(why)))
			return diag_error(EXIT_BUILD,
					  "--accel=kvm: KVM is not usable: %s",
					  why);
	} else if (o->accel == ACCEL_AUTO) {
		*kvm = !kvm_probe(why, sizeof(why));
		if (*kvm)
			diag_verbose(
				"KVM works (/dev/kvm); TCG if QEMU fails with it");
		else
			diag_verbose("software emulation (TCG): %s", why);
	}
	return 0;
}

/* Run QEMU (W), and once more with TCG when it fails early with KVM. */
static enum outcome run_qemu(const struct boot_opts *o, const char *format,
			     int is64, int kvm, struct words *w,
			     struct console_match *m, struct sender *snd,
			     int *status)
{
	double deadline = o->timeout ? now() + (double)o->timeout : 0;
	char st_text[96];
	enum outcome out;

	for (;;) {
		double t0 = now();
		int auto_kvm = kvm && o->accel == ACCEL_AUTO;

		if (diag_get_level() >= DIAG_VERBOSE) {
			fputs("mkhurdimg: ", stderr);
			print_words(stderr, w->v);
		}
		out = run_once(w->v, m, snd, o->quiet, deadline,
			       auto_kvm && m ? KVM_GRACE : 0, status);
		if (!auto_kvm)
			return out;
		if (out == RAN_SILENT) {
			diag_warn(
				"QEMU with KVM printed nothing in %d s; trying again with TCG",
				KVM_GRACE);
		} else if (out == RAN_EXITED && failed(*status) &&
			   now() - t0 < KVM_GRACE) {
			describe_status(*status, st_text, sizeof(st_text));
			diag_warn("QEMU with KVM %s; trying again with TCG",
				  st_text);
		} else {
			return out;
		}
		kvm = 0;
		words_free(w);
		if (qemu_words(o, format, is64, kvm, w))
			return RAN_ERROR;
		if (m)
			reset_matcher(m);
	}
}

/* The exit status for OUT, with its message. */
static int report(const struct boot_opts *o, enum outcome out, int status)
{
	char st_text[96];

	switch (out) {
	case RAN_MATCH:
		return EXIT_OK;
	case RAN_TIMEOUT:
		if (o->expect)
			return diag_error(EXIT_BUILD,
					  "no match for '%s' within %lu s",
					  o->expect, o->timeout);
		return diag_error(
			EXIT_BUILD,
			"QEMU was still running after %lu s: stopped it",
			o->timeout);
	case RAN_EXITED:
		describe_status(status, st_text, sizeof(st_text));
		if (o->expect)
			return diag_error(EXIT_BUILD,
					  "QEMU %s before a match for '%s'",
					  st_text, o->expect);
		if (failed(status))
			return diag_error(EXIT_BUILD, "QEMU %s", st_text);
		return EXIT_OK;
	case RAN_SIGNAL:  /* boot_main raises it */
	case RAN_SECRETS: /* the client said why */
	case RAN_SILENT:  /* only with auto KVM, handled there */
	case RAN_ERROR:
		break;
	}
	return diag_message() ? EXIT_BUILD :
				diag_error(EXIT_BUILD, "QEMU failed");
}

int boot_main(int argc, char **argv)
{
	struct boot_opts o;
	struct console_match match, *m = NULL;
	struct sender snd, *sp = NULL;
	struct words w = { NULL, 0, 0, 0 };
	const char *format = "raw";
	enum outcome out = RAN_ERROR;
	int err, is64 = 0, kvm = 0, status = 0;

	memset(&o, 0, sizeof(o));
	err = parse_args(argc, argv, &o);
	if (err)
		return err < 0 ? EXIT_OK : err;
	if (o.expect) {
		err = init_matcher(&o, &match);
		if (err)
			return err;
		m = &match;
	}
	err = image_kind(&o, &format, &is64);
	if (!err && o.print_offload) {
		err = print_offload_entry(&o, is64);
		goto out;
	}
	if (!err && o.secrets && !(err = prepare_secrets(&o, &snd)))
		sp = &snd;
	if (!err)
		err = choose_accel(&o, &kvm);
	if (!err)
		err = qemu_words(&o, format, is64, kvm, &w);
	if (!err && o.dry_run) {
		print_words(stdout, w.v);
		goto out;
	}
	if (!err)
		err = setup_signals();
	if (!err) {
		out = run_qemu(&o, format, is64, kvm, &w, m, sp, &status);
		err = report(&o, out, status);
	}
out:
	words_free(&w);
	if (m)
		console_match_free(m);
	if (sp)
		secret_files_free(&sp->files);
	if (out == RAN_SIGNAL) {
		/* Die of the same signal, as if QEMU and we were one. */
		signal(caught, SIG_DFL);
		raise(caught);
	}
	return err;
}
