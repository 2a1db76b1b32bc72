#!/usr/bin/env python3
"""mutants.py -- the mutation runner behind `make mutants` (see README here).

    mutants.py run SRCDIR WORKDIR [-n N] [--seed S] [--only KEY-FILE]
    mutants.py list SRCDIR            every mutation site of the core modules
    mutants.py results SRCDIR WORKDIR rewrite RESULTS.md from the last run

The source tree is never written: the runner copies it to WORKDIR/tree,
builds that copy with ASan and UBSan, and mutates the copy, one file at a
time, putting the pristine file back after each mutant and on SIGINT,
SIGTERM or any exit (and checking that it did).  A second copy,
WORKDIR/cov, is built with gcov once per source state: each test of the
suite is run alone there, and a mutant is then run only against the tests
that execute its line, fastest first, until one fails.
"""
import argparse
import datetime
import fnmatch
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# The core modules mutants are drawn from (globs under src/).
MODULES = [
    "src/ext2.c", "src/tree.c", "src/disk/disk*.c", "src/layout/disk-mbr.c",
    "src/disk/output.c", "src/sources/source-*.c", "src/sources/nar*.c",
    "src/sources/decompress.c", "src/hurd/hurd.c", "src/hurd/etc.c",
    "src/boot/grub.c", "src/hurd/guix-db.c", "src/config/config.c",
]

# The suite: every unit test, and the integration tests that need no
# virtual machine, no valgrind and no fault injection (boot.sh,
# boot-demo.sh, guix-system.sh boot QEMU; guestfs.sh starts a libguestfs
# appliance; valgrind.sh and faults.sh run whole builds many times over;
# large.sh writes 20,000 items and 65,000 directories; docs.sh checks
# documentation and make install, format.sh the layout of the sources
# and layers.sh their includes, not the modules' behaviour; cli.sh gives
# libconfuse a 10 MB value, which it grows a byte at a time: hours under
# ASan).  The bad-input
# catalogue runs as one unit per case (and one for the build of its
# unbroken fixtures), the corruption sweep as one unit per form, so a
# mutant runs only the cases that execute its line.
UNIT = ["size", "tree", "config", "image_type", "mbr", "grub", "disk",
        "qcow2", "ext2", "boot", "inspect", "sexp", "hurd_boot", "sources"]
INTEGRATION = [
    "tests/integration/oracles.sh", "tests/integration/qcow2.sh",
    "tests/integration/reproducible.sh", "tests/integration/closure.sh",
    "tests/integration/archive.sh", "tests/integration/substitutes.sh",
    "tests/integration/sparse.sh", "tests/integration/translators.sh",
    "tests/integration/bare-hurd.sh", "tests/integration/guix-db.sh",
    "tests/integration/unprivileged.sh", "tests/integration/depfile.sh",
    "tests/integration/json.sh", "tests/integration/inspect.sh",
    "tests/integration/scale.sh", "tests/integration/secrets.sh",
    "tests/integration/partitions.sh", "tests/integration/reflink.sh",
]
BAD_INPUT = "tests/bad-input/run.sh"
SWEEP = "tests/integration/corruption.sh"


def suite(tree):
    """The units of the suite, by name: (command, extra environment)."""
    units = {}
    for u in UNIT:
        units["tests/unit/check_" + u] = ([os.path.join(tree, "tests/unit/check_" + u)], {})
    for t in INTEGRATION:
        units[t] = (["bash", os.path.join(tree, t)], {})
    fixtures = os.path.join(tree, "..", "fixtures")
    cases = sorted(f[:-5] for f in os.listdir(os.path.join(tree, "tests/bad-input"))
                   if f.endswith(".case"))
    for c in ["-"] + cases:
        env = {"BAD_INPUT_CASES": c, "BAD_INPUT_FIXTURES": fixtures,
               "BAD_INPUT_CONTROL": "yes" if c == "-" else "no"}
        units[BAD_INPUT + ":" + ("(unbroken fixtures)" if c == "-" else c)] = \
            (["bash", os.path.join(tree, BAD_INPUT)], env)
    if os.path.exists(os.path.join(tree, SWEEP)):
        forms = subprocess.run(["python3", os.path.join(tree, "tests/integration/corruption.py"),
                                "--forms"], capture_output=True, text=True, check=True).stdout.split()
        for f in forms:
            units[SWEEP + ":" + f] = (["bash", os.path.join(tree, SWEEP)], {"CORRUPTION_FORMS": f})
    return units


