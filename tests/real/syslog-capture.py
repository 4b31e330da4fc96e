#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""syslog-capture.py SOCKET OUTPUT [MAX_SECONDS]

A tiny syslog receiver for tests/real: binds a datagram Unix socket at
SOCKET (the tests bind /dev/log inside their private mount namespace,
which is where syslog(3) and so pam_syslog(3) send), and appends every
message it receives to OUTPUT as one line: "<PRI>" header kept, so the
facility can be checked, and any CR/LF inside a message escaped.

OUTPUT is written with one os.write per message (O_APPEND), so readers
never see half a line.  OUTPUT + ".ready" is created once the socket is
bound.  Exits on SIGTERM/SIGINT, or by itself after MAX_SECONDS (default
600) so it can never outlive a test for long; removes SOCKET on exit.
"""
import os
import signal
import socket
import sys
import time


def main():
    if len(sys.argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    path, output = sys.argv[1], sys.argv[2]
    deadline = time.monotonic() + (float(sys.argv[3]) if len(sys.argv) == 4
                                   else 600.0)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    try:
        # Like a real /dev/log: any process (sudo's user side too) may log.
        os.chmod(path, 0o666)
        sock.settimeout(0.5)
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with open(output + ".ready", "w") as ready:
            ready.write("%d\n" % os.getpid())
        while time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            text = data.decode("utf-8", "backslashreplace").rstrip("\n\0")
            text = text.replace("\r", "\\r").replace("\n", "\\n")
            os.write(fd, (text + "\n").encode("utf-8"))
        return 0
    finally:
        sock.close()
        try:
            os.unlink(path)
        except OSError:
            pass


if __name__ == "__main__":
    sys.exit(main())
