#!/usr/bin/env python3
"""Load generator for an HTTP publish endpoint (Crossbar's HTTP bridge or Junction's `publisher`).

Each worker thread keeps one HTTP/1.1 connection open and POSTs publications back to back, each
signed (HMAC-SHA256, Crossbar's scheme) with a fresh nonce and the current timestamp, so the
signature check and Junction's replay protection are on the measured path. Prints one JSON line:
{"requests", "ok", "errors", "error_statuses", "seconds", "per_second", "p50_ms", "p99_ms"}, plus,
with --router-session, the router's CPU use in the measured window and its CPU time per request.

usage: http_publish_load.py URL --key K --secret S [--workers 8] [--duration 10] [--warmup 2]
                            [--router-session SID]
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import http.client
import json
import random
import threading
import os
import time
import urllib.parse


def signed_target(path: str, key: str, secret: str, body: bytes, seq: int) -> str:
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    nonce = str(random.getrandbits(52))
    mac = hmac.new(secret.encode(), key.encode() + stamp.encode() + str(seq).encode() + nonce.encode() + body,
                   hashlib.sha256)
    query = urllib.parse.urlencode({
        "key": key, "timestamp": stamp, "seq": seq, "nonce": nonce,
        "signature": base64.urlsafe_b64encode(mac.digest()).decode(),
    })
    return f"{path}?{query}"


def worker(url, key, secret, deadline, measure_from, results, lock):
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    body = json.dumps({"topic": "com.example.bench.http", "args": ["x" * 32]}).encode()
    ok = errors = 0
    statuses = {}
    latencies = []
    seq = 0
    while (now := time.monotonic()) < deadline:
        seq += 1
        target = signed_target(parsed.path, key, secret, body, seq)
        started = time.monotonic()
        try:
            connection.request("POST", target, body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            success = response.status == 200
            status = str(response.status)
        except (OSError, http.client.HTTPException):
            success = False
            status = "connection"
            connection.close()
            connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
        if now >= measure_from:
            latencies.append(time.monotonic() - started)
            ok += success
            errors += not success
            if not success:
                statuses[status] = statuses.get(status, 0) + 1
    connection.close()
    with lock:
        results["ok"] += ok
        results["errors"] += errors
        results["latencies"] += latencies
        for status, count in statuses.items():
            results["statuses"][status] = results["statuses"].get(status, 0) + count


def session_cpu_seconds(session):
    """User+system CPU seconds of every process in the router's session (Crossbar's router runs
    in worker processes, so the whole session is counted)."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # field 6: session id
            ticks += int(fields[11]) + int(fields[12])  # fields 14, 15: utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--key", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--router-session", type=int,
                        help="session id of the router's processes: report its CPU use in the measured window")
    args = parser.parse_args()
    start = time.monotonic()
    measure_from = start + args.warmup
    deadline = measure_from + args.duration
    results = {"ok": 0, "errors": 0, "latencies": [], "statuses": {}}
    lock = threading.Lock()
    threads = [
        threading.Thread(target=worker, args=(args.url, args.key, args.secret, deadline, measure_from, results, lock))
        for _ in range(args.workers)
    ]
    for thread in threads:
        thread.start()
    cpu = None
    if args.router_session:
        time.sleep(max(0.0, measure_from - time.monotonic()))
        cpu_start = session_cpu_seconds(args.router_session)
        time.sleep(max(0.0, deadline - time.monotonic()))
        cpu = session_cpu_seconds(args.router_session) - cpu_start
    for thread in threads:
        thread.join()
    latencies = sorted(results["latencies"]) or [0.0]
    print(json.dumps({
        "requests": results["ok"] + results["errors"],
        "ok": results["ok"],
        "errors": results["errors"],
        "error_statuses": results["statuses"],
        "seconds": args.duration,
        "per_second": round(results["ok"] / args.duration, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2),
        **({} if cpu is None else {
            "router_cpu_percent": round(100 * cpu / args.duration, 1),
            "router_cpu_us_per_request": round(1e6 * cpu / max(results["ok"] + results["errors"], 1), 1),
        }),
    }))


if __name__ == "__main__":
    main()
