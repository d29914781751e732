"""Dynamic authentication with autobahn-python.

Realm ``dynauth`` has ``authentication.dynamic`` (procedure ``com.example.authenticate``, methods
ticket, wampcra and cryptosign, timeout 2 s). A trusted autobahn session joins with a static ticket
principal whose role may register that procedure, and answers
``authenticate(realm, authid, details)`` with a role string or a dict ``{role, authid, secret,
salt, iterations, keylen, extra}``. An error from it refuses with authentication_failed (or
not_authorized / no_such_role when it raises those); no authenticator, a timeout or a nonsense
answer fail closed (authentication_failed).

Realm ``dynauth-x`` asks an authenticator registered in another realm (``authrealm``).
"""

from __future__ import annotations

import asyncio

import pytest

from auth_client import (
    AUTHENTICATION_FAILED,
    NO_SUCH_ROLE,
    NOT_AUTHORIZED,
    ApplicationError,
    Pool,
    assert_identity,
    run,
    wait,
)
from auth_router import FAST_LIMITS, ed25519_keypair, only_junction, router_fixture_body

pytestmark = only_junction

PROCEDURE = "com.example.authenticate"
TRUSTED = dict(method="ticket", authid="authenticator", ticket="authenticator-ticket")

DEVICE_PRIV, DEVICE_PUB = ed25519_keypair()
OTHER_PRIV, OTHER_PUB = ed25519_keypair()

APP = {"uri": "com.app.", "match": "prefix", "allow": ["call", "register", "publish", "subscribe"]}


def _realms(workdir):
    trusted_role = {
        "name": "trusted",
        "permissions": [{"uri": PROCEDURE, "match": "exact", "allow": ["register"]}],
    }
    static = {"principals": [{"authid": "authenticator", "ticket": "authenticator-ticket", "role": "trusted"}]}
    return [
        {
            "name": "dynauth",
            "anonymous_role": "",
            "roles": [trusted_role, {"name": "user", "permissions": [APP]}, {"name": "vip", "permissions": [APP]}],
            "authentication": {
                "ticket": static,
                "dynamic": {"procedure": PROCEDURE, "methods": ["ticket", "wampcra", "cryptosign"], "timeout": 2},
            },
        },
        {
            "name": "authrealm",
            "anonymous_role": "",
            "roles": [trusted_role],
            "authentication": {"ticket": static},
        },
        {
            "name": "dynauth-x",
            "anonymous_role": "",
            "roles": [{"name": "user", "permissions": [APP]}],
            "authentication": {
                "dynamic": {"procedure": PROCEDURE, "realm": "authrealm", "methods": ["ticket"], "timeout": 2},
            },
        },
    ]


LISTENERS = {"ws": {"type": "websocket"}, "rs": {"type": "rawsocket"}}


@pytest.fixture(scope="module")
def auth_router(request):
    yield from router_fixture_body(request, _realms, LISTENERS, FAST_LIMITS, prefix="junction-dynauth-")


class Authenticator:
    """What the trusted component registers: records calls, answers by ticket / authid."""

    def __init__(self):
        self.calls = []

    async def __call__(self, realm, authid, details):
        self.calls.append((realm, authid, details))
        method = details.get("authmethod")
        if method == "ticket":
            ticket = details.get("ticket")
            if ticket == "good-ticket":
                return "user"
            if ticket == "dict-ticket":
                return {"role": "vip", "authid": "renamed-by-authenticator", "extra": {"color": "blue"}}
            if ticket == "no-role-ticket":
                return "no-such-role"
            if ticket == "not-authorized-ticket":
                raise ApplicationError("wamp.error.not_authorized", "go away")
            if ticket == "slow-ticket":
                await asyncio.sleep(4)
                return "user"
            if ticket == "garbage-ticket":
                return 42
            raise ApplicationError("com.example.invalid_ticket", "unknown ticket")
        if method == "wampcra":
            if authid == "crauser":
                return {"role": "user", "secret": "dyn-secret"}
            if authid == "crasalty":
                return {"role": "vip", "secret": "dyn-salty", "salt": "pepper", "iterations": 50, "keylen": 32}
            raise ApplicationError("com.example.no_such_user", authid)
        if method == "cryptosign":
            # vouches for DEVICE_PUB only, whatever key the client offered
            if authid == "dyn-device":
                return {"role": "vip", "pubkey": DEVICE_PUB}
            raise ApplicationError("com.example.no_such_device", authid)
        raise ApplicationError("com.example.unsupported", method)


async def with_authenticator(pool, realm="dynauth"):
    trusted = await pool.join("ws", realm, **TRUSTED)
    auth = Authenticator()
    await wait(trusted.register(auth, PROCEDURE), what="register the authenticator")
    return auth


@pytest.mark.parametrize("listener,serializer", [("ws", "json"), ("rs", "cbor")])
def test_dynamic_ticket_accepted(auth_router, listener, serializer):
    async def main():
        async with Pool(auth_router) as pool:
            auth = await with_authenticator(pool)
            s = await pool.join(listener, "dynauth", serializer=serializer, method="ticket", authid="erin", ticket="good-ticket")
            assert_identity(s, "erin", "user", "ticket")
            await wait(s.register(lambda: "hi", "com.app.dyn.hello"), what="register with the dynamic role")

            realm, authid, details = auth.calls[-1]
            assert (realm, authid) == ("dynauth", "erin"), auth.calls[-1]
            assert details.get("ticket") == "good-ticket", details
            assert details.get("authmethod") == "ticket", details
            assert isinstance(details.get("session"), int), details
            assert isinstance(details.get("transport"), dict), details

            # A dict answer may rename the session and add authextra.
            d = await pool.join(listener, "dynauth", serializer=serializer, method="ticket", authid="erin", ticket="dict-ticket")
            info = assert_identity(d, "renamed-by-authenticator", "vip", "ticket")
            assert (info.authextra or {}).get("color") == "blue", info.authextra

    run(main())


