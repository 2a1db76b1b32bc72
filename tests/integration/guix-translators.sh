# guix-translators.sh -- Guix's table of passive translators, transcribed
# from guix-hurd-image.md 2.4 (not from mkhurdimg's source), for the tests
# to source: guix_translator_table prints PATH|MODE|ARGV lines.
# PATH|MODE|ARGV (words separated by spaces).  Modes are those of nodes
# the table creates; /servers/password and crash-dump-core exist already
# (the 0444 placeholders Guix makes) and keep their mode, as in Guix.
guix_translator_table() {
cat <<'TABLE'
/servers/bus/pci|0755|/hurd/pci-arbiter
/servers/crash-dump-core|0444|/hurd/crash --dump-core
/servers/crash-kill|0600|/hurd/crash --kill
/servers/crash-suspend|0600|/hurd/crash --suspend
/servers/password|0444|/hurd/password
/servers/socket/1|0600|/hurd/pflocal
/proc|0600|/hurd/procfs --stat-mode=444
/dev/full|0666|/hurd/null --full
/dev/null|0666|/hurd/null
/dev/random|0644|/hurd/random --seed-file /var/lib/random-seed
/dev/zero|0666|/hurd/storeio --store-type=zero
/dev/console|0600|/hurd/term /dev/console device console
/dev/klog|0600|/hurd/streamio kmsg
/dev/mem|0660|/hurd/storeio --no-cache mem
/dev/shm|0644|/hurd/tmpfs --mode=1777 50%
/dev/time|0644|/hurd/storeio --no-cache time
/dev/vcs|0755|/hurd/console
/dev/tty|0666|/hurd/magic tty
/dev/fd|0555|/hurd/magic --directory fd
/dev/rumpdisk|0660|/hurd/rumpdisk
/dev/netdde|0660|/hurd/netdde
/dev/eth0|0660|/hurd/devnode --master-device=/dev/net eth0
/dev/eth1|0660|/hurd/devnode --master-device=/dev/net eth1
TABLE
for n in 1 2 3 4 5 6 7 8 9 10 11; do echo "/dev/tty$n|0666|/hurd/term /dev/tty$n hurdio /dev/vcs/$n/console"; done
for n in 0 1 2 3 4 5 6 7 8 9; do
	echo "/dev/ptyp$n|0666|/hurd/term /dev/ptyp$n pty-master /dev/ttyp$n"
	echo "/dev/ttyp$n|0666|/hurd/term /dev/ttyp$n pty-slave /dev/ptyp$n"
done
for n in 0 1 2 3; do
	echo "/dev/hd$n|0600|/hurd/storeio hd$n"
	for p in 1 2 3 4; do echo "/dev/hd${n}s$p|0660|/hurd/storeio hd${n}s$p"; done
	echo "/dev/wd$n|0600|/hurd/storeio @/dev/disk:wd$n"
	for p in 1 2 3 4; do echo "/dev/wd${n}s$p|0660|/hurd/storeio --store-type=typed part:$p:device:@/dev/disk:wd$n"; done
done
}
