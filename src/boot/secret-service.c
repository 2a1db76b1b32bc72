/* secret-service.c - send a directory's files to a childhurd's secret service
 *
 * What Guix's secret-service-send-secrets does: connect to the guest's
 * forwarded port 1004, retrying once a second (QEMU's forward is up at
 * once, the guest is not); wait for the greeting, the only sign that the
 * guest's server, not just QEMU, is at the other end; then write
 *
 *	(secrets (version 0) (files ((PATH SIZE MODE) ...)))
 *
 * as Guile's `write' prints it, and the files' bytes right after it, in
 * the same order, with nothing between them.
 *
 * Which files: Guix's find-files walks the directory with lstat, so every
 * non-directory is listed (a link to a directory is not entered), sorted by
 * full name; then it stats each one, following links, and copies its
 * bytes.  We do the same for regular files and links to them.  A FIFO,
 * socket or device, a link to a directory or to nothing would hang Guix
 * or send it a broken list; we refuse them, naming the file, before we
 * connect.  Empty directories are not sent (the guest makes a file's
 * directories as it writes the file).
 *
 * A file whose size changes between the listing and the end of its bytes
 * is an error: the guest reads exactly the announced size, so a short or
 * long file would shift every file after it.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "cli.h"
#include "diag.h"
#include "dirlist.h"
#include "secret-service.h"
#include "sexp.h"
#include "strbuf.h"

#define GREETING_MAX 4096 /* Guix's is 35 bytes */
#define CHUNK 65536
#define TRY_HELP "Try 'mkhurdimg send-secrets --help' for more information.\n"
#define usage_error(...) cli_usage_error(TRY_HELP, __VA_ARGS__)

/* ---- the list of files ---- */

static int add_file(struct secret_files *f, const char *source, size_t root_len,
		    const struct stat *st)
{
	struct secret_file *e;

	if (array_grow(&f->v, &f->cap, f->n + 1, sizeof(*f->v), 8))
		return diag_error(EXIT_BUILD, "out of memory");
	e = &f->v[f->n];
	e->source = strdup(source);
	if (!e->source)
		return diag_error(EXIT_BUILD, "out of memory");
	e->path = e->source + root_len;
	e->size = (unsigned long long)st->st_size;
	e->mode = (unsigned)st->st_mode;
	f->n++;
	return 0;
}

static const char *kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a symbolic link to a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return "not a regular file";
}

static int scan_dir(struct secret_files *f, const char *dir, size_t root_len,
		    int depth);

