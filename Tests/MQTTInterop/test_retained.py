"""Retained messages: set, replace, clear; the RETAIN flag on delivery; wildcards."""

from __future__ import annotations

import pytest


def test_retained_set_replace_clear(clients, topic, version):
    pub = clients(version)
    pub.publish(topic, b"one", qos=1, retain=True)
    first = clients(version)
    first.subscribe(topic, 1)
    msg = first.get()
    assert (msg.payload, msg.retain) == (b"one", True)

    pub.publish(topic, b"two", qos=1, retain=True)
    live = first.get()
    assert (live.payload, live.retain) == (b"two", False), "a live delivery is not flagged retained"
    second = clients(version)
    second.subscribe(topic, 1)
    msg = second.get()
    assert (msg.payload, msg.retain) == (b"two", True)
    second.expect_nothing()

    pub.publish(topic, b"", qos=1, retain=True)  # clears
    third = clients(version)
    third.subscribe(topic, 1)
    third.expect_nothing()


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_retained_message_is_delivered_at_the_subscription_qos(clients, topic, version, qos):
    clients(version).publish(topic, b"r", qos=2, retain=True)
    sub = clients(version)
    sub.subscribe(topic, qos)
    msg = sub.get()
    assert (msg.payload, msg.qos, msg.retain) == (b"r", qos, True)
    clients(version).publish(topic, b"", qos=1, retain=True)


def test_wildcard_subscription_gets_every_retained_match(clients, topic, version):
    pub = clients(version)
    for leaf in ("a", "b/c", "d"):
        pub.publish(f"{topic}/{leaf}", leaf.encode(), qos=1, retain=True)
    sub = clients(version)
    sub.subscribe(f"{topic}/#", 1)
    got = sorted((m.topic, m.payload) for m in sub.get_n(3))
    assert got == [(f"{topic}/a", b"a"), (f"{topic}/b/c", b"b/c"), (f"{topic}/d", b"d")]
    plus = clients(version)
    plus.subscribe(f"{topic}/+", 1)
    assert sorted(m.payload for m in plus.get_n(2)) == [b"a", b"d"]
    plus.expect_nothing()
    for leaf in ("a", "b/c", "d"):
        pub.publish(f"{topic}/{leaf}", b"", qos=1, retain=True)
