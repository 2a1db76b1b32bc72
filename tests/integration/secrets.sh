#!/bin/bash
# secrets.sh -- the childhurd's secret service, the host's half: "mkhurdimg
# send-secrets" against a guest written here from the wire format (spec
# guix-boot-parameters.md, "The secret service"), not from our code, and
# "mkhurdimg boot --secrets" on the demo image, whose stand-in servers
# never greet.
#
# The guest (receiver.py, below) listens on a free port, greets as Guix's
# secret-service-receive-secrets does, reads the S-expression with its own
# reader and then the bytes, and installs the files under a directory.  The
# test checks: the header's exact text against one computed here from the
# directory (Guix's order: every non-directory, lstat, sorted by full name;
# size and mode from stat); every file's bytes and mode; nothing sent after
# the last file.  Then each failure: no greeting (--handshake-timeout), a
# peer that closes at once, wrong greetings, nobody listening (--retries 1,
# about 1 s), a peer that resets the connection while we send, a file that
# shrinks while it is sent, special files, usage errors: each status 1 (2
# for usage) and its message word for word.  Every command is bounded by
# timeout(1).
#
# Environment: QEMU (qemu-system-x86_64), CC (for the demo's stand-ins).
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
QEMU=${QEMU:-qemu-system-x86_64}
command -v python3 >/dev/null || skip "python3 not found"
command -v timeout >/dev/null || skip "timeout (coreutils) not found"
workdir "${TMPDIR:-/tmp}/secrets-test.XXXXXX"

# ---- the guest's side, from the spec ----
cat > receiver.py <<'EOF'
"""A secret-service guest: python3 receiver.py MODE PORTFILE [ARG].

Listens on 127.0.0.1 (a free port, written to PORTFILE; or, when PORTFILE
is port=N, port N), takes one connection and then, by MODE:
  good OUTDIR     greet, read (secrets (version 0) (files ((P S M) ...))),
                  then each file's S bytes into OUTDIR/P, chmod M; the
                  header's text goes to OUTDIR.header; nothing may follow
  silent          never greet; wait for the client to go
  close           close at once
  wrong TEXT      greet with TEXT instead, wait for the client to go
  reset           greet, then reset the connection (RST) without reading
  truncate FILE   greet, read the header, truncate FILE to 0 bytes, drain
With FAKE_QEMU set it plays QEMU's console on stdout too: a line before it
listens, and one once the files are in (then it waits to be killed).
"""
import os, socket, sys, time

GREETING = b"(secret-service-server (version 0))"

class Incomplete(Exception):
    pass

def parse(buf, i=0):
    """One datum of BUF from I: (value, next index).  Lists, strings,
    integers, symbols; Incomplete when BUF ends inside it."""
    while i < len(buf) and buf[i:i + 1].isspace():
        i += 1
    if i >= len(buf):
        raise Incomplete()
    c = buf[i:i + 1]
    if c == b"(":
        items, i = [], i + 1
        while True:
            while i < len(buf) and buf[i:i + 1].isspace():
                i += 1
            if i >= len(buf):
                raise Incomplete()
            if buf[i:i + 1] == b")":
                return items, i + 1
            x, i = parse(buf, i)
            items.append(x)
    if c == b'"':
        out, i = bytearray(), i + 1
        while True:
            if i >= len(buf):
                raise Incomplete()
            c = buf[i:i + 1]
            if c == b'"':
                return ("str", bytes(out)), i + 1
            if c == b"\\":
                e = buf[i + 1:i + 2]
                if not e:
                    raise Incomplete()
                simple = {b'"': b'"', b"\\": b"\\", b"n": b"\n", b"t": b"\t"}
                if e in simple:
                    out += simple[e]
                    i += 2
                elif e == b"x":
                    j = buf.index(b";", i)
                    out += bytes([int(buf[i + 2:j], 16)])
                    i = j + 1
                else:
                    raise ValueError("escape %r" % e)
            else:
                out += c
                i += 1
    j = i
    while j < len(buf) and buf[j:j + 1] not in b' \t\n()"':
        j += 1
    if j == len(buf):
        raise Incomplete()  # the token may go on
    tok = buf[i:j]
    return (int(tok) if tok.lstrip(b"-").isdigit() else ("sym", tok)), j

