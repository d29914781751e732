"""Subscription features: shared subscriptions, no-local, retain-as-published, retain handling,
wildcards, `$`-topics, zero-length client identifiers."""

from __future__ import annotations

import time

import pytest
from paho.mqtt.subscribeoptions import SubscribeOptions

import mqtt_raw as r


def test_shared_subscription_delivers_each_message_to_one_member(clients, topic, version):
    members = [clients(version), clients(version)]
    for m in members:
        assert m.subscribe(f"$share/g1/{topic}/+", 1) == [1]
    plain = clients(version)
    plain.subscribe(f"{topic}/+", 1)
    pub = clients(version)
    for i in range(20):
        pub.publish(f"{topic}/x", str(i).encode(), qos=1)
    assert sorted(int(m.payload) for m in plain.get_n(20)) == list(range(20))
    shared = [int(m.payload) for member in members for m in member.drain(0.8)]
    assert sorted(shared) == list(range(20)), "each message once to the group"
    # A member gone: the other gets everything. (paho reports the disconnect once DISCONNECT is
    # written; give the broker a moment to have read it, or a message may still go to the member.)
    members[0].disconnect()
    time.sleep(0.5)
    for i in range(5):
        pub.publish(f"{topic}/x", b"after", qos=1)
    assert len(members[1].get_n(5)) == 5


def test_two_groups_each_get_every_message(clients, topic, version):
    a, b = clients(version), clients(version)
    a.subscribe(f"$share/ga/{topic}", 1)
    b.subscribe(f"$share/gb/{topic}", 1)
    pub = clients(version)
    for i in range(3):
        pub.publish(topic, b"m", qos=1)
    assert len(a.get_n(3)) == 3 and len(b.get_n(3)) == 3


@pytest.mark.junction_only("re-dispatch of a leaving member's unacknowledged messages (issue #13); mosquitto keeps "
                           "them in the member's session")
def test_shared_unacked_messages_are_redispatched_when_a_member_leaves(raw, clients, topic):
    lazy = raw(5)
    lazy.connect("it-lazy-" + topic[-12:])
    lazy.send(r.subscribe(1, [(f"$share/g2/{topic}", 1)], 5))
    lazy.expect(r.SUBACK)
    pub = clients(5)
    pub.publish(topic, b"first", qos=1)
    got = lazy.expect(r.PUBLISH)  # never acknowledged
    assert got.fields["payload"] == b"first"
    other = clients(5)
    other.subscribe(f"$share/g2/{topic}", 1)
    lazy.abort()
    assert other.get(timeout=8).payload == b"first"


def test_no_local(clients, topic):
    c = clients(5)
    c.subscribe(topic, options=SubscribeOptions(qos=1, noLocal=True))
    c.publish(topic, b"own", qos=1)
    c.expect_nothing()
    clients(5).publish(topic, b"other", qos=1)
    assert c.get().payload == b"other"


@pytest.mark.parametrize("rap", [False, True])
def test_retain_as_published(clients, topic, rap):
    sub = clients(5)
    sub.subscribe(topic, options=SubscribeOptions(qos=1, retainAsPublished=rap))
    clients(5).publish(topic, b"live", qos=1, retain=True)
    msg = sub.get()
    assert msg.retain is rap
    clients(5).publish(topic, b"", qos=1, retain=True)


def test_retain_handling(clients, topic):
    on_subscribe = SubscribeOptions.RETAIN_SEND_ON_SUBSCRIBE
    if_new_sub = SubscribeOptions.RETAIN_SEND_IF_NEW_SUB
    never_send = SubscribeOptions.RETAIN_DO_NOT_SEND
    clients(5).publish(topic, b"kept", qos=1, retain=True)
    send_always = clients(5)
    send_always.subscribe(topic, options=SubscribeOptions(qos=1, retainHandling=on_subscribe))
    assert send_always.get().payload == b"kept"
    send_always.subscribe(topic, options=SubscribeOptions(qos=1, retainHandling=on_subscribe))
    assert send_always.get().payload == b"kept", "0: on every subscribe"

    if_new = clients(5)
    if_new.subscribe(topic, options=SubscribeOptions(qos=1, retainHandling=if_new_sub))
    assert if_new.get().payload == b"kept"
    if_new.subscribe(topic, options=SubscribeOptions(qos=1, retainHandling=if_new_sub))
    if_new.expect_nothing()

    never = clients(5)
    never.subscribe(topic, options=SubscribeOptions(qos=1, retainHandling=never_send))
    never.expect_nothing()
    clients(5).publish(topic, b"", qos=1, retain=True)