static int scan_entry(struct secret_files *f, const char *name, size_t root_len,
		      int depth)
{
	struct stat st;

	if (lstat(name, &st))
		return diag_error(EXIT_BUILD, "cannot read %s: %s", name,
				  strerror(errno));
	if (S_ISDIR(st.st_mode))
		return scan_dir(f, name, root_len, depth + 1);
	if (S_ISLNK(st.st_mode) && stat(name, &st))
		return diag_error(
			EXIT_BUILD,
			"%s is a symbolic link to nothing (%s): remove it or make it point to a file",
			name, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return diag_error(
			EXIT_BUILD,
			"%s is %s: the secret service sends regular files only; remove it",
			name, kind(st.st_mode));
	if (access(name, R_OK))
		return diag_error(EXIT_BUILD, "cannot read %s: %s", name,
				  strerror(errno));
	return add_file(f, name, root_len, &st);
}

static int scan_dir(struct secret_files *f, const char *dir, size_t root_len,
		    int depth)
{
	struct strbuf name;
	char **names, *full;
	size_t n, i;
	int e, err = 0;

	/* Links are not followed, so only a path this long can be deep. */
	if (depth > 256)
		return diag_error(EXIT_BUILD, "%s: directories nested too deep",
				  dir);
	e = dirlist(*dir ? dir : "/", NULL, &names, &n);
	if (e)
		return diag_error(EXIT_BUILD,
				  "cannot read the directory %s: %s",
				  *dir ? dir : "/", strerror(e));
	for (i = 0; !err && i < n; i++) {
		sb_init(&name);
		sb_addf(&name, "%s/%s", dir, names[i]);
		full = sb_take(&name);
		err = full ? scan_entry(f, full, root_len, depth) :
			     diag_error(EXIT_BUILD, "out of memory");
		free(full);
	}
	dirlist_free(names, n);
	return err;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(((const struct secret_file *)a)->path,
		      ((const struct secret_file *)b)->path);
}

int secret_files_scan(const char *dir, struct secret_files *files)
{
	struct stat st;
	char *root;
	size_t len = strlen(dir);
	int err;

	memset(files, 0, sizeof(*files));
	if (stat(dir, &st))
		return diag_error(EXIT_BUILD,
				  "cannot read the secrets directory %s: %s",
				  dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return diag_error(EXIT_BUILD,
				  "the secrets directory %s is not a directory",
				  dir);
	/* DIR/ names the same files as DIR: PATH must start with one '/'. */
	while (len > 0 && dir[len - 1] == '/')
		len--;
	root = strndup(dir, len);
	if (!root)
		return diag_error(EXIT_BUILD, "out of memory");
	err = scan_dir(files, root, len, 0);
	free(root);
	if (err) {
		secret_files_free(files);
		return err;
	}
	/* find-files sorts full names; all share DIR, so PATHs sort alike. */
	if (files->n)
		qsort(files->v, files->n, sizeof(*files->v), path_cmp);
	return 0;
}

void secret_files_free(struct secret_files *files)
{
	size_t i;

	for (i = 0; i < files->n; i++)
		free(files->v[i].source);
	free(files->v);
	memset(files, 0, sizeof(*files));
}

/* ---- the wire format ---- */

int secret_service_greeting(const char *text, size_t len)
{
	struct sexp_error e;
	struct sexp *x;
	size_t end;
	int rc, ok;

	rc = sexp_read(text, len, &x, &end, &e);
	if (rc == SEXP_INCOMPLETE)
		return GREETING_MORE;
	if (rc != SEXP_OK)
		return GREETING_WRONG;
	/* Guix: (match x (('secret-service-server ('version version ...)) */
	ok = sexp_is_form(x, "secret-service-server") && x->len == 2 &&
	     sexp_is_form(x->items[1], "version");
	sexp_free(x);
	return ok ? GREETING_OK : GREETING_WRONG;
}

void secret_service_header(struct strbuf *b, const struct secret_files *files)
{
	size_t i;

	/* Guile's write: one space between items, none inside parentheses. */
	sb_add(b, "(secrets (version 0) (files (");
	for (i = 0; i < files->n; i++) {
		const struct secret_file *f = &files->v[i];

		sb_add(b, i ? " (" : "(");
		sexp_add_string(b, f->path, strlen(f->path));
		sb_addf(b, " %llu %u)", f->size, f->mode);
	}
	sb_add(b, ")))");
}

void secret_service_quote(char out[64], const char *text, size_t len)
{
	size_t i, n = len > 60 ? 60 : len;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	strcpy(out + n, len > n ? "..." : "");
}

/* ---- the connection ---- */

enum { WAIT_READY, WAIT_TIMEOUT, WAIT_CANCEL };

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Until FD has EVENTS (FD -1: never), DEADLINE passes (0: none) or CANCEL
 * is readable.  A failing poll counts as ready: the next call on FD says
 * what is wrong. */
static int wait_for(int fd, short events, int cancel, double deadline)
{
	struct pollfd p[2];
	nfds_t n;
	int ms, r;

	for (;;) {
		ms = -1;
		if (deadline > 0) {
			double left = deadline - now();

			if (left <= 0)
				return WAIT_TIMEOUT;
			ms = (int)(left * 1000) + 1;
		}
		n = 0;
		if (fd >= 0)
			p[n++] = (struct pollfd){ fd, events, 0 };
		if (cancel >= 0)
			p[n++] = (struct pollfd){ cancel, POLLIN, 0 };
		r = poll(p, n, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && fd >= 0)
			return WAIT_READY;
		if (cancel >= 0 && r > 0 && p[n - 1].revents)
			return WAIT_CANCEL;
		if (fd >= 0 && r > 0 && p[0].revents)
			return WAIT_READY;
	}
}

/* One attempt at each address.  The socket; -1 with *E the last errno;
 * -2 when cancelled. */
static int connect_once(const struct addrinfo *list, int cancel, int *e)
{
	const struct addrinfo *a;
	socklen_t len;
	int fd;

	*e = ECONNREFUSED;
	for (a = list; a; a = a->ai_next) {
		fd = socket(a->ai_family,
			    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    a->ai_protocol);
		if (fd < 0) {
			*e = errno;
			continue;
		}
		if (!connect(fd, a->ai_addr, a->ai_addrlen))
			return fd;
		*e = errno;
		if (*e == EINPROGRESS) {
			if (wait_for(fd, POLLOUT, cancel, 0) == WAIT_CANCEL) {
				close(fd);
				return -2;
			}
			len = sizeof(*e);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, e, &len))
				*e = errno;
			if (!*e)
				return fd;
		}
		close(fd);
	}
	return -1;
}