def recv_exact(conn, n, pending):
    while len(pending) < n:
        more = conn.recv(65536)
        if not more:
            sys.exit("guest: the host closed after %d of %d bytes" % (len(pending), n))
        pending += more
    return pending[:n], pending[n:]

def good(conn, outdir):
    conn.sendall(GREETING)
    buf = b""
    while True:
        try:
            datum, end = parse(buf)
            break
        except Incomplete:
            more = conn.recv(65536)
            if not more:
                sys.exit("guest: the host closed inside the header")
            buf += more
    with open(outdir + ".header", "wb") as f:
        f.write(buf[:end])
    if (len(datum) != 3 or datum[0] != ("sym", b"secrets")
            or datum[1] != [("sym", b"version"), 0]
            or datum[2][0] != ("sym", b"files") or len(datum[2]) != 2):
        sys.exit("guest: not (secrets (version 0) (files ...)): %r" % (datum,))
    rest = buf[end:]
    for (kind, path), size, mode in datum[2][1]:
        assert kind == "str" and path.startswith(b"/"), path
        data, rest = recv_exact(conn, size, rest)
        target = outdir.encode() + path
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(data)
        os.chmod(target, mode & 0o7777)
        with open(outdir + ".modes", "a") as f:
            f.write("%s %o\n" % (path.decode(), mode))
    while True:
        more = conn.recv(65536)
        if not more:
            break
        rest += more
    if rest:
        sys.exit("guest: %d bytes after the last file" % len(rest))

def wait_for_close(conn):
    conn.settimeout(120)
    while conn.recv(65536):
        pass

def main():
    mode, portfile = sys.argv[1], sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else None
    fake = os.environ.get("FAKE_QEMU")
    if fake:
        print("fake QEMU: booting", flush=True)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if portfile.startswith("port="):
        s.bind(("127.0.0.1", int(portfile[5:])))
    else:
        s.bind(("127.0.0.1", 0))
    s.listen(1)
    if not portfile.startswith("port="):
        with open(portfile + ".tmp", "w") as f:
            f.write(str(s.getsockname()[1]))
        os.rename(portfile + ".tmp", portfile)
    s.settimeout(120)
    conn, _ = s.accept()
    conn.settimeout(120)
    if mode == "good":
        good(conn, arg)
        if fake:
            print("fake QEMU: the guest has its secrets", flush=True)
            time.sleep(100)
    elif mode == "silent":
        wait_for_close(conn)
    elif mode == "close":
        conn.close()
    elif mode == "wrong":
        conn.sendall(arg.encode())
        wait_for_close(conn)
    elif mode == "reset":
        conn.sendall(GREETING)
        time.sleep(0.5)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        conn.close()
    elif mode == "truncate":
        conn.sendall(GREETING)
        buf = b""
        while buf.count(b")))") == 0:
            buf += conn.recv(1)
        os.truncate(arg, 0)
        wait_for_close(conn)

main()
EOF

# The header Guix's sender writes for DIR, computed here: find-files
# (lstat; every non-directory, sorted by full name), then stat.
cat > expect-header.py <<'EOF'
import os, sys
root = sys.argv[1].rstrip("/")
names = []
for d, dirs, files in os.walk(root):
    names += [os.path.join(d, n) for n in files]
    names += [os.path.join(d, n) for n in dirs if os.path.islink(os.path.join(d, n))]
items = []
for n in sorted(names):
    st = os.stat(n)
    items.append('("%s" %d %d)' % (n[len(root):].replace("\\", "\\\\").replace('"', '\\"'),
                                   st.st_size, st.st_mode))
