"""Junction only: MQTT <-> WAMP on one realm with autobahn-python — topic/URI mapping and
escaping, JSON args/kwargs, binary payloads byte-exact, WAMP pattern subscriptions, retained <->
event retention, meta events for MQTT clients, authorization and username/password = ticket."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Interop"))

from autobahn.wamp.types import PublishOptions, SubscribeOptions  # noqa: E402
from wamp_client import SessionPool, run, wait  # noqa: E402

from broker_config import DENIED_PREFIX, TICKET_SECRET, TICKET_USER  # noqa: E402

pytestmark = pytest.mark.junction_only("the WAMP side, the meta API and realm security are Junction's")


@dataclass
class WampRouter:
    """What wamp_client.SessionPool needs to know about the router."""

    host: str
    ws_port: int
    ws_url: str


def router_of(broker) -> WampRouter:
    return WampRouter(broker.host, broker.ws_port, broker.wamp_url)


def uri_of(topic: str) -> str:
    return topic.replace("/", ".")


async def subscribe_queue(session, uri: str, match: str = "exact", get_retained: bool = False) -> asyncio.Queue:
    q: asyncio.Queue = asyncio.Queue()

    def on_event(*args, details=None, **kwargs):
        q.put_nowait((list(args), kwargs, details))

    await wait(session.subscribe(on_event, uri, options=SubscribeOptions(
        match=match, details_arg="details", get_retained=get_retained or None)), what=f"SUBSCRIBE {uri}")
    return q


def in_thread(fn, *args, **kwargs):
    """paho calls block; run them off the asyncio loop that autobahn needs."""
    return asyncio.to_thread(fn, *args, **kwargs)


def test_mqtt_json_payload_becomes_args_and_kwargs(broker, clients, topic):
    async def main():
        async with SessionPool(router_of(broker)) as pool:
            s = await pool.connect("websocket", "json")
            q = await subscribe_queue(s, uri_of(topic) + ".temp")
            payload = json.dumps({"args": [21.5, "C", None], "kwargs": {"room": "kitchen", "n": [1, 2]}})
            await in_thread(clients(5).publish, topic + "/temp", payload.encode(), 1)
            args, kwargs, details = await wait(q.get(), what="EVENT")
            assert args == [21.5, "C", None]
            assert kwargs == {"room": "kitchen", "n": [1, 2]}
    run(main())


@pytest.mark.parametrize("payload", [bytes(range(256)), b"not json", b'{"args": "not a list"}', b"", b"[1,2]"],
                         ids=["bytes", "text", "bad-args", "empty", "json-array"])
def test_other_mqtt_payloads_become_one_binary_argument(broker, clients, topic, payload):
    async def main():
        async with SessionPool(router_of(broker)) as pool:
            s = await pool.connect("websocket", "json")
            q = await subscribe_queue(s, uri_of(topic))
            await in_thread(clients(4).publish, topic, payload, 1)
            args, kwargs, _ = await wait(q.get(), what="EVENT")
            assert args == [payload] and not kwargs
    run(main())


def test_wamp_args_and_kwargs_become_a_json_payload(broker, clients, topic):
    sub = clients(5)
    sub.subscribe(topic, 1)

    async def main():
        async with SessionPool(router_of(broker)) as pool:
            s = await pool.connect("websocket", "json")
            await wait(s.publish(uri_of(topic), 1, "two", {"three": 3}, k=[True], options=PublishOptions(
                acknowledge=True)), what="PUBLISHED")
            only_args = await pool.connect("websocket", "msgpack")
            await wait(only_args.publish(uri_of(topic), "x", options=PublishOptions(acknowledge=True)),
                       what="PUBLISHED")
    run(main())
    first = json.loads(sub.get().payload)
    assert first["args"] == [1, "two", {"three": 3}] and first["kwargs"] == {"k": [True]}
    second = json.loads(sub.get().payload)
    assert second["args"] == ["x"] and second.get("kwargs", {}) == {}


@pytest.mark.parametrize("serializer", ["json", "msgpack", "cbor"])
def test_wamp_binary_argument_becomes_the_raw_payload(broker, clients, topic, serializer):
    data = b"\x00\xff\x10binary\x80" + bytes(range(256))
    sub = clients(4)
    sub.subscribe(topic, 1)

    async def main():
        async with SessionPool(router_of(broker)) as pool:
            s = await pool.connect("websocket", serializer)
            await wait(s.publish(uri_of(topic), data, options=PublishOptions(acknowledge=True)), what="PUBLISHED")
    run(main())
    assert sub.get().payload == data


def test_wamp_pattern_subscriptions_see_mqtt_topics(broker, clients, topic):
    async def main():
        async with SessionPool(router_of(broker)) as pool:
            s = await pool.connect("websocket", "json")
            prefix = await subscribe_queue(s, uri_of(topic), match="prefix")
            wildcard = await subscribe_queue(s, uri_of(topic) + "..temp", match="wildcard")
            pub = clients(5)
            await in_thread(pub.publish, topic + "/room1/temp", b'{"args": [1]}', 1)
            await in_thread(pub.publish, topic + "/room1/humidity", b'{"args": [2]}', 1)
            got = [await wait(prefix.get(), what="prefix EVENT") for _ in range(2)]
            base = uri_of(topic)
            assert sorted(d.topic for _, _, d in got) == [base + ".room1.humidity", base + ".room1.temp"]
            args, _, details = await wait(wildcard.get(), what="wildcard EVENT")
            assert (args, details.topic) == ([1], uri_of(topic) + ".room1.temp")
            assert wildcard.empty()
    run(main())


def test_mqtt_wildcards_see_wamp_publications(broker, clients, topic):
    plus = clients(5)
    plus.subscribe(topic + "/+/temp", 1)
    hash_ = clients(5)
    hash_.subscribe(topic + "/#", 1)

    async def main():
        async with SessionPool(router_of(broker)) as pool:
            s = await pool.connect("websocket", "json")
            for uri in (uri_of(topic) + ".room2.temp", uri_of(topic)):
                await wait(s.publish(uri, uri, options=PublishOptions(acknowledge=True)), what="PUBLISHED")
    run(main())
    assert plus.get().topic == topic + "/room2/temp"
    plus.expect_nothing()
    # "a/#" also matches "a" itself.
    assert sorted(m.topic for m in hash_.get_n(2)) == [topic, topic + "/room2/temp"]


def test_topics_that_uris_cannot_hold_are_escaped_reversibly(broker, clients, topic):
    odd = topic + "/a b.c/ü"
    mqtt_sub = clients(5)
    mqtt_sub.subscribe(odd, 1)

    async def main():
        async with SessionPool(router_of(broker)) as pool:
            s = await pool.connect("websocket", "json")
            q = await subscribe_queue(s, uri_of(topic), match="prefix")
            await in_thread(clients(5).publish, odd, b'{"args": ["odd"]}', 1)
            args, _, details = await wait(q.get(), what="EVENT")
            assert args == ["odd"]
            escaped = details.topic
            assert escaped.startswith(uri_of(topic) + ".") and " " not in escaped
            assert escaped.count(".") == uri_of(topic).count(".") + 2, "one URI component per topic level"
            # Publishing to the escaped URI reaches the MQTT subscriber of the original topic.
            await wait(s.publish(escaped, "back", options=PublishOptions(acknowledge=True)), what="PUBLISHED")
    run(main())
    first = mqtt_sub.get()
    assert first.topic == odd
    second = mqtt_sub.get()
    assert (second.topic, json.loads(second.payload)["args"]) == (odd, ["back"])


def test_retained_mqtt_message_is_wamp_retained_event_and_back(broker, clients, topic):
    clients(5).publish(topic + "/r1", b'{"args": ["kept"]}', qos=1, retain=True)

    async def main():
        async with SessionPool(router_of(broker)) as pool:
            s = await pool.connect("websocket", "json")
            q = await subscribe_queue(s, uri_of(topic) + ".r1", get_retained=True)
            args, _, _ = await wait(q.get(), what="retained EVENT")
            assert args == ["kept"]
            await wait(s.publish(uri_of(topic) + ".r2", "from wamp", options=PublishOptions(
                retain=True, acknowledge=True)), what="PUBLISHED")
    run(main())
    late = clients(5)
    late.subscribe(topic + "/r2", 1)
    msg = late.get()
    assert msg.retain and json.loads(msg.payload)["args"] == ["from wamp"]
    for leaf in ("r1", "r2"):
        clients(5).publish(f"{topic}/{leaf}", b"", qos=1, retain=True)


def find(value, predicate) -> bool:
    """Whether ``predicate`` holds for ``value`` or anything nested in it."""
    if predicate(value):
        return True
    if isinstance(value, dict):
        return any(find(v, predicate) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(find(v, predicate) for v in value)
    return False


@pytest.mark.parametrize("version", [4, 5], ids=["v311", "v5"])
def test_mqtt_clients_appear_in_session_meta_events(broker, clients, topic, version):
    cid = "meta-" + topic[-12:]

    async def main():
        async with SessionPool(router_of(broker)) as pool:
            s = await pool.connect("websocket", "json")
            joins = await subscribe_queue(s, "wamp.session.on_join")
            leaves = await subscribe_queue(s, "wamp.session.on_leave")
            c = await in_thread(clients, version, client_id=cid)
            while True:
                args, _, _ = await wait(joins.get(), what="wamp.session.on_join")
                if find(args, lambda v: v == cid):
                    break
            info = args[0]
            assert find(info, lambda v: isinstance(v, str) and "mqtt" in v.lower()), f"transport mqtt in {info}"
            session_id = info["session"]
            await in_thread(c.disconnect)
            while True:
                largs, _, _ = await wait(leaves.get(), what="wamp.session.on_leave")
                if largs and largs[0] == session_id:
                    break
    run(main())


@pytest.mark.parametrize("version", [4, 5], ids=["v311", "v5"])
def test_denied_subscribe_gets_the_failure_code(clients, topic, version):
    c = clients(version)
    assert c.subscribe(f"{DENIED_PREFIX}/{topic}", 1) == [0x80 if version == 4 else 0x87]
    assert c.subscribe(topic, 1) == [1], "the connection goes on"


def test_denied_publish_is_not_delivered(clients, topic):
    watcher = clients(5, username=TICKET_USER, password=TICKET_SECRET)
    watcher.subscribe(f"{DENIED_PREFIX}/{topic}", 1)
    anonymous = clients(5)
    assert anonymous.publish(f"{DENIED_PREFIX}/{topic}", b"x", qos=1) == 0x87
    v311 = clients(4)
    v311.publish(f"{DENIED_PREFIX}/{topic}", b"y", qos=1)  # dropped (3.1.1 has no way to say why)
    watcher.expect_nothing()


@pytest.mark.parametrize("version", [4, 5], ids=["v311", "v5"])
def test_username_password_is_a_ticket(clients, raw, topic, version):
    ok = clients(version, username=TICKET_USER, password=TICKET_SECRET)
    assert ok.subscribe(f"{DENIED_PREFIX}/{topic}", 1) == [1], "the principal's role applies"
    # The code on the wire, not paho's: paho 2 turns a 3.1.1 return code into the 5.0 reason code
    # of the same meaning (4 → 0x86), so its on_connect cannot tell the versions apart.
    bad = raw(version)
    code = bad.connect("it-badticket-" + topic[-12:], username=TICKET_USER, password=b"wrong").fields["reason"]
    # 3.1.1 §3.2.2.3: 4 bad user name or password, 5 not authorized; 5.0 §3.2.2.2: 0x86, 0x87.
    assert code in ((4, 5) if version == 4 else (0x86, 0x87))
    bad.wait_closed()


def test_mqtt_will_reaches_wamp_subscribers(broker, raw, topic):
    import mqtt_raw as r

    async def main():
        async with SessionPool(router_of(broker)) as pool:
            s = await pool.connect("websocket", "json")
            q = await subscribe_queue(s, uri_of(topic) + ".status")
            c = raw(5)
            await in_thread(c.connect, "it-testament-" + topic[-12:],
                            will={"topic": topic + "/status", "payload": b'{"args": ["offline"]}'})
            c.abort()
            args, _, _ = await wait(q.get(), what="will as EVENT")
            assert args == ["offline"]
    run(main())


@pytest.mark.parametrize("transport", ["tcp", "tls", "websockets"])
@pytest.mark.parametrize("version", [4, 5], ids=["v311", "v5"])
def test_mqtt_and_wamp_both_ways_over_every_mqtt_transport(broker, clients, topic, transport, version):
    """MQTT over TCP, TLS and WebSocket (`/mqtt`) against autobahn over WebSocket: an MQTT
    publication reaches the WAMP subscriber, a WAMP publication the MQTT subscriber."""
    kwargs = {"tls": True} if transport == "tls" else ({"transport": "websockets"} if transport == "websockets" else {})
    device = clients(version, **kwargs)
    device.subscribe(topic + "/cmd", 1)

    async def main():
        async with SessionPool(router_of(broker)) as pool:
            s = await pool.connect("websocket", "cbor")
            q = await subscribe_queue(s, uri_of(topic) + ".data")
            await in_thread(device.publish, topic + "/data", b'{"args": [1, "' + transport.encode() + b'"]}', 1)
            args, _, _ = await wait(q.get(), what="EVENT from MQTT")
            assert args == [1, transport]
            await wait(s.publish(uri_of(topic) + ".cmd", "on", options=PublishOptions(acknowledge=True)),
                       what="PUBLISHED")
    run(main())
    message = device.get()
    assert (message.topic, json.loads(message.payload)) == (topic + "/cmd", {"args": ["on"]})
