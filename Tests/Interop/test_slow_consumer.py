"""A subscriber that stops reading must not make the router's memory grow without bound,
and must not slow down or starve the other subscribers (issue: slow consumers)."""

from __future__ import annotations

import threading
import time

import pytest

from wamp_raw import EVENT, PUBLISH, PUBLISHED, SUBSCRIBE, SUBSCRIBED, RawWamp

TOPIC = "com.example.interop.flood"
EVENTS = 40_000
PAYLOAD = b"\xab" * 1024
BATCH = 100


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc status")


def subscribe(peer: RawWamp) -> None:
    req = peer.request(SUBSCRIBE, {}, TOPIC)
    msg = peer.recv()
    assert msg[:2] == [SUBSCRIBED, req], msg


def test_stalled_subscriber_is_bounded_and_others_get_everything(router):
    if router.is_crossbar():
        pytest.skip("checks Junction's own outbound limits and log")
    pid = router.process.pid
    stalled = RawWamp.session(router, "rawsocket-tcp", "msgpack")
    reader = RawWamp.session(router, "rawsocket-tcp", "msgpack")
    publisher = RawWamp.session(router, "rawsocket-tcp", "msgpack")
    subscribe(stalled)
    subscribe(reader)
    # From here on `stalled` never reads again: its kernel buffers fill, then the router's queue.

    received = []
    failure = []

    def consume():
        try:
            while len(received) < EVENTS:
                msg = reader.recv(timeout=30)
                assert msg[0] == EVENT, msg
                received.append(msg[4][0])
        except BaseException as exc:  # reported by the main thread
            failure.append(exc)

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    rss_before = rss_kib(pid)
    sent = 0
    while sent < EVENTS:
        for _ in range(BATCH):
            sent += 1
            options = {"acknowledge": True} if sent % BATCH == 0 else {}
            publisher.send([PUBLISH, sent, options, TOPIC, [sent, PAYLOAD]])
        msg = publisher.recv(timeout=30)
        assert msg[0] == PUBLISHED, msg
        # Pace the publisher to the reader, so only `stalled` falls behind.
        deadline = time.monotonic() + 30
        while len(received) < sent - 2 * BATCH and not failure:
            assert time.monotonic() < deadline, f"reader stuck at {len(received)} of {sent}"
            time.sleep(0.001)
    consumer.join(timeout=60)
    assert not failure, failure
    rss_after = rss_kib(pid)

    assert received == list(range(1, EVENTS + 1)), "the reading subscriber lost or reordered events"
    # 40 MiB were published past the stalled subscriber; the router may hold its 4 MiB queue plus
    # socket-side buffers, not the flood.
    growth_mib = (rss_after - rss_before) / 1024
    assert growth_mib < 32, f"router RSS grew by {growth_mib:.1f} MiB"
    assert "slow consumer: dropping events" in router.log_tail(), "no drop was logged"
    for peer in (stalled, reader, publisher):
        peer.close()