sys.stdout.write("(secrets (version 0) (files (%s)))" % " ".join(items))
EOF

# guest MODE [ARG]: start the guest in the background; $gpid, $port.
guest() {
	rm -f port
	timeout 150 python3 receiver.py "$1" port ${2+"$2"} 2> guest.err &
	gpid=$!
	for _ in $(seq 100); do [ -s port ] && break; sleep 0.05; done
	port=$(cat port 2>/dev/null)
	[ -n "$port" ] || { bad "the guest did not start: $(cat guest.err)"; exit 1; }
}
# With TRACE=FILE, the run's connect() calls are logged there by strace:
# how many attempts a run made is counted, not guessed from its time.
send() {
	if [ -n "${TRACE-}" ]; then
		timeout 60 strace -f -qq -e trace=connect -o "$TRACE" \
			"$MKHURDIMG" send-secrets "$@"
	else
		timeout 60 "$MKHURDIMG" send-secrets "$@"
	fi
}
ms() { date +%s%3N; }
# The connect() calls to 127.0.0.1:PORT in the trace files ARGS.
attempts() {
	local port=$1
	shift
	cat "$@" | grep -c "connect(.*sin_port=htons($port)" || true
}

# same WHAT GOT WANT
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		bad "$1"
		printf '    got:  %s\n    want: %s\n' "$2" "$3"
	fi
}

# ---- a directory of secrets, as a childhurd's /etc/childhurd ----
mkdir -p secrets/etc/ssh/authorized_keys.d secrets/etc/guix "secrets/etc/a dir" secrets/empty-dir
printf 'PRIVATE KEY\n' > secrets/etc/ssh/ssh_host_ed25519_key
chmod 600 secrets/etc/ssh/ssh_host_ed25519_key
printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGuest root@childhurd\n' > secrets/etc/ssh/ssh_host_ed25519_key.pub
chmod 644 secrets/etc/ssh/ssh_host_ed25519_key.pub
printf 'ssh-ed25519 AAAAOffload host\n' > secrets/etc/ssh/authorized_keys.d/offloading
: > secrets/etc/guix/empty
chmod 640 secrets/etc/guix/empty
printf 'a\0b\0\377\376binary\0' > secrets/etc/guix/signing-key.sec
head -c 300000 /dev/urandom > "secrets/etc/a dir/with space.bin"
chmod 755 "secrets/etc/a dir/with space.bin"
# "etc-x" sorts before "etc/..." by full name ('-' < '/'), after it per directory.
printf 'x\n' > secrets/etc-x
ln -s ssh/ssh_host_ed25519_key.pub secrets/etc/link-to-pub