def make_fixtures(tree, log):
    """The bad-input fixtures, made once for every unit of the catalogue
    (they depend on the tools that make them, not on mkhurdimg)."""
    fixtures = os.path.join(tree, "..", "fixtures")
    if not os.path.isdir(fixtures):
        if sh(["bash", os.path.join(tree, "tests/bad-input/make-fixtures.sh"), fixtures + ".new"],
              tree, log) != 0:
            sys.exit("make-fixtures.sh failed, see " + log)
        os.rename(fixtures + ".new", fixtures)


EQUIVALENT = os.path.join(HERE, "equivalent.txt")
RESULTS = os.path.join(HERE, "RESULTS.md")

# ---------------------------------------------------------------- C tokens

TOKEN = re.compile(r"""
  (?P<ws>[ \t\r\f\v]+)
| (?P<nl>\n)
| (?P<comment>//[^\n]*|/\*.*?\*/)
| (?P<string>"(?:\\.|[^"\\\n])*")
| (?P<char>'(?:\\.|[^'\\\n])*')
| (?P<number>0[xX][0-9a-fA-F]+[uUlL]*|[0-9]+\.[0-9]*(?:[eE][-+]?[0-9]+)?[fFlL]?
             |[0-9]+[eE][-+]?[0-9]+|[0-9]+[uUlL]*)
| (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
| (?P<op>\.\.\.|->|\+\+|--|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^!=<>]=?|[?:;,.(){}\[\]~])
""", re.S | re.X)

KEYWORDS = {"if", "while", "for", "switch", "return", "sizeof", "do", "else",
            "case", "default", "goto", "break", "continue", "typedef",
            "static", "struct", "union", "enum", "const", "unsigned",
            "signed", "int", "char", "long", "short", "void", "volatile",
            "_Alignof", "__attribute__", "__typeof__", "typeof", "offsetof"}
# Calls whose deletion does not compile or is not a program change.
NEVER_DELETE = {"va_start", "va_end", "va_copy", "assert"}
NEGATE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


class Tok:
    __slots__ = ("kind", "text", "start", "end", "line")

    def __init__(self, kind, text, start, end, line):
        self.kind, self.text, self.start, self.end, self.line = kind, text, start, end, line


def tokenize(src):
    """Tokens of SRC, without comments, blanks or preprocessor lines."""
    toks, pos, line, bol = [], 0, 1, True
    while pos < len(src):
        if bol:
            m = re.match(r"[ \t]*#", src[pos:pos + 200])
            if m:   # a directive, with its continuation lines
                while True:
                    nl = src.find("\n", pos)
                    if nl < 0:
                        pos = len(src)
                        break
                    cont = src[pos:nl].rstrip().endswith("\\")
                    pos, line = nl + 1, line + 1
                    if not cont:
                        break
                continue
        m = TOKEN.match(src, pos)
        if not m:
            raise ValueError("cannot tokenize at line %d: %r" % (line, src[pos:pos + 20]))
        kind = m.lastgroup
        text = m.group()
        if kind == "nl":
            bol = True
        elif kind == "comment":
            bol = bol and "\n" not in text
        elif kind != "ws":
            bol = False
            toks.append(Tok(kind, text, m.start(), m.end(), line))
        line += text.count("\n")
        pos = m.end()
    return toks


def matching(toks):
    """Index of the matching bracket for every bracket token."""
    match, stack = {}, []
    for i, t in enumerate(toks):
        if t.text in "([{":
            stack.append(i)
        elif t.text in ")]}":
            j = stack.pop()
            match[i], match[j] = j, i
    return match


# ---------------------------------------------------------------- sites

def functions(toks, match):
    """For every token index, the function it is in (name, returns a
    pointer), or None outside functions."""
    owner = [None] * len(toks)
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.text == "{" and i > 0 and toks[i - 1].text == ")":
            op = match[i - 1]
            if op > 0 and toks[op - 1].kind == "ident":
                name = toks[op - 1].text
                ptr = op > 1 and toks[op - 2].text == "*"
                end = match[i]
                for k in range(i, end + 1):
                    owner[k] = (name, ptr)
                i = end + 1
                continue
        if t.text == "{":   # an initializer or a struct at file scope
            i = match[i] + 1
            continue
        i += 1
    return owner


def statement_start(toks, match, i):
    """Does a statement start at token I?"""
    if i == 0:
        return False
    p = toks[i - 1]
    if p.text in (";", "{", "}") or p.text == "else":
        return True
    if p.text == ")":
        o = match[i - 1]
        return o > 0 and toks[o - 1].text in ("if", "while", "for")
    return False


