"""Session life cycle with autobahn clients: join, unknown realm, GOODBYE."""

import uuid

import pytest
from wamp_client import SessionPool, run, wait
from wamp_raw import GOODBYE, WELCOME, RawWamp


def test_join_welcome_details(router, transport, serializer):
    async def body():
        async with SessionPool(router) as pool:
            s = await pool.connect(transport, serializer)
            details = s.joined.result()
            assert details.realm == "realm1"
            assert isinstance(details.session, int) and 1 <= details.session <= 2**53
            assert s._router_roles, "WELCOME.Details.roles is empty"
            assert {"broker", "dealer"} <= set(s._router_roles), f"router roles {s._router_roles}"

    run(body())


def test_session_ids_are_distinct(router, transport, serializer):
    async def body():
        async with SessionPool(router) as pool:
            ids = set()
            for _ in range(5):
                s = await pool.connect(transport, serializer)
                ids.add(s.session_id)
            assert len(ids) == 5

    run(body())


def test_unknown_realm_is_aborted(router, transport, serializer):
    async def body():
        async with SessionPool(router) as pool:
            s = await pool.open(transport, serializer, realm=f"com.example.nosuchrealm.r{uuid.uuid4().hex}")
            details = await wait(s.left, what="ABORT for an unknown realm")
            assert not s.joined.done(), "session joined a realm that does not exist"
            assert details is not None, "connection dropped without ABORT"
            assert details.reason == "wamp.error.no_such_realm"
            await wait(s.disconnected, what="transport close after ABORT")

    run(body())


GOODBYE_XFAIL = "replies GOODBYE with wamp.close.normal instead of wamp.close.goodbye_and_out"


@pytest.mark.crossbar_xfail(GOODBYE_XFAIL)
def test_goodbye_and_out(router, transport, serializer):
    async def body():
        async with SessionPool(router) as pool:
            s = await pool.connect(transport, serializer)
            s.leave()
            details = await wait(s.left, what="GOODBYE reply")
            assert details is not None, "connection dropped without a GOODBYE reply"
            assert details.reason == "wamp.close.goodbye_and_out"
            await wait(s.disconnected, what="transport close after GOODBYE")

    run(body())


@pytest.mark.crossbar_xfail(GOODBYE_XFAIL)
def test_raw_goodbye_reply(router, transport, serializer):
    """GOODBYE from the client is answered with GOODBYE wamp.close.goodbye_and_out (raw check)."""
    peer = RawWamp.session(router, transport, serializer)
    try:
        assert peer.welcome[0] == WELCOME
        peer.send([GOODBYE, {}, "wamp.close.system_shutdown"])
        msg = peer.recv()
        assert msg[0] == GOODBYE and msg[2] == "wamp.close.goodbye_and_out", msg
        assert isinstance(msg[1], dict)
    finally:
        peer.close()

