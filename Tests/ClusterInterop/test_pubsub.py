"""Publications across nodes: prefix and wildcard subscriptions, every transport, and 10 000
events from one publisher on node A arriving complete and in order on nodes B and C."""

from __future__ import annotations

import pytest

from routing import assert_complete_in_order, await_route, publish_numbered, subscribe
from wamp_client import SessionPool, run


@pytest.mark.parametrize(
    "transport,serializer",
    [("websocket", "json"), ("websocket", "msgpack"), ("rawsocket-tcp", "cbor"), ("rawsocket-tcp", "json")],
)
def test_exact_subscription_on_other_node(cluster, transport, serializer):
    async def main():
        async with SessionPool(cluster.a) as on_a, SessionPool(cluster.b) as on_b:
            publisher = await on_a.connect("websocket", "json")
            subscriber = await on_b.connect(transport, serializer)
            topic = f"com.example.cluster.exact.{transport}.{serializer}"
            inbox = await subscribe(subscriber, topic)
            await await_route(publisher, [topic], [inbox])
            publisher.publish(topic, 1, 2, color="blue")
            await inbox.wait_for(1, 10, "the event on node B")
            assert inbox.real() == [(topic, (1, 2), {"color": "blue"})]

    run(main())


def test_prefix_and_wildcard_subscriptions_across_nodes(cluster):
    async def main():
        async with SessionPool(cluster.a) as on_a, SessionPool(cluster.b) as on_b, SessionPool(cluster.c) as on_c:
            publisher = await on_a.connect("websocket", "json")
            prefix_subscriber = await on_b.connect("websocket", "msgpack")
            wildcard_subscriber = await on_c.connect("rawsocket-tcp", "cbor")
            by_prefix = await subscribe(prefix_subscriber, "com.example.cluster.pattern", match="prefix")
            by_wildcard = await subscribe(wildcard_subscriber, "com.example.cluster..temperature", match="wildcard")
            await await_route(publisher, ["com.example.cluster.pattern.temperature"], [by_prefix, by_wildcard])

            publisher.publish("com.example.cluster.pattern.kitchen", "p1")
            publisher.publish("com.example.cluster.hall.temperature", "w1")
            publisher.publish("com.example.cluster.pattern.temperature", "both")
            publisher.publish("com.example.other.temperature", "neither")
            # A marker that reaches both, published last: once it is there, nothing else is coming.
            publisher.publish("com.example.cluster.pattern.temperature", "end")
            await by_prefix.wait_for(3, 10, "prefix events on node B")
            await by_wildcard.wait_for(3, 10, "wildcard events on node C")
            assert by_prefix.real() == [
                ("com.example.cluster.pattern.kitchen", ("p1",), {}),
                ("com.example.cluster.pattern.temperature", ("both",), {}),
                ("com.example.cluster.pattern.temperature", ("end",), {}),
            ]
            assert by_wildcard.real() == [
                ("com.example.cluster.hall.temperature", ("w1",), {}),
                ("com.example.cluster.pattern.temperature", ("both",), {}),
                ("com.example.cluster.pattern.temperature", ("end",), {}),
            ]

    run(main())


def test_publisher_exclusion_and_local_subscriber_with_remote_ones(cluster):
    """The publisher's own subscription is excluded as on one node; a subscriber on the
    publisher's node and one on another node both get the event once."""

    async def main():
        async with SessionPool(cluster.a) as on_a, SessionPool(cluster.c) as on_c:
            publisher = await on_a.connect("websocket", "json")
            local = await on_a.connect("rawsocket-tcp", "msgpack")
            remote = await on_c.connect("websocket", "cbor")
            topic = "com.example.cluster.exclusion"
            own = await subscribe(publisher, topic)
            local_inbox = await subscribe(local, topic)
            remote_inbox = await subscribe(remote, topic)
            await await_route(local, [topic], [remote_inbox])
            publisher.publish(topic, "once")
            await local_inbox.wait_for(1, 10, "the event on node A")
            await remote_inbox.wait_for(1, 10, "the event on node C")
            local.publish(topic, "end")
            await remote_inbox.wait_for(2, 10, "the end marker on node C")
            assert [a for _, a, _ in remote_inbox.real()] == [("once",), ("end",)]
            assert [a for _, a, _ in own.real()] == [("end",)]

    run(main())


def test_ten_thousand_events_in_order_across_two_topics(cluster):
    count = 10_000
    topics = ["com.example.cluster.order.one", "com.example.cluster.order.two"]

    async def main():
        async with SessionPool(cluster.a) as on_a, SessionPool(cluster.b) as on_b, SessionPool(cluster.c) as on_c:
            publisher = await on_a.connect("websocket", "msgpack")
            on_node_b = await on_b.connect("websocket", "json")
            on_node_c = await on_c.connect("rawsocket-tcp", "cbor")
            inbox_b = await subscribe(on_node_b, topics[0])
            inbox_b = await subscribe(on_node_b, topics[1], inbox_b)
            inbox_c = await subscribe(on_node_c, topics[0])
            inbox_c = await subscribe(on_node_c, topics[1], inbox_c)
            await await_route(publisher, topics, [inbox_b, inbox_c])
            await publish_numbered(publisher, topics, count)
            await inbox_b.wait_for(count, 60, "10 000 events on node B")
            await inbox_c.wait_for(count, 60, "10 000 events on node C")
            assert_complete_in_order(inbox_b, topics, count, "node B")
            assert_complete_in_order(inbox_c, topics, count, "node C")

    run(main(), timeout=150)
    assert cluster.b.metric("junction_cluster_publications_lost_total") in (0, None)
