#!/usr/bin/env python3
"""corruption.py WORKDIR -- the corruption sweep of corruption.sh.

Every archive form the README lists and nars, plain and compressed, each
with one byte changed at a time at 20 seeded positions spread over the
file (the first and last 32 bytes, where headers and trailers are, always
among them).  Each mutated file is judged by tools no one here wrote:

  * the compression layer: the format's own integrity test (gzip -t,
    xz -t, zstd -t, bzip2 -t, lzip -t, unzip -t).  Where it fails,
    mkhurdimg must refuse: status 1, one line on stderr naming the file,
    and nothing left in the output directory;
  * the archive layer: where it passes (or there is no compression),
    mkhurdimg either refuses, or the files of the image, read back with
    debugfs rdump, equal what bsdtar -x extracts from the same file: the
    same names and types, the same bytes, modes and mtimes, symlink
    targets, and owners when this runs as root;
  * nars: first with the narinfo of the unbroken nar, where mkhurdimg
    must refuse any nar whose bytes changed (NarHash) and must otherwise
    give what nix-store --restore gives; then plain nars with a narinfo
    made for the broken bytes, judged by nix-store --restore alone.

Environment: MKHURDIMG, TYPES (the image types directory), and optionally
CORRUPTION_KEEP, a directory where every mutated file that showed a
difference is copied (the fuzz seeds of tests/fuzz/corpus come from it).
Prints one line per difference and a summary; exits 1 on any difference.
"""
import hashlib
import io
import os
import random
import shutil
import stat
import subprocess
import sys
import tarfile

SEED = 16
POSITIONS = 20
EDGE = 32
MTIME = 1700000000
ROOT = os.geteuid() == 0
MK = os.environ.get("MKHURDIMG", "mkhurdimg")
TYPES = os.environ.get("TYPES", "")
KEEP = os.environ.get("CORRUPTION_KEEP")
ITEM = "/gnu/store/" + "c" * 32 + "-corrupt-item"


def make_root(d):
    """The smallest tree a build accepts: stand-ins for the kernel, the
    Hurd's servers and ld.so, as the bad-input catalogue makes them."""
    for name in ("boot/gnumach.gz", "hurd/ext2fs.static", "hurd/exec.static",
                 "hurd/exec", "lib/ld.so.1"):
        os.makedirs(os.path.join(d, os.path.dirname(name)), exist_ok=True)
        with open(os.path.join(d, name), "w") as f:
            f.write(name + " stand-in\n")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, **kw)


# ---------------------------------------------------------------- inputs

def payload():
    """(name, kind, data-or-target, mode, uid, gid, mtime) of the archive's
    entries: every kind an image keeps, several owners and times."""
    rng = random.Random(SEED)
    hello = b"".join(b"line %04d of srv/hello.txt\n" % i for i in range(150))
    return [
        ("srv", "dir", None, 0o755, 0, 0, MTIME),
        ("srv/hello.txt", "file", hello, 0o644, 1000, 100, MTIME + 1),
        ("srv/noise.bin", "file", rng.randbytes(6000), 0o600, 0, 0, MTIME + 2),
        ("srv/empty", "file", b"", 0o640, 2, 3, MTIME + 3),
        ("srv/bin", "dir", None, 0o750, 0, 0, MTIME + 4),
        ("srv/bin/run", "file", b"#!/bin/sh\necho run\n", 0o4755, 0, 0, MTIME + 5),
        ("srv/link", "symlink", "hello.txt", 0o777, 0, 0, MTIME + 6),
        ("srv/deep/a/b", "dir", None, 0o700, 7, 8, MTIME + 7),
        ("srv/deep/a/b/c.txt", "file", b"deep\n" * 30, 0o444, 7, 8, MTIME + 8),
        ("srv/" + "long-name-" * 12, "file", b"a name pax must carry\n", 0o644, 0, 0, MTIME + 9),
    ]


