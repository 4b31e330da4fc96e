#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""su-pty.py RUNNER TARGET PROMPT CREDFILE TRANSCRIPT

For tests/real/su.sh (root, inside its private namespaces): runs
"/bin/su TARGET -c 'id -un'" as the user RUNNER on a new pseudo-terminal,
as a person would at a login prompt: waits for PROMPT on the terminal,
then for the terminal's echo to be off (su's conversation prints the
prompt before it turns echo off, with TCSAFLUSH, which would discard
anything typed earlier), types the first line of CREDFILE and Enter, and
reads everything su writes until it exits.

Writes the whole terminal output to TRANSCRIPT and prints one line on
stdout: "exit=N prompt=0|1 echo_off=0|1 echoed=0|1", where echoed says
whether the credential (or any 16-byte piece of it) came back on the
terminal.  Never prints the credential.  Exit 0 when su ran to the end,
2 on a usage or setup error or a timeout.
"""
import os
import pty
import select
import sys
import termios
import time

TIMEOUT = 30.0


def read_some(fd, deadline):
    """Bytes from fd, b"" at EOF (EIO: the slave side closed)."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        r, _, _ = select.select([fd], [], [], min(left, 0.2))
        if not r:
            return None
        try:
            return os.read(fd, 4096)
        except OSError:
            return b""


def main():
    if len(sys.argv) != 6:
        sys.stderr.write(__doc__)
        return 2
    runner, target, prompt, credfile, transcript = sys.argv[1:]
    with open(credfile, "rb") as f:
        cred = f.read().split(b"\n")[0]
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "dumb",
           "HOME": "/"}
    pid, master = pty.fork()
    if pid == 0:
        # Session leader with the pty as its controlling terminal.
        try:
            os.execve("/usr/bin/setpriv",
                      ["setpriv", "--reuid=" + runner, "--regid=" + runner,
                       "--init-groups", "--", "/bin/su", target, "-c",
                       "id -un"], env)
        finally:
            os._exit(127)

    out = b""
    seen_prompt = echo_off = False
    deadline = time.monotonic() + TIMEOUT
    try:
        while not seen_prompt:
            b = read_some(master, deadline)
            if b == b"":
                break
            if b:
                out += b
                seen_prompt = prompt.encode() in out
        if seen_prompt:
            while time.monotonic() < deadline:
                if not termios.tcgetattr(master)[3] & termios.ECHO:
                    echo_off = True
                    break
                time.sleep(0.01)
            os.write(master, cred + b"\n")
        while True:
            b = read_some(master, deadline)
            if b == b"":
                break
            if b:
                out += b
    except TimeoutError:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        with open(transcript, "wb") as f:
            f.write(out)
        print("timeout after %d s (prompt=%d echo_off=%d)"
              % (TIMEOUT, seen_prompt, echo_off))
        return 2
    _, status = os.waitpid(pid, 0)
    os.close(master)
    with open(transcript, "wb") as f:
        f.write(out)
    pieces = [cred] + [cred[i:i + 16] for i in range(0, len(cred) - 15, 8)]
    echoed = any(p in out for p in pieces if p)
    print("exit=%d prompt=%d echo_off=%d echoed=%d"
          % (os.waitstatus_to_exitcode(status), seen_prompt, echo_off,
             echoed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