@pytest.mark.parametrize("authid,secret,role", [("crauser", "dyn-secret", "user"), ("crasalty", "dyn-salty", "vip")])
def test_dynamic_wampcra(auth_router, authid, secret, role):
    """The authenticator supplies the WAMP-CRA secret (and salt parameters); the router
    challenges with them and checks autobahn's signature."""

    async def main():
        async with Pool(auth_router) as pool:
            auth = await with_authenticator(pool)
            s = await pool.join("ws", "dynauth", method="wampcra", authid=authid, secret=secret)
            assert_identity(s, authid, role, "wampcra")
            if authid == "crasalty":
                extra = s.challenges[0].extra
                assert (extra.get("salt"), extra.get("iterations"), extra.get("keylen")) == ("pepper", 50, 32), extra
            await pool.refused("rs", "dynauth", AUTHENTICATION_FAILED, method="wampcra", authid=authid, secret="wrong")
            await pool.refused("rs", "dynauth", AUTHENTICATION_FAILED, method="wampcra", authid="nobody", secret=secret)
            assert [c[1] for c in auth.calls] == [authid, authid, "nobody"], auth.calls

    run(main())


def test_dynamic_cryptosign(auth_router):
    """The authenticator vouches for a public key (`pubkey`); the router challenges and checks
    the signature; a key the authenticator did not vouch for is refused."""

    async def main():
        async with Pool(auth_router) as pool:
            auth = await with_authenticator(pool)
            s = await pool.join("rs", "dynauth", method="cryptosign", authid="dyn-device", privkey=DEVICE_PRIV)
            assert_identity(s, "dyn-device", "vip", "cryptosign")
            realm, authid, details = auth.calls[-1]
            assert (realm, authid, details.get("authmethod")) == ("dynauth", "dyn-device", "cryptosign"), auth.calls[-1]
            assert (details.get("authextra") or {}).get("pubkey") == DEVICE_PUB, details
            await pool.refused("ws", "dynauth", AUTHENTICATION_FAILED, method="cryptosign", authid="dyn-device", privkey=OTHER_PRIV)
            await pool.refused("ws", "dynauth", AUTHENTICATION_FAILED, method="cryptosign", authid="stranger", privkey=DEVICE_PRIV)

    run(main())


@pytest.mark.parametrize(
    "ticket,reason",
    [
        ("bad-ticket", AUTHENTICATION_FAILED),  # ApplicationError with an application URI
        ("not-authorized-ticket", NOT_AUTHORIZED),  # the authenticator's own refusal passes through
        ("no-role-ticket", NO_SUCH_ROLE),  # a role the realm does not have
        ("garbage-ticket", AUTHENTICATION_FAILED),  # neither a role nor a dict
    ],
)
def test_dynamic_ticket_refused(auth_router, ticket, reason):
    async def main():
        async with Pool(auth_router) as pool:
            auth = await with_authenticator(pool)
            await pool.refused("ws", "dynauth", reason, method="ticket", authid="erin", ticket=ticket)
            assert len(auth.calls) == 1, auth.calls

    run(main())


def test_dynamic_authenticator_timeout(auth_router):
    """An authenticator slower than `timeout` (2 s): authentication_failed, after about 2 s."""

    async def main():
        async with Pool(auth_router) as pool:
            await with_authenticator(pool)
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            await pool.refused("ws", "dynauth", AUTHENTICATION_FAILED, timeout=6, method="ticket", authid="erin", ticket="slow-ticket")
            elapsed = loop.time() - t0
            assert 1.5 <= elapsed < 4, f"refused after {elapsed:.2f}s; the authenticator timeout is 2 s"

    run(main())


def test_no_authenticator_fails_closed(auth_router):
    """Nobody registered the authenticator: dynamic logins are refused, static ones still work."""

    async def main():
        async with Pool(auth_router) as pool:
            await pool.refused("ws", "dynauth", AUTHENTICATION_FAILED, method="ticket", authid="erin", ticket="good-ticket")
            await pool.refused("rs", "dynauth", AUTHENTICATION_FAILED, method="wampcra", authid="crauser", secret="dyn-secret")
            s = await pool.join("ws", "dynauth", **TRUSTED)
            assert_identity(s, "authenticator", "trusted", "ticket")

    run(main())


def test_authenticator_goes_away(auth_router):
    """Once the trusted session leaves, its authenticator is gone: logins fail closed again."""

    async def main():
        async with Pool(auth_router) as pool:
            await with_authenticator(pool)
            await pool.join("ws", "dynauth", method="ticket", authid="erin", ticket="good-ticket")
            trusted = pool.sessions[0]
            trusted.leave()
            await wait(trusted.disconnected, what="trusted session to leave")
            await pool.refused("ws", "dynauth", AUTHENTICATION_FAILED, method="ticket", authid="erin", ticket="good-ticket")

    run(main())


def test_authenticator_in_another_realm(auth_router):
    """`dynamic.realm`: the authenticator is registered in realm authrealm and is asked about
    HELLOs for realm dynauth-x."""

    async def main():
        async with Pool(auth_router) as pool:
            auth = await with_authenticator(pool, realm="authrealm")
            s = await pool.join("rs", "dynauth-x", method="ticket", authid="xavier", ticket="good-ticket")
            assert_identity(s, "xavier", "user", "ticket")
            assert auth.calls[-1][0] == "dynauth-x" and auth.calls[-1][1] == "xavier", auth.calls
            await pool.refused("ws", "dynauth-x", AUTHENTICATION_FAILED, method="ticket", authid="xavier", ticket="bad-ticket")

    run(main())