# ---- all files arrive, exactly ----
nfiles=$(find secrets ! -type d | wc -l)
nbytes=$(find -L secrets -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
mkdir got
guest good "$PWD/got/root"
send --port "$port" secrets/ > send.out 2> send.err
st=$?
wait "$gpid"
gst=$?
same "send-secrets: status 0, its report" "$st $(cat send.err)" \
	"0 mkhurdimg: sent $nfiles secret files ($nbytes bytes) to 127.0.0.1:$port"
[ "$gst" = 0 ] && ok "the guest read the header, every file and then EOF" ||
	bad "the guest failed ($gst): $(cat guest.err)"
same "the header, exactly as Guile's write prints it, in find-files' order" \
	"$(cat got/root.header)" "$(python3 expect-header.py secrets)"
head -c 120 got/root.header | sed 's/^/    /'
echo
n=0
while IFS= read -r -d '' f; do
	rel=${f#secrets}
	if cmp -s "$f" "got/root$rel" &&
		[ "$(stat -L -c %a "$f")" = "$(stat -c %a "got/root$rel")" ]; then
		n=$((n + 1))
	else
		bad "$rel: bytes or mode differ ($(stat -L -c %a "$f") vs $(stat -c %a "got/root$rel" 2>&1))"
	fi
done < <(find secrets ! -type d -print0)
same "every file's bytes and permissions (the link's target's): $nfiles files" "$n" "$nfiles"
same "the modes sent are the whole st_mode (regular file: 100xxx)" \
	"$(grep -c ' 100[0-7][0-7][0-7]$' got/root.modes)" "$nfiles"
same "nothing else arrived" "$(cd got/root && find . ! -type d | sort | tr '\n' ' ')" \
	"$(cd secrets && find . ! -type d | sort | tr '\n' ' ')"

# An empty directory: the empty list.
mkdir empty
guest good "$PWD/got/empty"
send --port "$port" empty 2> send.err
st=$?
wait "$gpid"
same "an empty DIR: (files ())" "$st $(cat got/empty.header)" \
	"0 (secrets (version 0) (files ()))"

# ---- the failures ----
# fails WHAT STATUS MESSAGE ARGS...: send-secrets ARGS exits with STATUS and
# says MESSAGE (the first line of stderr).
fails() {
	local what=$1 want_st=$2 want_msg=$3
	shift 3
	send "$@" > out 2> err
	st=$?
	if [ "$st" = "$want_st" ] && [ "$(head -1 err)" = "$want_msg" ] && [ ! -s out ]; then
		ok "$what -> $st: $want_msg"
	else
		bad "$what: status $st (want $want_st), stderr: $(cat err)"
		echo "    want: $want_msg"
	fi
}

guest silent
t0=$(ms)
fails "a guest that never greets" 1 \
	"mkhurdimg: no greeting from the secret service at 127.0.0.1:$port within 2 s; does the guest run Guix's secret service (or does it need a longer --handshake-timeout)?" \
	--port "$port" --handshake-timeout 2 secrets
t=$(($(ms) - t0))
[ "$t" -ge 1900 ] && [ "$t" -le 12000 ] && ok "  ... after ${t} ms" || bad "no greeting: took ${t} ms for 2 s"
wait "$gpid"

guest close
fails "a guest that closes at once" 1 \
	"mkhurdimg: the secret service at 127.0.0.1:$port closed the connection before greeting; is the guest's secret service listening on its port 1004?" \
	--port "$port" secrets
wait "$gpid"

guest wrong "(hello (version 0))"
fails "a wrong greeting" 1 \
	"mkhurdimg: wrong greeting from the secret service at 127.0.0.1:$port: '(hello (version 0))', not (secret-service-server (version ...)); is that port the guest's 1004?" \
	--port "$port" secrets
wait "$gpid"

guest wrong '(secret-service-server (version 0) (and "a long tail, longer than sixty bytes"))'
fails "a greeting with more than (version ...), quoted cut to 60 bytes" 1 \
	"mkhurdimg: wrong greeting from the secret service at 127.0.0.1:$port: '(secret-service-server (version 0) (and \"a long tail, longer...', not (secret-service-server (version ...)); is that port the guest's 1004?" \
	--port "$port" secrets
wait "$gpid"

guest wrong $'SSH-2.0-OpenSSH_9.2\r\n'
fails "an SSH server instead" 1 \
	"mkhurdimg: wrong greeting from the secret service at 127.0.0.1:$port: 'SSH-2.0-OpenSSH_9.2??', not (secret-service-server (version ...)); is that port the guest's 1004?" \
	--port "$port" secrets
wait "$gpid"

# Nobody listening: a port that was free a moment ago.
free=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The attempts are counted with strace (when it is here), and the pause
# between two is a pause: a loaded machine only makes it longer.
tracing() { command -v strace >/dev/null && echo "$PWD/$1"; }
t0=$(ms)
TRACE=$(tracing retries1.trace) fails "nobody listening, --retries 1" 1 \
	"mkhurdimg: cannot connect to the secret service at 127.0.0.1:$free: Connection refused (2 attempts, 1 s apart); is the guest's port 1004 forwarded there?" \
	--port "$free" --retries 1 secrets
t=$(($(ms) - t0))
[ "$t" -ge 900 ] && ok "  ... after ${t} ms, the 1 s between the two attempts" ||
	bad "--retries 1: took ${t} ms, less than the 1 s between two attempts"
TRACE=$(tracing retries0.trace) fails "--retries 0: one attempt" 1 \
	"mkhurdimg: cannot connect to the secret service at 127.0.0.1:$free: Connection refused (1 attempt, 1 s apart); is the guest's port 1004 forwarded there?" \
	--port "$free" --retries 0 secrets
if command -v strace >/dev/null; then
	same "--retries 1: two connect() calls, --retries 0: one" \
		"$(attempts "$free" retries1.trace) $(attempts "$free" retries0.trace)" "2 1"
else
	echo "  note: no strace; the attempts were not counted"
fi

# A write error: the guest resets the connection while 64 MiB are on their way.
mkdir big
head -c 64M /dev/zero > big/file
guest reset
send --port "$port" big > out 2> err
st=$?
wait "$gpid"
case "$st $(head -1 err)" in
"1 mkhurdimg: cannot send the secrets to 127.0.0.1:$port: Connection reset by peer" | \
"1 mkhurdimg: cannot send the secrets to 127.0.0.1:$port: Broken pipe")
	ok "a reset while sending -> 1: $(head -1 err)" ;;
*) bad "a reset while sending: status $st, $(cat err)" ;;
esac

