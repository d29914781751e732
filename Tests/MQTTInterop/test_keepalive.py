"""Keep-alive: the broker closes a silent connection after 1.5 x keep-alive (and publishes its
will), PINGREQ keeps it open, 5.0 Server Keep Alive caps a client's value."""

from __future__ import annotations

import time

import mqtt_raw as r
from broker_config import LIMITS


def test_silent_connection_is_closed_after_one_and_a_half_keepalives(raw, clients, broker, topic, version):
    watcher = clients(version)
    watcher.subscribe(topic + "/will", 0)
    c = raw(version)
    start = time.monotonic()
    c.connect("it-ka-" + topic[-12:], keepalive=2, will={"topic": topic + "/will", "payload": b"timed out"})
    # 1.5 x 2 s, plus slack. mosquitto 2.0 checks keep-alives only every few seconds (it closed a
    # keep-alive 1 connection after 5.4 s), so it gets a looser bound.
    limit = 10.0 if broker.is_mosquitto() else 4.5
    seen = c.wait_closed(timeout=limit)
    elapsed = time.monotonic() - start
    assert elapsed >= 2.0, f"closed after {elapsed:.2f}s, before the keep-alive ran out"
    if version == 5 and seen:
        assert seen[-1].type == r.DISCONNECT and seen[-1].fields["reason"] == 0x8D  # Keep Alive timeout
    assert watcher.get().payload == b"timed out"


def test_pingreq_keeps_the_connection_open(raw, version):
    c = raw(version)
    c.connect("it-ping", keepalive=1)
    for _ in range(6):
        time.sleep(0.5)
        c.send(r.packet(r.PINGREQ, 0, b""))
        assert c.expect(r.PINGRESP, timeout=2).type == r.PINGRESP


def test_v5_server_keep_alive_caps_the_client_value(raw):
    c = raw(5)
    ack = c.connect("it-ska", keepalive=LIMITS["max_keepalive"] * 2)
    assert ack.fields["reason"] == 0
    assert ack.fields.get("properties", {}).get("server_keep_alive") == LIMITS["max_keepalive"]
