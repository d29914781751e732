"""Autobahn (asyncio) sessions that authenticate, over ws, wss, rs and rss.

``attempt(...)`` opens one session against a listener of an ``AuthRouter`` (see auth_router.py)
with autobahn's own authenticators (``autobahn.wamp.auth.create_authenticator``: ticket, wampcra
with salted keys, cryptosign with ``CryptosignKey``) and returns the ``Session``: either joined
(``joined`` holds autobahn's ``SessionDetails``) or refused (``left`` holds the ``CloseDetails`` of
the ABORT). ``join(...)`` and ``refused(...)`` wait for one or the other and fail otherwise.
"""

from __future__ import annotations

import asyncio

from autobahn.wamp.auth import create_authenticator
from autobahn.wamp.types import ComponentConfig

from auth_router import HOST, client_ssl_context
from wamp_client import (
    DEFAULT_TIMEOUT,
    SERIALIZER_CLASSES,
    ApplicationError,  # noqa: F401  (re-exported)
    Session,
    SessionPool,
    WampWebSocketClientFactory,
    _RawSocketClientFactory,
    run,  # noqa: F401  (re-exported)
    wait,
)

AUTHENTICATION_FAILED = "wamp.error.authentication_failed"
NOT_AUTHORIZED = "wamp.error.not_authorized"
NO_SUCH_ROLE = "wamp.error.no_such_role"
NO_MATCHING_AUTH_METHOD = "wamp.error.no_matching_auth_method"


class AuthSession(Session):
    """A Session that joins with the given HELLO auth details and answers CHALLENGEs with an
    autobahn authenticator (or a plain function of the challenge)."""

    def __init__(self, config, label, authmethods, authid, authextra, authenticator):
        super().__init__(config, label=label)
        self.hello_authmethods = authmethods
        self.hello_authid = authid
        self.hello_authextra = authextra
        self.authenticator = authenticator
        self.challenges = []

    def onConnect(self):
        self.join(
            self.config.realm,
            authmethods=self.hello_authmethods,
            authid=self.hello_authid,
            authextra=self.hello_authextra,
        )

    def onChallenge(self, challenge):
        self.challenges.append(challenge)
        if self.authenticator is None:
            raise Exception(f"unexpected CHALLENGE {challenge.method}")
        if callable(getattr(self.authenticator, "on_challenge", None)):
            return self.authenticator.on_challenge(self, challenge)
        return self.authenticator(challenge)


def authenticator(method: str, **kwargs):
    """autobahn's authenticator for ``method`` (ticket: ticket=; wampcra: authid=, secret=;
    cryptosign: privkey= hex seed, optional authid=)."""
    return create_authenticator(method, **kwargs)