/* The socket in *FD, connected within PEER's retries. */
static int connect_peer(const struct secret_peer *p, const char *where, int *fd)
{
	struct addrinfo hints = { 0 }, *list;
	char port[16];
	unsigned attempt;
	int rc, e;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", p->port);
	rc = getaddrinfo(p->host, port, &hints, &list);
	if (rc)
		return diag_error(EXIT_BUILD, "cannot find the host '%s': %s",
				  p->host, gai_strerror(rc));
	for (attempt = 0;; attempt++) {
		*fd = connect_once(list, p->cancel_fd, &e);
		if (*fd >= 0 || *fd == -2)
			break;
		if (attempt == p->retries) {
			rc = diag_error(
				EXIT_BUILD,
				"cannot connect to the secret service at %s: %s (%u attempt%s, 1 s apart); is the guest's port %d forwarded there?",
				where, strerror(e), attempt + 1,
				attempt ? "s" : "", SECRET_SERVICE_GUEST_PORT);
			break;
		}
		diag_verbose(
			"secret service: %s: %s; again in 1 s (%u attempts left)",
			where, strerror(e), p->retries - attempt);
		if (wait_for(-1, 0, p->cancel_fd, now() + 1) == WAIT_CANCEL)
			*fd = -2;
		if (*fd == -2)
			break;
	}
	freeaddrinfo(list);
	if (*fd == -2)
		return SECRET_SERVICE_CANCELLED;
	return *fd < 0 ? rc : 0;
}

static int wrong_greeting(const char *where, const char *text, size_t len)
{
	char q[64];

	secret_service_quote(q, text, len);
	return diag_error(
		EXIT_BUILD,
		"wrong greeting from the secret service at %s: '%s', not (secret-service-server (version ...)); is that port the guest's %d?",
		where, q, SECRET_SERVICE_GUEST_PORT);
}

/* Read until the greeting is whole, within the handshake timeout. */
static int await_greeting(const struct secret_peer *p, int fd,
			  const char *where)
{
	double deadline = now() + p->handshake_timeout;
	char buf[GREETING_MAX];
	size_t len = 0;
	ssize_t n;
	int g;

	for (;;) {
		g = wait_for(fd, POLLIN, p->cancel_fd, deadline);
		if (g == WAIT_CANCEL)
			return SECRET_SERVICE_CANCELLED;
		if (g == WAIT_TIMEOUT)
			return diag_error(
				EXIT_BUILD,
				"no greeting from the secret service at %s within %u s; does the guest run Guix's secret service (or does it need a longer --handshake-timeout)?",
				where, p->handshake_timeout);
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return diag_error(
				EXIT_BUILD,
				"the secret service at %s closed the connection before greeting; is the guest's secret service listening on its port %d?",
				where, SECRET_SERVICE_GUEST_PORT);
		if (n < 0)
			return diag_error(
				EXIT_BUILD,
				"cannot read from the secret service at %s: %s",
				where, strerror(errno));
		len += (size_t)n;
		g = secret_service_greeting(buf, len);
		if (g == GREETING_OK)
			return 0;
		if (g == GREETING_WRONG || len == sizeof(buf))
			return wrong_greeting(where, buf, len);
	}
}