def in_attribute(toks, match, i):
    """Is token I inside __attribute__((...))?"""
    k = i
    while k > 0:
        k -= 1
        if toks[k].text == "__attribute__" and k + 1 < len(toks) and toks[k + 1].text == "(":
            return match[k + 1] > i
        if toks[k].text in (";", "{", "}"):
            return False
    return False


def sites_of(path, rel):
    src = open(path).read()
    toks = tokenize(src)
    match = matching(toks)
    owner = functions(toks, match)
    lines = src.split("\n")
    out = []

    def add(i, j, repl, op, orig):
        t = toks[i]
        fn = owner[i][0] if owner[i] else "(file scope)"
        out.append({"file": rel, "line": t.line, "function": fn, "op": op,
                    "start": t.start, "end": toks[j].end, "orig": orig,
                    "repl": repl, "text": " ".join(lines[t.line - 1].split())})

    for i, t in enumerate(toks):
        if not owner[i] or in_attribute(toks, match, i):
            continue
        if t.text in NEGATE:
            add(i, i, NEGATE[t.text], "cmp %s -> %s" % (t.text, NEGATE[t.text]), t.text)
        elif t.text in ("&&", "||"):
            r = "||" if t.text == "&&" else "&&"
            add(i, i, r, "logic %s -> %s" % (t.text, r), t.text)
        elif t.kind == "number" and re.fullmatch(r"0[xX][0-9a-fA-F]+[uUlL]*|[0-9]+[uUlL]*", t.text):
            for d in ("+", "-"):
                add(i, i, "(%s %s 1)" % (t.text, d), "const %s -> %s %s 1" % (t.text, t.text, d), t.text)
        elif t.text == "return":
            j = i + 1
            while toks[j].text != ";":
                j = match.get(j, j) + 1 if toks[j].text in "([{" else j + 1
            expr = src[toks[i + 1].start:toks[j - 1].end] if j > i + 1 else ""
            if not expr or expr == "NULL":
                continue
            if owner[i][1]:
                repl = "NULL"
            else:
                repl = "1" if expr == "0" else "0"
            if expr == repl:
                continue
            k = j - 1
            add(i + 1, k, repl, "return %s -> %s" % (short(expr), repl), expr)
        elif (t.kind == "ident" and t.text not in KEYWORDS and t.text not in NEVER_DELETE
              and statement_start(toks, match, i)):
            j = i
            while j + 2 < len(toks) and toks[j + 1].text in ("->", ".") and toks[j + 2].kind == "ident":
                j += 2
            if j + 1 < len(toks) and toks[j + 1].text == "(":
                close = match[j + 1]
                if close + 1 < len(toks) and toks[close + 1].text == ";":
                    call = src[t.start:toks[close].end]
                    add(i, close, "(void)0", "delete %s" % short(call), call)
    # the n-th site with the same op on the same line text of the function
    seen = {}
    for s in out:
        k = (s["function"], s["text"], s["op"])
        seen[k] = seen.get(k, 0) + 1
        s["nth"] = seen[k]
        s["key"] = "%s\t%s\t%s\t%s\t%d" % (s["file"], s["function"], s["op"], s["text"], s["nth"])
    return out


def short(text, n=40):
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 3] + "..."


def module_files(srcdir):
    found = []
    for root, _, files in os.walk(os.path.join(srcdir, "src")):
        for f in files:
            rel = os.path.relpath(os.path.join(root, f), srcdir)
            if any(fnmatch.fnmatch(rel, g) for g in MODULES):
                found.append(rel)
    return sorted(found)


def all_sites(srcdir):
    sites = []
    for rel in module_files(srcdir):
        sites += sites_of(os.path.join(srcdir, rel), rel)
    return sites


def load_equivalent():
    """equivalent.txt: FILE, FUNCTION, OPERATOR, LINE TEXT, N-TH and WHY,
    tab-separated; line numbers are not part of it, so entries survive
    edits elsewhere in the file."""
    eq = {}
    if os.path.exists(EQUIVALENT):
        for line in open(EQUIVALENT):
            if line.startswith("#") or not line.strip():
                continue
            f = line.rstrip("\n").split("\t")
            if len(f) != 6:
                sys.exit("equivalent.txt: not 6 tab-separated fields: %r" % line)
            eq["\t".join(f[:5])] = f[5]
    return eq


