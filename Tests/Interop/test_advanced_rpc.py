"""Advanced Profile RPC (issue 4) with autobahn-python, plus raw messages for what autobahn
cannot express (progressive call invocations, CANCEL modes, registration revocation, passthru)."""

import asyncio
import uuid

import pytest
from autobahn.wamp.types import CallOptions, RegisterOptions

from wamp_client import ApplicationError, SessionPool, run, wait
from wamp_raw import (
    CALL,
    CANCEL,
    ERROR,
    INTERRUPT,
    INVOCATION,
    REGISTER,
    REGISTERED,
    RESULT,
    UNREGISTERED,
    WELCOME,
    YIELD,
    RawWamp,
)

# One combination per transport, covering every serializer.
COMBOS = [("websocket", "json"), ("rawsocket-tcp", "msgpack"), ("rawsocket-unix", "cbor")]

ALL_FEATURES = {
    "roles": {
        "caller": {"features": {"progressive_call_invocations": True, "progressive_call_results": True,
                                "call_canceling": True, "payload_passthru_mode": True}},
        "callee": {"features": {"progressive_call_invocations": True, "progressive_call_results": True,
                                "call_canceling": True, "registration_revocation": True,
                                "payload_passthru_mode": True, "pattern_based_registration": True,
                                "shared_registration": True}},
        "publisher": {"features": {}},
        "subscriber": {"features": {}},
    }
}


def uri(name: str) -> str:
    return f"com.example.adv.{name}.p{uuid.uuid4().hex}"


def raw(router, transport="websocket", serializer="json", details=ALL_FEATURES) -> RawWamp:
    peer = RawWamp.connect(router, transport, serializer)
    peer.welcome = peer.hello("realm1", details)
    return peer


def expect(peer, msg_type, timeout=5.0):
    msg = peer.recv(timeout)
    assert msg[0] == msg_type, f"expected message type {msg_type}, got {msg!r}"
    return msg


def expect_nothing(peer, timeout=0.3):
    try:
        msg = peer.recv(timeout)
    except TimeoutError:
        return
    raise AssertionError(f"expected no message, got {msg!r}")


@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_progressive_call_results(router, transport, serializer):
    proc = uri("progress")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect(transport, serializer)
            caller = await pool.connect(transport, serializer)

            async def countdown(n, details=None):
                assert details.progress is not None, "receive_progress was not forwarded"
                for i in range(n, 0, -1):
                    details.progress(i)
                return "liftoff"

            await wait(callee.register(countdown, proc, options=RegisterOptions(details_arg="details")))
            seen = []
            result = await wait(caller.call(proc, 3, options=CallOptions(on_progress=seen.append)))
            assert result == "liftoff"
            assert seen == [3, 2, 1]

    run(body())


@pytest.mark.crossbar_xfail("crossbar does not enforce CALL.Options.timeout")
@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_call_timeout_interrupts_the_callee(router, transport, serializer):
    proc = uri("slow")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect(transport, serializer)
            caller = await pool.connect(transport, serializer)
            interrupted = asyncio.get_running_loop().create_future()

            async def slow():
                try:
                    await asyncio.sleep(10)
                except asyncio.CancelledError:
                    interrupted.set_result(True)
                    raise
                return "too late"

            await wait(callee.register(slow, proc))
            with pytest.raises(ApplicationError) as info:
                await wait(caller.call(proc, options=CallOptions(timeout=300)))
            assert info.value.error == "wamp.error.timeout"
            assert await wait(interrupted, what="INTERRUPT at the callee")

    run(body())


@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_cancel_from_autobahn(router, transport, serializer):
    proc = uri("cancel")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect(transport, serializer)
            caller = await pool.connect(transport, serializer)
            interrupted = asyncio.get_running_loop().create_future()

            async def slow():
                try:
                    await asyncio.sleep(10)
                except asyncio.CancelledError:
                    interrupted.set_result(True)
                    raise

            await wait(callee.register(slow, proc))
            call = asyncio.ensure_future(caller.call(proc))
            await asyncio.sleep(0.2)
            call.cancel()
            with pytest.raises((asyncio.CancelledError, ApplicationError)):
                await call
            assert await wait(interrupted, what="INTERRUPT at the callee")
            # The callee session still works.
            await wait(callee.register(lambda: 1, uri("after")))

    run(body())


@pytest.mark.crossbar_xfail("crossbar ignores disclose_me unless its role config discloses callers")
@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_caller_disclosure(router, transport, serializer):
    # autobahn 26 has no CallOptions(disclose_me): an autobahn callee, a raw caller.
    proc = uri("whoami")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect(transport, serializer)

            def whoami(details=None):
                return [details.caller, details.caller_authid, details.caller_authrole]

            await wait(callee.register(whoami, proc, options=RegisterOptions(details_arg="details")))

            def raw_calls():
                caller = raw(router, transport, serializer)
                try:
                    req = caller.request(CALL, {}, proc, [])
                    plain = expect(caller, RESULT)
                    req2 = caller.request(CALL, {"disclose_me": True}, proc, [])
                    disclosed = expect(caller, RESULT)
                    assert plain[1] == req and disclosed[1] == req2
                    return caller.welcome, plain[3][0], disclosed[3][0]
                finally:
                    caller.close()

            welcome, plain, disclosed = await asyncio.to_thread(raw_calls)
            assert plain[0] is None
            assert disclosed == [welcome[1], welcome[2]["authid"], "anonymous"]

    run(body())


