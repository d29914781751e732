"""Remote procedure calls between autobahn sessions (caller and callee in separate sessions)."""

import asyncio
import os
import uuid

import pytest
from autobahn.wamp.types import CallResult, RegisterOptions

from wamp_client import ApplicationError, SessionPool, client_uri_checks_disabled, run, wait
from wamp_raw import ERROR, UNREGISTER, RawWamp

BINARY_ARGS = [b"\x00\x01\x02\xff\xfe", b"", bytes(range(256)), b"\x00"]
BINARY_KWARGS = {"blob": b"\x00binary\xff", "empty": b"", "nested": {"list": [b"\x10\x20", "text"]}}
MIB = 1024 * 1024


def uri(name: str) -> str:
    return f"com.example.interop.{name}.p{uuid.uuid4().hex}"


async def echo_pair(pool, transport, serializer, procedure):
    """A callee registering an echo procedure and a separate caller session."""
    callee = await pool.connect(transport, serializer, label="callee")
    caller = await pool.connect(transport, serializer, label="caller")

    def echo(*args, **kwargs):
        return CallResult(*args, **kwargs)

    await wait(callee.register(echo, procedure), what="REGISTERED")
    return caller, callee


def test_call_args_kwargs(router, transport, serializer):
    proc = uri("add")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect(transport, serializer, label="callee")
            caller = await pool.connect(transport, serializer, label="caller")
            seen = {}

            def add(a, b, *rest, scale=1, label=None):
                seen["call"] = (a, b, rest, scale, label)
                return CallResult(a + b, (a + b) * scale, label=label, echo=list(rest))

            await wait(callee.register(add, proc), what="REGISTERED")
            res = await wait(caller.call(proc, 2, 3, "x", None, scale=10, label="sum"), what="RESULT")
            assert isinstance(res, CallResult), f"expected CallResult, got {res!r}"
            assert list(res.results) == [5, 50]
            assert res.kwresults == {"label": "sum", "echo": ["x", None]}
            assert seen["call"] == (2, 3, ("x", None), 10, "sum")

            # A procedure returning a single positional value
            single = uri("single")
            await wait(callee.register(lambda: "only", single), what="REGISTERED")
            assert await wait(caller.call(single), what="RESULT") == "only"

    run(body())


def test_call_no_args(router, transport, serializer):
    proc = uri("noargs")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect(transport, serializer)
            caller = await pool.connect(transport, serializer)
            calls = []

            def f(*args, **kwargs):
                calls.append((args, kwargs))

            await wait(callee.register(f, proc), what="REGISTERED")
            assert await wait(caller.call(proc), what="RESULT") is None
            assert calls == [((), {})]

    run(body())


def test_binary_payload_roundtrip(router, transport, serializer):
    proc = uri("binary")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect(transport, serializer)
            caller = await pool.connect(transport, serializer)
            received = {}

            def echo(*args, **kwargs):
                received["args"], received["kwargs"] = args, kwargs
                return CallResult(*args, **kwargs)

            await wait(callee.register(echo, proc), what="REGISTERED")
            res = await wait(caller.call(proc, *BINARY_ARGS, **BINARY_KWARGS), what="RESULT")
            # What the callee got
            assert list(received["args"]) == BINARY_ARGS
            assert all(type(a) is bytes for a in received["args"]), [type(a) for a in received["args"]]
            assert received["kwargs"] == BINARY_KWARGS
            # What came back to the caller
            assert list(res.results) == BINARY_ARGS
            assert all(type(a) is bytes for a in res.results)
            assert res.kwresults == BINARY_KWARGS
            assert type(res.kwresults["blob"]) is bytes

    run(body())