def make_tar(fmt):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for name, kind, data, mode, uid, gid, mtime in payload():
            if fmt == tarfile.USTAR_FORMAT and len(name) > 100:
                continue
            ti = tarfile.TarInfo(name)
            ti.mode, ti.uid, ti.gid, ti.uname, ti.gname = mode, uid, gid, "", ""
            ti.mtime = mtime + (0.25 if fmt == tarfile.PAX_FORMAT else 0)
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
                t.addfile(ti)
            elif kind == "symlink":
                ti.type, ti.linkname = tarfile.SYMTYPE, data
                t.addfile(ti)
            else:
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
        ti = tarfile.TarInfo("srv/hard")   # a hard link to hello.txt
        ti.type, ti.linkname, ti.mtime, ti.mode = tarfile.LNKTYPE, "srv/hello.txt", MTIME, 0o644
        t.addfile(ti)
    return buf.getvalue()


def make_cpio():
    """SVR4 newc, field by field: hard links share an inode number and
    the data comes with the last of them, as GNU cpio writes them."""
    entries = [e for e in payload() if len(e[0]) <= 100]
    hello = [e for e in entries if e[0] == "srv/hello.txt"][0]
    entries = [e for e in entries if e is not hello] + [hello[:1] + ("link0",) + hello[2:],
                                                        ("srv/hard",) + hello[1:]]
    out, ino = b"", 1
    for name, kind, data, mode, uid, gid, mtime in entries + [("TRAILER!!!", "end", b"", 0, 0, 0, 0)]:
        ftype = {"dir": 0o040000, "file": 0o100000, "link0": 0o100000,
                 "symlink": 0o120000, "end": 0}[kind]
        body = data.encode() if kind == "symlink" else (b"" if kind in ("dir", "link0", "end") else data)
        nlink = 2 if name in ("srv/hello.txt", "srv/hard") else 1
        this = 99 if nlink == 2 else (ino if kind != "end" else 0)
        n = name.encode() + b"\0"
        hdr = b"070701" + b"".join(b"%08X" % v for v in (
            this, ftype | mode, uid, gid, nlink, mtime, len(body), 0, 0, 0, 0, len(n), 0))
        out += hdr + n + b"\0" * (-(len(hdr) + len(n)) % 4)
        out += body + b"\0" * (-len(body) % 4)
        ino += 1
    return out + b"\0" * (-len(out) % 512)


def make_zip():
    """Info-ZIP's layout through Python's zipfile: deflated files, the
    mode (symlinks too) in the external attributes, DOS times (UTC here)."""
    import time
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, kind, data, mode, uid, gid, mtime in payload():
            zi = zipfile.ZipInfo(name + ("/" if kind == "dir" else ""),
                                 time.gmtime(mtime)[:6])
            ftype = {"dir": 0o040000, "file": 0o100000, "symlink": 0o120000}[kind]
            zi.external_attr = (ftype | mode) << 16
            zi.create_system = 3
            zi.compress_type = zipfile.ZIP_DEFLATED if kind == "file" else zipfile.ZIP_STORED
            z.writestr(zi, data.encode() if kind == "symlink" else (data or b""))
    return buf.getvalue()


def pipe(cmd, data):
    p = subprocess.run(cmd, input=data, capture_output=True, check=True)
    return p.stdout


def archives(work):
    """[(form, file name, integrity-test command or None)]"""
    ustar = make_tar(tarfile.USTAR_FORMAT)
    out = []

    def put(name, data, test):
        with open(os.path.join(work, name), "wb") as f:
            f.write(data)
        out.append((name.split(".", 1)[1], name, test))   # form: what follows "a."

    put("a.tar", ustar, None)
    put("a.pax.tar", make_tar(tarfile.PAX_FORMAT), None)
    put("a.cpio", make_cpio(), None)
    put("a.zip", make_zip(), ["unzip", "-tqq"])
    put("a.tar.gz", pipe(["gzip", "-9n"], ustar), ["gzip", "-t"])
    third = len(ustar) // 3
    put("a.multi.tar.gz", b"".join(pipe(["gzip", "-9n"], part) for part in
                                   (ustar[:third], ustar[third:2 * third], ustar[2 * third:])),
        ["gzip", "-t"])
    put("a.tar.xz", pipe(["xz", "-T1"], ustar), ["xz", "-t"])
    put("a.tar.zst", pipe(["zstd", "-q"], ustar), ["zstd", "-q", "-t"])
    put("a.tar.bz2", pipe(["bzip2"], ustar), ["bzip2", "-t"])
    put("a.tar.lz", pipe(["lzip"], ustar), ["lzip", "-t"])
    return out


