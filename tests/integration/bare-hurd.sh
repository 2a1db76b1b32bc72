#!/bin/bash
# bare-hurd.sh -- examples/bare-hurd.conf (Guix's bare-hurd.tmpl) yields
# /etc, the accounts and sshd_config at build time, judged by debugfs,
# e2fsck and the host's own sshd -t against what the test expects, written
# out here in full from Guix's code (guix-boot-parameters.md): the
# sshd_config Guix's openssh service writes, the build and sshd accounts,
# shadow's last-change never 0; an image with secrets is 0600 and warned
# about, one without holds none of them; offloading = true locks root.
. "$(dirname "$0")/lib.sh"
need_gnumach
workdir
"$top_srcdir/examples/make-demo-store.sh" demo-store >/dev/null || exit 1
cp "$top_srcdir/examples/bare-hurd.conf" .
mkdir -p secrets/etc/ssh
printf 'not really a key\n' > secrets/etc/ssh/ssh_host_ed25519_key
chmod 644 secrets/etc/ssh/ssh_host_ed25519_key
# Guix's special files, with the symlink source kind.
printf 'symlink "/bin/sh" { to = "/gnu/store/x-bash/bin/sh" }\n' >> bare-hurd.conf
cp bare-hurd.conf plain.conf
printf 'secrets = "secrets"\n' >> bare-hurd.conf
umask 022
"$MKHURDIMG" --types-dir "$top_srcdir/image-types" -o bare.img bare-hurd.conf 2>build.err ||
	{ bad "build failed: $(cat build.err)"; exit 1; }
grep -q "^mkhurdimg: warning: bare.img will hold the secret files of .*secrets (0600, root-owned in the image); the image file is made 0600" build.err &&
	ok "the build warns that the image holds secrets" || bad "no warning: $(cat build.err)"
[ "$(stat -c %a bare.img)" = 600 ] && ok "the image with secrets is 0600" || bad "image mode $(stat -c %a bare.img)"
dd if=bare.img of=part.img bs=1M skip=1 status=none
e2fsck -fn part.img >/dev/null 2>&1 && ok "e2fsck -fn clean" || bad "e2fsck: $(e2fsck -fn part.img 2>&1 | tail -3)"
cat_() { debugfs -R "cat $1" part.img 2>/dev/null; }
stat_() { debugfs -R "stat $1" part.img 2>/dev/null; }
same() { # PATH EXPECTED
	if [ "$(cat_ "$1")" = "$2" ]; then ok "$1"; else bad "$1 is [$(cat_ "$1")], want [$2]"; fi
}
st=$(stat_ /bin/sh)
printf '%s\n' "$st" | grep -q 'Type: symlink' && printf '%s\n' "$st" | grep -q 'Fast link dest: "/gnu/store/x-bash/bin/sh"' &&
	ok "symlink /bin/sh -> /gnu/store/x-bash/bin/sh (the symlink source)" || bad "/bin/sh: $(printf '%s\n' "$st" | head -3)"
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
printf '%s\n' "$shadow" | grep -qx 'root::1:0:99999:7:::' && printf '%s\n' "$shadow" | grep -qx 'guix:!:1:0:99999:7:::' &&
	ok "/etc/shadow: root empty, guix locked, last change day 1 (not 0)" || bad "/etc/shadow: $shadow"
[ "$(printf '%s\n' "$shadow" | awk -F: '$3 == 0' | wc -l)" = 0 ] && ok "no shadow entry with last change 0" ||
	bad "shadow entries with 0: $(printf '%s\n' "$shadow" | awk -F: '$3 == 0')"
# Guix's guix-service-type build accounts and openssh's sshd account.
want_passwd=""
for i in 1 2 3 4 5 6 7 8 9 10; do
	want_passwd="$want_passwd$(printf 'guixbuilder%02d:x:%d:30000:Guix Build User %2d:/var/empty:/sbin/nologin' "$i" $((1000 - i)) "$i")
"
done
want_passwd="${want_passwd}sshd:x:989:982:sshd privilege separation user:/var/run/sshd:/sbin/nologin"
got=$(printf '%s\n' "$passwd" | grep -E '^(guixbuilder|sshd:)')
[ "$got" = "$want_passwd" ] && ok "/etc/passwd: guixbuilder01..10 and sshd, system accounts" ||
	bad "build accounts: [$got]"
builders=$(seq -f 'guixbuilder%02g' 1 10 | paste -sd,)
group=$(cat_ /etc/group)
printf '%s\n' "$group" | grep -qx "guixbuild:x:30000:$builders" &&
	printf '%s\n' "$group" | grep -qx "kvm:x:[0-9]*:$builders" &&
	printf '%s\n' "$group" | grep -qx "sshd:x:982:" &&
	ok "/etc/group: guixbuild 30000 and kvm list the builders; sshd" || bad "groups: $group"
