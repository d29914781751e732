"""Meta API and testaments (issue 4) with autobahn-python: served by the router itself."""

import asyncio
import uuid

import pytest
from autobahn.wamp.types import RegisterOptions, SubscribeOptions

from wamp_client import ApplicationError, SessionPool, run, wait

COMBOS = [("websocket", "json"), ("rawsocket-tcp", "msgpack"), ("rawsocket-unix", "cbor")]


def uri(name: str) -> str:
    return f"com.example.meta.{name}.u{uuid.uuid4().hex}"


async def until(predicate, timeout=5.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_session_meta_procedures_and_events(router, transport, serializer):
    async def body():
        async with SessionPool(router) as pool:
            watcher = await pool.connect(transport, serializer)
            joins, leaves = [], []
            await wait(watcher.subscribe(lambda d: joins.append(d), "wamp.session.on_join"))
            await wait(watcher.subscribe(lambda *a: leaves.append(a), "wamp.session.on_leave"))
            other = await pool.connect(transport, serializer)
            await until(lambda: any(j["session"] == other.session_id for j in joins))
            count = await wait(watcher.call("wamp.session.count"))
            assert count >= 2
            assert await wait(watcher.call("wamp.session.count", ["no-such-role"])) == 0
            ids = await wait(watcher.call("wamp.session.list"))
            assert other.session_id in ids and watcher.session_id in ids
            assert await wait(watcher.call("wamp.session.list", ["no-such-role"])) == []
            info = await wait(watcher.call("wamp.session.get", other.session_id))
            assert info["session"] == other.session_id and info["authrole"] == "anonymous"
            with pytest.raises(ApplicationError) as err:
                await wait(watcher.call("wamp.session.get", 1))
            assert err.value.error == "wamp.error.no_such_session"
            other_id = other.session_id  # autobahn forgets it on leave
            other.leave()
            await until(lambda: any(a[0] == other_id for a in leaves))

    run(body())


@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_session_kill(router, transport, serializer):
    async def body():
        async with SessionPool(router) as pool:
            admin = await pool.connect(transport, serializer)
            victim = await pool.connect(transport, serializer)
            with pytest.raises(ApplicationError) as err:
                await wait(admin.call("wamp.session.kill", admin.session_id))
            assert err.value.error == "wamp.error.no_such_session"
            await wait(admin.call("wamp.session.kill", victim.session_id, reason="com.example.kicked", message="bye"))
            details = await wait(victim.left, what="victim leaving")
            assert details.reason == "com.example.kicked"
            assert details.message == "bye"
            assert admin.is_attached()

    run(body())


@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_registration_meta_api(router, transport, serializer):
    proc = uri("proc")

    async def body():
        async with SessionPool(router) as pool:
            watcher = await pool.connect(transport, serializer)
            callee = await pool.connect(transport, serializer)
            created, registered = [], []
            await wait(watcher.subscribe(lambda s, d: created.append(d), "wamp.registration.on_create"))
            await wait(watcher.subscribe(lambda s, r: registered.append((s, r)), "wamp.registration.on_register"))
            reg = await wait(callee.register(lambda: 1, proc))
            prefix = await wait(callee.register(lambda: 2, proc + ".", options=RegisterOptions(match="prefix")))
            await until(lambda: len(registered) >= 2)
            assert any(d["uri"] == proc and d["id"] == reg.id for d in created)
            assert (callee.session_id, reg.id) in registered
            lists = await wait(watcher.call("wamp.registration.list"))
            assert reg.id in lists["exact"] and prefix.id in lists["prefix"]
            assert await wait(watcher.call("wamp.registration.lookup", proc)) == reg.id
            assert await wait(watcher.call("wamp.registration.lookup", proc + ".", {"match": "prefix"})) == prefix.id
            assert await wait(watcher.call("wamp.registration.match", proc + ".x")) == prefix.id
            got = await wait(watcher.call("wamp.registration.get", reg.id))
            assert got["uri"] == proc and got["match"] == "exact" and got["invoke"] == "single"
            assert await wait(watcher.call("wamp.registration.list_callees", reg.id)) == [callee.session_id]
            assert await wait(watcher.call("wamp.registration.count_callees", reg.id)) == 1

    run(body())


@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_subscription_meta_api(router, transport, serializer):
    topic = uri("topic")

    async def body():
        async with SessionPool(router) as pool:
            watcher = await pool.connect(transport, serializer)
            subscriber = await pool.connect(transport, serializer)
            subscribed = []
            await wait(watcher.subscribe(lambda s, i: subscribed.append((s, i)), "wamp.subscription.on_subscribe"))
            sub = await wait(subscriber.subscribe(lambda *a: None, topic))
            wild = await wait(subscriber.subscribe(lambda *a: None, topic.rsplit(".", 1)[0] + ".",
                                                   options=SubscribeOptions(match="wildcard")))
            await until(lambda: (subscriber.session_id, sub.id) in subscribed)
            assert await wait(watcher.call("wamp.subscription.lookup", topic)) == sub.id
            assert sorted(await wait(watcher.call("wamp.subscription.match", topic))) == sorted([sub.id, wild.id])
            got = await wait(watcher.call("wamp.subscription.get", wild.id))
            assert got["match"] == "wildcard"
            assert await wait(watcher.call("wamp.subscription.list_subscribers", sub.id)) == [subscriber.session_id]
            assert await wait(watcher.call("wamp.subscription.count_subscribers", sub.id)) == 1
            lists = await wait(watcher.call("wamp.subscription.list"))
            assert sub.id in lists["exact"] and wild.id in lists["wildcard"]

    run(body())


@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_testament_published_when_session_goes_away(router, transport, serializer):
    topic = uri("testament")

    async def body():
        async with SessionPool(router) as pool:
            listener = await pool.connect(transport, serializer)
            got = []
            await wait(listener.subscribe(lambda *a, **kw: got.append((a, kw)), topic))
            leaver = await pool.connect(transport, serializer)
            await wait(leaver.call("wamp.session.add_testament", topic, ["gone"], {"who": "leaver"}))
            await wait(leaver.call("wamp.session.add_testament", topic, ["flushed"], {}, scope="detached"))
            await wait(leaver.call("wamp.session.flush_testaments", scope="detached"))
            leaver.abort_transport() if hasattr(leaver, "abort_transport") else leaver.leave()
            await until(lambda: len(got) >= 1)
            await asyncio.sleep(0.2)
            assert got == [(("gone",), {"who": "leaver"})]

    run(body())


def test_meta_procedures_cannot_be_registered(router):
    async def body():
        async with SessionPool(router) as pool:
            s = await pool.connect("websocket", "json")
            with pytest.raises(ApplicationError) as err:
                await wait(s.register(lambda: 0, "wamp.session.count"))
            assert err.value.error in ("wamp.error.invalid_uri", "wamp.error.not_authorized")

    run(body())