NAR_COMPRESSIONS = [("none", "", None, None), ("gzip", ".gz", ["gzip", "-9n"], ["gzip"]),
                    ("xz", ".xz", ["xz", "-T1"], ["xz"]), ("zstd", ".zst", ["zstd", "-q"], ["zstd", "-q"]),
                    ("bzip2", ".bz2", ["bzip2"], ["bzip2"]), ("lzip", ".lz", ["lzip"], ["lzip"])]


def nar_item(work):
    """The store item as a directory, and its nar by nix-store --dump."""
    d = os.path.join(work, "item")
    os.makedirs(os.path.join(d, "bin"))
    for name, data, mode in (("hello.txt", b"hello\n" * 300, 0o644),
                             ("bin/run", b"#!/bin/sh\necho run\n", 0o755),
                             ("noise", random.Random(SEED).randbytes(3000), 0o644)):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        os.chmod(os.path.join(d, name), mode)
    os.symlink("hello.txt", os.path.join(d, "link"))
    nar = run(["nix-store", "--dump", d], check=True).stdout
    shutil.rmtree(d)
    return nar


# ---------------------------------------------------------------- judging

def positions(size, rng):
    """20 offsets: 3 in the first and 3 in the last EDGE bytes, the rest
    spread evenly (one at random in each stretch) over the middle."""
    if size <= 2 * EDGE + POSITIONS:
        return sorted(rng.sample(range(size), min(size, POSITIONS)))
    pos = rng.sample(range(EDGE), 3) + [size - 1 - p for p in rng.sample(range(EDGE), 3)]
    n = POSITIONS - 6
    step = (size - 2 * EDGE) / n
    pos += [EDGE + int(i * step) + rng.randrange(max(1, int(step))) for i in range(n)]
    return sorted(pos)


def mutate(data, at, rng):
    b = bytearray(data)
    b[at] ^= rng.randrange(1, 256)
    return bytes(b)