stat_ /var/empty | grep -q 'Mode:  0555' && stat_ /var/empty | grep -q 'User:     0   Group:     0' &&
	ok "/var/empty: root's, 0555 (a shared home)" || bad "/var/empty: $(stat_ /var/empty | head -3)"
stat_ /var/run/sshd | grep -q 'Mode:  0700' && stat_ /var/run/sshd | grep -q 'User:   989   Group:   982' &&
	ok "/var/run/sshd: sshd's, 0700" || bad "/var/run/sshd: $(stat_ /var/run/sshd | head -3)"
stat_ /etc/shadow | grep -q 'Mode:  0600' && ok "/etc/shadow is 0600" || bad "/etc/shadow mode"
st=$(stat_ /home/guix)
printf '%s\n' "$st" | grep -q 'Mode:  0700' && printf '%s\n' "$st" | grep -q "User:  1000   Group:   *$users_gid " &&
	ok "/home/guix: 0700, owned by guix" || bad "/home/guix: $(printf '%s\n' "$st" | head -3)"
# What Guix's openssh-config-file writes for bare-hurd.tmpl's options
# (guix-boot-parameters.md, "sshd_config"), byte for byte: tabs in the
# Subsystem line, and the empty extra-content's newline at the end.
printf '%s\n' "# Generated by 'openssh-service'." "Port 2222" "PermitRootLogin yes" \
	"PermitEmptyPasswords yes" "PasswordAuthentication yes" "PubkeyAuthentication yes" \
	"X11Forwarding no" "AllowAgentForwarding yes" "AllowTcpForwarding yes" \
	"GatewayPorts no" "PidFile /var/run/sshd.pid" "ChallengeResponseAuthentication no" \
	"UsePAM yes" "PrintLastLog yes" "LogLevel INFO" \
	"AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2 /etc/ssh/authorized_keys.d/%u" \
	"Subsystem	sftp	internal-sftp" "" > guix_sshd_config
cat_ /etc/ssh/sshd_config > sshd_config
cmp -s sshd_config guix_sshd_config && ok "sshd_config is Guix's text for bare-hurd.tmpl, byte for byte" ||
	bad "sshd_config: $(diff guix_sshd_config sshd_config | head -5 | tr '\n' '|')"
# The host's real sshd judges it, with a throwaway host key.
if command -v /usr/sbin/sshd >/dev/null && ssh-keygen -q -t ed25519 -N '' -f hostkey; then
	# Debian's sshd insists on its privilege separation directory.
	[ -d /run/sshd ] || [ "$(id -u)" != 0 ] || mkdir -p /run/sshd
	if [ -d /run/sshd ]; then
		/usr/sbin/sshd -t -f sshd_config -h "$PWD/hostkey" 2>sshd.err &&
			ok "sshd -t accepts it" || bad "sshd -t: $(cat sshd.err)"
		printf 'NoSuchOption yes\n' >> sshd_config
		/usr/sbin/sshd -t -f sshd_config -h "$PWD/hostkey" 2>/dev/null &&
			bad "sshd -t accepts anything" || ok "sshd -t refuses a bad line (it judges)"
	else
		echo "  (no /run/sshd and not root: sshd -t not run)"
	fi
else
	bad "no sshd or ssh-keygen (openssh-server)"
fi
st=$(stat_ /etc/ssh/ssh_host_ed25519_key)
printf '%s\n' "$st" | grep -q 'Mode:  0600' && printf '%s\n' "$st" | grep -q 'User:     0   Group:     0' &&
	ok "the secret host key: 0600, root" || bad "secret: $(printf '%s\n' "$st" | head -3)"
[ "$(debugfs -R 'ls /etc/ssh' part.img 2>/dev/null | grep -c rsa_key)" = 0 ] && ok "no other host key baked in" || bad "unexpected keys"

# Without secrets: none of the directory's files, and an ordinary mode.
"$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -o plain.img plain.conf 2>build.err ||
	bad "build without secrets failed: $(cat build.err)"
[ ! -s build.err ] && [ "$(stat -c %a plain.img)" = 644 ] && ok "without secrets: 0644, no warning" ||
	bad "without secrets: mode $(stat -c %a plain.img), stderr $(cat build.err)"
dd if=plain.img of=plain-part.img bs=1M skip=1 status=none
debugfs -R 'stat /etc/ssh/ssh_host_ed25519_key' plain-part.img 2>&1 | grep -q 'File not found' &&
	ok "without secrets: no host key in the image" || bad "a host key is in an image built without secrets"

