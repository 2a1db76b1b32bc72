/* etc.h - /etc and the accounts from the OS description, at build time */
#ifndef MKHURDIMG_ETC_H
#define MKHURDIMG_ETC_H

#include <stdint.h>

#include "config.h"
#include "image-type.h"
#include "inputs.h"
#include "tree.h"

/* /etc/hostname, /etc/hosts, /etc/fstab, /etc/passwd, /etc/group,
 * /etc/shadow (0600) with Guix's base groups and accounts, home
 * directories, /etc/timezone and /etc/localtime when a timezone is set,
 * /etc/ssh/sshd_config for the openssh service, and the secrets
 * directory (0600, root) when named (its files recorded in IN).  /etc/fstab names the root by the
 * disk driver DRV the boot policy chose.  Everything generated is
 * root-owned with MTIME. */
int etc_add(struct tree *t, struct inputs *in, const struct os_config *cfg,
	    enum disk_driver drv, int64_t mtime);

#endif
