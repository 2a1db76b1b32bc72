#!/bin/bash
# bare-hurd.sh -- examples/bare-hurd.conf (Guix's bare-hurd.tmpl) yields
# /etc, the accounts and sshd_config at build time, judged by debugfs and
# e2fsck against what the test expects, written out here in full.
. "$(dirname "$0")/lib.sh"
need_gnumach
workdir
"$top_srcdir/examples/make-demo-store.sh" demo-store >/dev/null || exit 1
cp "$top_srcdir/examples/bare-hurd.conf" .
mkdir -p secrets/etc/ssh
printf 'not really a key\n' > secrets/etc/ssh/ssh_host_ed25519_key
chmod 644 secrets/etc/ssh/ssh_host_ed25519_key
printf 'secrets = "secrets"\n' >> bare-hurd.conf
"$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -o bare.img bare-hurd.conf ||
	{ bad "build failed"; exit 1; }
dd if=bare.img of=part.img bs=1M skip=1 status=none
e2fsck -fn part.img >/dev/null 2>&1 && ok "e2fsck -fn clean" || bad "e2fsck: $(e2fsck -fn part.img 2>&1 | tail -3)"
cat_() { debugfs -R "cat $1" part.img 2>/dev/null; }
stat_() { debugfs -R "stat $1" part.img 2>/dev/null; }
same() { # PATH EXPECTED
	if [ "$(cat_ "$1")" = "$2" ]; then ok "$1"; else bad "$1 is [$(cat_ "$1")], want [$2]"; fi
}
same /etc/hostname "guixygnu"
[ "$(cat_ /etc/hostname | wc -c)" = 8 ] && ok "/etc/hostname has no newline, as Guix writes it" || bad "/etc/hostname size"
same /etc/hosts "127.0.0.1 localhost guixygnu
::1 localhost guixygnu"
same /etc/timezone "Europe/Amsterdam"
lt=$(stat_ /etc/localtime | sed -n 's/^Fast link dest: "\(.*\)"$/\1/p')
[ -z "$lt" ] && lt=$(cat_ /etc/localtime | head -c 200 | tr -d '\0')
[ "$lt" = /gnu/store/5jq8m0a5v3x9l2c7kdb1wzrh6nfgp4ys-tzdata-2025b/share/zoneinfo/Europe/Amsterdam ] &&
	ok "/etc/localtime -> $lt" || bad "/etc/localtime -> '$lt'"
grep -q "^/dev/hd0s1	/	ext2	" <(cat_ /etc/fstab) && ok "/etc/fstab names /dev/hd0s1" || bad "fstab: $(cat_ /etc/fstab)"
passwd=$(cat_ /etc/passwd)
printf '%s\n' "$passwd" | grep -qx 'root:x:0:0:System administrator:/root:/bin/sh' &&
	printf '%s\n' "$passwd" | grep -qx 'guix:x:1000:[0-9]*:Anonymous Hurd Hacker:/home/guix:/bin/sh' &&
	ok "/etc/passwd: root and guix" || bad "/etc/passwd: $passwd"
users_gid=$(cat_ /etc/group | awk -F: '$1 == "users" { print $3 }')
wheel=$(cat_ /etc/group | awk -F: '$1 == "wheel" { print $4 }')
guix_gid=$(printf '%s\n' "$passwd" | awk -F: '$1 == "guix" { print $4 }')
[ "$guix_gid" = "$users_gid" ] && [ "$wheel" = guix ] && ok "guix is in users, and in wheel as a supplementary group" ||
	bad "groups: guix gid $guix_gid, users $users_gid, wheel members '$wheel'"
for g in root wheel users nogroup tty dialout kmem input video audio netdev lp disk floppy cdrom tape kvm sgx; do
	cat_ /etc/group | grep -q "^$g:x:[0-9]*:" || bad "group $g missing"
done
ok "Guix's 18 base groups"
shadow=$(cat_ /etc/shadow)
printf '%s\n' "$shadow" | grep -qx 'root::0:0:99999:7:::' && printf '%s\n' "$shadow" | grep -qx 'guix:!:0:0:99999:7:::' &&
	ok "/etc/shadow: root empty, guix locked" || bad "/etc/shadow: $shadow"
stat_ /etc/shadow | grep -q 'Mode:  0600' && ok "/etc/shadow is 0600" || bad "/etc/shadow mode"
st=$(stat_ /home/guix)
printf '%s\n' "$st" | grep -q 'Mode:  0700' && printf '%s\n' "$st" | grep -q "User:  1000   Group:   *$users_gid " &&
	ok "/home/guix: 0700, owned by guix" || bad "/home/guix: $(printf '%s\n' "$st" | head -3)"
sshd=$(cat_ /etc/ssh/sshd_config)
for l in "Port 2222" "PermitRootLogin yes" "PermitEmptyPasswords yes" "PasswordAuthentication yes"; do
	printf '%s\n' "$sshd" | grep -qx "$l" || bad "sshd_config lacks '$l'"
done
ok "sshd_config: port 2222, root login, empty passwords, passwords"
st=$(stat_ /etc/ssh/ssh_host_ed25519_key)
printf '%s\n' "$st" | grep -q 'Mode:  0600' && printf '%s\n' "$st" | grep -q 'User:     0   Group:     0' &&
	ok "the secret host key: 0600, root" || bad "secret: $(printf '%s\n' "$st" | head -3)"
[ "$(debugfs -R 'ls /etc/ssh' part.img 2>/dev/null | grep -c rsa_key)" = 0 ] && ok "no other host key baked in" || bad "unexpected keys"
[ "$fails" = 0 ]