@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_pattern_registrations_and_precedence(router, transport, serializer):
    base = uri("pattern")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect(transport, serializer)
            caller = await pool.connect(transport, serializer)

            def which(name):
                return lambda *a, details=None: [name, details.procedure]

            opts = lambda match: RegisterOptions(match=match, details_arg="details")  # noqa: E731
            await wait(callee.register(which("exact"), f"{base}.a.b", options=RegisterOptions(details_arg="details")))
            await wait(callee.register(which("prefix"), f"{base}.a", options=opts("prefix")))
            await wait(callee.register(which("longer"), f"{base}.a.b", options=opts("prefix")))
            await wait(callee.register(which("wildcard"), f"{base}..c", options=opts("wildcard")))
            assert (await wait(caller.call(f"{base}.a.b")))[0] == "exact"
            assert await wait(caller.call(f"{base}.a.b.x")) == ["longer", f"{base}.a.b.x"]
            assert await wait(caller.call(f"{base}.a.x")) == ["prefix", f"{base}.a.x"]
            assert await wait(caller.call(f"{base}.z.c")) == ["wildcard", f"{base}.z.c"]
            with pytest.raises(ApplicationError) as info:
                await wait(caller.call(f"{base}.z.d"))
            assert info.value.error == "wamp.error.no_such_procedure"

    run(body())


@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_shared_registration_roundrobin_and_policy_conflict(router, transport, serializer):
    proc = uri("shared")

    async def body():
        async with SessionPool(router) as pool:
            callees = [await pool.connect(transport, serializer) for _ in range(3)]
            caller = await pool.connect(transport, serializer)
            for index, callee in enumerate(callees):
                await wait(callee.register(lambda i=index: i, proc, options=RegisterOptions(invoke="roundrobin")))
            answers = [await wait(caller.call(proc)) for _ in range(6)]
            assert answers == [0, 1, 2, 0, 1, 2]
            with pytest.raises(ApplicationError) as info:
                await wait(caller.register(lambda: 9, proc, options=RegisterOptions(invoke="random")))
            assert info.value.error == "wamp.error.procedure_exists_with_different_invocation_policy"
            first = uri("first")
            for index, callee in enumerate(callees):
                await wait(callee.register(lambda i=index: i, first, options=RegisterOptions(invoke="first")))
            assert [await wait(caller.call(first)) for _ in range(3)] == [0, 0, 0]

    run(body())


# ---------------------------------------------------------------- raw messages


@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_welcome_announces_the_advanced_features(router, transport, serializer):
    peer = raw(router, transport, serializer)
    try:
        roles = peer.welcome[2]["roles"]
        dealer = roles["dealer"]["features"]
        broker = roles["broker"]["features"]
        for feature in ["progressive_call_results", "progressive_call_invocations", "call_timeout",
                        "call_canceling", "caller_identification", "pattern_based_registration",
                        "shared_registration", "registration_revocation", "session_meta_api",
                        "registration_meta_api", "testament_meta_api", "payload_passthru_mode"]:
            assert dealer.get(feature) is True, feature
        for feature in ["publisher_exclusion", "publisher_identification", "subscriber_blackwhite_listing",
                        "pattern_based_subscription", "subscription_revocation", "event_retention",
                        "event_history", "session_meta_api", "subscription_meta_api"]:
            assert broker.get(feature) is True, feature
        assert "sharded_registration" not in dealer and "call_reroute" not in dealer
    finally:
        peer.close()


@pytest.mark.crossbar_xfail("crossbar does not implement progressive call invocations")
@pytest.mark.parametrize("transport,serializer", COMBOS)
def test_progressive_call_invocations_raw(router, transport, serializer):
    proc = uri("upload")
    callee = raw(router, transport, serializer)
    caller = raw(router, transport, serializer)
    try:
        req = callee.request(REGISTER, {}, proc)
        reg = expect(callee, REGISTERED)[2]
        call_req = caller.next_request()
        caller.send([CALL, call_req, {"progress": True}, proc, ["chunk1"]])
        inv = expect(callee, INVOCATION)
        assert inv[2] == reg and inv[3].get("progress") is True and inv[4] == ["chunk1"]
        caller.send([CALL, call_req, {"progress": True}, proc, ["chunk2"]])
        inv2 = expect(callee, INVOCATION)
        assert inv2[1] == inv[1] and inv2[3].get("progress") is True and inv2[4] == ["chunk2"]
        caller.send([CALL, call_req, {}, proc, ["last"]])
        inv3 = expect(callee, INVOCATION)
        assert inv3[1] == inv[1] and not inv3[3].get("progress") and inv3[4] == ["last"]
        callee.send([YIELD, inv[1], {}, ["got 3 chunks"]])
        assert expect(caller, RESULT)[:2] == [RESULT, call_req]
        # A continuation crossing the completion is dropped without an answer.
        caller.send([CALL, call_req, {"progress": True}, proc, ["late"]])
        expect_nothing(caller)
        expect_nothing(callee)
        del req
    finally:
        callee.close()
        caller.close()