# A file that shrinks while it is sent (the guest truncates it once it has
# the header; 64 MiB cannot all be in the sockets' buffers by then), or
# just before we open it.
guest truncate "$PWD/big/file"
send --port "$port" big > out 2> err
st=$?
wait "$gpid"
case "$st $(head -1 err)" in
"1 mkhurdimg: big/file changed while the secrets were sent (67108864 bytes listed, it ended after "*"): the guest got it wrong; send them again" | \
"1 mkhurdimg: big/file changed while the secrets were sent (67108864 bytes listed, now 0): the guest got it wrong; send them again")
	ok "a file shrinking while sent -> 1: $(head -1 err)" ;;
*) bad "a file shrinking while sent: status $st, $(cat err)" ;;
esac

# Special files are refused before connecting (no connection is tried:
# these would take 5 s against the free port).
mkdir fifo dangling dirlink
mkfifo fifo/pipe
ln -s nowhere dangling/link
ln -s ../secrets/etc dirlink/etc
rm -f special.*.trace
TRACE=$(tracing special.1.trace) fails "a FIFO" 1 "mkhurdimg: fifo/pipe is a FIFO: the secret service sends regular files only; remove it" \
	--port "$free" --retries 5 fifo
TRACE=$(tracing special.2.trace) fails "a dangling link" 1 "mkhurdimg: dangling/link is a symbolic link to nothing (No such file or directory): remove it or make it point to a file" \
	--port "$free" --retries 5 dangling
TRACE=$(tracing special.3.trace) fails "a link to a directory" 1 "mkhurdimg: dirlink/etc is a symbolic link to a directory: the secret service sends regular files only; remove it" \
	--port "$free" --retries 5 dirlink
TRACE=$(tracing special.4.trace) fails "no such DIR" 1 "mkhurdimg: cannot read the secrets directory nodir: No such file or directory" \
	--port "$free" --retries 5 nodir
TRACE=$(tracing special.5.trace) fails "DIR a file" 1 "mkhurdimg: the secrets directory big/file is not a directory" \
	--port "$free" --retries 5 big/file
if command -v strace >/dev/null; then
	same "special files: refused before any connect()" \
		"$(attempts "$free" special.*.trace)" 0
else
	echo "  note: no strace; the attempts were not counted"
fi
if [ "$(id -u)" != 0 ]; then
	mkdir unreadable && : > unreadable/key && chmod 000 unreadable/key
	fails "an unreadable file" 1 "mkhurdimg: cannot read unreadable/key: Permission denied" \
		--port "$free" --retries 5 unreadable
