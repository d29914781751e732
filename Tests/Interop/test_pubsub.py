"""Publish & subscribe between autobahn sessions."""

import asyncio
import json
import time
import uuid

import pytest
from autobahn.wamp.types import PublishOptions

from wamp_client import ApplicationError, SessionPool, client_uri_checks_disabled, run, wait
from wamp_raw import ERROR, EVENT, PUBLISH, PUBLISHED, SUBSCRIBE, SUBSCRIBED, UNSUBSCRIBE, RawWamp

ACK = PublishOptions(acknowledge=True)


def topic(name: str) -> str:
    return f"com.example.interop.{name}.t{uuid.uuid4().hex}"


class Inbox:
    """Collects events; ``get()`` waits for the next one."""

    def __init__(self):
        self.queue: asyncio.Queue = asyncio.Queue()

    def __call__(self, *args, **kwargs):
        self.queue.put_nowait((args, kwargs))

    async def get(self, timeout: float = 10.0, what: str = "EVENT"):
        return await wait(self.queue.get(), timeout=timeout, what=what)

    def empty(self) -> bool:
        return self.queue.empty()


def test_publish_acknowledged(router, transport, serializer):
    t = topic("ack")

    async def body():
        async with SessionPool(router) as pool:
            sub = await pool.connect(transport, serializer, label="subscriber")
            pub = await pool.connect(transport, serializer, label="publisher")
            inbox = Inbox()
            await wait(sub.subscribe(inbox, t), what="SUBSCRIBED")
            publication = await wait(pub.publish(t, 1, "two", three=3, options=ACK), what="PUBLISHED")
            assert isinstance(publication.id, int) and 1 <= publication.id <= 2**53, publication.id
            args, kwargs = await inbox.get()
            assert args == (1, "two")
            assert kwargs == {"three": 3}

            # Publishing to a topic nobody subscribed to is still acknowledged.
            other = await wait(pub.publish(topic("nobody"), options=ACK), what="PUBLISHED")
            assert isinstance(other.id, int) and other.id != publication.id

    run(body())


def test_publish_binary_payload(router, transport, serializer):
    t = topic("binary")
    payload_args = [b"\x00\x01\xff", b"", bytes(range(256))]
    payload_kwargs = {"blob": b"\x00bin\xff", "list": [b"\x7f", "text"]}

    async def body():
        async with SessionPool(router) as pool:
            sub = await pool.connect(transport, serializer)
            pub = await pool.connect(transport, serializer)
            inbox = Inbox()
            await wait(sub.subscribe(inbox, t), what="SUBSCRIBED")
            await wait(pub.publish(t, *payload_args, options=ACK, **payload_kwargs), what="PUBLISHED")
            args, kwargs = await inbox.get()
            assert list(args) == payload_args
            assert all(type(a) is bytes for a in args)
            assert kwargs == payload_kwargs

    run(body())


def test_exclude_me_default(router, transport, serializer):
    """A publisher subscribed to its own topic does not receive its own event by default,
    but does with exclude_me=False."""
    t = topic("excludeme")

    async def body():
        async with SessionPool(router) as pool:
            pub = await pool.connect(transport, serializer, label="publisher")
            witness = await pool.connect(transport, serializer, label="witness")
            own, seen = Inbox(), Inbox()
            await wait(pub.subscribe(own, t), what="SUBSCRIBED")
            await wait(witness.subscribe(seen, t), what="SUBSCRIBED")

            await wait(pub.publish(t, "first", options=ACK), what="PUBLISHED")
            await wait(pub.publish(t, "second", options=PublishOptions(acknowledge=True, exclude_me=False)), what="PUBLISHED")

            assert (await seen.get())[0] == ("first",)
            assert (await seen.get())[0] == ("second",)
            # Events from one publisher reach a subscriber in order, so if "first" had been
            # delivered to the publisher it would arrive before "second".
            args, _ = await own.get(what="own event with exclude_me=False")
            assert args == ("second",), f"publisher received its own event despite exclude_me default: {args}"
            await asyncio.sleep(0.2)
            assert own.empty()

    run(body())


def test_unsubscribe_stops_events(router, transport, serializer):
    t1, t2 = topic("unsub1"), topic("unsub2")

    async def body():
        async with SessionPool(router) as pool:
            sub = await pool.connect(transport, serializer)
            pub = await pool.connect(transport, serializer)
            inbox1, inbox2 = Inbox(), Inbox()
            s1 = await wait(sub.subscribe(inbox1, t1), what="SUBSCRIBED")
            await wait(sub.subscribe(inbox2, t2), what="SUBSCRIBED")
            await wait(pub.publish(t1, 1, options=ACK), what="PUBLISHED")
            assert (await inbox1.get())[0] == (1,)
            await wait(s1.unsubscribe(), what="UNSUBSCRIBED")
            await wait(pub.publish(t1, 2, options=ACK), what="PUBLISHED")
            await wait(pub.publish(t2, 3, options=ACK), what="PUBLISHED")
            # Ordering across topics for one publisher/subscriber pair: once the t2 event is
            # here, a t1 event published before it would have arrived too.
            assert (await inbox2.get())[0] == (3,)
            assert inbox1.empty(), "event delivered after UNSUBSCRIBED"

    run(body())


