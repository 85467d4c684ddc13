"""FTP measurements of `deno task bench:peers` with Python's ftplib as the client.

The same client for every server: it measures what a server answers, on
loopback. Prints one JSON line. The password comes from FTP_PASSWORD (not
argv, which others on the machine can read).

Usage: _ftp_client.py OP PORT USER [ARGS...]
  roundtrip VERB ARG ROUNDS [CODE]
                              median us of one "VERB ARG" exchange (ARG may be empty), after
                              ROUNDS/10 warm-up; each reply must start with CODE (213)
  list PATH ENTRIES ROUNDS    median ms of LIST PATH (passive data connection included);
                              checks it has ENTRIES lines
  login ROUNDS                median ms of connect, greeting, USER and PASS (QUIT not timed)
  concurrent PATH...          one logged-in session per PATH; once all are in, all RETR at
                              once (a thread each, discarding): {"bytes", "seconds"}
"""

import ftplib
import json
import os
import statistics
import sys
import threading
import time

HOST = "127.0.0.1"
TIMEOUT = 120
CHUNK = 256 * 1024


def session(port, user, password):
    ftp = ftplib.FTP(timeout=TIMEOUT)
    ftp.connect(HOST, port)
    ftp.login(user, password)
    return ftp


def roundtrip(port, user, password, verb, arg, rounds, code="213"):
    ftp = session(port, user, password)
    line = f"{verb} {arg}" if arg else verb
    times = []
    for i in range(rounds // 10 + rounds):
        started = time.perf_counter()
        reply = ftp.sendcmd(line)
        elapsed = time.perf_counter() - started
        if not reply.startswith(code):
            raise RuntimeError(f"{line}: {reply}")
        if i >= rounds // 10:
            times.append(elapsed * 1e6)
    ftp.quit()
    return {"us": statistics.median(times)}


def listing(port, user, password, path, entries, rounds):
    ftp = session(port, user, password)
    times = []
    for i in range(rounds // 5 + rounds):
        lines = []
        started = time.perf_counter()
        ftp.retrlines(f"LIST {path}", lines.append)
        elapsed = time.perf_counter() - started
        count = sum(1 for line in lines if not line.startswith("total "))
        if count != entries:
            raise RuntimeError(f"LIST {path}: {count} entries, expected {entries}")
        if i >= rounds // 5:
            times.append(elapsed * 1e3)
    ftp.quit()
    return {"ms": statistics.median(times)}


def login(port, user, password, rounds):
    times = []
    for _ in range(rounds):
        ftp = ftplib.FTP(timeout=TIMEOUT)
        started = time.perf_counter()
        ftp.connect(HOST, port)
        ftp.login(user, password)
        times.append((time.perf_counter() - started) * 1e3)
        ftp.quit()
    return {"ms": statistics.median(times)}


def concurrent(port, user, password, paths):
    sessions = [session(port, user, password) for _ in paths]
    for ftp in sessions:
        ftp.voidcmd("TYPE I")
    start = threading.Barrier(len(paths) + 1)
    results = [None] * len(paths)

    def fetch(index):
        ftp = sessions[index]
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        try:
            start.wait()
            total = 0
            with ftp.transfercmd(f"RETR {paths[index]}") as conn:
                while True:
                    count = conn.recv_into(view)
                    if count == 0:
                        break
                    total += count
            ftp.voidresp()
            results[index] = (total, time.perf_counter())
        except Exception as error:  # reported below, after every thread is done
            results[index] = error

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(len(paths))]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    for ftp in sessions:
        ftp.close()
    errors = [r for r in results if isinstance(r, Exception) or r is None]
    if errors:
        raise RuntimeError(f"{len(errors)} downloads failed: {errors[0]}")
    return {
        "bytes": sum(r[0] for r in results),
        "seconds": max(r[1] for r in results) - began,
    }


def main(argv):
    op, port, user, *rest = argv
    port = int(port)
    password = os.environ["FTP_PASSWORD"]
    if op == "roundtrip":
        result = roundtrip(port, user, password, rest[0], rest[1], int(rest[2]), *rest[3:4])
    elif op == "list":
        result = listing(port, user, password, rest[0], int(rest[1]), int(rest[2]))
    elif op == "login":
        result = login(port, user, password, int(rest[0]))
    elif op == "concurrent":
        result = concurrent(port, user, password, rest)
    else:
        raise SystemExit(f"unknown operation {op!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