def test_wildcards(clients, topic, version):
    sub = clients(version)
    sub.subscribe(f"{topic}/a/#", 0)
    sub.subscribe(f"{topic}/+/c", 0)
    pub = clients(version)
    for t in ("a", "a/b", "a/b/c", "x/c", "x/y/c", "b"):
        pub.publish(f"{topic}/{t}", t.encode())
    got = sorted(m.payload.decode() for m in sub.drain(0.8))
    # "a/#" also matches "a" itself; "x/y/c" is two levels; overlapping matches arrive once per
    # subscription or once in total, so compare the set.
    assert sorted(set(got)) == ["a", "a/b", "a/b/c", "x/c"]


def publish_dollar_topic(broker, clients, version, name: str, payload: bytes) -> None:
    """Publishes on a `$` topic. Junction keeps MQTT clients off `$` topics, as MQTT 3.1.1 and 5.0
    §4.7.2 ask (the Server SHOULD prevent Clients from using such Topic Names to exchange
    messages with other Clients), so there it comes from a WAMP client on the realm's URI;
    mosquitto lets an MQTT client publish it."""
    if not broker.is_junction():
        clients(version).publish(name, payload, qos=1)
        return
    from test_junction_wamp import router_of, uri_of
    from autobahn.wamp.types import PublishOptions
    from wamp_client import SessionPool, run, wait

    async def main():
        async with SessionPool(router_of(broker)) as pool:
            s = await pool.connect("websocket", "msgpack")
            await wait(s.publish(uri_of(name), payload, options=PublishOptions(acknowledge=True)), what="PUBLISHED")
    run(main())


def test_dollar_topics_are_not_matched_by_leading_wildcards(broker, clients, topic, version):
    leaf = topic.split("/")[1]
    dollar = f"$it{leaf}/x"
    hash_sub = clients(version)
    hash_sub.subscribe("#", 0)
    plus_sub = clients(version)
    plus_sub.subscribe("+/x", 0)
    exact = clients(version)
    exact.subscribe(f"$it{leaf}/#", 0)
    publish_dollar_topic(broker, clients, version, dollar, b"dollar")
    assert exact.get().payload == b"dollar"
    assert all(m.topic != dollar for m in hash_sub.drain(0.8))
    assert all(m.topic != dollar for m in plus_sub.drain(0.3))


@pytest.mark.junction_only("mosquitto lets clients publish on $ topics other than $SYS")
def test_mqtt_clients_may_not_publish_on_dollar_topics(raw, topic, version):
    c = raw(version)
    c.connect("it-dollarpub-" + topic[-12:])
    c.send(r.publish(f"$it{topic[-12:]}/x", b"x", qos=1, pid=1))
    seen = c.wait_closed()
    if version == 5 and seen:
        assert seen[-1].type == r.DISCONNECT and seen[-1].fields["reason"] == 0x90  # Topic Name invalid


def test_zero_length_client_id_v311_clean_session(raw):
    c = raw(4)
    assert c.connect("", clean=True).fields["reason"] == 0


def test_zero_length_client_id_v311_persistent_is_rejected(raw):
    c = raw(4)
    assert c.connect("", clean=False).fields["reason"] == 0x02  # Identifier rejected
    c.wait_closed()


def test_zero_length_client_id_v5_gets_an_assigned_identifier(raw, clients, topic):
    c = raw(5)
    ack = c.connect("")
    assert ack.fields["reason"] == 0
    assigned = ack.fields["properties"].get("assigned_client_id")
    assert assigned, "5.0 CONNACK must carry Assigned Client Identifier"
    other = raw(5)
    assert other.connect("").fields["properties"]["assigned_client_id"] != assigned