def test_many_events_in_order(router, transport, serializer):
    n = 10_000
    t = topic("flood")

    async def body():
        async with SessionPool(router) as pool:
            sub = await pool.connect(transport, serializer, label="subscriber")
            pub = await pool.connect(transport, serializer, label="publisher")
            received = []
            done = asyncio.get_running_loop().create_future()

            def on_event(i, payload):
                if i == -1:  # the end marker, published last
                    if not done.done():
                        done.set_result(True)
                else:
                    received.append(i)

            await wait(sub.subscribe(on_event, t), what="SUBSCRIBED")
            started = time.monotonic()
            for i in range(n):
                pub.publish(t, i, "x" * 32)
                if i % 500 == 499:
                    await asyncio.sleep(0)  # let the transport flush
            await wait(pub.publish(t, -1, "end", options=ACK), timeout=60, what="PUBLISHED after the flood")
            try:
                await wait(done, timeout=60, what="the end-marker event")
            except AssertionError:
                raise AssertionError(f"end marker not received; {len(received)} of {n} events arrived (last: {received[-3:]})") from None
            elapsed = time.monotonic() - started
            assert received == list(range(n)), "events lost, duplicated or reordered"
            print(f"{n} events in {elapsed:.2f}s")

    run(body(), timeout=120)


def test_multiple_subscribers(router, transport, serializer):
    t = topic("fanout")

    async def body():
        async with SessionPool(router) as pool:
            pub = await pool.connect(transport, serializer)
            inboxes = []
            for _ in range(4):
                s = await pool.connect(transport, serializer)
                inbox = Inbox()
                await wait(s.subscribe(inbox, t), what="SUBSCRIBED")
                inboxes.append(inbox)
            await wait(pub.publish(t, "hello", n=1, options=ACK), what="PUBLISHED")
            for inbox in inboxes:
                assert await inbox.get() == (("hello",), {"n": 1})

    run(body())


INVALID_URIS = ["com..bad", "com.#bad", "with space"]
INVALID_URI_XFAIL = "drops the connection on an invalid URI instead of replying ERROR wamp.error.invalid_uri"


@pytest.mark.crossbar_xfail(INVALID_URI_XFAIL)
@pytest.mark.parametrize("bad", INVALID_URIS)
def test_subscribe_invalid_uri(router, transport, serializer, bad):
    async def body():
        async with SessionPool(router) as pool:
            s = await pool.connect(transport, serializer)
            with pytest.raises(ApplicationError) as info, client_uri_checks_disabled():
                await wait(s.subscribe(lambda *a: None, bad), what="ERROR for SUBSCRIBE")
            assert info.value.error == "wamp.error.invalid_uri"
            # The session stays usable.
            t = topic("afterinvalid")
            inbox = Inbox()
            await wait(s.subscribe(inbox, t), what="SUBSCRIBED")
            await wait(s.publish(t, "ok", options=PublishOptions(acknowledge=True, exclude_me=False)), what="PUBLISHED")
            assert (await inbox.get())[0] == ("ok",)

    run(body())


@pytest.mark.crossbar_xfail(INVALID_URI_XFAIL)
@pytest.mark.parametrize("bad", INVALID_URIS)
def test_publish_invalid_uri(router, transport, serializer, bad):
    async def body():
        async with SessionPool(router) as pool:
            s = await pool.connect(transport, serializer)
            with pytest.raises(ApplicationError) as info, client_uri_checks_disabled():
                await wait(s.publish(bad, 1, options=ACK), what="ERROR for PUBLISH")
            assert info.value.error == "wamp.error.invalid_uri"
            await wait(s.publish(topic("afterinvalid"), options=ACK), what="PUBLISHED")

    run(body())


def test_unsubscribe_unknown_id(router, transport, serializer):
    """UNSUBSCRIBE with a subscription id that was never issued -> ERROR no_such_subscription."""
    peer = RawWamp.session(router, transport, serializer)
    try:
        req = peer.request(UNSUBSCRIBE, 2**53 - 11)
        msg = peer.recv()
        assert msg[:3] == [ERROR, UNSUBSCRIBE, req], msg
        assert isinstance(msg[3], dict)
        assert msg[4] == "wamp.error.no_such_subscription", msg
        peer.goodbye()
    finally:
        peer.close()


CROSS_ARGS = [b"\x00\x01binary\xff", "ünïcödé ✓ 🚀 日本語", 2**53, -1, -(2**53), 1.5, True, None, {"nested": [b"", "x"]}]
CROSS_KWARGS = {"bin": b"\xde\xad\xbe\xef", "text": "Grüße 🌍", "big": 2**53, "neg": -1}


