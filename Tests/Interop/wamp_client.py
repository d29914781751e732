"""Autobahn (asyncio) client sessions with explicit transport and serializer.

Each test runs its own event loop via ``run(coro)``; sessions are opened with
``SessionPool.connect(transport, serializer)`` and all of them are closed when
the pool's ``async with`` block ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import struct

os.environ.pop("AUTOBAHN_USE_UJSON", None)

import txaio  # noqa: E402

txaio.use_asyncio()

from autobahn.asyncio.rawsocket import WampRawSocketClientFactory, WampRawSocketClientProtocol  # noqa: E402
from autobahn.asyncio.wamp import ApplicationSession  # noqa: E402
from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp import message as _wamp_message  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402,F401  (re-exported for tests)
from autobahn.wamp.serializer import CBORSerializer, JsonSerializer, MsgPackSerializer  # noqa: E402
from autobahn.wamp.types import ComponentConfig  # noqa: E402

SERIALIZER_CLASSES = {
    "json": JsonSerializer,
    "msgpack": MsgPackSerializer,
    "cbor": CBORSerializer,
}

DEFAULT_TIMEOUT = 10.0


def run(coro, timeout: float = 60.0):
    """Run one test coroutine on a fresh event loop, failing if it takes longer than ``timeout``."""

    async def bounded():
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


async def wait(fut, timeout: float = DEFAULT_TIMEOUT, what: str = "operation"):
    """Await ``fut`` for at most ``timeout`` seconds, with a readable failure."""
    try:
        return await asyncio.wait_for(asyncio.ensure_future(fut), timeout)
    except asyncio.TimeoutError:
        raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}") from None


class _RawSocketClientProtocol(WampRawSocketClientProtocol):
    """autobahn's asyncio RawSocket client does not implement PING/PONG; a router keep-alive
    PING would otherwise kill the connection. Answer PINGs as the spec requires."""

    def ping(self, data):
        if self.transport is not None:
            self.transport.write(struct.pack("!L", (2 << 24) | len(data)) + data)

    def pong(self, data):
        pass


class _RawSocketClientFactory(WampRawSocketClientFactory):
    protocol = _RawSocketClientProtocol


@contextlib.contextmanager
def client_uri_checks_disabled():
    """Autobahn validates URIs before sending; switch that off so the router's own
    validation (ERROR wamp.error.invalid_uri) can be tested."""
    original = _wamp_message.check_or_raise_uri
    _wamp_message.check_or_raise_uri = lambda value, *args, **kwargs: value
    try:
        yield
    finally:
        _wamp_message.check_or_raise_uri = original


class Session(ApplicationSession):
    """An ApplicationSession exposing its life cycle as futures."""

    def __init__(self, config, label: str = ""):
        super().__init__(config)
        loop = asyncio.get_running_loop()
        self.label = label
        self.joined: asyncio.Future = loop.create_future()  # SessionDetails
        self.left: asyncio.Future = loop.create_future()  # CloseDetails
        self.disconnected: asyncio.Future = loop.create_future()
        self.protocol = None  # the transport protocol instance

    def onJoin(self, details):
        if not self.joined.done():
            self.joined.set_result(details)

    def onLeave(self, details):
        if not self.left.done():
            self.left.set_result(details)
        return super().onLeave(details)

    def onDisconnect(self):
        if not self.left.done():
            self.left.set_result(None)
        if not self.disconnected.done():
            self.disconnected.set_result(True)

    def abort_transport(self):
        """Drop the connection without a WAMP GOODBYE."""
        if self._transport is not None:
            self._transport.abort()


class SessionPool:
    """Opens sessions against the router under test and closes them all at the end."""

    def __init__(self, router):
        self.router = router
        self.sessions: list[Session] = []
        self.transports = []

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close_all()
        return False

    async def open(self, transport: str, serializer: str, realm: str = "realm1", label: str = "") -> Session:
        """Connect a transport and start the WAMP opening handshake; does not wait for WELCOME."""
        loop = asyncio.get_running_loop()
        ser = SERIALIZER_CLASSES[serializer]()
        holder = {}

        def make_session():
            s = Session(ComponentConfig(realm=realm, extra=None), label=label or f"{transport}/{serializer}")
            holder["session"] = s
            return s

        r = self.router
        if transport == "websocket":
            factory = WampWebSocketClientFactory(make_session, url=r.ws_url, serializers=[ser])
            conn = loop.create_connection(factory, r.host, r.ws_port)
        elif transport == "rawsocket-tcp":
            factory = _RawSocketClientFactory(make_session, serializer=ser)
            conn = loop.create_connection(factory, r.host, r.rs_port)
        elif transport == "rawsocket-unix":
            factory = _RawSocketClientFactory(make_session, serializer=ser)
            conn = loop.create_unix_connection(factory, r.unix_path)
        else:
            raise ValueError(f"unknown transport {transport!r}")

        tr, proto = await wait(conn, what=f"{transport} connection")
        self.transports.append(tr)
        # The session is created once the transport handshake (WebSocket upgrade /
        # RawSocket 4-byte handshake) completes.
        deadline = loop.time() + DEFAULT_TIMEOUT
        while "session" not in holder:
            if tr.is_closing():
                raise AssertionError(f"{transport}/{serializer}: transport closed before the WAMP session started")
            if loop.time() > deadline:
                raise AssertionError(f"{transport}/{serializer}: transport handshake did not complete")
            await asyncio.sleep(0.005)
        s = holder["session"]
        s.protocol = proto
        self.sessions.append(s)
        return s

    async def connect(self, transport: str, serializer: str, realm: str = "realm1", label: str = "") -> Session:
        """Open a session and wait until it has joined ``realm``."""
        s = await self.open(transport, serializer, realm=realm, label=label)
        done, _ = await asyncio.wait({s.joined, s.left}, timeout=DEFAULT_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        if s.joined in done:
            return s
        if s.left in done:
            details = s.left.result()
            reason = getattr(details, "reason", None)
            raise AssertionError(f"{s.label}: session did not join {realm!r}: left with {reason!r}")
        raise AssertionError(f"{s.label}: no WELCOME within {DEFAULT_TIMEOUT}s")

    async def close_all(self):
        for s in self.sessions:
            try:
                if s.is_attached() and not s._goodbye_sent:
                    s.leave()
            except Exception:
                pass
        pending = [s.disconnected for s in self.sessions if not s.disconnected.done()]
        if pending:
            await asyncio.wait(pending, timeout=5)
        for tr in self.transports:
            if not tr.is_closing():
                tr.close()
        await asyncio.sleep(0)
