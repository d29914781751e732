#!/usr/bin/env python3
"""Soak load for a running Junction router: many short sessions that work and vanish.

Standard library only (asyncio, hand-written WebSocket and RawSocket JSON framing), so it runs
from a clean clone. Started by scripts/soak.sh, which owns the router process; this script
measures the router through /proc/PID (RSS, open file descriptors).

Each worker loops: connect (WebSocket or RawSocket), HELLO, SUBSCRIBE, REGISTER, CALL its own
procedure (INVOCATION -> YIELD -> RESULT), CALL a long-lived service session's procedure,
PUBLISH with acknowledge (events fan out to every subscriber), then ends in one of four ways:
  goodbye   GOODBYE and wait for the router's GOODBYE;
  abrupt    close the socket, no GOODBYE (half of them with a TCP RST);
  orphan    a second session calls this one's procedure and this one vanishes on INVOCATION:
            the caller must get an ERROR (provoked error, counted separately);
  silent    stop answering (no PONG, no GOODBYE, socket left open): the router's dead-peer
            detection must close it within ping_interval + ping_timeout (+ one interval).
"""
import argparse
import asyncio
import base64
import collections
import json
import os
import random
import re
import struct
import sys
import time

HELLO, WELCOME, ABORT, GOODBYE, ERROR = 1, 2, 3, 6, 8
PUBLISH, PUBLISHED, SUBSCRIBE, SUBSCRIBED, EVENT = 16, 17, 32, 33, 36
CALL, RESULT, REGISTER, REGISTERED, INVOCATION, YIELD = 48, 50, 64, 65, 68, 70
ROLES = {"caller": {}, "callee": {}, "publisher": {}, "subscriber": {}}
TIMEOUT = 10.0


class Closed(Exception):
    pass


class Unexpected(Exception):
    pass


class WebSocketConnection:
    """WAMP over WebSocket (wamp.2.json), client side: masked frames, answers pings."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.answer_pings = True

    @classmethod
    async def open(cls, host, port):
        reader, writer = await asyncio.open_connection(host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Protocol: wamp.2.json\r\n\r\n").encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        if not head.startswith(b"HTTP/1.1 101"):
            status_line = head.split(b"\r\n")[0]
            raise Unexpected(f"upgrade refused: {status_line!r}")
        return cls(reader, writer)

    def _frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return header + mask + masked

    def send(self, message):
        self.writer.write(self._frame(0x1, json.dumps(message).encode()))

    async def recv(self):
        while True:
            first, second = await self.reader.readexactly(2)
            n = second & 0x7F
            if n == 126:
                n = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            payload = await self.reader.readexactly(n)
            opcode = first & 0x0F
            if opcode == 0x9:
                if self.answer_pings:
                    self.writer.write(self._frame(0xA, payload))
            elif opcode == 0x8:
                raise Closed()
            elif opcode == 0x1:
                return json.loads(payload)

    async def drain_raw(self):
        return await self.reader.read(65536)


class RawSocketConnection:
    """WAMP over RawSocket with JSON: 4-octet handshake and frame prefixes, answers PINGs."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.answer_pings = True

    @classmethod
    async def open(cls, host, port):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(bytes([0x7F, 0xF1, 0, 0]))
        reply = await asyncio.wait_for(reader.readexactly(4), TIMEOUT)
        if reply[0] != 0x7F or reply[1] & 0x0F != 1:
            raise Unexpected(f"handshake refused: {reply.hex()}")
        return cls(reader, writer)

    def send(self, message):
        payload = json.dumps(message).encode()
        self.writer.write(struct.pack("!I", len(payload)) + payload)

    async def recv(self):
        while True:
            header = struct.unpack("!I", await self.reader.readexactly(4))[0]
            kind, n = header >> 24 & 0x07, header & 0xFFFFFF
            payload = await self.reader.readexactly(n)
            if kind == 1:
                if self.answer_pings:
                    self.writer.write(struct.pack("!I", 2 << 24 | n) + payload)
            elif kind == 0:
                return json.loads(payload)

    async def drain_raw(self):
        return await self.reader.read(65536)


