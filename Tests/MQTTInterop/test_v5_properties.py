"""MQTT 5.0 properties and reason codes: message expiry, topic aliases both ways, user
properties, content type, payload format, response topic / correlation data, subscription
identifiers, maximum packet size and receive maximum (both sides), ack reason codes."""

from __future__ import annotations

import time

import pytest

import mqtt_raw as r
from broker_config import LIMITS
from mqtt_client import publish_props, props
from paho.mqtt.packettypes import PacketTypes


def test_connack_announces_the_limits(raw):
    ack = raw(5).connect("it-limits")
    p = ack.fields.get("properties", {})
    assert p.get("receive_maximum") == LIMITS["receive_maximum"]
    assert p.get("maximum_packet_size") == LIMITS["max_packet_size"]
    assert p.get("topic_alias_maximum") == LIMITS["topic_alias_maximum"]


def test_puback_reason_codes(clients, topic):
    pub = clients(5)
    # No subscriber: 0x10 No matching subscribers (a broker MAY say 0x00 instead).
    assert pub.publish(topic, b"x", qos=1) in (0x00, 0x10)
    sub = clients(5)
    sub.subscribe(topic, 1)
    assert pub.publish(topic, b"x", qos=1) == 0x00
    assert pub.publish(topic, b"x", qos=2) == 0x00


def test_suback_and_unsuback_reason_codes(raw, topic):
    c = raw(5)
    c.connect("it-rc-" + topic[-12:])
    c.send(r.subscribe(1, [(topic + "/0", 0), (topic + "/1", 1), (topic + "/2", 2)], 5))
    assert c.expect(r.SUBACK).fields["reasons"] == [0, 1, 2]
    c.send(r.packet(r.UNSUBSCRIBE, 0x02, b"\x00\x02" + r.props(None) + r.s(topic + "/1") + r.s(topic + "/none")))
    unsuback = c.expect(r.UNSUBACK)
    assert unsuback.fields["reasons"][0] == 0x00
    assert unsuback.fields["reasons"][1] in (0x00, 0x11)  # 0x11 No subscription existed


def test_message_expiry_drops_a_queued_message(clients, topic):
    cid = "it-mexp-" + topic[-12:]
    sub = clients(5, client_id=cid, session_expiry=60)
    sub.subscribe(topic, 1)
    sub.disconnect()
    pub = clients(5)
    pub.publish(topic, b"expires", qos=1, properties=publish_props(MessageExpiryInterval=1))
    pub.publish(topic, b"stays", qos=1, properties=publish_props(MessageExpiryInterval=60))
    time.sleep(2.2)
    back = clients(5, client_id=cid, clean=False, session_expiry=60)
    msg = back.get()
    assert msg.payload == b"stays"
    # The interval forwarded is what is left of it (§3.3.2.3.3).
    assert 0 < msg.properties.MessageExpiryInterval <= 58
    back.expect_nothing()


def test_message_expiry_of_a_retained_message(clients, topic):
    clients(5).publish(topic, b"short-lived", qos=1, retain=True, properties=publish_props(MessageExpiryInterval=1))
    time.sleep(2.2)
    sub = clients(5)
    sub.subscribe(topic, 1)
    sub.expect_nothing()


def test_client_to_broker_topic_alias(raw, clients, topic):
    sub = clients(5)
    sub.subscribe(topic, 0)
    c = raw(5)
    c.connect("it-alias-" + topic[-12:])
    c.send(r.publish(topic, b"first", properties={"topic_alias": 1}))
    c.send(r.publish("", b"second", properties={"topic_alias": 1}))
    got = sub.get_n(2)
    assert [(m.topic, m.payload) for m in got] == [(topic, b"first"), (topic, b"second")]


def test_topic_alias_above_the_maximum_is_a_protocol_error(raw, topic):
    c = raw(5)
    c.connect("it-badalias-" + topic[-12:])
    c.send(r.publish(topic, b"x", properties={"topic_alias": LIMITS["topic_alias_maximum"] + 1}))
    seen = c.wait_closed()
    if seen:
        assert seen[-1].type == r.DISCONNECT and seen[-1].fields["reason"] == 0x94  # Topic Alias invalid


