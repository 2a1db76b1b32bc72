#!/usr/bin/env python3
"""make-tree.py -- the generated input trees of bench/run.sh.

Usage: make-tree.py DIR SHAPE

SHAPE is one of
  small      100 x 60 directories of 100 files each: 600,000 files of
             0-3,000 bytes, 6,100 directories
  flat       160,000 files of 0-3,000 bytes in one directory
  flat:N     N of them
  files:N    N entries (files and their directories) in directories of
             100 files, 100 directories to a parent: the growth series

File names look like file-with-a-longish-name-042.txt; sizes and bytes
come from a fixed seed, so every run makes the same tree.  DIR must not
exist; it is made, filled, and its mtimes are set to one fixed time.
"""
import os
import random
import sys

NAME = "file-with-a-longish-name-%03d.txt"


def fill(rng, d, nfiles, names=NAME):
    for i in range(nfiles):
        size = rng.randrange(3001)
        with open(os.path.join(d, names % i), "wb") as f:
            f.write(rng.randbytes(size))


def small(root, rng):
    for a in range(100):
        for b in range(60):
            d = os.path.join(root, "dir-%02d" % a, "sub-%02d" % b)
            os.makedirs(d)
            fill(rng, d, 100)


def flat(root, rng, n=160000):
    os.makedirs(root)
    fill(rng, root, n, "file-with-a-longish-name-%06d.txt")


def files(root, rng, n):
    """About N entries: a leaf directory and its 100 files are 101."""
    leaves = max(1, n // 101)
    for k in range(leaves):
        d = os.path.join(root, "dir-%03d" % (k // 100), "sub-%02d" % (k % 100))
        os.makedirs(d)
        fill(rng, d, 100)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, shape = sys.argv[1], sys.argv[2]
    if os.path.exists(root):
        sys.exit("make-tree.py: %s exists" % root)
    rng = random.Random(14)
    if shape == "small":
        small(root, rng)
    elif shape == "flat":
        flat(root, rng)
    elif shape.startswith("flat:"):
        flat(root, rng, int(shape[5:]))
    elif shape.startswith("files:"):
        files(root, rng, int(shape[6:]))
    else:
        sys.exit("make-tree.py: unknown shape %s" % shape)
    # One time for everything: the tree is the same whenever it is made.
    for d, subdirs, names in os.walk(root, topdown=False):
        for n in names:
            os.utime(os.path.join(d, n), (1700000000, 1700000000))
        os.utime(d, (1700000000, 1700000000))


if __name__ == "__main__":
    main()
