# SPDX-License-Identifier: BSD-3-Clause
"""tests/real/apache-load.py PORT MAINPID CASES TOTAL THREADS WARMUP

The load run of tests/real/apache.sh: TOTAL requests to
http://127.0.0.1:PORT/ok.txt from THREADS threads (one keep-alive
http.client connection each), cycling through the cases of the JSON file
CASES ([[name, user or null, credential or null, expected status], ...],
0600: it holds credentials, which are never printed).  The first WARMUP
requests run first; then the RSS of each worker (child of MAINPID) is
sampled from /proc, the remaining requests run, and it is sampled again.

Prints "key=value" lines: requests, wrong (answers other than the expected
status, each also printed as "wrong CASE got STATUS"), errors (exceptions),
per-case counts (sent_CASE=N), seconds, rps, workers before/after (pids),
rss_before_kib/rss_after_kib (pid:KiB,...).
"""

import http.client
import base64
import json
import os
import sys
import threading
import time


def workers(mainpid):
    """{pid: (ppid, VmRSS KiB)} of MAINPID's children."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/status") as f:
                st = dict(l.split(":", 1) for l in f if ":" in l)
        except OSError:
            continue
        if int(st["PPid"]) == mainpid:
            out[int(d)] = int(st.get("VmRSS", "0 kB").split()[0])
    return out


def main():
    port, mainpid = int(sys.argv[1]), int(sys.argv[2])
    with open(sys.argv[3]) as f:
        cases = json.load(f)
    total, nthreads, warmup = (int(a) for a in sys.argv[4:7])
    lock = threading.Lock()
    stats = {"wrong": 0, "errors": 0}
    sent = {c[0]: 0 for c in cases}
    wrong_lines = []

    def run(first, last, tid):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(first + tid, last, nthreads):
            # Each connection cycles through every case: i // nthreads
            # counts this thread's requests (a stride of nthreads over
            # i % len(cases) would pin it to one case).
            name, user, cred, want = cases[(i // nthreads + tid) % len(cases)]
            headers = {}
            if user is not None:
                raw = f"{user}:{cred}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
            try:
                conn.request("GET", "/ok.txt", headers=headers)
                r = conn.getresponse()
                r.read()
                got = r.status
            except Exception as e:  # noqa: BLE001 - counted, never retried
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    stats["errors"] += 1
                    sent[name] += 1
                    wrong_lines.append(f"error {name} {type(e).__name__}")
                continue
            with lock:
                sent[name] += 1
                if got != want:
                    stats["wrong"] += 1
                    wrong_lines.append(f"wrong {name} got {got} want {want}")
        conn.close()

    def phase(first, last):
        ts = [threading.Thread(target=run, args=(first, last, t))
              for t in range(nthreads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

    t0 = time.monotonic()
    phase(0, warmup)
    t1 = time.monotonic()
    before = workers(mainpid)
    t2 = time.monotonic()
    phase(warmup, total)
    t3 = time.monotonic()
    after = workers(mainpid)
    secs = (t1 - t0) + (t3 - t2)

    for line in wrong_lines[:20]:
        print(line)
    print(f"requests={sum(sent.values())}")
    print(f"wrong={stats['wrong']}")
    print(f"errors={stats['errors']}")
    for name, n in sent.items():
        print(f"sent_{name}={n}")
    print(f"seconds={secs:.2f}")
    print(f"rps={sum(sent.values()) / secs:.0f}")
    print("workers_before=" + ",".join(str(p) for p in sorted(before)))
    print("workers_after=" + ",".join(str(p) for p in sorted(after)))
    print("rss_before_kib=" + ",".join(f"{p}:{before[p]}" for p in sorted(before)))
    print("rss_after_kib=" + ",".join(f"{p}:{after[p]}" for p in sorted(after)))


if __name__ == "__main__":
    main()