def read_aliased(c, n):
    """Reads n PUBLISHes, resolving broker-to-client topic aliases; returns (topics, aliases used)."""
    aliases, topics, used = {}, [], []
    for _ in range(n):
        p = c.expect(r.PUBLISH)
        alias = p.fields["properties"].get("topic_alias")
        if alias is not None:
            assert 1 <= alias <= 5, f"alias {alias} above the client's Topic Alias Maximum 5"
            used.append(alias)
            if p.fields["topic"]:
                aliases[alias] = p.fields["topic"]
            else:
                assert alias in aliases, "an empty topic with an alias never set"
        topics.append(p.fields["topic"] or aliases[alias])
    return topics, used


def test_broker_to_client_topic_aliases_stay_within_the_client_maximum(raw, clients, topic):
    c = raw(5)
    c.connect("it-salias-" + topic[-12:], properties={"topic_alias_maximum": 5})
    c.send(r.subscribe(1, [(topic, 0)], 5))
    c.expect(r.SUBACK)
    pub = clients(5)
    for i in range(3):
        pub.publish(topic, str(i).encode())
    topics, _ = read_aliased(c, 3)
    assert topics == [topic] * 3


@pytest.mark.junction_only("mosquitto 2.0 never sends topic aliases to clients (a server MAY; the issue asks for it)")
def test_broker_uses_topic_aliases_towards_the_client(raw, clients, topic):
    c = raw(5)
    c.connect("it-salias2-" + topic[-12:], properties={"topic_alias_maximum": 5})
    c.send(r.subscribe(1, [(topic, 0)], 5))
    c.expect(r.SUBACK)
    pub = clients(5)
    for i in range(3):
        pub.publish(topic, str(i).encode())
    topics, used = read_aliased(c, 3)
    assert topics == [topic] * 3
    assert used, "no topic alias used"


def test_user_properties_keep_order_and_repeats(clients, topic):
    sub = clients(5)
    sub.subscribe(topic, 1)
    pairs = [("a", "1"), ("b", "2"), ("a", "3"), ("ünï", "cødé")]
    clients(5).publish(topic, b"x", qos=1, properties=publish_props(UserProperty=pairs))
    assert sub.get().properties.UserProperty == pairs


def test_content_type_and_payload_format(clients, topic):
    sub = clients(5)
    sub.subscribe(topic, 0)
    clients(5).publish(topic, "températures".encode(), properties=publish_props(
        ContentType="text/plain; charset=utf-8", PayloadFormatIndicator=1))
    p = sub.get().properties
    assert p.ContentType == "text/plain; charset=utf-8"
    assert p.PayloadFormatIndicator == 1


def test_request_response_with_response_topic_and_correlation_data(clients, topic):
    responder = clients(5)
    responder.subscribe(topic + "/request", 1)
    requester = clients(5)
    requester.subscribe(topic + "/response", 1)
    requester.publish(topic + "/request", b"ping", qos=1, properties=publish_props(
        ResponseTopic=topic + "/response", CorrelationData=b"\x00\x01corr\xff"))
    request = responder.get()
    assert request.properties.ResponseTopic == topic + "/response"
    assert request.properties.CorrelationData == b"\x00\x01corr\xff"
    responder.publish(request.properties.ResponseTopic, b"pong", qos=1,
                      properties=publish_props(CorrelationData=request.properties.CorrelationData))
    response = requester.get()
    assert (response.payload, response.properties.CorrelationData) == (b"pong", b"\x00\x01corr\xff")


def subscribe_with_ids(c, topic):
    c.send(r.subscribe(1, [(topic + "/#", 1)], 5, properties={"subscription_identifier": 1}))
    c.expect(r.SUBACK)
    c.send(r.subscribe(2, [(topic + "/+", 1)], 5, properties={"subscription_identifier": 2}))
    c.expect(r.SUBACK)
    c.send(r.subscribe(3, [(topic + "/other", 1)], 5, properties={"subscription_identifier": 3}))
    c.expect(r.SUBACK)


