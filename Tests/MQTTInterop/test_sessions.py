"""Clean vs persistent sessions (3.1.1 clean session, 5.0 clean start + session expiry), queued
QoS >= 1 messages and their bound, session takeover."""

from __future__ import annotations

import time

import mqtt_raw as r
from broker_config import LIMITS


def reconnect(clients, version, cid, clean=False, expiry=300):
    return clients(version, client_id=cid, clean=clean, session_expiry=expiry if version == 5 else None)


def test_persistent_session_keeps_subscriptions_and_queues_qos1(clients, topic, version):
    cid = "it-persist-" + topic[-12:]
    sub = reconnect(clients, version, cid)
    assert sub.connack[1] is False
    sub.subscribe(topic, 1)
    sub.disconnect()
    pub = clients(version)
    for i in range(3):
        pub.publish(topic, f"queued {i}".encode(), qos=1)
    back = reconnect(clients, version, cid)
    assert back.connack[1] is True, "session present"
    assert [m.payload for m in back.get_n(3)] == [b"queued 0", b"queued 1", b"queued 2"]
    pub.publish(topic, b"live", qos=1)
    assert back.get().payload == b"live", "the subscription survived"


def test_clean_session_discards_everything(clients, topic, version):
    cid = "it-clean-" + topic[-12:]
    sub = reconnect(clients, version, cid)
    sub.subscribe(topic, 1)
    sub.disconnect()
    clients(version).publish(topic, b"lost", qos=1)
    fresh = reconnect(clients, version, cid, clean=True, expiry=0)
    assert fresh.connack[1] is False
    fresh.expect_nothing()
    clients(version).publish(topic, b"no subscription", qos=1)
    fresh.expect_nothing()


def test_v5_session_expiry_zero_ends_the_session_with_the_connection(clients, topic):
    cid = "it-exp0-" + topic[-12:]
    sub = clients(5, client_id=cid, clean=True)  # no Session Expiry Interval: 0
    sub.subscribe(topic, 1)
    sub.disconnect()
    clients(5).publish(topic, b"x", qos=1)
    back = clients(5, client_id=cid, clean=False)
    assert back.connack[1] is False
    back.expect_nothing()


def test_v5_session_expires_after_its_interval(clients, topic):
    cid = "it-exp2-" + topic[-12:]
    sub = clients(5, client_id=cid, clean=True, session_expiry=1)
    sub.subscribe(topic, 1)
    sub.disconnect()
    time.sleep(2.5)
    back = clients(5, client_id=cid, clean=False, session_expiry=1)
    assert back.connack[1] is False, "the session should have expired"


def test_v5_session_within_its_interval_is_resumed(clients, topic):
    cid = "it-exp30-" + topic[-12:]
    sub = clients(5, client_id=cid, clean=True, session_expiry=30)
    sub.subscribe(topic, 1)
    sub.disconnect()
    time.sleep(1.0)
    clients(5).publish(topic, b"kept", qos=1)
    back = clients(5, client_id=cid, clean=False, session_expiry=30)
    assert back.connack[1] is True
    assert back.get().payload == b"kept"


def test_queued_messages_are_bounded(clients, topic, version):
    cid = "it-bound-" + topic[-12:]
    sub = reconnect(clients, version, cid)
    sub.subscribe(topic, 1)
    sub.disconnect()
    pub = clients(version)
    total = LIMITS["max_queued_messages"] * 3
    for i in range(total):
        pub.publish(topic, str(i).encode(), qos=1)
    back = reconnect(clients, version, cid)
    got = [int(m.payload) for m in back.drain(1.5)]
    bound = LIMITS["max_queued_messages"] + LIMITS["receive_maximum"]
    assert 0 < len(got) <= bound, f"{len(got)} queued messages delivered; the bound is {bound}"
    assert got == sorted(set(got)), "queued messages stay in order, without duplicates"
    pub.publish(topic, b"after", qos=1)
    assert back.get().payload == b"after", "the session works on after dropping messages"


def test_session_takeover_disconnects_the_old_connection(raw, topic, version):
    cid = "it-take-" + topic[-12:]
    old = raw(version)
    old.connect(cid)
    new = raw(version)
    assert new.connect(cid).fields["reason"] == 0
    seen = old.wait_closed()
    if version == 5 and seen:
        assert seen[-1].type == r.DISCONNECT and seen[-1].fields["reason"] == 0x8E  # Session taken over