def test_cross_serializer_event(router, transport):
    """A json publisher's event reaches cbor and msgpack subscribers (and a json one) intact."""
    t = topic("cross")

    async def body():
        async with SessionPool(router) as pool:
            pub = await pool.connect(transport, "json", label="publisher/json")
            inboxes = {}
            for ser in ("cbor", "msgpack", "json"):
                s = await pool.connect(transport, ser, label=f"subscriber/{ser}")
                inboxes[ser] = Inbox()
                await wait(s.subscribe(inboxes[ser], t), what="SUBSCRIBED")
            await wait(pub.publish(t, *CROSS_ARGS, options=ACK, **CROSS_KWARGS), what="PUBLISHED")
            for ser, inbox in inboxes.items():
                args, kwargs = await inbox.get(what=f"EVENT at the {ser} subscriber")
                assert list(args) == CROSS_ARGS, ser
                assert [type(a) for a in args] == [type(a) for a in CROSS_ARGS], ser
                assert kwargs == CROSS_KWARGS, ser

    run(body())


@pytest.mark.parametrize("pub_ser", ["msgpack", "cbor"])
def test_cross_serializer_event_to_json(router, transport, pub_ser):
    """Binary from a msgpack/cbor publisher reaches a json subscriber via the \\u0000+base64 convention."""
    t = topic("tojson")

    async def body():
        async with SessionPool(router) as pool:
            pub = await pool.connect(transport, pub_ser)
            sub = await pool.connect(transport, "json")
            inbox = Inbox()
            await wait(sub.subscribe(inbox, t), what="SUBSCRIBED")
            await wait(pub.publish(t, *CROSS_ARGS, options=ACK, **CROSS_KWARGS), what="PUBLISHED")
            args, kwargs = await inbox.get()
            assert list(args) == CROSS_ARGS
            assert [type(a) for a in args] == [type(a) for a in CROSS_ARGS]
            assert kwargs == CROSS_KWARGS

    run(body())


def test_cross_transport_event(router):
    """One publication fans out to subscribers on all three transports with all three serializers."""
    t = topic("alltransports")

    async def body():
        async with SessionPool(router) as pool:
            pub = await pool.connect("rawsocket-unix", "msgpack")
            inboxes = {}
            for tr in ("websocket", "rawsocket-tcp", "rawsocket-unix"):
                for ser in ("json", "msgpack", "cbor"):
                    s = await pool.connect(tr, ser)
                    inboxes[(tr, ser)] = Inbox()
                    await wait(s.subscribe(inboxes[(tr, ser)], t), what="SUBSCRIBED")
            await wait(pub.publish(t, *CROSS_ARGS, options=ACK, **CROSS_KWARGS), what="PUBLISHED")
            for key, inbox in inboxes.items():
                args, kwargs = await inbox.get(what=f"EVENT at {key}")
                assert list(args) == CROSS_ARGS, key
                assert kwargs == CROSS_KWARGS, key

    run(body())


def test_json_binary_wire_format(router, transport):
    """On the wire, binary for a JSON peer is a string: "\\u0000" followed by standard (padded)
    base64; binary from a JSON peer reaches a msgpack peer as a real binary value."""
    t = topic("wire")
    json_peer = RawWamp.session(router, transport, "json")
    msgpack_peer = RawWamp.session(router, transport, "msgpack")
    try:
        for peer in (json_peer, msgpack_peer):
            req = peer.request(SUBSCRIBE, {}, t)
            msg = peer.recv()
            assert msg[:2] == [SUBSCRIBED, req], msg

        # msgpack -> json
        req = msgpack_peer.request(PUBLISH, {"acknowledge": True, "exclude_me": True}, t, [b"\x00\x01\xfe\xff", b"", b"hi!"], {"k": b"\xfb\xff"})
        msg = msgpack_peer.recv()
        assert msg[:2] == [PUBLISHED, req], msg
        event = json.loads(json_peer.recv_bytes().decode("utf-8"))
        assert event[0] == EVENT, event
        assert event[4] == ["\u0000AAH+/w==", "\u0000", "\u0000aGkh"], event
        assert event[5] == {"k": "\u0000+/8="}, event

        # json -> msgpack
        req = json_peer.request(PUBLISH, {"acknowledge": True}, t, ["\u0000AAH+/w==", "plain"], {"k": "\u0000aGkh"})
        msg = json_peer.recv()
        assert msg[:2] == [PUBLISHED, req], msg
        event = msgpack_peer.recv()
        assert event[0] == EVENT, event
        assert event[4] == [b"\x00\x01\xfe\xff", "plain"], event
        assert type(event[4][0]) is bytes and type(event[4][1]) is str
        assert event[5] == {"k": b"hi!"}, event
    finally:
        json_peer.close()
        msgpack_peer.close()
