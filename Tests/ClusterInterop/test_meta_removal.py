"""`wamp.subscription.remove_subscriber` and `wamp.registration.remove_callee` called on node A
for a subscriber and a callee on node B: B removes them (no more events, no more calls), meta
subscribers on A, B and C see the meta events, and unknown ids get the errors of one node."""

from __future__ import annotations

import asyncio

import pytest
from autobahn.wamp.exception import ApplicationError

from routing import Inbox, await_route, subscribe
from wamp_client import SessionPool, run, wait


async def until(condition, timeout: float, what: str):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until {what}")
        await asyncio.sleep(0.05)


async def error_of(call) -> str | None:
    try:
        await wait(call)
    except ApplicationError as error:
        return error.error
    return None


def test_remove_subscriber_and_callee_on_another_node(cluster):
    topic = "com.example.cremove.topic"
    marker = "com.example.cremove.marker"
    procedure = "com.example.cremove.proc"
    meta_topics = ["wamp.subscription.on_unsubscribe", "wamp.registration.on_unregister"]

    async def main():
        async with SessionPool(cluster.a) as on_a, SessionPool(cluster.b) as on_b, SessionPool(cluster.c) as on_c:
            watchers = [await pool.connect("websocket", "json") for pool in (on_a, on_b, on_c)]
            inboxes = []
            for watcher in watchers:
                inbox = Inbox()
                for meta in meta_topics:
                    await subscribe(watcher, meta, inbox)
                inboxes.append(inbox)

            admin = await on_a.connect("rawsocket-tcp", "msgpack")
            subscriber = await on_b.connect("websocket", "cbor")
            subscriber_id = (await subscriber.joined).session
            events = await subscribe(subscriber, topic)
            await subscribe(subscriber, marker, events)
            await wait(subscriber.register(lambda: "b", procedure))
            await await_route(admin, [topic, marker], [events])
            # Meta events raised on B reach A and C once they listen: a probe join on B shows it.
            probes = [Inbox() for _ in watchers]
            for watcher, probe in zip(watchers, probes):
                await subscribe(watcher, "wamp.session.on_join", probe)

            async def every_watcher_saw_a_join_on_b():
                await on_b.connect("websocket", "json")
                await asyncio.sleep(0.2)
                return all(probe.events for probe in probes)

            await until(every_watcher_saw_a_join_on_b, 15, "the watchers see meta events raised on node B")

            async def b_visible_on_a():
                matched = await wait(admin.call("wamp.subscription.match", topic))
                registration = await wait(admin.call("wamp.registration.match", procedure))
                return bool(matched) and registration is not None

            await until(b_visible_on_a, 10, "node A sees B's subscription and registration")
            subscription = (await wait(admin.call("wamp.subscription.match", topic)))[0]
            registration = await wait(admin.call("wamp.registration.match", procedure))
            assert await wait(admin.call(procedure)) == "b"

            # Unknown ids: the errors of one node, nothing removed.
            assert await error_of(admin.call("wamp.subscription.remove_subscriber", subscription + 1,
                                             subscriber_id)) == "wamp.error.no_such_subscription"
            assert await error_of(admin.call("wamp.registration.remove_callee", registration,
                                             subscriber_id + 1)) == "wamp.error.no_such_registration"

            await wait(admin.call("wamp.subscription.remove_subscriber", subscription, subscriber_id,
                                  reason="maintenance"))
            await wait(admin.call("wamp.registration.remove_callee", registration, subscriber_id))

            async def every_watcher_saw_both():
                return all(len([e for e in inbox.events if e[1] and e[1][0] == subscriber_id]) >= 2
                           for inbox in inboxes)

            await until(every_watcher_saw_both, 10, "on_unsubscribe and on_unregister reached A, B and C")
            for inbox in inboxes:
                seen = sorted(t for t, a, _ in inbox.events if a and a[0] == subscriber_id)
                assert seen == sorted(meta_topics), seen

            before = len(events.real())
            admin.publish(topic, "after")
            admin.publish(marker, "marker")
            await events.wait_for(before + 1, 10, "the marker on node B")
            assert [a[0] for t, a, _ in events.real()][before:] == ["marker"]

            async def gone_on_a():
                return await wait(admin.call("wamp.registration.match", procedure)) is None

            await until(gone_on_a, 10, "node A no longer routes to the removed callee")
            with pytest.raises(ApplicationError) as missing:
                await wait(admin.call(procedure))
            assert missing.value.error == "wamp.error.no_such_procedure"

    run(main(), timeout=90)