class Pool(SessionPool):
    """Opens authenticating sessions; closes them all when the ``async with`` block ends
    (``SessionPool``'s lifecycle)."""

    async def attempt(
        self,
        listener: str,
        realm: str,
        *,
        method: str | None = None,
        authid: str | None = None,
        authmethods: list | None = None,
        authextra: dict | None = None,
        answer=None,
        serializer: str = "json",
        client_cert: str | None = None,
        ssl_context=None,
        local_addr: str | None = None,
        label: str = "",
        **auth_kwargs,
    ) -> AuthSession:
        """Connects to ``listener`` and sends HELLO; returns the session (joined or not yet).

        ``method`` (ticket, wampcra, cryptosign) builds autobahn's authenticator from
        ``authid`` and ``auth_kwargs`` and offers that method; ``authmethods``/``answer`` override
        what is offered and how challenges are answered. ``client_cert`` presents one of the
        test certificates on a TLS listener."""
        loop = asyncio.get_running_loop()
        lst = self.router.listener(listener)
        auth = None
        if method is not None:
            kw = dict(auth_kwargs)
            if authid is not None and method != "ticket":
                kw["authid"] = authid
            if authextra is not None and method == "cryptosign":
                kw["authextra"] = dict(authextra)
            auth = create_authenticator(method, **kw)
            if authmethods is None:
                authmethods = [method]
            if authextra is None:
                authextra = auth.authextra or None
        if answer is not None:
            auth = answer
        label = label or f"{listener}/{serializer}/{method or authmethods}"
        holder = {}

        def make_session():
            s = AuthSession(
                ComponentConfig(realm=realm, extra=None), label, authmethods, authid, authextra, auth
            )
            holder["session"] = s
            return s

        ser = SERIALIZER_CLASSES[serializer]()
        if lst.kind == "websocket":
            factory = WampWebSocketClientFactory(make_session, url=lst.url, serializers=[ser])
        else:
            factory = _RawSocketClientFactory(make_session, serializer=ser)
        kwargs = {}
        if lst.tls:
            kwargs["ssl"] = ssl_context or client_ssl_context(self.router.workdir, client_cert)
            kwargs["server_hostname"] = "localhost"
        if local_addr:
            kwargs["local_addr"] = (local_addr, 0)
        tr, proto = await wait(
            loop.create_connection(factory, HOST, lst.port, **kwargs), what=f"connection to {lst.url}"
        )
        self.transports.append(tr)
        deadline = loop.time() + DEFAULT_TIMEOUT
        while "session" not in holder:
            if tr.is_closing():
                raise AssertionError(f"{label}: transport closed before the WAMP session started\n{self.router.diagnose()}")
            if loop.time() > deadline:
                raise AssertionError(f"{label}: transport handshake did not complete\n{self.router.diagnose()}")
            await asyncio.sleep(0.005)
        s = holder["session"]
        s.protocol = proto
        self.sessions.append(s)
        return s

    async def join(self, listener: str, realm: str, **kw) -> AuthSession:
        """``attempt`` and wait for WELCOME; fails with the ABORT reason otherwise."""
        s = await self.attempt(listener, realm, **kw)
        done, _ = await asyncio.wait({s.joined, s.left}, timeout=DEFAULT_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        if s.joined in done:
            return s
        if s.left in done:
            d = s.left.result()
            raise AssertionError(
                f"{s.label}: not admitted to {realm!r}: {getattr(d, 'reason', None)!r} "
                f"{getattr(d, 'message', None)!r}\n{self.router.diagnose()}"
            )
        raise AssertionError(f"{s.label}: no WELCOME within {DEFAULT_TIMEOUT}s\n{self.router.diagnose()}")

    async def refused(self, listener: str, realm: str, reason: str | tuple, timeout: float = DEFAULT_TIMEOUT, **kw):
        """``attempt`` and require ABORT with ``reason``; returns the CloseDetails."""
        reasons = (reason,) if isinstance(reason, str) else tuple(reason)
        s = await self.attempt(listener, realm, **kw)
        done, _ = await asyncio.wait({s.joined, s.left}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if s.joined in done:
            d = s.joined.result()
            raise AssertionError(
                f"{s.label}: expected ABORT {reasons}, but joined as authid={d.authid!r} "
                f"authrole={d.authrole!r} authmethod={d.authmethod!r}"
            )
        if not done:
            raise AssertionError(f"{s.label}: neither WELCOME nor ABORT within {timeout}s\n{self.router.diagnose()}")
        d = s.left.result()
        got = getattr(d, "reason", None)
        assert got in reasons, (
            f"{s.label}: ABORT reason {got!r} ({getattr(d, 'message', None)!r}), expected {reasons}\n"
            f"{self.router.diagnose()}"
        )
        return d


def assert_identity(session: AuthSession, authid, authrole: str, authmethod: str, authprovider: str | None = None):
    d = session.joined.result()
    got = (d.authid, d.authrole, d.authmethod)
    want = (authid if authid is not None else d.authid, authrole, authmethod)
    assert got == want, f"{session.label}: WELCOME identity {got}, expected {want}"
    if authprovider is not None:
        assert d.authprovider == authprovider, f"{session.label}: authprovider {d.authprovider!r}, expected {authprovider!r}"
    return d
