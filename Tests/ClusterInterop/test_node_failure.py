"""`kill -9` of node B: its subscriptions vanish from the others' interest, the others keep routing,
and its sessions' testaments fire on the surviving nodes."""

from __future__ import annotations

import asyncio

from cluster_nodes import wait_until
from routing import await_route, subscribe
from wamp_client import SessionPool, run, wait


def _sent(node) -> float:
    return node.metric("junction_cluster_publications_sent_total") or 0


def test_kill9_node_b_its_subscriptions_vanish_and_routing_goes_on(fresh_cluster):
    cluster = fresh_cluster
    only_b = "com.example.cluster.dead.only_b"
    shared = "com.example.cluster.dead.shared"

    async def main():
        loop = asyncio.get_running_loop()
        async with SessionPool(cluster.a) as on_a, SessionPool(cluster.b) as on_b, SessionPool(cluster.c) as on_c:
            publisher = await on_a.connect("websocket", "json")
            subscriber_b = await on_b.connect("websocket", "json")
            inbox_b = await subscribe(subscriber_b, only_b)
            await subscribe(subscriber_b, shared, inbox_b)
            inbox_c = await subscribe(await on_c.connect("websocket", "msgpack"), shared)
            await await_route(publisher, [only_b, shared], [inbox_b])
            await await_route(publisher, [shared], [inbox_c])
            assert cluster.redis.cli("EXISTS", f"{cluster.key_prefix}:interest:node-b") == "1"

            await loop.run_in_executor(None, cluster.b.kill9)
            # Within 10 s: evicted by A and C, its interest list expired in Redis.
            for node in (cluster.a, cluster.c):
                await loop.run_in_executor(None, lambda: wait_until(
                    lambda: node.metric("junction_cluster_nodes") == 2, 10, f"{node.name} to evict node-b"))
            await loop.run_in_executor(None, lambda: wait_until(
                lambda: cluster.redis.cli("EXISTS", f"{cluster.key_prefix}:interest:node-b") == "0",
                10, "node-b's interest list to expire"))
            assert not any(row["node"] == "node-b" for row in cluster.status())

            # A no longer sends what only B wanted (its next interest read, one heartbeat later, has
            # no list for B): publications to it stay on node A.
            await asyncio.sleep(0.5)
            before = _sent(cluster.a)
            assert before > 0, "node A's warm-ups for node B were never counted as sent"
            for n in range(20):
                await wait(publisher.publish(only_b, n, options=_ack()), what="PUBLISHED")
            # Metrics are recorded once per heartbeat: wait for two.
            await asyncio.sleep(0.6)
            assert _sent(cluster.a) == before, "node A still sends publications only dead node B wanted"

            # C is still served.
            publisher.publish(shared, "after")
            await inbox_c.wait_for(1, 10, "the event on node C after B died")
            assert [a for _, a, _ in inbox_c.real()] == [("after",)]

    run(main(), timeout=120)


def _ack():
    from autobahn.wamp.types import PublishOptions

    return PublishOptions(acknowledge=True)


def test_kill9_node_b_fires_its_sessions_testaments(fresh_cluster):
    cluster = fresh_cluster
    topic = "com.example.cluster.testament"

    async def main():
        loop = asyncio.get_running_loop()
        async with SessionPool(cluster.a) as on_a, SessionPool(cluster.b) as on_b:
            watcher = await on_a.connect("websocket", "json")
            inbox = await subscribe(watcher, topic)
            doomed = await on_b.connect("websocket", "json")
            await await_route(doomed, [topic], [inbox])
            await wait(doomed.call("wamp.session.add_testament", topic, ["gone"], {"node": "node-b"}),
                       what="wamp.session.add_testament")
            await loop.run_in_executor(None, cluster.b.kill9)
            await inbox.wait_for(1, 10, "node-b's session's testament on node A")
            assert inbox.real() == [(topic, ("gone",), {"node": "node-b"})]

    run(main(), timeout=60)
