/* boot.h - "mkhurdimg boot": run an image in QEMU, the childhurd's way */
#ifndef MKHURDIMG_BOOT_H
#define MKHURDIMG_BOOT_H

#include <regex.h>
#include <stddef.h>

struct strbuf;

/* The subcommand: argv[0] is "boot".  Returns an exit status. */
int boot_main(int argc, char **argv);

/* Console lines matched against a regular expression as they arrive.
 * Carriage returns, NUL bytes and terminal escape sequences are left out
 * of the lines; a line is matched when its newline arrives, and the
 * unfinished last line after each chunk (with REG_NOTEOL), so a prompt
 * without a newline matches too.  Exposed for the unit tests. */
struct console_match {
	regex_t re;
	char *line; /* the current line, cleaned, NUL-terminated */
	size_t len, cap;
	int esc; /* 0, 1 after ESC, 2 inside ESC [ ... */
};

/* Compile the POSIX ERE PATTERN.  Returns 0, or EXIT_USAGE with the
 * message recorded through diag. */
int console_match_init(struct console_match *m, const char *pattern);
/* Feed N bytes of console output; 1 as soon as a line matches. */
int console_match_feed(struct console_match *m, const char *buf, size_t n);
void console_match_free(struct console_match *m);

/* The build-machine record that Guix's hurd-vm service adds to
 * /etc/guix/machines.scm for offloading to the childhurd (spec
 * guix-hurd-image.md 6.7), on one line: PORT is the guest's forwarded
 * ssh, SYSTEM i586-gnu or x86_64-gnu, HOST_KEY (KEY_LEN bytes) the guest's
 * public host key, PRIVATE_KEY the file of the host's key for the guest's
 * "offloading" account.  Exposed for the unit tests. */
void boot_offload_entry(struct strbuf *b, unsigned port, const char *system,
			const char *host_key, size_t key_len,
			const char *private_key);

#endif