# The day of SOURCE_DATE_EPOCH is the last change; before day 1, day 1.
for e in 0:1 1728000000:20000; do
	SOURCE_DATE_EPOCH=${e%%:*} "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -o e.img plain.conf &&
		dd if=e.img of=e-part.img bs=1M skip=1 status=none
	got=$(debugfs -R 'cat /etc/shadow' e-part.img 2>/dev/null | awk -F: '{ print $3 }' | sort -u)
	[ "$got" = "${e#*:}" ] && ok "SOURCE_DATE_EPOCH=${e%%:*}: last change ${e#*:}" || bad "SOURCE_DATE_EPOCH=${e%%:*}: last change [$got]"
done

# offloading = true: the childhurd's offloading account, root locked.
cp plain.conf off.conf
printf 'offloading = true\n' >> off.conf
"$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -o off.img off.conf && dd if=off.img of=off-part.img bs=1M skip=1 status=none
offp=$(debugfs -R 'cat /etc/passwd' off-part.img 2>/dev/null)
offs=$(debugfs -R 'cat /etc/shadow' off-part.img 2>/dev/null)
printf '%s\n' "$offp" | grep -qx 'offloading:x:988:981:Offloading privilege separation user:/var/run/offloading:/bin/sh' &&
	printf '%s\n' "$offs" | grep -qx 'root:!:1:0:99999:7:::' &&
	debugfs -R 'cat /etc/group' off-part.img 2>/dev/null | grep -qx 'offloading:x:981:' &&
	ok "offloading: the offloading account and group, root locked" ||
	bad "offloading: $(printf '%s\n' "$offp" | grep offloading) / $(printf '%s\n' "$offs" | grep root)"
st=$(debugfs -R 'stat /var/run/offloading' off-part.img 2>/dev/null)
printf '%s\n' "$st" | grep -q 'Mode:  0700' && printf '%s\n' "$st" | grep -q 'User:   988   Group:   981' &&
	ok "/var/run/offloading: offloading's, 0700" || bad "/var/run/offloading: $(debugfs -R 'stat /var/run/offloading' off-part.img 2>/dev/null | head -3)"
# Shells from the image's store, as Guix names them: shadow's
# sbin/nologin and bash-minimal's bin/sh, of the greatest item name that
# is PACKAGE-DIGIT... and holds the program; the rest are decoys.
h() { printf '%032d' 0 | tr 0 "$1"; }
for n in "$(h a)-shadow-4.9:sbin/nologin" "$(h m)-shadow-4.14:sbin/nologin" \
	"$(h x)-shadow-5.0:bin/other" "$(h w)-shadow-+1:sbin/nologin" \
	"$(h y)-shadow-x:sbin/nologin" "$(h z)-shadowsocks-1.0:sbin/nologin" \
	"$(h b)-bash-minimal-5.1:bin/sh" "$(h c)-bash-minimal-5.2:bin/sh" "$(h d)-bash-5.2:bin/sh"; do
	mkdir -p "shells/${n%%:*}/$(dirname "${n#*:}")" && echo stand-in > "shells/${n%%:*}/${n#*:}"
done
printf 'directory "shells" { target = "/gnu/store" }\n' | cat off.conf - > shells.conf
if "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -o shells.img shells.conf; then
	dd if=shells.img of=shells-part.img bs=1M skip=1 status=none
	got=$(debugfs -R 'cat /etc/passwd' shells-part.img 2>/dev/null | cut -d: -f1,7 |
		grep -E '^(guixbuilder01|sshd|nobody|offloading|root):' | tr '\n' ' ')
	nl=/gnu/store/$(h m)-shadow-4.14/sbin/nologin
	want="root:/bin/sh nobody:$nl guixbuilder01:$nl sshd:$nl offloading:/gnu/store/$(h c)-bash-minimal-5.2/bin/sh "
	[ "$got" = "$want" ] && ok "shells from the store: shadow-4.14's nologin, bash-minimal-5.2's sh, no decoy" ||
		bad "store shells: got [$got], want [$want]"
else
	bad "shells: build failed"
fi
# A user's own uid among the system ids: the system accounts allocated
# from 999 down skip it, as Guix's allocate-passwd does.
printf 'user "late" { uid = 995 group = "users" }\n' | cat plain.conf - > late.conf
# (bounded: an id allocation that never moves on would hang here)
if timeout 120 "$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -o late.img late.conf; then
	dd if=late.img of=late-part.img bs=1M skip=1 status=none
	got=$(debugfs -R 'cat /etc/passwd' late-part.img 2>/dev/null | cut -d: -f1,3 |
		grep -E '^(guixbuilder0[456]|guixbuilder10|sshd|late):' | tr '\n' ' ')
	want="guixbuilder04:996 guixbuilder05:994 guixbuilder06:993 guixbuilder10:989 sshd:988 late:995 "
	[ "$got" = "$want" ] && ok "a user's uid 995: the system accounts skip it" ||
		bad "uid 995: got [$got], want [$want]"
	rm -f late.img late-part.img
else
	bad "uid 995: build failed"
fi
[ "$fails" = 0 ]
