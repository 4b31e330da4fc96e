# SPDX-License-Identifier: BSD-3-Clause
"""A Python backend for tests/interop/interop.sh: PyJWT and hmac.

    python3 pyvendor.py version
    python3 pyvendor.py hmac   SECRET_FILE USER_ID
    python3 pyvendor.py encode SECRET_FILE PAYLOAD_JSON ALG [HEADERS_JSON]
    python3 pyvendor.py decode SECRET_FILE TOKEN OPTIONS_JSON [EXPECT_JSON]

The secret is the str on line SECRET_LINE (default 1) of the secret file;
PyJWT and hmac get its UTF-8 bytes, as a Python backend would pass them.
decode calls jwt.decode(token, secret, algorithms=["HS256"], **OPTIONS)
and prints "valid: PAYLOAD" (exit 0) or "invalid: ErrorName: message"
(exit 1); with EXPECT_JSON every listed claim must be equal (exit 2).
"""
import hashlib
import hmac
import json
import os
import sys

import jwt


def arg(i):
    # Arguments as the UTF-8 the shell passed, whatever the locale.
    return os.fsencode(sys.argv[i]).decode("utf-8")


def secret_of(path):
    n = int(os.environ.get("SECRET_LINE", "1"))
    with open(path, "rb") as f:
        lines = [l.rstrip(b"\r").decode("utf-8")
                 for l in f.read().split(b"\n")]
    lines = [l for l in lines if l and not l.startswith("#")]
    return lines[n - 1]


def main():
    cmd = sys.argv[1]
    if cmd == "version":
        print(jwt.__version__)
        return 0
    if cmd == "hmac":
        print(hmac.new(secret_of(arg(2)).encode("utf-8"),
                       arg(3).encode("utf-8"), hashlib.sha256).hexdigest())
        return 0
    if cmd == "encode":
        headers = json.loads(arg(5)) if len(sys.argv) > 5 else None
        tok = jwt.encode(json.loads(arg(3)), secret_of(arg(2)),
                         algorithm=arg(4), headers=headers)
        print(tok if isinstance(tok, str) else tok.decode("ascii"))
        return 0
    if cmd == "decode":
        opts = json.loads(arg(4))
        try:
            payload = jwt.decode(arg(3), secret_of(arg(2)),
                                 algorithms=["HS256"], **opts)
        except jwt.PyJWTError as e:
            print("invalid: %s: %s" % (type(e).__name__, e))
            return 1
        print("valid: %s" % json.dumps(payload, ensure_ascii=False))
        if len(sys.argv) > 5:
            for k, v in json.loads(arg(5)).items():
                if payload.get(k) != v:
                    print("mismatch: %s: got %r, want %r"
                          % (k, payload.get(k), v))
                    return 2
        return 0
    print("usage: see pyvendor.py's docstring", file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main())