class Soak:
    def __init__(self, args):
        self.args = args
        self.stats = collections.Counter()
        self.failures = collections.Counter()
        self.next_id = 0
        self.stopping = False

    def new_request(self):
        self.next_id += 1
        return self.next_id

    async def connect(self):
        if random.random() < 0.5:
            self.stats["websocket"] += 1
            return await WebSocketConnection.open(self.args.host, self.args.ws_port)
        self.stats["rawsocket"] += 1
        return await RawSocketConnection.open(self.args.host, self.args.rs_port)

    async def expect(self, conn, kind, request=None, on_invocation=None):
        """The next message of `kind` (for `request`), skipping EVENTs; answers INVOCATIONs."""
        while True:
            message = await asyncio.wait_for(conn.recv(), TIMEOUT)
            if message[0] == EVENT:
                self.stats["events"] += 1
                continue
            if message[0] == INVOCATION and on_invocation is not None and kind != INVOCATION:
                await on_invocation(message)
                continue
            # ERROR is [ERROR, REQUEST.Type, REQUEST.Request, ...]; the others carry the request first.
            request_id = message[2] if message[0] == ERROR else message[1]
            if message[0] == kind and (request is None or request_id == request):
                return message
            raise Unexpected(f"wanted {kind}, got {message!r:.200}")

    async def join(self):
        conn = await self.connect()
        conn.send([HELLO, "realm1", {"roles": ROLES}])
        welcome = await self.expect(conn, WELCOME)
        self.stats["sessions"] += 1
        return conn, welcome[1]

    async def service(self, ready):
        """The long-lived callee of `soak.echo`; stays for the whole run."""
        conn, _ = await self.join()
        request = self.new_request()
        conn.send([REGISTER, request, {}, "soak.echo"])
        await self.expect(conn, REGISTERED, request)
        ready.set()
        try:
            while not self.stopping:
                try:
                    message = await asyncio.wait_for(conn.recv(), 1.0)
                except asyncio.TimeoutError:
                    continue
                if message[0] == INVOCATION:
                    conn.send([YIELD, message[1], {}, message[4] if len(message) > 4 else []])
            conn.send([GOODBYE, {}, "wamp.close.close_realm"])
            await self.expect(conn, GOODBYE)
        finally:
            conn.writer.close()

    async def one_session(self):
        conn, session = await self.join()
        procedure = f"soak.p.{session}"

        async def answer(invocation):
            conn.send([YIELD, invocation[1], {}, invocation[4] if len(invocation) > 4 else []])

        try:
            request = self.new_request()
            conn.send([SUBSCRIBE, request, {}, "soak.topic"])
            await self.expect(conn, SUBSCRIBED, request)
            request = self.new_request()
            conn.send([REGISTER, request, {}, procedure])
            await self.expect(conn, REGISTERED, request)
            request = self.new_request()
            conn.send([CALL, request, {}, procedure, [session]])
            result = await self.expect(conn, RESULT, request, on_invocation=answer)
            if result[3] != [session]:
                raise Unexpected(f"own call returned {result!r}")
            request = self.new_request()
            conn.send([CALL, request, {}, "soak.echo", ["x" * random.randint(1, 2000)]])
            await self.expect(conn, RESULT, request, on_invocation=answer)
            request = self.new_request()
            conn.send([PUBLISH, request, {"acknowledge": True}, "soak.topic", [session]])
            await self.expect(conn, PUBLISHED, request, on_invocation=answer)
            self.stats["calls"] += 2
            self.stats["publications"] += 1
            ending = random.choices(["goodbye", "abrupt", "orphan", "silent"], [40, 35, 15, 10])[0]
            self.stats[f"end_{ending}"] += 1
            await getattr(self, f"end_{ending}")(conn, procedure)
        finally:
            conn.writer.close()

    async def end_goodbye(self, conn, procedure):
        conn.send([GOODBYE, {}, "wamp.close.close_realm"])
        await self.expect(conn, GOODBYE, on_invocation=lambda m: asyncio.sleep(0))

    async def end_abrupt(self, conn, procedure):
        if random.random() < 0.5:
            conn.writer.transport.abort()  # RST
        else:
            conn.writer.close()

    async def end_orphan(self, conn, procedure):
        caller, _ = await self.join()
        try:
            request = self.new_request()
            caller.send([CALL, request, {}, procedure, []])
            await self.expect(conn, INVOCATION)
            conn.writer.transport.abort()  # the callee vanishes with the call pending
            error = await self.expect(caller, ERROR, request)
            self.stats[f"provoked_error {error[4]}"] += 1
            caller.send([GOODBYE, {}, "wamp.close.close_realm"])
            await self.expect(caller, GOODBYE)
        finally:
            caller.writer.close()

    async def end_silent(self, conn, procedure):
        conn.answer_pings = False
        start = time.monotonic()
        limit = self.args.dead_peer_limit
        while time.monotonic() - start < limit:
            try:
                data = await asyncio.wait_for(conn.drain_raw(), limit)
            except (asyncio.TimeoutError, ConnectionError):
                break
            if not data:
                self.stats["silent_closed_by_router"] += 1
                self.stats["silent_seconds_total"] += int(time.monotonic() - start)
                return
        raise Unexpected(f"silent peer still connected after {limit} s")

    async def worker(self, deadline):
        while time.monotonic() < deadline and not self.stopping:
            try:
                await self.one_session()
            except (Unexpected, Closed, ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError) as error:
                self.failures[re.sub(r"\d+", "N", f"{type(error).__name__}: {str(error)[:120]}")] += 1

    async def load(self, seconds):
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(self.worker(deadline) for _ in range(self.args.workers)))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