def tree(root, listed=None, modes=None):
    """{path: facts} of everything under ROOT, as the judges compare it;
    MODES, when given, overrides the permission bits found on disk."""
    facts = {}
    if not os.path.isdir(root):
        return facts
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            perm = modes.get(rel, stat.S_IMODE(st.st_mode)) if modes else stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                facts[rel] = ("symlink", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                # A directory the archive lists has its own mode and mtime;
                # one made only to hold an entry is each tool's own.
                if listed is None or rel in listed:
                    facts[rel] = ("dir", oct(perm), int(st.st_mtime),
                                  (st.st_uid, st.st_gid) if ROOT else None)
                else:
                    facts[rel] = ("dir",)
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()[:16]
                facts[rel] = ("file", digest, st.st_size, oct(perm),
                              int(st.st_mtime), (st.st_uid, st.st_gid) if ROOT else None)
            else:
                facts[rel] = ("other", stat.S_IFMT(st.st_mode), oct(perm))
    return facts


def nar_tree(root, modes=None):
    """What a nar keeps: names, types, bytes, the executable bit, targets."""
    out = {}
    for rel, f in tree(root, None, modes).items():
        if f[0] == "file":
            out[rel] = ("file", f[1], f[2], int(f[3], 8) & 0o100 != 0)
        elif f[0] == "dir":
            out[rel] = ("dir",)
        else:
            out[rel] = f
    return out


def differ(a, b):
    keys = sorted(set(a) | set(b))
    for k in keys:
        if a.get(k) != b.get(k):
            return "%s: image %s, judge %s" % (k, a.get(k), b.get(k))
    return None


def rdump(img, path, dest):
    """PATH of the image (raw, ext2 at 1 MiB) into DEST, by debugfs, and
    the mode of everything under it as debugfs's ls -p gives it: rdump
    chmods before it chowns, and chown clears a setuid bit."""
    os.makedirs(dest)
    fs = img + "?offset=1048576"
    probe = run(["debugfs", "-R", "stat " + path, fs])
    if b"not found" in probe.stderr or b"not found" in probe.stdout:
        return os.path.join(dest, "absent"), {}
    run(["debugfs", "-R", "rdump %s %s" % (path, dest), fs], check=True)
    top = os.path.join(dest, os.path.basename(path))
    dirs = [""] + [os.path.relpath(os.path.join(d, n), top)
                   for d, names, _ in os.walk(top) for n in names]
    with open(dest + ".cmds", "w") as f:
        for d in dirs:
            f.write("ls -p %s\n" % quote(os.path.join(path, d) if d else path))
    out = run(["debugfs", "-f", dest + ".cmds", fs]).stdout.decode(errors="surrogateescape")
    modes, cur = {}, None
    for line in out.splitlines():
        if line.startswith("debugfs: ls -p "):
            cur = line[len("debugfs: ls -p "):].strip('"')
            cur = os.path.relpath(cur, path) if cur != path else ""
            continue
        f = line.split("/")
        if cur is None or len(f) < 7 or f[5] in (".", ".."):
            continue
        modes[os.path.normpath(os.path.join(cur, f[5]))] = stat.S_IMODE(int(f[2], 8))
    return top, modes


def quote(path):
    return '"%s"' % path if " " in path else path


class Sweep:
    def __init__(self, work):
        self.work = work
        self.n = self.refused = self.equal = 0
        self.diffs = []
        self.tally = {}
        self.verbose = os.environ.get("CORRUPTION_VERBOSE")

    def count(self, form, outcome, detail=""):
        t = self.tally.setdefault(form, {})
        t[outcome] = t.get(outcome, 0) + 1
        if self.verbose:
            print("  %s: %s %s" % (form, outcome, detail), flush=True)

    def mkhurdimg(self, case, conf, names):
        """Build CONF in an empty output directory: (status, stderr, image
        or None), after checking what a refusal must be."""
        out = os.path.join(case, "out")
        os.makedirs(out)
        p = run([MK, "-q", "--types-dir", TYPES, "-o", os.path.join(out, "x.img"), conf], cwd=case)
        err = p.stderr.decode(errors="replace")
        left = os.listdir(out)
        self.stderr = err.strip()
        if p.returncode == 0:
            return 0, "", os.path.join(out, "x.img")
        problems = []
        if p.returncode != 1:
            problems.append("status %d" % p.returncode)
        lines = err.splitlines()
        if len(lines) != 1 or not lines[0].startswith("mkhurdimg: ") or \
                not any(n in lines[0] for n in names):
            problems.append("stderr is not one line naming %s: %r" % (names[0], err[:300]))
        if left:
            problems.append("left %s" % left)
        return p.returncode, "; ".join(problems), None

    def diff(self, what, data, name, why):
        self.count(self.form, "DIFFERENT")
        self.diffs.append("%s: %s" % (what, why))
        print("DIFFERENCE %s: %s" % (what, why), flush=True)
        if KEEP:
            os.makedirs(KEEP, exist_ok=True)
            with open(os.path.join(KEEP, name), "wb") as f:
                f.write(data)

    def archive_case(self, form, fname, test, at, data, rng):
        self.n += 1
        self.form = form
        what = "%s byte %d" % (form, at)
        case = os.path.join(self.work, "case")
        shutil.rmtree(case, ignore_errors=True)
        make_root(os.path.join(case, "root"))
        path = os.path.join(case, fname)
        with open(path, "wb") as f:
            f.write(data)
        with open(os.path.join(case, "x.conf"), "w") as f:
            f.write('translators = "none"\ndirectory "root" { }\n'
                    'archive "%s" { target = "/t" }\n' % fname)
        status, err, img = self.mkhurdimg(case, "x.conf", [fname])
        keep = "%s-%d.%s" % (fname.split(".")[0], at, fname.split(".", 1)[1])
        if test and run(test + [path]).returncode != 0:
            if status == 0:
                self.diff(what, data, keep, "%s fails, mkhurdimg accepts" % test[0])
            elif err:
                self.diff(what, data, keep, "%s fails; the refusal: %s" % (test[0], err))
            else:
                self.refused += 1
                self.count(self.form, "refused", self.stderr)
            return
        if status != 0:
            if err:
                self.diff(what, data, keep, "refused badly: " + err)
            else:
                self.refused += 1
                self.count(self.form, "refused", self.stderr)
            return
        ext = os.path.join(case, "bsdtar")
        os.makedirs(ext)
        p = run(["bsdtar", "-x", "-p", "--numeric-owner", "-f", path, "-C", ext])
        listing = run(["bsdtar", "-t", "-f", path]).stdout.decode(errors="surrogateescape")
        listed = {l.rstrip("/") for l in listing.splitlines()}
        top, modes = rdump(img, "/t", os.path.join(case, "image"))
        got = tree(top, listed, modes)
        want = tree(ext, listed)
        d = differ(got, want)
        if d:
            self.diff(what, data, keep, "mkhurdimg accepts, bsdtar -x (status %d) differs: %s"
                      % (p.returncode, d))
        else:
            self.equal += 1
            self.count(self.form, "built")

    def nar_case(self, comp, ext, unzip, nar, at, data, own_info):
        """DATA is the stored (compressed) nar, broken at AT; OWN_INFO: the
        narinfo describes the broken bytes instead of the unbroken nar."""
        self.n += 1
        self.form = "nar%s%s" % (ext, " (own narinfo)" if own_info else "")
        what = "nar%s%s byte %d" % (ext, " (its own narinfo)" if own_info else "", at)
        case = os.path.join(self.work, "case")
        shutil.rmtree(case, ignore_errors=True)
        make_root(os.path.join(case, "root"))
        os.makedirs(os.path.join(case, "cache", "nar"))
        narfile = os.path.join(case, "cache", "nar", "x.nar" + ext)
        with open(narfile, "wb") as f:
            f.write(data)
        keep = "nar-%d%s%s" % (at, "-own" if own_info else "", ".nar" + ext)
        plain = data
        if unzip:
            t = run(unzip + ["-t", narfile])
            plain = run(unzip + ["-dc", narfile]).stdout if t.returncode == 0 else None
        described = plain if own_info else nar
        with open(os.path.join(case, "cache", "c" * 32 + ".narinfo"), "w") as f:
            f.write("StorePath: %s\nURL: nar/x.nar%s\nCompression: %s\nNarHash: sha256:%s\n"
                    "NarSize: %d\nReferences: \n" % (ITEM, ext, comp,
                                                     nix32(hashlib.sha256(described).digest()),
                                                     len(described)))
        with open(os.path.join(case, "x.conf"), "w") as f:
            f.write('translators = "none"\ndirectory "root" { }\n'
                    'substitutes "cache" { roots = { "%s" } }\n' % ITEM)
        status, err, img = self.mkhurdimg(case, "x.conf", ["x.nar" + ext, ITEM])
        if plain is None or (not own_info and plain != nar):
            why = "%s -t fails" % unzip[0] if plain is None else "the nar's bytes changed (NarHash)"
            if status == 0:
                self.diff(what, data, keep, why + ", mkhurdimg accepts")
            elif err:
                self.diff(what, data, keep, why + "; the refusal: " + err)
            else:
                self.refused += 1
                self.count(self.form, "refused", self.stderr)
            return
        restored = os.path.join(case, "restored")
        r = subprocess.run(["nix-store", "--restore", restored], input=plain, capture_output=True)
        if r.returncode != 0:
            if status == 0:
                self.diff(what, data, keep, "nix-store --restore fails, mkhurdimg accepts")
            elif err:
                self.diff(what, data, keep, "nix-store --restore fails; the refusal: " + err)
            else:
                self.refused += 1
                self.count(self.form, "refused", self.stderr)
            return
        if status != 0:
            if err:
                self.diff(what, data, keep, "refused badly: " + err)
            else:
                self.refused += 1
                self.count(self.form, "refused", self.stderr)
            return
        top, modes = rdump(img, ITEM, os.path.join(case, "image"))
        got = nar_tree(top, modes)
        d = differ(got, nar_tree(restored))
        if d:
            self.diff(what, data, keep, "mkhurdimg accepts, nix-store --restore differs: " + d)
        else:
            self.equal += 1
            self.count(self.form, "built")


def nix32(digest):
    """Nix's base-32 form of a hash (as nar.c and nix-hash write it)."""
    alphabet = "0123456789abcdfghijklmnpqrsvwxyz"
    n = (len(digest) * 8 - 1) // 5 + 1
    out = []
    for k in range(n - 1, -1, -1):
        b = k * 5
        i, j = b // 8, b % 8
        c = digest[i] >> j
        if i + 1 < len(digest):
            c |= digest[i + 1] << (8 - j)
        out.append(alphabet[c & 0x1f])
    return "".join(out)


FORMS = ["tar", "pax.tar", "cpio", "zip", "tar.gz", "multi.tar.gz", "tar.xz", "tar.zst",
         "tar.bz2", "tar.lz", "nar", "nar.gz", "nar.xz", "nar.zst", "nar.bz2", "nar.lz",
         "nar-own-narinfo"]


def main():
    if sys.argv[1] == "--forms":
        print(" ".join(FORMS))
        return 0
    work = os.path.abspath(sys.argv[1])
    only = os.environ.get("CORRUPTION_FORMS", "").split() or FORMS
    os.environ["TZ"] = "UTC"
    os.umask(0o022)
    sweep = Sweep(work)

    def rng(form):   # each form's own positions, whichever forms run
        return random.Random("%d-%s" % (SEED, form))

    for form, fname, test in archives(work):
        if form not in only:
            continue
        data = open(os.path.join(work, fname), "rb").read()
        r = rng(form)
        for at in positions(len(data), r):
            sweep.archive_case(form, fname, test, at, mutate(data, at, r), r)
    nar = nar_item(work)
    with open(os.path.join(work, "item.nar"), "wb") as f:
        f.write(nar)
    want = run(["nix-hash", "--type", "sha256", "--flat", "--base32",
                os.path.join(work, "item.nar")], check=True).stdout.decode().strip()
    if want != nix32(hashlib.sha256(nar).digest()):
        sys.exit("corruption.py: nix32() disagrees with nix-hash")
    for comp, ext, zip_, unzip in NAR_COMPRESSIONS:
        if "nar" + ext not in only:
            continue
        stored = pipe(zip_, nar) if zip_ else nar
        r = rng("nar" + ext)
        for at in positions(len(stored), r):
            sweep.nar_case(comp, ext, unzip, nar, at, mutate(stored, at, r), False)
    if "nar-own-narinfo" in only:
        r = rng("nar-own-narinfo")
        for at in positions(len(nar), r):
            sweep.nar_case("none", "", None, nar, at, mutate(nar, at, r), True)
    for form, t in sweep.tally.items():
        print("  %-22s %s" % (form, ", ".join("%s %d" % kv for kv in sorted(t.items()))))
    print("corruption: %d mutated files: %d refused, %d built as the judges extract them, "
          "%d differences" % (sweep.n, sweep.refused, sweep.equal, len(sweep.diffs)))
    return 1 if sweep.diffs else 0


if __name__ == "__main__":
    sys.exit(main())