@pytest.mark.parametrize("kind", ["str", "bytes"])
def test_one_mib_payload(router, transport, serializer, kind):
    proc = uri("big")
    if kind == "str":
        payload = ("0123456789abcdefghijklmnopqrstuvwxyzÄÖÜ€" * (MIB // 40 + 1))[:MIB]
    else:
        payload = os.urandom(MIB)

    async def body():
        async with SessionPool(router) as pool:
            caller, _ = await echo_pair(pool, transport, serializer, proc)
            res = await wait(caller.call(proc, payload, big=payload), timeout=30, what="1 MiB RESULT")
            assert isinstance(res, CallResult)
            assert len(res.results) == 1
            got = res.results[0]
            assert type(got) is type(payload)
            assert len(got) == len(payload)
            assert got == payload
            assert res.kwresults["big"] == payload

    run(body())


def test_application_error_propagation(router, transport, serializer):
    proc = uri("fails")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect(transport, serializer)
            caller = await pool.connect(transport, serializer)

            def fails():
                raise ApplicationError("com.example.error.custom", 1, "two", a=3)

            await wait(callee.register(fails, proc), what="REGISTERED")
            with pytest.raises(ApplicationError) as info:
                await wait(caller.call(proc), what="ERROR")
            err = info.value
            assert err.error == "com.example.error.custom"
            assert list(err.args) == [1, "two"]
            assert err.kwargs == {"a": 3}

            # The registration is still usable after an error.
            with pytest.raises(ApplicationError) as info:
                await wait(caller.call(proc), what="ERROR")
            assert info.value.error == "com.example.error.custom"

    run(body())


def test_call_unregistered_procedure(router, transport, serializer):
    async def body():
        async with SessionPool(router) as pool:
            caller = await pool.connect(transport, serializer)
            with pytest.raises(ApplicationError) as info:
                await wait(caller.call(uri("nobody"), 1, x=2), what="ERROR")
            assert info.value.error == "wamp.error.no_such_procedure"
            # Session still usable
            with pytest.raises(ApplicationError) as info:
                await wait(caller.call(uri("nobody")), what="ERROR")
            assert info.value.error == "wamp.error.no_such_procedure"

    run(body())


def test_register_twice(router, transport, serializer):
    proc = uri("twice")

    async def body():
        async with SessionPool(router) as pool:
            first = await pool.connect(transport, serializer)
            second = await pool.connect(transport, serializer)
            reg = await wait(first.register(lambda: "first", proc), what="REGISTERED")
            with pytest.raises(ApplicationError) as info:
                await wait(second.register(lambda: "second", proc), what="ERROR")
            assert info.value.error == "wamp.error.procedure_already_exists"
            with pytest.raises(ApplicationError) as info:
                await wait(first.register(lambda: "again", proc), what="ERROR")
            assert info.value.error == "wamp.error.procedure_already_exists"
            # The original registration is untouched.
            assert await wait(second.call(proc), what="RESULT") == "first"
            # After unregistering, the URI is free again.
            await wait(reg.unregister(), what="UNREGISTERED")
            await wait(second.register(lambda: "second", proc), what="REGISTERED")
            assert await wait(first.call(proc), what="RESULT") == "second"

    run(body())


@pytest.mark.parametrize("how", ["goodbye", "disconnect"])
def test_callee_leaves_during_call(router, transport, serializer, how):
    proc = uri("slow")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect(transport, serializer, label="callee")
            caller = await pool.connect(transport, serializer, label="caller")
            invoked = asyncio.get_running_loop().create_future()

            async def slow():
                invoked.set_result(True)
                await asyncio.sleep(3600)

            await wait(callee.register(slow, proc), what="REGISTERED")
            call = asyncio.ensure_future(caller.call(proc))
            await wait(invoked, what="INVOCATION")
            if how == "goodbye":
                callee.leave()
            else:
                callee.abort_transport()
            await wait(callee.disconnected, what="callee disconnect")

            with pytest.raises(ApplicationError) as info:
                await wait(call, timeout=10, what="an error for the pending call")
            assert info.value.error.startswith("wamp."), info.value.error

            with pytest.raises(ApplicationError) as info:
                await wait(caller.call(proc), what="ERROR")
            assert info.value.error == "wamp.error.no_such_procedure"

    run(body())


def test_registration_removed_when_callee_leaves(router, transport, serializer):
    proc = uri("gone")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect(transport, serializer)
            caller = await pool.connect(transport, serializer)
            await wait(callee.register(lambda: 42, proc), what="REGISTERED")
            assert await wait(caller.call(proc), what="RESULT") == 42
            callee.leave()
            await wait(callee.disconnected, what="callee disconnect")
            with pytest.raises(ApplicationError) as info:
                await wait(caller.call(proc), what="ERROR")
            assert info.value.error == "wamp.error.no_such_procedure"
            # Another session may now take the URI.
            other = await pool.connect(transport, serializer)
            await wait(other.register(lambda: 43, proc), what="REGISTERED")
            assert await wait(caller.call(proc), what="RESULT") == 43

    run(body())


def test_concurrent_calls(router, transport, serializer):
    """Many outstanding calls are all answered, each with its own result."""
    proc = uri("concurrent")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect(transport, serializer)
            caller = await pool.connect(transport, serializer)

            async def square(x):
                await asyncio.sleep(0.001 * (x % 7))
                return x * x

            await wait(callee.register(square, proc), what="REGISTERED")
            results = await wait(asyncio.gather(*(caller.call(proc, i) for i in range(200))), timeout=30, what="200 RESULTs")
            assert results == [i * i for i in range(200)]

    run(body())


INVALID_URIS = ["com..bad", "com.#bad", "with space"]
INVALID_URI_XFAIL = "drops the connection on an invalid URI instead of replying ERROR wamp.error.invalid_uri"


@pytest.mark.crossbar_xfail(INVALID_URI_XFAIL)
@pytest.mark.parametrize("bad", INVALID_URIS)
def test_register_invalid_uri(router, transport, serializer, bad):
    async def body():
        async with SessionPool(router) as pool:
            s = await pool.connect(transport, serializer)
            with pytest.raises(ApplicationError) as info, client_uri_checks_disabled():
                await wait(s.register(lambda: None, bad), what="ERROR for REGISTER")
            assert info.value.error == "wamp.error.invalid_uri"
            # The session stays usable.
            proc = uri("afterinvalid")
            await wait(s.register(lambda: "ok", proc), what="REGISTERED")
            assert await wait(s.call(proc), what="RESULT") == "ok"

    run(body())


@pytest.mark.crossbar_xfail(INVALID_URI_XFAIL)
@pytest.mark.parametrize("bad", INVALID_URIS)
def test_call_invalid_uri(router, transport, serializer, bad):
    async def body():
        async with SessionPool(router) as pool:
            s = await pool.connect(transport, serializer)
            with pytest.raises(ApplicationError) as info, client_uri_checks_disabled():
                await wait(s.call(bad), what="ERROR for CALL")
            assert info.value.error == "wamp.error.invalid_uri"
            # The session stays usable.
            with pytest.raises(ApplicationError) as info:
                await wait(s.call(uri("nobody")), what="ERROR")
            assert info.value.error == "wamp.error.no_such_procedure"

    run(body())


def test_register_options_exact(router, transport, serializer):
    """An explicit match=exact registration behaves like the default."""
    proc = uri("exact")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect(transport, serializer)
            caller = await pool.connect(transport, serializer)
            await wait(callee.register(lambda x: x + 1, proc, options=RegisterOptions(match="exact")), what="REGISTERED")
            assert await wait(caller.call(proc, 1), what="RESULT") == 2

    run(body())


def test_unregister_unknown_id(router, transport, serializer):
    """UNREGISTER with a registration id that was never issued -> ERROR no_such_registration."""
    peer = RawWamp.session(router, transport, serializer)
    try:
        req = peer.request(UNREGISTER, 2**53 - 7)
        msg = peer.recv()
        assert msg[:3] == [ERROR, UNREGISTER, req], msg
        assert isinstance(msg[3], dict)
        assert msg[4] == "wamp.error.no_such_registration", msg
        peer.goodbye()
    finally:
        peer.close()


# Values that must survive translation between serializers (json <-> msgpack <-> cbor).
CROSS_ARGS = [
    b"\x00\x01binary\xff",
    "ünïcödé ✓ 🚀 日本語 \"quoted\" back\\slash \n\t\x01",
    2**53,
    -1,
    -(2**53),
    0,
    1.5,
    True,
    False,
    None,
    [b"", {"k": b"\xfe"}],
]
CROSS_KWARGS = {"bin": b"\xde\xad\xbe\xef", "text": "Grüße 🌍", "big": 2**53, "neg": -1, "nested": {"a": [1, "b", b"c"]}}


def assert_same_values(got, expected):
    assert got == expected
    # bool/int and bytes/str must not be confused on the way
    for g, e in zip(got, expected):
        assert type(g) is type(e), f"{g!r} ({type(g).__name__}) != {e!r} ({type(e).__name__})"


@pytest.mark.parametrize(
    "caller_ser,callee_ser",
    [("json", "msgpack"), ("msgpack", "cbor"), ("cbor", "json")],
)
def test_cross_serializer_call(router, transport, caller_ser, callee_ser):
    proc = uri("cross")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect(transport, callee_ser, label=f"callee/{callee_ser}")
            caller = await pool.connect(transport, caller_ser, label=f"caller/{caller_ser}")
            seen = {}

            def echo(*args, **kwargs):
                seen["args"], seen["kwargs"] = list(args), kwargs
                return CallResult(*args, **kwargs)

            await wait(callee.register(echo, proc), what="REGISTERED")
            res = await wait(caller.call(proc, *CROSS_ARGS, **CROSS_KWARGS), what="RESULT")
            assert_same_values(seen["args"], CROSS_ARGS)
            assert seen["kwargs"] == CROSS_KWARGS
            assert_same_values(list(res.results), CROSS_ARGS)
            assert res.kwresults == CROSS_KWARGS

            def fails():
                raise ApplicationError("com.example.error.cross", b"\x00err", "ü", 2**53, detail=b"\xff")

            await wait(callee.register(fails, proc + ".fails"), what="REGISTERED")
            with pytest.raises(ApplicationError) as info:
                await wait(caller.call(proc + ".fails"), what="ERROR")
            assert info.value.error == "com.example.error.cross"
            assert list(info.value.args) == [b"\x00err", "ü", 2**53]
            assert info.value.kwargs == {"detail": b"\xff"}

    run(body())


def test_cross_transport_call(router):
    """json over WebSocket calls msgpack over RawSocket/unix, which calls cbor over RawSocket/TCP."""
    outer, inner = uri("outer"), uri("inner")

    async def body():
        async with SessionPool(router) as pool:
            caller = await pool.connect("websocket", "json")
            middle = await pool.connect("rawsocket-unix", "msgpack")
            leaf = await pool.connect("rawsocket-tcp", "cbor")

            await wait(leaf.register(lambda *a, **kw: CallResult(*a, **kw), inner), what="REGISTERED")

            async def relay(*args, **kwargs):
                return await middle.call(inner, *args, **kwargs)

            await wait(middle.register(relay, outer), what="REGISTERED")
            res = await wait(caller.call(outer, *CROSS_ARGS, **CROSS_KWARGS), what="RESULT")
            assert_same_values(list(res.results), CROSS_ARGS)
            assert res.kwresults == CROSS_KWARGS

    run(body())
