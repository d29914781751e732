"""Bad input: the offending connection gets the protocol's answer (5.0 reason code, or the 3.1.1
close) and everyone else keeps being served — each test ends by checking a bystander."""

from __future__ import annotations

import pytest

import mqtt_raw as r


@pytest.fixture
def bystander(clients, topic):
    """A client connected before the bad input, which must still work afterwards."""
    sub = clients(5)
    sub.subscribe(topic + "/bystander", 1)

    def check():
        clients(4).publish(topic + "/bystander", b"still here", qos=1)
        assert sub.get().payload == b"still here"

    return check


def assert_refused(seen: list, version: int, *reasons: int) -> None:
    """The connection was closed; a 5.0 broker may first send DISCONNECT with one of ``reasons``."""
    if version == 5 and seen and seen[-1].type == r.DISCONNECT:
        assert seen[-1].fields["reason"] in reasons, f"DISCONNECT {seen[-1].fields['reason']:#x}"
    else:
        assert all(p.type != r.DISCONNECT for p in seen) or version == 5


def connected(raw, version, topic, suffix):
    c = raw(version)
    assert c.connect(f"it-bad-{suffix}-{topic[-12:]}").fields["reason"] == 0
    return c


def test_publish_with_qos_3_is_malformed(raw, topic, version, bystander):
    c = connected(raw, version, topic, "qos3")
    c.send(bytes([0x36]) + r.vbi(len(topic) + 4) + r.s(topic) + b"\x00\x01")
    assert_refused(c.wait_closed(), version, 0x81)
    bystander()


def test_remaining_length_over_four_bytes_is_malformed(raw, topic, version, bystander):
    c = connected(raw, version, topic, "rl")
    c.send(bytes([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]))
    assert_refused(c.wait_closed(), version, 0x81)
    bystander()


def test_reserved_flags_on_subscribe_are_malformed(raw, topic, version, bystander):
    c = connected(raw, version, topic, "flags")
    body = r.subscribe(1, [(topic, 0)], version)[1:]
    c.send(bytes([0x80]) + body)  # SUBSCRIBE must have flags 0010
    assert_refused(c.wait_closed(), version, 0x81)
    bystander()


def test_invalid_utf8_topic_is_malformed(raw, topic, version, bystander):
    c = connected(raw, version, topic, "utf8")
    bad_topic = b"\xff\xfe/x"
    body = r.s(bad_topic) + (r.props(None) if version == 5 else b"") + b"payload"
    c.send(bytes([0x30]) + r.vbi(len(body)) + body)
    assert_refused(c.wait_closed(), version, 0x81, 0x90)
    bystander()


def test_first_packet_must_be_connect(raw, topic, version, bystander):
    c = raw(version)
    c.send(r.subscribe(1, [(topic, 0)], version))
    seen = c.wait_closed()
    assert all(p.type != r.SUBACK for p in seen)
    bystander()


def test_second_connect_is_a_protocol_error(raw, topic, version, bystander):
    c = connected(raw, version, topic, "twice")
    c.send(r.connect(f"it-bad-again-{topic[-12:]}", version=version))
    assert_refused(c.wait_closed(), version, 0x82)
    bystander()


@pytest.mark.parametrize("level", [3, 6, 0])
def test_unsupported_protocol_level(raw, topic, level, bystander):
    c = raw(4)
    c.send(r.connect("it-level", version=level if level != 3 else 3))
    seen = c.wait_closed()
    # 3.1.1 §3.1.2.2: CONNACK 0x01 (unacceptable protocol level) then close; a 5.0 server may
    # answer 0x84 (unsupported protocol version). Closing without CONNACK is allowed too.
    if seen:
        assert seen[0].type == r.CONNACK and seen[0].body[1] in (0x01, 0x84), seen
    bystander()


def test_wrong_protocol_name(raw, topic, bystander):
    c = raw(4)
    c.send(r.connect("it-name", version=4, protocol_name=b"MQTX"))
    seen = c.wait_closed()
    assert all(p.type != r.CONNACK or p.body[1] != 0 for p in seen), "must not accept the connection"
    bystander()


def test_invalid_topic_filter(raw, topic, version, bystander):
    c = connected(raw, version, topic, "filter")
    c.send(r.subscribe(1, [(f"{topic}/#/b", 0)], version))
    try:
        p = c.read(3)
    except r.Closed:
        p = None  # closed at once: the 3.1.1 answer, and allowed in 5.0 (malformed packet)
    if p is not None:
        if p.type == r.SUBACK:
            assert p.fields["reasons"] == [0x8F if version == 5 else 0x80]  # Topic Filter invalid / failure
        else:
            assert version == 5 and p.type == r.DISCONNECT and p.fields["reason"] in (0x81, 0x82, 0x8F)
            c.wait_closed()
    bystander()


