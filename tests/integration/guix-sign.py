#!/usr/bin/python3
"""Sign narinfo files as `guix publish` does: libgcrypt through an FFI.

  guix-sign.py keygen DIR          DIR/signing-key.pub and .sec, as
                                   `guix archive --generate-key` makes them
  guix-sign.py sign SECRET FILE... append "Signature: 1;HOST;BASE64" to each

Guix (guix pki) generates keys with (genkey (ecc (curve Ed25519) (flags
rfc6979))) and signs (data (flags rfc6979) (hash "sha256" #H#)), H the
SHA-256 of the narinfo text before the Signature line; with libgcrypt that
is ECDSA over the Ed25519 curve.  The signature field is the base64 of the
canonical (signature DATA SIG-VAL PUBLIC-KEY).  This script makes the same
libgcrypt calls through ctypes, the way Guix does through guile-gcrypt; it
shares no code with mkhurdimg.
"""
import base64
import ctypes
import ctypes.util
import hashlib
import sys

gcry = ctypes.CDLL(ctypes.util.find_library("gcrypt"))
gcry.gcry_check_version.restype = ctypes.c_char_p
gcry.gcry_check_version(None)
gcry.gcry_sexp_find_token.restype = ctypes.c_void_p
gcry.gcry_sexp_find_token.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
gcry.gcry_sexp_sprint.restype = ctypes.c_size_t
gcry.gcry_sexp_sprint.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]
gcry.gcry_sexp_new.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
gcry.gcry_pk_genkey.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p]
gcry.gcry_pk_sign.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p, ctypes.c_void_p]
CANON, ADVANCED = 1, 3


def sexp(text):
    s = ctypes.c_void_p()
    if gcry.gcry_sexp_new(ctypes.byref(s), text, len(text), 1):
        sys.exit("bad s-expression: %r" % text)
    return s.value


def show(s, mode):
    buf = ctypes.create_string_buffer(8192)
    n = gcry.gcry_sexp_sprint(s, mode, buf, 8192)
    return buf.raw[:n]


def keygen(d):
    key = ctypes.c_void_p()
    if gcry.gcry_pk_genkey(ctypes.byref(key), sexp(b"(genkey (ecc (curve Ed25519) (flags rfc6979)))")):
        sys.exit("genkey failed")
    for kind in ("public", "private"):
        part = gcry.gcry_sexp_find_token(key, kind.encode() + b"-key", 0)
        ext = "pub" if kind == "public" else "sec"
        with open("%s/signing-key.%s" % (d, ext), "wb") as f:
            f.write(show(part, ADVANCED))


def sign(secret, files):
    with open(secret, "rb") as f:
        sec = sexp(f.read())
    with open(secret[:-3] + "pub", "rb") as f:
        pub = sexp(f.read())
    for name in files:
        with open(name, "rb") as f:
            text = f.read()
        digest = hashlib.sha256(text).hexdigest().upper().encode()
        data = sexp(b'(data (flags rfc6979) (hash "sha256" #' + digest + b'#))')
        sig = ctypes.c_void_p()
        if gcry.gcry_pk_sign(ctypes.byref(sig), data, sec):
            sys.exit("sign failed")
        whole = b"(signature " + show(data, CANON) + show(sig, CANON) + show(pub, CANON) + b")"
        with open(name, "ab") as f:
            f.write(b"Signature: 1;localhost;" + base64.b64encode(show(sexp(whole), CANON)) + b"\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["keygen"]:
        keygen(sys.argv[2])
    elif sys.argv[1:2] == ["sign"]:
        sign(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)