def test_subscription_identifiers_of_every_matching_subscription(raw, clients, topic):
    c = raw(5)
    c.connect("it-subid-" + topic[-12:])
    subscribe_with_ids(c, topic)
    clients(5).publish(topic + "/x", b"ids")
    # One PUBLISH with every matching id, or one per subscription (§3.3.4): the union is {1, 2}.
    ids = []
    while (p := c.read(0.7)) is not None:
        assert p.type == r.PUBLISH and p.fields["payload"] == b"ids"
        ids += p.fields["properties"].get("subscription_identifier", [])
    assert sorted(ids) == [1, 2]


@pytest.mark.junction_only("the issue asks for all matching ids in one PUBLISH; mosquitto sends one per subscription")
def test_subscription_identifiers_in_one_publish(raw, clients, topic):
    c = raw(5)
    c.connect("it-subid1-" + topic[-12:])
    subscribe_with_ids(c, topic)
    clients(5).publish(topic + "/x", b"ids")
    p = c.expect(r.PUBLISH)
    assert sorted(p.fields["properties"].get("subscription_identifier", [])) == [1, 2]
    assert c.read(0.7) is None


def test_client_maximum_packet_size_is_respected(clients, topic):
    small = clients(5, connect_properties=props(PacketTypes.CONNECT, MaximumPacketSize=200))
    small.subscribe(topic, 1)
    pub = clients(5)
    pub.publish(topic, b"x" * 500, qos=1)  # too large for the subscriber: discarded for it
    pub.publish(topic, b"small", qos=1)
    assert small.get().payload == b"small"
    small.expect_nothing()


def test_packet_above_the_broker_maximum_is_refused(raw, topic, version):
    c = raw(version)
    c.connect("it-big-" + topic[-12:])
    c.send(r.publish(topic, b"x" * (LIMITS["max_packet_size"] + 1000), qos=1, pid=1, version=version))
    seen = c.wait_closed()
    if version == 5 and seen:
        assert seen[-1].type == r.DISCONNECT and seen[-1].fields["reason"] == 0x95  # Packet too large


def test_client_receive_maximum_is_respected(raw, clients, topic):
    c = raw(5)
    c.connect("it-rmax-" + topic[-12:], properties={"receive_maximum": 2})
    c.send(r.subscribe(1, [(topic, 1)], 5))
    c.expect(r.SUBACK)
    pub = clients(5)
    for i in range(5):
        pub.publish(topic, str(i).encode(), qos=1)
    first = [c.expect(r.PUBLISH), c.expect(r.PUBLISH)]
    assert c.read(0.8) is None, "a third unacknowledged QoS 1 message exceeds Receive Maximum 2"
    c.send(r.ack(r.PUBACK, first[0].fields["pid"], 5))
    third = c.expect(r.PUBLISH)
    assert third.fields["payload"] == b"2"


@pytest.mark.mosquitto_deviation("mosquitto 2.0 answers the publication over the limit with PUBREC 0x97 (Quota "
                                 "exceeded) and keeps the connection; §3.3.4 requires DISCONNECT 0x93")
def test_exceeding_the_broker_receive_maximum_disconnects_with_0x93(raw, topic):
    c = raw(5)
    c.connect("it-rmax2-" + topic[-12:])
    # QoS 2 publications stay in flight until PUBREL: one more than Receive Maximum.
    for pid in range(1, LIMITS["receive_maximum"] + 2):
        c.send(r.publish(topic, b"x", qos=2, pid=pid))
    seen = c.wait_closed()
    assert [p.type for p in seen[:-1]] == [r.PUBREC] * LIMITS["receive_maximum"]
    assert seen[-1].type == r.DISCONNECT and seen[-1].fields["reason"] == 0x93