def test_wildcard_in_a_topic_name(raw, topic, version, bystander):
    c = connected(raw, version, topic, "wild")
    c.send(r.publish(f"{topic}/+", b"x", qos=1, pid=1, version=version))
    try:
        seen = c.wait_closed()
    except AssertionError:
        # 5.0 allows answering PUBACK 0x90 (Topic Name invalid) instead.
        pytest.fail("a PUBLISH to a topic with a wildcard must be refused")
    if version == 5 and seen and seen[-1].type == r.PUBACK:
        assert seen[-1].fields["reason"] == 0x90
    else:
        assert_refused(seen, version, 0x81, 0x82, 0x90)
    bystander()


@pytest.mark.mosquitto_deviation("mosquitto 2.0 answers PUBCOMP 0x00; 0x92 (Packet Identifier not found) says what "
                                 "happened, and issue #13 asks for it")
def test_v5_pubrel_for_an_unknown_packet_id(raw, topic, bystander):
    c = connected(raw, 5, topic, "pubrel5")
    c.send(r.ack(r.PUBREL, 4242, 5))
    p = c.expect(r.PUBCOMP, timeout=3)
    assert (p.fields["pid"], p.fields["reason"]) == (4242, 0x92)
    bystander()


def test_v311_pubrel_for_an_unknown_packet_id(raw, topic, bystander):
    c = connected(raw, 4, topic, "pubrel4")
    c.send(r.ack(r.PUBREL, 4242, 4))
    try:
        p = c.read(3)
    except r.Closed:
        p = None
    # 3.1.1 §4.3.3: the server answers every PUBREL with PUBCOMP; closing is tolerated.
    assert p is None or (p.type == r.PUBCOMP and p.fields["pid"] == 4242), p
    bystander()


def test_oversized_connect_is_refused_before_it_is_read(raw, bystander):
    c = raw(5)
    c.send(bytes([0x10]) + r.vbi(50_000_000))  # announces ~50 MB, far above the maximum packet size
    seen = c.wait_closed()
    assert all(p.type != r.CONNACK or p.body[1] != 0 for p in seen)
    bystander()


def test_packet_id_reused_while_a_qos2_exchange_is_open(raw, clients, topic, version, bystander):
    """A QoS 1 PUBLISH reusing the id of an unreleased QoS 2 one: the server may accept it (mosquitto
    does), answer 5.0 PUBACK 0x91 (Packet Identifier in use), or close (5.0: DISCONNECT 0x82/0x91).
    The client broke §2.2.1, so which message survives is the server's choice (mosquitto keeps the
    QoS 1 one and drops the QoS 2 one); none may be delivered twice, and the id is usable again."""
    sub = clients(version)
    sub.subscribe(topic, 2)
    c = connected(raw, version, topic, "reuse")
    c.send(r.publish(topic, b"q2", qos=2, pid=6, version=version))
    assert c.expect(r.PUBREC).fields["pid"] == 6
    c.send(r.publish(topic, b"q1", qos=1, pid=6, version=version))
    try:
        ack = c.read(3)
    except r.Closed:
        ack = None
    if ack is not None and ack.type == r.DISCONNECT:
        assert version == 5 and ack.fields["reason"] in (0x82, 0x91)
        c.wait_closed()
    elif ack is not None:
        assert ack.type == r.PUBACK and ack.fields["pid"] == 6
        assert ack.fields["reason"] in (0x00, 0x10, 0x91)
        c.send(r.ack(r.PUBREL, 6, version))
        assert c.expect(r.PUBCOMP).fields["pid"] == 6
        got = [m.payload for m in sub.drain(0.8)]
        assert got.count(b"q1") <= 1 and got.count(b"q2") <= 1 and set(got) <= {b"q1", b"q2"}, got
        c.send(r.publish(topic, b"again", qos=1, pid=6, version=version))
        assert c.expect(r.PUBACK).fields["pid"] == 6
        assert sub.get().payload == b"again"
    bystander()


def test_enhanced_authentication_is_refused_with_0x8c(raw, topic, bystander):
    """An authentication method neither broker supports (Junction supports none, on purpose):
    CONNACK 0x8C (Bad authentication method), then close (MQTT 5.0 §4.12)."""
    c = raw(5)
    c.send(r.connect("it-auth", version=5, properties={"auth_method": "SCRAM-SHA-256",
                                                       "auth_data": b"n,,n=user,r=nonce"}))
    seen = c.wait_closed()
    assert seen and seen[0].type == r.CONNACK, seen
    assert seen[0].fields["reason"] == 0x8C, f"CONNACK {seen[0].fields['reason']:#x}"
    bystander()


def test_auth_packet_without_an_authentication_method_is_a_protocol_error(raw, topic, bystander):
    c = connected(raw, 5, topic, "auth")
    c.send(r.packet(r.AUTH, 0, bytes([0x18]) + r.props({"auth_method": "SCRAM-SHA-256"})))
    assert_refused(c.wait_closed(), 5, 0x82)
    bystander()
