"""Junction event streams (issue 16) with autobahn-python: a subscriber that was away passes
``_recover`` in its SUBSCRIBE options and gets exactly the events it missed, in order, before any
live one; too old a position is refused with ``junction.error.recovery_incomplete``.

autobahn has no option for ``_recover`` and drops unknown EVENT details, so the tests add the
option through ``recover_options`` (a patch of ``Subscribe.marshal_options``) and learn stream
positions from ``wamp.subscription.get_events``, whose events carry ``_offset``/``_epoch``.
"""

import asyncio
import contextlib
import uuid

import pytest
from autobahn.wamp import message as wamp_message
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import PublishOptions, SubscribeOptions

from wamp_client import SessionPool, run, wait

COMBOS = [("websocket", "json"), ("rawsocket-tcp", "msgpack"), ("rawsocket-unix", "cbor")]
RECOVERY_INCOMPLETE = "junction.error.recovery_incomplete"

pytestmark = pytest.mark.crossbar_xfail("event streams are a Junction extension")


def stream(name: str) -> str:
    # conftest keeps the last 200 events of every topic under com.example.interop.stream.
    return f"com.example.interop.stream.{name}.t{uuid.uuid4().hex}"


_recover_by_topic: dict = {}
_original_marshal_options = wamp_message.Subscribe.marshal_options


def _marshal_options_with_recover(self):
    options = _original_marshal_options(self)
    if self.topic in _recover_by_topic:
        options["_recover"] = _recover_by_topic[self.topic]
    return options


@contextlib.contextmanager
def recover_options(topic: str, recover: dict):
    """SUBSCRIBEs to ``topic`` carry ``Options._recover = recover`` while active."""
    wamp_message.Subscribe.marshal_options = _marshal_options_with_recover
    _recover_by_topic[topic] = recover
    try:
        yield
    finally:
        _recover_by_topic.pop(topic, None)
        if not _recover_by_topic:
            wamp_message.Subscribe.marshal_options = _original_marshal_options


class Inbox:
    def __init__(self):
        self.args = []
        self.changed = asyncio.Event()

    def __call__(self, *args, **kwargs):
        self.args.append(args[0] if len(args) == 1 else args)
        self.changed.set()

    async def until(self, count, timeout=10.0):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.args) < count:
            self.changed.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"expected {count} events, got {len(self.args)}: {self.args!r}")
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass
        return self.args


async def publish_range(session, topic, numbers):
    for n in numbers:
        await wait(session.publish(topic, n, options=PublishOptions(acknowledge=True)))


async def position(session, topic, match=None):
    """The last kept event's ``{offset, epoch}`` of ``topic``, read with get_events."""
    options = SubscribeOptions(match=match) if match else None
    sub = await wait(session.subscribe(lambda *a, **k: None, topic, options=options))
    events = await wait(session.call("wamp.subscription.get_events", sub.id, limit=1, reverse=True))
    await wait(sub.unsubscribe())
    details = events[0]["details"]
    return {"offset": details["_offset"], "epoch": details["_epoch"]}


@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_subscriber_back_after_100_events_gets_exactly_those_then_live_ones(router, transport, serializer):
    topic = stream("missed")

    async def body():
        async with SessionPool(router) as pool:
            pub = await pool.connect(transport, serializer)
            away = await pool.connect(transport, serializer)
            seen = Inbox()
            await wait(away.subscribe(seen, topic))
            await publish_range(pub, topic, [1])
            await seen.until(1)
            last = await position(pub, topic)
            assert last["offset"] == 1 and isinstance(last["epoch"], str)
            away.abort_transport()  # the tunnel
            await wait(away.left)
            await publish_range(pub, topic, range(2, 102))

            back = await pool.connect(transport, serializer)
            inbox = Inbox()
            with recover_options(topic, last):
                await wait(back.subscribe(inbox, topic))
            await publish_range(pub, topic, [102, 103])
            await inbox.until(102)
            await asyncio.sleep(0.2)
            assert inbox.args == list(range(2, 104))

    run(body())


@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_recovery_past_the_kept_window_is_refused(router, transport, serializer):
    topic = stream("window")

    async def body():
        async with SessionPool(router) as pool:
            pub = await pool.connect(transport, serializer)
            await publish_range(pub, topic, [1])
            first = await position(pub, topic)
            await publish_range(pub, topic, range(2, 252))  # 200 kept: offset 2 is gone
            sub = await pool.connect(transport, serializer)
            for recover in (first, {"offset": 100, "epoch": "not-the-epoch"}):
                with recover_options(topic, recover):
                    with pytest.raises(ApplicationError) as refused:
                        await wait(sub.subscribe(lambda *a: None, topic))
                assert refused.value.error == RECOVERY_INCOMPLETE
            # Nothing was subscribed; a plain SUBSCRIBE works and gets live events only.
            inbox = Inbox()
            await wait(sub.subscribe(inbox, topic))
            await publish_range(pub, topic, [252])
            assert await inbox.until(1) == [252]

    run(body())


@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_publications_during_the_recovering_subscribe_are_neither_duplicated_nor_lost(router, transport, serializer):
    topic = stream("race")

    async def body():
        async with SessionPool(router) as pool:
            pub = await pool.connect(transport, serializer)
            await publish_range(pub, topic, range(1, 21))
            mark = await position(pub, topic)
            assert mark["offset"] == 20
            publishing = asyncio.ensure_future(publish_range(pub, topic, range(21, 171)))
            await asyncio.sleep(0.01)
            sub = await pool.connect(transport, serializer)
            inbox = Inbox()
            with recover_options(topic, mark):
                await wait(sub.subscribe(inbox, topic))
            await wait(publishing, timeout=30)
            await inbox.until(150)
            await asyncio.sleep(0.2)
            assert inbox.args == list(range(21, 171))

    run(body())


def test_pattern_subscription_recovers_every_topic_in_publication_order(router):
    base = stream("pattern")

    async def body():
        async with SessionPool(router) as pool:
            pub = await pool.connect("websocket", "json")
            await wait(pub.publish(f"{base}.a", "a1", options=PublishOptions(acknowledge=True)))
            await wait(pub.publish(f"{base}.b", "b1", options=PublishOptions(acknowledge=True)))
            a = await position(pub, f"{base}.a")
            b = await position(pub, f"{base}.b")
            for topic, value in [(".b", "b2"), (".c", "c1"), (".a", "a2")]:
                await wait(pub.publish(f"{base}{topic}", value, options=PublishOptions(acknowledge=True)))
            sub = await pool.connect("rawsocket-tcp", "cbor")
            inbox = Inbox()
            with recover_options(base, {"positions": {f"{base}.a": a, f"{base}.b": b}}):
                await wait(sub.subscribe(inbox, base, options=SubscribeOptions(match="prefix")))
            assert await inbox.until(3) == ["b2", "c1", "a2"]

    run(body())
