"""Redis trouble during routing: pub/sub connections killed mid-stream (nothing lost, order kept,
gaps repaired from the source's stream) and a Redis restart (nodes resynchronize, routing resumes)."""

from __future__ import annotations

import asyncio

from cluster_nodes import wait_until
from routing import assert_complete_in_order, await_route, publish_numbered, subscribe
from wamp_client import SessionPool, run, wait


async def until_received(inbox, args: tuple):
    """Returns once ``inbox`` holds a real event with ``args``."""
    while not any(a == args for _, a, _ in inbox.real()):
        await asyncio.sleep(0.02)


async def all_pubsub_connected(redis, nodes: int, timeout: float = 10):
    """Waits until Redis lists at least ``nodes`` pub/sub connections."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        listed = [line for line in redis.cli("CLIENT", "LIST", "TYPE", "pubsub").splitlines() if line]
        if len(listed) >= nodes:
            return
        assert asyncio.get_running_loop().time() < deadline, f"only {len(listed)} of {nodes} nodes resubscribed"
        await asyncio.sleep(0.05)


def test_client_kill_pubsub_during_a_publication_stream(cluster):
    count = 5000
    topics = ["com.example.cluster.kill.one", "com.example.cluster.kill.two"]
    kills: list[str] = []

    async def main():
        async with SessionPool(cluster.a) as on_a, SessionPool(cluster.b) as on_b, SessionPool(cluster.c) as on_c:
            publisher = await on_a.connect("websocket", "json")
            subscriber_b = await on_b.connect("websocket", "msgpack")
            subscriber_c = await on_c.connect("rawsocket-tcp", "json")
            inbox_b = await subscribe(subscriber_b, topics[0])
            await subscribe(subscriber_b, topics[1], inbox_b)
            inbox_c = await subscribe(subscriber_c, topics[0])
            await subscribe(subscriber_c, topics[1], inbox_c)
            await await_route(publisher, topics, [inbox_b, inbox_c])

            async def kill_pubsub(sent: int):
                # Twice, mid-stream: every node's pub/sub connection drops while events are in flight.
                # Before each kill, wait until all three nodes have resubscribed, so the kill hits
                # every node (a node may still be in its reconnect backoff from the first kill).
                if sent in (1000, 3000):
                    await all_pubsub_connected(cluster.redis, 3)
                    kills.append(cluster.redis.cli("CLIENT", "KILL", "TYPE", "pubsub"))

            await publish_numbered(publisher, topics, count, on_batch=kill_pubsub)
            await inbox_b.wait_for(count, 60, "every event on node B")
            await inbox_c.wait_for(count, 60, "every event on node C")
            assert_complete_in_order(inbox_b, topics, count, "node B")
            assert_complete_in_order(inbox_c, topics, count, "node C")

    run(main(), timeout=150)
    assert len(kills) == 2 and all(int(k) >= 3 for k in kills), f"CLIENT KILL answered {kills}"
    for node in (cluster.b, cluster.c):
        assert node.metric("junction_cluster_publications_lost_total") in (0, None), node.name


def test_redis_restart_nodes_resynchronize_and_routing_resumes(fresh_cluster):
    cluster = fresh_cluster
    topic = "com.example.cluster.restart"

    async def main():
        async with SessionPool(cluster.a) as on_a, SessionPool(cluster.b) as on_b, SessionPool(cluster.c) as on_c:
            publisher = await on_a.connect("websocket", "json")
            inbox_b = await subscribe(await on_b.connect("websocket", "cbor"), topic)
            inbox_c = await subscribe(await on_c.connect("rawsocket-tcp", "msgpack"), topic)
            await await_route(publisher, [topic], [inbox_b, inbox_c])

            # Redis vanishes and comes back empty: no interest lists, no slots, no streams.
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, cluster.redis.kill)
            for node in cluster.nodes.values():
                await loop.run_in_executor(None, lambda: wait_until(
                    lambda: not node.ready(), 15, f"{node.name} /ready to report the lost Redis"))
            # Local routing goes on meanwhile.
            local_inbox = await subscribe(await on_a.connect("rawsocket-tcp", "json"), topic)
            publisher.publish(topic, "while-down")
            await local_inbox.wait_for(1, 10, "the local event while Redis is down")

            await loop.run_in_executor(None, cluster.redis.start)
            await loop.run_in_executor(None, cluster.wait_formed)
            # The subscriptions made before the restart are in the new Redis again.
            keys = set(cluster.redis.cli("KEYS", f"{cluster.key_prefix}:interest:*").split())
            assert {f"{cluster.key_prefix}:interest:node-b", f"{cluster.key_prefix}:interest:node-c"} <= keys
            await await_route(publisher, [topic], [inbox_b, inbox_c])
            publisher.publish(topic, "after")
            # "while-down" reaches the other nodes only if Redis came back within the node's
            # command timeout (it holds and resends what it could not send); either way it comes
            # first, and "after" arrives.
            for inbox, name in ((inbox_b, "B"), (inbox_c, "C")):
                await wait(until_received(inbox, ("after",)), 10, f"the event after the restart on node {name}")
                assert [a for _, a, _ in inbox.real()] in ([("after",)], [("while-down",), ("after",)])

    run(main(), timeout=150)
    assert cluster.a.metric("junction_cluster_redis_connects_total") >= 2