def draw(srcdir, n, seed):
    """N mutants at random lines: a line is drawn (each line with a site
    as likely as any other, so a line of five constants does not count
    five times), then one of its sites."""
    eq = load_equivalent()
    pool = [s for s in all_sites(srcdir) if s["key"] not in eq]
    by_line = {}
    for s in pool:
        by_line.setdefault((s["file"], s["line"]), []).append(s)
    rng = random.Random(seed)
    lines = rng.sample(sorted(by_line), min(n, len(by_line)))
    pick = [rng.choice(by_line[l]) for l in lines]
    return sorted(pick, key=lambda s: (s["file"], s["start"], s["op"])), len(pool), len(eq)


# ---------------------------------------------------------------- the copies

class Interrupted(Exception):
    pass


def on_signal(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def sh(cmd, cwd, log, timeout=None, env=None):
    """Run CMD (a list) in its own process group; its status, or None on a
    timeout (the whole group is killed)."""
    with open(log, "ab") as out:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                             env=env, start_new_session=True)
        try:
            return p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            return None
        except BaseException:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
            raise


def source_files(srcdir):
    """The files of the tree: git's (tracked and untracked, not ignored)
    in a checkout, else every file but build products."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"],
                             cwd=srcdir, capture_output=True, check=True).stdout
        return sorted(f for f in out.decode().split("\0") if f and os.path.isfile(os.path.join(srcdir, f)))
    except (OSError, subprocess.CalledProcessError):
        skip = re.compile(r"(^|/)(mutation|fuzz|autom4te\.cache|\.deps)(/|$)|\.(o|a|log|trs)$")
        files = []
        for root, dirs, names in os.walk(srcdir):
            for f in names:
                rel = os.path.relpath(os.path.join(root, f), srcdir)
                if not skip.search(rel):
                    files.append(rel)
        return sorted(files)


def tree_hash(srcdir, files):
    """The state the coverage depends on: every file but the runner's
    own, the fuzz harnesses and the integration tests not in the suite."""
    h = hashlib.sha256()
    for f in files:
        if f.startswith(("tests/mutation/", "tests/fuzz/")) or (
                f.startswith("tests/integration/") and f.endswith(".sh")
                and f not in INTEGRATION + [SWEEP, "tests/integration/lib.sh",
                                            "tests/integration/check-image.sh",
                                            "tests/integration/guix-translators.sh"]):
            continue
        h.update(f.encode() + b"\0")
        with open(os.path.join(srcdir, f), "rb") as fh:
            h.update(hashlib.sha256(fh.read()).digest())
    return h.hexdigest()


def copy_tree(srcdir, dest, files):
    """DEST holds FILES as in SRCDIR, nothing else of the sources changed;
    build products already there stay (an incremental rebuild)."""
    for f in files:
        s, d = os.path.join(srcdir, f), os.path.join(dest, f)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        if os.path.exists(d) and open(s, "rb").read() == open(d, "rb").read():
            continue
        shutil.copy2(s, d)
        os.utime(d)   # newer than anything built from the old one


def build(tree, log, cflags, sanitizers, jobs, units=None):
    """Configure once, then make the program and the unit tests: all of
    them, or those of UNITS (the units a mutant runs; the others are
    relinked when a later mutant needs them)."""
    if not os.path.exists(os.path.join(tree, "config.status")):
        if sh(["autoreconf", "-fi"], tree, log) != 0:
            sys.exit("autoreconf failed, see " + log)
        args = ["./configure", "-q", "CFLAGS=" + cflags]
        if sanitizers:
            args.append("--enable-sanitizers")
        if sh(args, tree, log) != 0:
            sys.exit("configure failed, see " + log)
    targets = ["src/mkhurdimg"] + ["tests/unit/check_" + u for u in UNIT
                                   if units is None or "tests/unit/check_" + u in units]
    if units is None:
        targets.append("tests/faults/faultinject.so")
    return sh(["make", "-j%d" % jobs] + targets, tree, log)


def test_env(tree, srcdir_of_tests):
    env = dict(os.environ)
    env.update(top_srcdir=srcdir_of_tests, top_builddir=tree,
               MKHURDIMG=os.path.join(tree, "src/mkhurdimg"), CK_DEFAULT_TIMEOUT="120",
               ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    return env


def run_test(tree, units, test, log, timeout):
    """0: passed (or skipped), 1: failed, None: timed out."""
    cmd, extra = units[test]
    env = test_env(tree, tree)
    env.update(extra)
    with open(log, "ab") as f:
        f.write(("\n==== %s\n" % test).encode())
    r = sh(cmd, tree, log, timeout=timeout, env=env)
    if r is None:
        return None
    return 0 if r in (0, 77) else 1


def run_units(tree, units, tests, log, seconds, jobs):
    """Run TESTS, JOBS at a time, in their order, until one fails: the
    failing unit (with " (timeout)" when it ran too long), or None; and
    how many were started.  Each unit runs in its own process group,
    which is killed when the unit ends, and its output goes to LOG."""
    running, started, failed = [], 0, None
    pending = list(tests)
    try:
        while (pending and failed is None) or running:
            while pending and failed is None and len(running) < jobs:
                test = pending.pop(0)
                cmd, extra = units[test]
                env = test_env(tree, tree)
                env.update(extra)
                out = open(log + ".%d" % started, "w+b")
                p = subprocess.Popen(cmd, cwd=tree, stdout=out, stderr=subprocess.STDOUT,
                                     env=env, start_new_session=True)
                limit = max(60, 10 * seconds.get(test, 60))
                running.append((p, test, out, time.time() + limit))
                started += 1
            time.sleep(0.05)
            for item in list(running):
                p, test, out, deadline = item
                r = p.poll()
                if r is None and time.time() < deadline and failed is None:
                    continue
                if r is None:   # too slow, or another unit failed
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
                    if failed is None:
                        failed = test + " (timeout)"
                elif r not in (0, 77) and failed is None:
                    failed = test
                if r is not None:
                    # What the unit left behind in its group (a test
                    # case Check forked and lost on its own timeout).
                    try:
                        os.killpg(p.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                running.remove(item)
                out.seek(0)
                with open(log, "ab") as f:
                    f.write(("\n==== %s: %s\n" % (test, r)).encode() + out.read())
                out.close()
                os.unlink(out.name)
    except BaseException:
        for p, _, out, _ in running:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
            out.close()
            os.unlink(out.name)
        raise
    return failed, started


# ---------------------------------------------------------------- coverage

def coverage(srcdir, work, files, jobs, log):
    """{unit: {file: [lines executed]}}, {file: [lines gcov knows]} and
    {unit: seconds}, from a gcov build of the same sources, made once per
    state of the sources."""
    cov = os.path.join(work, "cov")
    state = tree_hash(srcdir, files)
    cache = os.path.join(work, "coverage.json")
    if os.path.exists(cache):
        data = json.load(open(cache))
        if data.get("state") == state:
            return data["lines"], data["known"], data["seconds"]
    copy_tree(srcdir, cov, files)
    print("coverage: building a gcov copy in %s" % cov, flush=True)
    if build(cov, log, "-O0 -g --coverage", False, jobs) != 0:
        sys.exit("the coverage build failed, see " + log)
    make_fixtures(cov, log)
    units = suite(cov)
    mods = module_files(srcdir)
    lines, known, seconds = {}, {}, {}
    for test in units:
        for root, _, names in os.walk(cov):
            for n in names:
                if n.endswith(".gcda"):
                    os.unlink(os.path.join(root, n))
        t0 = time.time()
        r = run_test(cov, units, test, log, 1800)
        seconds[test] = round(time.time() - t0, 2)
        if r != 0:
            sys.exit("%s fails on the unmutated sources (gcov build), see %s" % (test, log))
        lines[test] = gcov_lines(cov, mods, known)
        print("coverage: %-60s %6.1f s, %5d lines" %
              (test, seconds[test], sum(len(v) for v in lines[test].values())), flush=True)
    known = {f: sorted(v) for f, v in known.items()}
    json.dump({"state": state, "lines": lines, "known": known, "seconds": seconds},
              open(cache, "w"))
    return lines, known, seconds


def gcov_lines(cov, mods, known):
    """The lines of MODS the last unit executed; every line gcov has a
    record of is added to KNOWN."""
    gcda = {}
    for rel in mods:
        base = os.path.splitext(os.path.basename(rel))[0]
        for name in (base + ".gcda", "libmkhurdimg_a-" + base + ".gcda"):
            path = os.path.join(cov, os.path.dirname(rel), name)
            if os.path.exists(path):
                gcda[path] = rel
    out = {}
    if not gcda:
        return out
    p = subprocess.run(["gcov", "--json-format", "--stdout"] + sorted(gcda), cwd=cov,
                       capture_output=True)
    for doc in p.stdout.decode().splitlines():
        if not doc.strip():
            continue
        for f in json.loads(doc).get("files", []):
            rel = next((r for r in mods if f["file"].endswith(r)), None)
            if not rel:
                continue
            known.setdefault(rel, set()).update(ln["line_number"] for ln in f["lines"])
            hit = [ln["line_number"] for ln in f["lines"] if ln["count"] > 0]
            if hit:
                out.setdefault(rel, []).extend(hit)
    return out


def covering(site, lines, known, seconds):
    """The units that execute the mutated line, fastest first.  A line gcov
    has no record of (the second line of a condition, say) counts as the
    lines with a record around it: the one before and the one after."""
    rec = known.get(site["file"], [])
    want = {site["line"]}
    if site["line"] not in rec:
        before = [l for l in rec if l < site["line"]]
        after = [l for l in rec if l > site["line"]]
        want = set(before[-1:] + after[:1])
    tests = [t for t in lines if want & set(lines[t].get(site["file"], []))]
    return sorted(tests, key=lambda t: seconds.get(t, 0))


# ---------------------------------------------------------------- the run

def mutate(tree, site, pristine):
    path = os.path.join(tree, site["file"])
    src = pristine[site["file"]]
    with open(path, "w") as f:
        f.write(src[:site["start"]] + site["repl"] + src[site["end"]:])


def restore(tree, pristine, touched):
    """Put every mutated file back, newer than its objects, and check."""
    for rel in list(touched):
        path = os.path.join(tree, rel)
        with open(path, "w") as f:
            f.write(pristine[rel])
        os.utime(path)
        if open(path).read() != pristine[rel]:
            raise SystemExit("could not restore " + path)
        touched.discard(rel)


def git_state(srcdir):
    try:
        return subprocess.run(["git", "diff", "HEAD", "--", "src", "include"], cwd=srcdir,
                              capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def cmd_run(a):
    # From the start: a signal then raises Interrupted, which kills the
    # running test's process group (sh) and restores the copy (below).
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        return run_all(a)
    except Interrupted as e:
        print("interrupted (%s) before any mutant; nothing was mutated" % e, flush=True)
        return 130


def resumed(work, a, pool, neq, state):
    """With --resume, the results of an earlier run of the same draw on the
    same sources (WORKDIR/results.json), to be kept and not run again."""
    path = os.path.join(work, "results.json")
    if not a.resume or a.only or not os.path.exists(path):
        return []
    old = json.load(open(path))
    same = (old.get("seed"), old.get("n"), old.get("pool"), old.get("equivalent"),
            old.get("only"), old.get("state", state)) == \
        (a.seed, a.n, pool, neq, False, state)
    if not same:
        sys.exit("--resume: %s is of another draw or other sources; remove it" % path)
    print("resuming: %d of the %d mutants were run already" % (len(old["results"]), a.n),
          flush=True)
    return old["results"]


def run_all(a):
    srcdir, work = os.path.abspath(a.srcdir), os.path.abspath(a.workdir)
    os.makedirs(work, exist_ok=True)
    log = os.path.join(work, "run.log")
    open(log, "w").close()
    files = source_files(srcdir)
    before = git_state(srcdir)
    t_start = time.time()
    lines, known, seconds = coverage(srcdir, work, files, a.jobs, log)

    if a.only:
        keys = set(l.rstrip("\n") for l in open(a.only) if l.strip() and not l.startswith("#"))
        sample = [s for s in all_sites(srcdir) if s["key"] in keys]
        pool, neq = len(sample), len(load_equivalent())
    else:
        sample, pool, neq = draw(srcdir, a.n, a.seed)
        # Run in a seeded random order, so that a run stopped early has
        # tried a random part of the sample, not the first files.
        random.Random(a.seed).shuffle(sample)
    state = tree_hash(srcdir, files)
    results = resumed(work, a, pool, neq, state)
    done = set(r["key"] for r in results)
    t_start -= sum(r.get("seconds", 0) for r in results)
    tree = os.path.join(work, "tree")
    copy_tree(srcdir, tree, files)
    pristine = {rel: open(os.path.join(tree, rel)).read() for rel in module_files(srcdir)}
    touched = set()
    try:
        print("building the ASan copy in %s" % tree, flush=True)
        if build(tree, log, "-O1 -g", True, a.jobs) != 0:
            sys.exit("the ASan build failed, see " + log)
        make_fixtures(tree, log)
        units = suite(tree)
        if not a.no_baseline:   # the suite must pass before any mutant
            failed, _ = run_units(tree, units, list(units), log,
                                  {t: max(180, seconds.get(t, 0)) for t in units}, a.jobs)
            if failed:
                sys.exit("%s fails on the unmutated sources (ASan build), see %s"
                         % (failed, log))
        print("%s; %d mutants from a pool of %d (%d equivalent excluded)"
              % ("the suite was not run unmutated (--no-baseline)" if a.no_baseline
                 else "the suite passes unmutated", len(sample), pool, neq), flush=True)
        for i, site in enumerate(sample, 1):
            if site["key"] in done:
                continue
            t0 = time.time()
            touched.add(site["file"])
            mutate(tree, site, pristine)
            res = dict(site)
            tests = covering(site, lines, known, seconds)
            if build(tree, log, "-O1 -g", True, a.jobs, tests) != 0:
                res["status"] = "invalid"
                res["by"] = "does not compile"
            else:
                res["status"], res["by"] = "survived", ""
                res["ran"] = 0
                if not tests:
                    res["by"] = "no test executes it"
                failed, res["ran"] = run_units(tree, units, tests, log, seconds, a.jobs)
                if failed:
                    res["status"], res["by"] = "killed", failed
                if res["status"] == "survived" and tests:
                    res["by"] = "%d units execute it, none fails" % len(tests)
            restore(tree, pristine, touched)
            res["seconds"] = round(time.time() - t0, 1)
            results.append(res)
            print("%3d/%d %-9s %s:%d %s  %s (%.0f s)" % (i, len(sample), res["status"], site["file"],
                                                         site["line"], site["op"], res["by"],
                                                         res["seconds"]), flush=True)
            with open(os.path.join(work, "results-only.json" if a.only else "results.json"),
                      "w") as f:
                json.dump({"seed": a.seed, "n": a.n, "pool": pool, "equivalent": neq,
                           "only": bool(a.only), "state": state, "results": results,
                           "seconds": round(time.time() - t_start)}, f)
    except Interrupted as e:
        print("interrupted (%s): the copy is restored, no RESULTS.md written" % e, flush=True)
        return 130
    finally:
        restore(tree, pristine, touched)
        for rel, text in pristine.items():
            if open(os.path.join(tree, rel)).read() != text:
                sys.exit("the copy's %s is not pristine" % rel)
        if git_state(srcdir) != before:
            # The runner writes only under WORKDIR: a change here is an edit
            # made meanwhile, and the results are for the tree at the start.
            print("note: src/ or include/ changed during the run (not by the runner); "
                  "the results are for the tree as it was at the start", flush=True)
    if not a.only:
        write_results(srcdir, work)
        return 0
    # A recheck of survivors: the killed ones, with their test, go to
    # kills.txt, which RESULTS.md reads.
    killed = [r for r in results if r["status"] == "killed"]
    old = load_kills()
    with open(os.path.join(HERE, "kills.txt"), "a") as f:
        if not os.path.getsize(os.path.join(HERE, "kills.txt")):
            f.write("# Survivors of the run in RESULTS.md killed since, by a recheck\n"
                    "# (mutants.py run --only): FILE FUNCTION OPERATOR LINE N-TH TEST,\n"
                    "# tab-separated.\n")
        for r in killed:
            if r["key"] not in old:
                f.write("%s\t%s\n" % (r["key"], r["by"]))
    print("rechecked %d mutants: %d killed now, %d still survive"
          % (len(results), len(killed), len(results) - len(killed)))
    if os.path.exists(os.path.join(work, "results.json")):
        write_results(srcdir, work)
    return 0


# ---------------------------------------------------------------- RESULTS.md

def load_kills():
    """kills.txt: survivors of the recorded run killed since, as KEY<TAB>TEST."""
    k = {}
    path = os.path.join(HERE, "kills.txt")
    if os.path.exists(path):
        for line in open(path):
            if line.startswith("#") or not line.strip():
                continue
            f = line.rstrip("\n").split("\t")
            k["\t".join(f[:5])] = f[5]
    return k


def write_results(srcdir, work):
    data = json.load(open(os.path.join(work, "results.json")))
    eq, kills = load_equivalent(), load_kills()
    res = sorted(data["results"], key=lambda r: (r["file"], r["line"], r["op"]))
    valid = [r for r in res if r["status"] != "invalid"]
    for r in valid:
        if r["status"] == "survived":
            if r["key"] in eq:
                r["now"], r["why"] = "equivalent", eq[r["key"]]
            elif r["key"] in kills:
                r["now"], r["why"] = "killed", "killed since by " + kills[r["key"]]
            else:
                r["now"], r["why"] = "survived", r["by"]
        else:
            r["now"], r["why"] = "killed", r["by"]
    counted = [r for r in valid if r["now"] != "equivalent"]
    killed = [r for r in counted if r["now"] == "killed"]
    first = [r for r in valid if r["status"] == "killed"]

    def pct(a, b):
        return "%.1f%%" % (100.0 * a / b) if b else "-"

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=srcdir,
                                capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    by_mod = {}
    for r in counted:
        m = by_mod.setdefault(r["file"], [0, 0])
        m[0] += 1
        m[1] += r["now"] == "killed"
    out = ["# Mutation testing results", "",
           "Written by `make mutants` (tests/mutation/mutants.py; see README there).", "",
           "- run: %s, commit %s, seed %s, %d mutants drawn from a pool of %d sites "
           "(%d listed in equivalent.txt, not drawn), %d minutes"
           % (datetime.date.today().isoformat(), commit, data["seed"],
              len(res) if data.get("only") else data["n"],
              data["pool"], data["equivalent"], data["seconds"] // 60),
           "- invalid (do not compile): %d; run: %d" % (len(res) - len(valid), len(valid)),
           ] + ([] if data.get("only") or len(res) >= data["n"] else [
           "- **partial: the run was stopped after %d of the %d mutants drawn**; they ran "
           "in a seeded random order, so these are a random part of the sample"
           % (len(res), data["n"])]) + [
           "- killed when run: %d of %d (%s)" % (len(first), len(valid), pct(len(first), len(valid))),
           "- survivors found equivalent since (equivalent.txt): %d" % (len(valid) - len(counted)),
           "- **score: %d of %d non-equivalent mutants killed, %s**"
           % (len(killed), len(counted), pct(len(killed), len(counted))), "",
           "## By module", "",
           "| module | mutants | killed | score |", "| --- | --- | --- | --- |"]
    small = [0, 0]
    for mod in sorted(by_mod):
        n, k = by_mod[mod]
        if n >= 10:
            out.append("| %s | %d | %d | %s |" % (mod, n, k, pct(k, n)))
        else:
            small[0] += n
            small[1] += k
    out.append("| (modules with fewer than 10, pooled) | %d | %d | %s |"
               % (small[0], small[1], pct(small[1], small[0])))
    out += ["", "## Survivors", "",
            "Each mutant that survived the run, and what became of it.", "",
            "| where | function | mutant | now |", "| --- | --- | --- | --- |"]
    for r in res:
        if r["status"] == "survived":
            out.append("| %s:%d | %s | `%s` | %s: %s |" % (r["file"], r["line"], r["function"],
                                                         md(r["op"]), r["now"], md(r["why"])))
    out += ["", "## Every mutant", "",
            "| where | function | mutant | result | by |", "| --- | --- | --- | --- | --- |"]
    for r in res:
        out.append("| %s:%d | %s | `%s` | %s | %s |" % (r["file"], r["line"], r["function"],
                                                      md(r["op"]), r["status"], md(r["by"])))
    with open(RESULTS, "w") as f:
        f.write("\n".join(out) + "\n")
    print("score: %d of %d non-equivalent mutants killed (%s); %s written"
          % (len(killed), len(counted), pct(len(killed), len(counted)), RESULTS))


def md(s):
    return s.replace("|", "\\|").replace("`", "'")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("srcdir")
    r.add_argument("workdir")
    r.add_argument("-n", type=int, default=100)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--jobs", type=int, default=2)
    r.add_argument("--only", help="a file of mutant keys to run instead of a draw")
    r.add_argument("--resume", action="store_true",
                   help="keep the mutants WORKDIR/results.json has from a stopped run "
                        "of the same draw and sources, and run the rest")
    r.add_argument("--no-baseline", action="store_true",
                   help="do not first run the suite unmutated (it passed at this state)")
    l = sub.add_parser("list")
    l.add_argument("srcdir")
    w = sub.add_parser("results")
    w.add_argument("srcdir")
    w.add_argument("workdir")
    a = p.parse_args()
    if a.cmd == "list":
        for s in all_sites(a.srcdir):
            print("%s:%d\t%s\t%s" % (s["file"], s["line"], s["function"], s["op"]))
        return 0
    if a.cmd == "results":
        write_results(os.path.abspath(a.srcdir), os.path.abspath(a.workdir))
        return 0
    return cmd_run(a)


if __name__ == "__main__":
    sys.exit(main())
