"""Limits before a session exists: failed-login delay and lockout, HELLO timeout, and the
pre-session message size.

One router with ``limits: {hello_timeout: 1, pre_session_max_message_size: 1024,
auth_failure_delay_ms: 400, max_auth_failures: 3, auth_failure_window: 4}``. Failed logins are counted per client
address, so each test that fails logins connects from its own loopback address (127.0.0.x), and
the others are not locked out by it.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time

import pytest

from auth_client import AUTHENTICATION_FAILED, Pool, assert_identity, run, wait
from auth_router import HOST, only_junction, router_fixture_body
from wamp_raw import (
    ABORT,
    AUTHENTICATE,
    CHALLENGE,
    CODECS,
    HELLO,
    WELCOME,
    WS_CLOSE,
    Closed,
    RawSocketConn,
    RawWamp,
    Stream,
    WebSocketConn,
)

pytestmark = only_junction

DELAY_MS = 400
MAX_FAILURES = 3
FAILURE_WINDOW = 4
HELLO_TIMEOUT = 1
PRE_SESSION_MAX = 1024
TIMEOUT_URI = "wamp.error.timeout"

LIMITS = {
    "hello_timeout": HELLO_TIMEOUT,
    "pre_session_max_message_size": PRE_SESSION_MAX,
    "auth_failure_delay_ms": DELAY_MS,
    "max_auth_failures": MAX_FAILURES,
    "auth_failure_window": FAILURE_WINDOW,
}

REALMS = [
    {
        "name": "realm1",
        "anonymous_role": "user",
        "roles": [
            {"name": "user", "permissions": [{"uri": "com.app.", "match": "prefix", "allow": ["call", "register", "publish", "subscribe"]}]}
        ],
        "authentication": {"ticket": {"principals": [{"authid": "joe", "ticket": "joe-ticket", "role": "user"}]}},
    }
]
LISTENERS = {"ws": {"type": "websocket"}, "rs": {"type": "rawsocket"}}

JOE = dict(method="ticket", authid="joe", ticket="joe-ticket")


@pytest.fixture(scope="module")
def auth_router(request):
    yield from router_fixture_body(request, REALMS, LISTENERS, LIMITS, prefix="junction-authlimits-")


def raw(router, listener: str, serializer: str = "json", source: str | None = None) -> RawWamp:
    """A raw WAMP connection (transport handshake done, no HELLO yet), optionally from another
    loopback address."""
    lst = router.listener(listener)
    codec = CODECS[serializer]
    sock = socket.create_connection((HOST, lst.port), timeout=3, source_address=(source, 0) if source else None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    stream = Stream(sock)
    if lst.kind == "websocket":
        conn = WebSocketConn(stream)
        conn.open(HOST, lst.port, lst.path, codec.ws_subprotocol)
        return RawWamp("websocket", conn, codec)
    conn = RawSocketConn(stream)
    conn.open(codec.rawsocket_id)
    return RawWamp("rawsocket-tcp", conn, codec)


def ticket_login(router, ticket: str, source: str, authid: str = "joe", listener: str = "rs"):
    """HELLO (ticket) / CHALLENGE / AUTHENTICATE; returns (final message, seconds from
    AUTHENTICATE to it)."""
    peer = raw(router, listener, source=source)
    try:
        peer.send([HELLO, "realm1", {"roles": {"caller": {}}, "authmethods": ["ticket"], "authid": authid}])
        msg = peer.recv(5)
        if msg[0] != CHALLENGE:
            return msg, 0.0
        assert msg[1] == "ticket", msg
        peer.send([AUTHENTICATE, ticket, {}])
        t0 = time.monotonic()
        msg = peer.recv(5)
        return msg, time.monotonic() - t0
    finally:
        peer.close()


def test_failed_login_is_delayed(auth_router):
    """A wrong ticket (or unknown authid) is answered only after auth_failure_delay_ms; a right
    one is not delayed."""
    source = "127.0.0.2"
    msg, elapsed = ticket_login(auth_router, "wrong", source)
    assert msg[0] == ABORT and msg[2] == AUTHENTICATION_FAILED, msg
    assert elapsed >= (DELAY_MS - 20) / 1000, f"ABORT after {elapsed * 1000:.0f} ms, before the {DELAY_MS} ms delay"
    assert elapsed < DELAY_MS / 1000 + 2, f"ABORT after {elapsed * 1000:.0f} ms"
    msg, elapsed = ticket_login(auth_router, "joe-ticket", source, authid="nobody")
    assert msg[0] == ABORT and msg[2] == AUTHENTICATION_FAILED and elapsed >= (DELAY_MS - 20) / 1000, (msg, elapsed)
    msg, elapsed = ticket_login(auth_router, "joe-ticket", source)
    assert msg[0] == WELCOME, msg
    assert elapsed < DELAY_MS / 1000, f"a successful login took {elapsed * 1000:.0f} ms"


def test_lockout_after_max_failures(auth_router):
    """After max_auth_failures failures from one address within auth_failure_window, even the
    right ticket is refused from that address; other addresses are not affected; once the
    window has passed, the address may log in again."""
    source = "127.0.0.3"
    first_failure = time.monotonic()  # the router records the first failure after this
    for _ in range(MAX_FAILURES):
        msg, _ = ticket_login(auth_router, "wrong", source)
        assert msg[0] == ABORT and msg[2] == AUTHENTICATION_FAILED, msg
    msg, _ = ticket_login(auth_router, "joe-ticket", source)
    assert msg[0] == ABORT and msg[2] == AUTHENTICATION_FAILED, f"locked-out address got {msg!r}"

    async def main():
        async with Pool(auth_router) as pool:
            # autobahn from the locked-out address: refused too
            await pool.refused("ws", "realm1", AUTHENTICATION_FAILED, local_addr=source, **JOE)
            # another address: admitted
            s = await pool.join("ws", "realm1", local_addr="127.0.0.4", **JOE)
            assert_identity(s, "joe", "user", "ticket")

    run(main())
    checked = time.monotonic() - first_failure
    assert checked < FAILURE_WINDOW, (
        f"the lockout checks ended {checked:.1f}s after the first failure, past the {FAILURE_WINDOW}s window: "
        "the machine is too slow for this test's timing"
    )

    # The first failure leaves the window FAILURE_WINDOW s after it was recorded (its ABORT came
    # DELAY_MS later); then fewer than MAX_FAILURES remain and the right ticket works again.
    time.sleep(max(0.0, first_failure + FAILURE_WINDOW + 0.5 - time.monotonic()))
    msg, _ = ticket_login(auth_router, "joe-ticket", source)
    assert msg[0] == WELCOME, f"still locked out {FAILURE_WINDOW}s after the first failure: {msg!r}"


@pytest.mark.parametrize("listener", ["rs", "ws"])
def test_hello_timeout(auth_router, listener):
    """A connection that never sends HELLO gets ABORT wamp.error.timeout after hello_timeout
    and is closed."""
    peer = raw(auth_router, listener)
    try:
        t0 = time.monotonic()
        peer.expect_abort(TIMEOUT_URI, timeout=HELLO_TIMEOUT + 3)
        elapsed = time.monotonic() - t0
        assert HELLO_TIMEOUT - 0.2 <= elapsed < HELLO_TIMEOUT + 2, f"ABORT after {elapsed:.2f}s"
    finally:
        peer.close()


def test_unanswered_challenge_times_out(auth_router):
    """The timeout runs until WELCOME: a client that never answers CHALLENGE is dropped too."""
    peer = raw(auth_router, "rs", source="127.0.0.5")
    try:
        peer.send([HELLO, "realm1", {"roles": {"caller": {}}, "authmethods": ["ticket"], "authid": "joe"}])
        assert peer.recv()[0] == CHALLENGE
        peer.expect_abort(TIMEOUT_URI, timeout=HELLO_TIMEOUT + 3)
    finally:
        peer.close()


def test_session_outlives_hello_timeout(auth_router):
    """The timeout ends with WELCOME: a session stays up past it."""

    async def main():
        async with Pool(auth_router) as pool:
            s = await pool.join("rs", "realm1", **JOE)
            await wait(s.register(lambda: "still here", "com.app.alive"), what="register")
            await asyncio.sleep(HELLO_TIMEOUT + 0.5)
            assert await wait(s.call("com.app.alive"), what="call") == "still here"

    run(main())


def _big_hello(size: int) -> list:
    return [HELLO, "realm1", {"roles": {"caller": {}}, "authmethods": ["ticket"], "authid": "joe",
                              "authextra": {"padding": "x" * size}}]


@pytest.mark.parametrize("listener", ["rs", "ws"])
def test_large_hello_closes_connection(auth_router, listener):
    """A 4 KB HELLO exceeds pre_session_max_message_size (1024): the connection is closed
    without WELCOME."""
    peer = raw(auth_router, listener)
    try:
        peer.send(_big_hello(4096))
        try:
            msg = peer.recv(3)
        except Closed:
            return
        except TimeoutError:
            raise AssertionError("the router neither answered nor closed after a 4 KB HELLO") from None
        assert msg[0] == ABORT, f"expected the connection to close (or ABORT), got {msg!r}"
        peer.expect_closed(3)
    finally:
        peer.close()


def test_large_hello_websocket_close_1009(auth_router):
    """Over WebSocket the oversized HELLO is answered with a Close frame, status 1009 (message
    too big), before TCP is closed."""
    peer = raw(auth_router, "ws")
    try:
        peer.send(_big_hello(4096))
        deadline = time.monotonic() + 3
        while True:
            try:
                fin, op, payload = peer.conn.recv_frame(max(0.001, deadline - time.monotonic()))
            except Closed as exc:
                raise AssertionError(f"TCP closed without a WebSocket Close frame ({exc})") from None
            if op == WS_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                assert code == 1009, f"Close status {code}, expected 1009"
                return
    finally:
        peer.close()


def test_small_hello_with_padding_is_fine(auth_router):
    """Control: the same HELLO below the limit gets its CHALLENGE."""
    peer = raw(auth_router, "rs")
    try:
        peer.send(_big_hello(600))
        msg = peer.recv()
        assert msg[0] == CHALLENGE, msg
    finally:
        peer.close()


@pytest.mark.parametrize("listener", ["rs", "ws"])
def test_large_messages_after_welcome(auth_router, listener):
    """After WELCOME the transport's normal limit applies: a 4 KB CALL goes through."""

    async def main():
        async with Pool(auth_router) as pool:
            callee = await pool.join(listener, "realm1", **JOE)
            caller = await pool.join(listener, "realm1", serializer="msgpack", **JOE)
            await wait(callee.register(lambda s: s[::-1], "com.app.reverse"), what="register")
            payload = "ab" * 2048
            assert await wait(caller.call("com.app.reverse", payload), what="4 KB call") == payload[::-1]

    run(main())
