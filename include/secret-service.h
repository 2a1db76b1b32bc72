/* secret-service.h - the host's half of the childhurd's secret service
 *
 * A childhurd gets its secrets (SSH host keys, the Guix signing key, the
 * offloading account's authorized key) over TCP when it boots: the guest
 * listens on port 1004 and greets, and the host sends every file of a
 * directory.  This is what Guix's secret-service-send-secrets does
 * (gnu/build/secret-service.scm; the wire format is in
 * spec/guix-boot-parameters.md, "The secret service").
 */
#ifndef MKHURDIMG_SECRET_SERVICE_H
#define MKHURDIMG_SECRET_SERVICE_H

#include <stddef.h>

struct strbuf;

/* Guix's defaults. */
#define SECRET_SERVICE_HOST "127.0.0.1"
#define SECRET_SERVICE_RETRIES 60    /* connection attempts after the first */
#define SECRET_SERVICE_HANDSHAKE 180 /* s to wait for the greeting */
#define SECRET_SERVICE_GUEST_PORT 1004

/* secret_service_send() was stopped through cancel_fd; nothing recorded. */
#define SECRET_SERVICE_CANCELLED (-1)

struct secret_file {
	char *source;	  /* the file on the host: DIR/PATH */
	const char *path; /* inside source: its name under DIR, "/..." */
	unsigned long long size;
	unsigned mode; /* the whole st_mode, type bits included */
};

struct secret_files {
	struct secret_file *v;
	size_t n, cap;
};

/* Every file under DIR, sorted by name, as Guix's find-files lists them:
 * directories are walked (and not sent themselves), symbolic links are
 * followed to a regular file, anything else (a FIFO, socket or device, a
 * link to a directory or to nothing, an unreadable file) is an error that
 * names it.  Returns 0 or EXIT_BUILD with the message recorded. */
int secret_files_scan(const char *dir, struct secret_files *files);
void secret_files_free(struct secret_files *files);

struct secret_peer {
	const char *host; /* a name or address */
	unsigned port;
	unsigned retries; /* connect again up to this often, 1 s apart */
	unsigned handshake_timeout; /* s from the connection on */
	int cancel_fd;		    /* readable: give up now; -1 for none */
};

/* Connect to PEER, wait for its greeting, send FILES' list and bytes.
 * Returns 0, EXIT_BUILD with the message recorded through diag, or
 * SECRET_SERVICE_CANCELLED.  Never raises SIGPIPE. */
int secret_service_send(const struct secret_peer *peer,
			const struct secret_files *files);

/* "mkhurdimg send-secrets ..."; argv[0] is "send-secrets". */
int send_secrets_main(int argc, char **argv);

/* ---- the wire format, exposed for the unit tests ---- */

enum { GREETING_OK, GREETING_MORE, GREETING_WRONG };

/* Is TEXT (LEN bytes, all received so far) the guest's greeting,
 * (secret-service-server (version ...)) with any version list, followed
 * by anything?  GREETING_MORE: not yet whole, read on. */
int secret_service_greeting(const char *text, size_t len);

/* (secrets (version 0) (files ((PATH SIZE MODE) ...))) as Guile's `write'
 * prints it. */
void secret_service_header(struct strbuf *b, const struct secret_files *files);

/* TEXT for a one-line message: at most 60 bytes of it, each byte outside
 * printable ASCII as '?', and "..." when cut.  OUT holds 64 bytes. */
void secret_service_quote(char out[64], const char *text, size_t len);

#endif