fi

# Usage.
fails "no --port" 2 "mkhurdimg: no --port given (the host's end of the forward to the guest's port 1004)" secrets
fails "--port 0" 2 "mkhurdimg: --port '0': expected a TCP port number from 1 to 65535" --port 0 secrets
fails "--retries x" 2 "mkhurdimg: --retries 'x': expected a number from 0 to 1000000" --port 1 --retries x secrets
fails "--handshake-timeout 0" 2 "mkhurdimg: --handshake-timeout '0': expected whole seconds from 1 to 1000000" \
	--port 1 --handshake-timeout 0 secrets
fails "no DIR" 2 "mkhurdimg: no DIR given" --port 1
fails "two DIRs" 2 "mkhurdimg: only one DIR may be given" --port 1 secrets empty
fails "unknown option" 2 "mkhurdimg: unknown option '--bogus'" --port 1 --bogus secrets
same "send-secrets --help" "$(send --help | head -1; echo "status ${PIPESTATUS[0]}")" \
	"Usage: mkhurdimg send-secrets [--host=HOST] --port=PORT [OPTION]... DIR
status 0"

# ---- boot --secrets, with a QEMU played by the guest above ----
# fake-qemu: the guest listens on the host end of the 1004 forward of the
# command line it is given, as QEMU would, with a console on stdout.
cat > fake-qemu <<EOF
#!/bin/bash
for a; do case \$a in *hostfwd=*) fwd=\$a ;; esac; done
port=\${fwd##*127.0.0.1:}
export FAKE_QEMU=1
exec python3 "$PWD/receiver.py" "\$GUEST_MODE" "port=\${port%%-*}" "\$GUEST_ARG"
EOF
chmod +x fake-qemu
truncate -s 1M fake.img
fport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
GUEST_MODE=good GUEST_ARG=$PWD/got/boot timeout 60 "$MKHURDIMG" boot --qemu ./fake-qemu \
	--accel=tcg --forward "$fport:1004" --secrets secrets --expect 'has its secrets' \
	--timeout 50 fake.img > fake.out 2> fake.err
st=$?
same "boot --secrets: sent, then the console matched" "$st $(cat fake.err)" \
	"0 mkhurdimg: sent $nfiles secret files ($nbytes bytes) to 127.0.0.1:$fport"
same "  ... the guest got the same header" "$(cat got/boot.header)" "$(cat got/root.header)"
same "  ... and the console went on after it" "$(tr -d '\r' < fake.out)" \
	"fake QEMU: booting
fake QEMU: the guest has its secrets"
left=$(pgrep -f "receiver.py good port=$fport" || true)
[ -z "$left" ] && ok "  ... the fake QEMU was stopped" || { bad "fake QEMU left: $left"; kill $left; }

t0=$(ms)
GUEST_MODE=wrong GUEST_ARG='(secret-service-server version-0)' timeout 60 "$MKHURDIMG" boot \
	--qemu ./fake-qemu --accel=tcg --forward "$fport:1004" --secrets secrets \
	--expect 'never' --timeout 50 fake.img > fake.out 2> fake.err
st=$?
t=$(($(ms) - t0))
same "boot --secrets, a wrong greeting: status 1, QEMU stopped at once" "$st $(tail -1 fake.err)" \
	"1 mkhurdimg: wrong greeting from the secret service at 127.0.0.1:$fport: '(secret-service-server version-0)', not (secret-service-server (version ...)); is that port the guest's 1004?"
[ "$t" -le 30000 ] && ok "  ... after ${t} ms, not the 50 s of --timeout" ||
	bad "  ... took ${t} ms: QEMU was not stopped at once"
left=$(pgrep -f "receiver.py wrong port=$fport" || true)
[ -z "$left" ] && ok "  ... no fake QEMU left" || { bad "fake QEMU left: $left"; kill $left; }

# ---- boot --secrets on the demo image: its servers never greet ----
[ -r /boot/gnumach-1.8-486.gz ] || { echo "SKIP (boot part): no GNU Mach"; [ "$fails" = 0 ]; exit; }
command -v "$QEMU" >/dev/null || { echo "SKIP (boot part): no $QEMU"; [ "$fails" = 0 ]; exit; }
"${CC:-gcc}" -m32 -static -nostdlib -fno-pic -no-pie -O2 -o probe \
	"$top_srcdir/examples/standin.c" >/dev/null 2>&1 ||
	{ echo "SKIP (boot part): cannot build 32-bit stand-ins"; [ "$fails" = 0 ]; exit; }
"$top_srcdir/examples/make-demo-root.sh" demo-root >/dev/null || exit 1
cp "$top_srcdir/examples/demo.conf" .
"$MKHURDIMG" -q --types-dir "$top_srcdir/image-types" -t hurd-raw -o demo.img demo.conf ||
	{ bad "mkhurdimg could not build the demo image"; exit 1; }
img=$PWD/demo.img
# A port of our own for the guest's 1004 (the default 11004 may be taken
# on a shared machine).
sport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# QEMU accepts the connection for the guest at once; no greeting comes.
t0=$(ms)
timeout 60 "$MKHURDIMG" boot --qemu "$QEMU" --accel=tcg --forward "$sport:1004" \
	--secrets secrets --handshake-timeout 8 "$img" < /dev/null > boot.out 2> boot.err
st=$?
t=$(($(ms) - t0))
same "boot --secrets, no greeting: status 1 and the message" "$st $(tail -1 boot.err)" \
	"1 mkhurdimg: no greeting from the secret service at 127.0.0.1:$sport within 8 s; does the guest run Guix's secret service (or does it need a longer --handshake-timeout)?"
[ "$t" -ge 8000 ] && [ "$t" -le 20000 ] && ok "  ... after ${t} ms (8 s, QEMU stopped)" ||
	bad "boot --secrets: ${t} ms for --handshake-timeout 8"
none_left "boot --secrets, no greeting"

# With --expect the console is drained and matched while the client waits
# for the greeting: GNU Mach's "start ext2fs:" ends the run first.  QEMU's
# user network (slirp) gives up the forwarded connection to a guest that
# never answers after 75 s (its connection-establishment timer): on a
# machine so loaded that GNU Mach takes longer than that to start ext2fs,
# the connection's end comes first, and that is all this run can show.
t0=$(ms)
timeout 200 "$MKHURDIMG" boot --qemu "$QEMU" --accel=tcg --forward "$sport:1004" \
	--secrets secrets --handshake-timeout 150 --expect '^start ext2fs:' \
	--timeout 150 "$img" > expect.out 2> expect.err
st=$?
t=$(($(ms) - t0))
w="mkhurdimg: warning: the console matched before the secrets were sent; stopped sending them"
closed="mkhurdimg: the secret service at 127.0.0.1:$sport closed the connection before greeting; is the guest's secret service listening on its port 1004?"
if [ "$st" = 1 ] && [ "$t" -ge 70000 ] && grep -qFx "$closed" expect.err; then
	echo "  note: QEMU closed the guest's connection after ${t} ms, before GNU Mach started ext2fs: the match was not reached on this machine now"
	grep -aq 'GNU Mach' expect.out && ok "  ... the console was echoed meanwhile" || bad "no console echoed"
else
	[ "$st" = 0 ] && grep -qFx "$w" expect.err &&
		ok "boot --secrets --expect: the console matched while the secrets waited: $w" ||
		bad "boot --secrets --expect: status $st after ${t} ms, $(cat expect.err)"
	grep -aq 'GNU Mach' expect.out && grep -aq 'start ext2fs:' expect.out &&
		ok "  ... the console was echoed meanwhile, up to the match" || bad "no console echoed"
fi
none_left "boot --secrets --expect"

[ "$fails" = 0 ]