@pytest.mark.parametrize("mode", ["skip", "kill", "killnowait"])
def test_cancel_modes_raw(router, mode):
    proc = uri("cancelmode")
    callee = raw(router)
    caller = raw(router)
    try:
        callee.request(REGISTER, {}, proc)
        expect(callee, REGISTERED)
        call_req = caller.request(CALL, {}, proc, [])
        inv = expect(callee, INVOCATION)
        caller.send([CANCEL, call_req, {"mode": mode}])
        if mode == "kill":
            interrupt = expect(callee, INTERRUPT)
            assert interrupt[1] == inv[1] and interrupt[2]["mode"] == "kill"
            expect_nothing(caller)
            callee.send([ERROR, INVOCATION, inv[1], {}, "wamp.error.canceled"])
            err = expect(caller, ERROR)
            assert err[1:3] == [CALL, call_req] and err[4] == "wamp.error.canceled"
        else:
            err = expect(caller, ERROR)
            assert err[1:3] == [CALL, call_req] and err[4] == "wamp.error.canceled"
            if mode == "killnowait":
                interrupt = expect(callee, INTERRUPT)
                assert interrupt[1] == inv[1] and interrupt[2]["mode"] == "killnowait"
            else:
                expect_nothing(callee)
            # A late YIELD is dropped without an error, and the session stays up.
            callee.send([YIELD, inv[1], {}, ["late"]])
            expect_nothing(caller)
            expect_nothing(callee)
    finally:
        callee.close()
        caller.close()


def test_call_timeout_raw_forwarded_to_callee_announcing_it(router):
    proc = uri("fwdtimeout")
    details = {"roles": {"callee": {"features": {"call_timeout": True, "call_canceling": True}}, "caller": {}}}
    callee = raw(router, details=details)
    caller = raw(router)
    try:
        callee.request(REGISTER, {}, proc)
        expect(callee, REGISTERED)
        call_req = caller.request(CALL, {"timeout": 200}, proc, [])
        inv = expect(callee, INVOCATION)
        assert inv[3].get("timeout") == 200
        err = expect(caller, ERROR, timeout=3)
        assert err[1:3] == [CALL, call_req] and err[4] == "wamp.error.timeout"
        interrupt = expect(callee, INTERRUPT)
        assert interrupt[2]["mode"] == "killnowait"
    finally:
        callee.close()
        caller.close()


def test_registration_revocation_raw(router):
    proc = uri("revoke")
    callee = raw(router)
    admin = raw(router)
    try:
        callee.request(REGISTER, {}, proc)
        reg = expect(callee, REGISTERED)[2]
        req = admin.request(CALL, {}, "wamp.registration.remove_callee", [reg, callee.welcome[1]], {"reason": "moving"})
        assert expect(admin, RESULT)[1] == req
        assert expect(callee, UNREGISTERED) == [UNREGISTERED, 0, {"registration": reg, "reason": "moving"}]
        req = admin.request(CALL, {}, proc, [])
        err = expect(admin, ERROR)
        assert err[4] == "wamp.error.no_such_procedure"
    finally:
        callee.close()
        admin.close()


@pytest.mark.parametrize("serializer", ["json", "msgpack", "cbor"])
def test_payload_passthru_is_forwarded_untouched(router, serializer):
    proc = uri("ppt")
    callee = raw(router, "rawsocket-tcp", serializer)
    caller = raw(router, "websocket", serializer)
    try:
        callee.request(REGISTER, {}, proc)
        expect(callee, REGISTERED)
        blob = bytes([0x00, 0xFF, 0x10, 0x80]) + b"opaque"
        opts = {"ppt_scheme": "x_test", "ppt_serializer": "native", "ppt_keyid": "k1"}
        # In passthru mode the Arguments position holds one opaque binary, never a list.
        call_req = caller.request(CALL, opts, proc, blob)
        inv = expect(callee, INVOCATION)
        assert inv[3]["ppt_scheme"] == "x_test" and inv[3]["ppt_keyid"] == "k1"
        assert inv[4] == blob and len(inv) == 5
        callee.send([YIELD, inv[1], opts, blob[::-1]])
        res = expect(caller, RESULT)
        assert res[1] == call_req and res[2]["ppt_scheme"] == "x_test" and res[3] == blob[::-1]
    finally:
        callee.close()
        caller.close()


def test_progress_call_without_announcing_is_a_protocol_violation(router):
    peer = raw(router, details={"roles": {"caller": {"features": {}}}})
    try:
        peer.request(CALL, {"progress": True}, uri("x"), [])
        peer.expect_abort()
    finally:
        peer.close()


def test_welcome_is_sent(router):
    peer = raw(router)
    try:
        assert peer.welcome[0] == WELCOME
    finally:
        peer.close()