/* ---- sending ---- */

static int send_all(int fd, const char *buf, size_t n, int cancel,
		    const char *where)
{
	ssize_t w;

	while (n) {
		w = send(fd, buf, n, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
			      errno == EINTR)) {
			if (wait_for(fd, POLLOUT, cancel, 0) == WAIT_CANCEL)
				return SECRET_SERVICE_CANCELLED;
			continue;
		}
		if (w < 0)
			return diag_error(EXIT_BUILD,
					  "cannot send the secrets to %s: %s",
					  where, strerror(errno));
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static int changed(const struct secret_file *f, const char *how,
		   unsigned long long got)
{
	return diag_error(
		EXIT_BUILD,
		"%s changed while the secrets were sent (%llu bytes listed, %s %llu): the guest got it wrong; send them again",
		f->source, f->size, how, got);
}

/* F's bytes, exactly the size announced, through BUF. */
static int send_file(int fd, const struct secret_file *f, char *buf, int cancel,
		     const char *where)
{
	unsigned long long done = 0;
	struct stat st;
	ssize_t n;
	int in, err = 0;

	/* O_NONBLOCK: a FIFO put in its place must not hang us. */
	in = open(f->source, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (in < 0)
		return diag_error(EXIT_BUILD, "cannot open %s: %s", f->source,
				  strerror(errno));
	if (fstat(in, &st) || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size != f->size)
		err = changed(f, "now", (unsigned long long)st.st_size);
	while (!err && done < f->size) {
		size_t want = f->size - done < CHUNK ? f->size - done : CHUNK;

		n = read(in, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = diag_error(EXIT_BUILD, "cannot read %s: %s",
					 f->source, strerror(errno));
		else if (n == 0)
			err = changed(f, "it ended after", done);
		else
			err = send_all(fd, buf, (size_t)n, cancel, where);
		done += n > 0 ? (unsigned long long)n : 0;
	}
	if (!err && read(in, buf, 1) > 0)
		err = changed(f, "it grew beyond", f->size);
	close(in);
	return err;
}

static int send_secrets(int fd, const struct secret_peer *p,
			const struct secret_files *files, const char *where)
{
	struct strbuf head;
	char *text, *buf;
	size_t i;
	int err;

	sb_init(&head);
	secret_service_header(&head, files);
	text = sb_take(&head);
	buf = malloc(CHUNK);
	err = text && buf ?
		      send_all(fd, text, strlen(text), p->cancel_fd, where) :
		      diag_error(EXIT_BUILD, "out of memory");
	for (i = 0; !err && i < files->n; i++)
		err = send_file(fd, &files->v[i], buf, p->cancel_fd, where);
	free(buf);
	free(text);
	return err;
}

/* No RST on close: Linux sends one, and may drop our unsent bytes, when
 * the peer's bytes lie unread on the socket.  Guix's guest sends nothing
 * after the greeting, but a peer might. */
static void close_gently(int fd)
{
	char junk[512];

	shutdown(fd, SHUT_WR);
	while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
		;
	close(fd);
}

static unsigned long long total_size(const struct secret_files *files)
{
	unsigned long long sum = 0;
	size_t i;

	for (i = 0; i < files->n; i++)
		sum += files->v[i].size;
	return sum;
}

int secret_service_send(const struct secret_peer *p,
			const struct secret_files *files)
{
	char where[300];
	int fd, err;

	snprintf(where, sizeof(where),
		 strchr(p->host, ':') ? "[%s]:%u" : "%s:%u", p->host, p->port);
	diag_verbose("secret service: connecting to %s", where);
	err = connect_peer(p, where, &fd);
	if (err)
		return err;
	diag_verbose(
		"secret service: connected to %s; waiting for its greeting",
		where);
	err = await_greeting(p, fd, where);
	if (!err)
		err = send_secrets(fd, p, files, where);
	if (err)
		close(fd);
	else
		close_gently(fd);
	if (!err)
		diag_info("sent %zu secret files (%llu bytes) to %s", files->n,
			  total_size(files), where);
	return err;
}

/* ---- mkhurdimg send-secrets ---- */

enum { OPT_HOST = 256, OPT_PORT, OPT_RETRIES, OPT_HANDSHAKE, OPT_HELP };

static const struct option long_opts[] = {
	{ "host", required_argument, NULL, OPT_HOST },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "handshake-timeout", required_argument, NULL, OPT_HANDSHAKE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fputs("Usage: mkhurdimg send-secrets [--host=HOST] --port=PORT [OPTION]... DIR\n"
	      "Send every file under DIR to a childhurd's secret service, as Guix's hurd-vm\n"
	      "service does: each file's name under DIR, size and mode, then its bytes.\n"
	      "The guest installs each one at its name, e.g. DIR/etc/ssh/x as /etc/ssh/x.\n"
	      "\n"
	      "      --host=HOST         where to connect (default 127.0.0.1)\n"
	      "      --port=PORT         the TCP port: the host's end of a forward to the\n"
	      "                          guest's port 1004 (mkhurdimg boot: 11004)\n"
	      "      --retries=N         connect again up to N times, 1 s apart (default 60)\n"
	      "      --handshake-timeout=SECONDS  wait that long for the guest's greeting\n"
	      "                          once connected (default 180)\n"
	      "  -q, --quiet             print errors only\n"
	      "  -v, --verbose           say what is being done\n"
	      "Symbolic links are followed; other special files are refused.\n"
	      "Exit status: 0 sent; 1 not sent (no connection, no or a wrong greeting, an\n"
	      "unreadable or changing file, a write error); 2 bad command line.\n",
	      f);
}

/* A decimal number from MIN to MAX, nothing else. */
static int parse_uint(const char *text, unsigned long min, unsigned long max,
		      unsigned *out)
{
	unsigned long v;

	if (cli_number(text, min, max, &v))
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct secret_peer *p)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qv", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_HOST:
			if (!*optarg)
				return usage_error("--host: empty host name");
			p->host = optarg;
			break;
		case OPT_PORT:
			if (parse_uint(optarg, 1, 65535, &p->port))
				return usage_error(
					"--port '%s': expected a TCP port number from 1 to 65535",
					optarg);
			break;
		case OPT_RETRIES:
			if (parse_uint(optarg, 0, 1000000, &p->retries))
				return usage_error(
					"--retries '%s': expected a number from 0 to 1000000",
					optarg);
			break;
		case OPT_HANDSHAKE:
			if (parse_uint(optarg, 1, 1000000,
				       &p->handshake_timeout))
				return usage_error(
					"--handshake-timeout '%s': expected whole seconds from 1 to 1000000",
					optarg);
			break;
		case 'q':
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
				return usage_error("unknown option '-%c'",
						   optopt);
			return usage_error("unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	if (!p->port)
		return usage_error(
			"no --port given (the host's end of the forward to the guest's port %d)",
			SECRET_SERVICE_GUEST_PORT);
	if (optind >= argc)
		return usage_error("no DIR given");
	if (optind != argc - 1)
		return usage_error("only one DIR may be given");
	return 0;
}

int send_secrets_main(int argc, char **argv)
{
	struct secret_peer p = { SECRET_SERVICE_HOST, 0, SECRET_SERVICE_RETRIES,
				 SECRET_SERVICE_HANDSHAKE, -1 };
	struct secret_files files;
	int err;

	err = parse_args(argc, argv, &p);
	if (err)
		return err < 0 ? EXIT_OK : err;
	err = secret_files_scan(argv[optind], &files);
	if (err)
		return err;
	err = secret_service_send(&p, &files);
	secret_files_free(&files);
	return err;
}
