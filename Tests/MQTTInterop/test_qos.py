"""QoS 0/1/2 end to end in both directions, exactly-once for QoS 2, and DUP redelivery after a
reconnect (3.1.1 and 5.0, over TCP and MQTT over WebSocket)."""

from __future__ import annotations

import pytest

import mqtt_raw as r

QOS = [0, 1, 2]


def persistent(version: int) -> dict:
    """CONNECT arguments for a session that outlives the connection."""
    return {"clean": False, "properties": {"session_expiry": 300}} if version == 5 else {"clean": False}


@pytest.mark.parametrize("pub_qos", QOS)
@pytest.mark.parametrize("sub_qos", QOS)
def test_delivered_qos_is_the_minimum(clients, topic, version, pub_qos, sub_qos):
    sub = clients(version)
    assert sub.subscribe(topic, sub_qos) == [sub_qos]
    pub = clients(version)
    assert pub.publish(topic, b"payload", qos=pub_qos) == 0
    msg = sub.get()
    assert (msg.topic, msg.payload, msg.qos, msg.retain) == (topic, b"payload", min(pub_qos, sub_qos), False)
    sub.expect_nothing()


@pytest.mark.parametrize("qos", QOS)
def test_order_is_kept_per_publisher(clients, topic, version, qos):
    sub = clients(version)
    sub.subscribe(topic, qos)
    pub = clients(version)
    for i in range(50):
        pub.client.publish(topic, str(i).encode(), qos=qos)
    got = [int(m.payload) for m in sub.get_n(50, timeout=10)]
    assert got == list(range(50))


@pytest.mark.parametrize("qos", QOS)
def test_mqtt_over_websocket(clients, topic, version, qos):
    sub = clients(version, transport="websockets")
    sub.subscribe(topic, qos)
    pub = clients(version)
    pub.publish(topic, b"over ws", qos=qos)
    assert sub.get().payload == b"over ws"
    tcp_sub = clients(version)
    tcp_sub.subscribe(topic, qos)
    sub.publish(topic, b"from ws", qos=qos)
    assert tcp_sub.get().payload == b"from ws"


def test_qos2_publish_is_delivered_exactly_once_despite_a_dup_resend(raw, clients, topic, version):
    sub = clients(version)
    sub.subscribe(topic, 2)
    pub = raw(version)
    pub.connect("it-q2-" + topic[-12:])
    pub.send(r.publish(topic, b"once", qos=2, pid=7, version=version))
    assert pub.expect(r.PUBREC).fields["pid"] == 7
    # The client did not see PUBREC (as far as it knows) and sends the same packet again with DUP.
    pub.send(r.publish(topic, b"once", qos=2, pid=7, dup=True, version=version))
    assert pub.expect(r.PUBREC).fields["pid"] == 7
    pub.send(r.ack(r.PUBREL, 7, version))
    assert pub.expect(r.PUBCOMP).fields["pid"] == 7
    assert sub.get().payload == b"once"
    sub.expect_nothing()


def test_qos2_publish_completes_after_reconnect(raw, clients, topic, version):
    """PUBREC received, connection lost before PUBREL: the client resends PUBREL in the resumed session."""
    cid = "it-q2r-" + topic[-12:]
    sub = clients(version)
    sub.subscribe(topic, 2)
    pub = raw(version)
    pub.connect(cid, **persistent(version))
    pub.send(r.publish(topic, b"resumed", qos=2, pid=9, version=version))
    pub.expect(r.PUBREC)
    pub.abort()
    again = raw(version)
    assert again.connect(cid, **persistent(version)).fields["session_present"]
    again.send(r.ack(r.PUBREL, 9, version))
    assert again.expect(r.PUBCOMP).fields["pid"] == 9
    assert sub.get().payload == b"resumed"
    sub.expect_nothing()


@pytest.mark.parametrize("qos", [1, 2])
def test_unacknowledged_delivery_is_resent_with_dup_after_reconnect(raw, clients, topic, version, qos):
    cid = "it-dup-" + topic[-12:]
    s = raw(version)
    assert s.connect(cid, **persistent(version)).fields["reason"] == 0
    s.send(r.subscribe(1, [(topic, qos)], version))
    assert s.expect(r.SUBACK).fields["reasons"] == [qos]
    clients(version).publish(topic, b"redeliver me", qos=qos)
    first = s.expect(r.PUBLISH)
    assert first.fields["payload"] == b"redeliver me" and not first.fields["dup"] and first.fields["qos"] == qos
    s.abort()  # no PUBACK / PUBREC

    s2 = raw(version)
    assert s2.connect(cid, **persistent(version)).fields["session_present"]
    again = s2.expect(r.PUBLISH)
    assert again.fields["dup"], "a redelivered PUBLISH must have DUP set"
    assert (again.fields["pid"], again.fields["payload"], again.fields["qos"]) == (
        first.fields["pid"], b"redeliver me", qos)
    if qos == 1:
        s2.send(r.ack(r.PUBACK, again.fields["pid"], version))
    else:
        s2.send(r.ack(r.PUBREC, again.fields["pid"], version))
        assert s2.expect(r.PUBREL).fields["pid"] == again.fields["pid"]
        s2.send(r.ack(r.PUBCOMP, again.fields["pid"], version))
    assert s2.read(0.7) is None, "nothing more is due"


def test_pubrel_is_resent_after_reconnect(raw, clients, topic, version):
    """Subscriber side of QoS 2: PUBREC sent, connection lost: the broker resends PUBREL, not PUBLISH."""
    cid = "it-rel-" + topic[-12:]
    s = raw(version)
    s.connect(cid, **persistent(version))
    s.send(r.subscribe(1, [(topic, 2)], version))
    s.expect(r.SUBACK)
    clients(version).publish(topic, b"q2", qos=2)
    pid = s.expect(r.PUBLISH).fields["pid"]
    s.send(r.ack(r.PUBREC, pid, version))
    assert s.expect(r.PUBREL).fields["pid"] == pid
    s.abort()
    s2 = raw(version)
    assert s2.connect(cid, **persistent(version)).fields["session_present"]
    assert s2.expect(r.PUBREL).fields["pid"] == pid
    s2.send(r.ack(r.PUBCOMP, pid, version))
    assert s2.read(0.7) is None