async def settle(pid, baseline_fds, seconds):
    """Waits until the router's descriptors are back to `baseline_fds` (every connection closed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if fd_count(pid) <= baseline_fds:
            return True
        await asyncio.sleep(0.5)
    return fd_count(pid) <= baseline_fds


async def session_count(soak):
    """Sessions the router reports through the meta API (the probe itself may be counted);
    None if the router has no `wamp.session.count`."""
    conn, _ = await soak.join()
    try:
        request = soak.new_request()
        conn.send([CALL, request, {}, "wamp.session.count", []])
        while True:
            reply = await asyncio.wait_for(conn.recv(), TIMEOUT)
            if reply[0] == RESULT and reply[1] == request:
                return reply[3][0]
            if reply[0] == ERROR:
                return None
    finally:
        conn.writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--ws-port", type=int, required=True)
    parser.add_argument("--rs-port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--warmup", type=float, default=60)
    parser.add_argument("--workers", type=int, default=40)
    parser.add_argument("--dead-peer-limit", type=float, default=15)
    args = parser.parse_args()
    soak = Soak(args)
    pid = args.pid
    fds_idle = fd_count(pid)
    rss_start = rss_kib(pid)

    # Warm-up: the same load, so allocator pools, caches and tables reach their working size.
    ready = asyncio.Event()
    service = asyncio.create_task(soak.service(ready))
    await asyncio.wait_for(ready.wait(), TIMEOUT)
    fds_with_service = fd_count(pid)
    await soak.load(args.warmup)
    settled_warm = await settle(pid, fds_with_service, 30)
    rss_warm = rss_kib(pid)
    print(f"soak: warm-up done: {soak.stats['sessions']} sessions, RSS {rss_warm} KiB, fds {fd_count(pid)}", flush=True)

    started = time.monotonic()
    sessions_before = soak.stats["sessions"]
    peak_fds = 0

    async def sample():
        nonlocal peak_fds
        while True:
            peak_fds = max(peak_fds, fd_count(pid))
            await asyncio.sleep(1)

    sampler = asyncio.create_task(sample())
    await soak.load(args.duration)
    sampler.cancel()
    elapsed = time.monotonic() - started
    soak.stopping = True
    await service
    settled = await settle(pid, fds_idle, 60)
    await asyncio.sleep(2)  # let the allocator return what it will
    count = await session_count(soak)
    await settle(pid, fds_idle, 10)
    rss_end = rss_kib(pid)
    fds_end = fd_count(pid)

    growth = (rss_end - rss_warm) / rss_warm * 100
    main_sessions = soak.stats["sessions"] - sessions_before
    report = {
        "duration_s": round(elapsed),
        "workers": args.workers,
        "sessions_total": soak.stats["sessions"],
        "sessions_measured_phase": main_sessions,
        "sessions_per_s": round(main_sessions / elapsed, 1),
        "meta_session_count_at_end": count,
        "rss_start_kib": rss_start,
        "rss_after_warmup_kib": rss_warm,
        "rss_end_kib": rss_end,
        "rss_growth_pct": round(growth, 1),
        "fds_idle": fds_idle,
        "fds_peak": peak_fds,
        "fds_end": fds_end,
        "stats": dict(sorted(soak.stats.items())),
        "client_failures": dict(soak.failures),
    }
    print(json.dumps(report, indent=2))
    problems = []
    if not settled or fds_end > fds_idle:
        problems.append(f"descriptors leaked: {fds_end} open at the end, {fds_idle} before the run")
    if not settled_warm:
        problems.append("connections did not drain after warm-up")
    if count is not None and count > 1:
        problems.append(f"router still reports {count} sessions (including the probe)")
    if growth > 10:
        problems.append(f"RSS grew {growth:.1f}% after warm-up")
    if soak.failures:
        problems.append(f"{sum(soak.failures.values())} unexpected client-side failures")
    for problem in problems:
        print("soak: FAIL:", problem)
    print("soak:", "PASS" if not problems else "FAIL")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
