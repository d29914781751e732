"""Authentication with autobahn-python: every method over ws, rs, wss and rss, and every refusal.

One router for the module (see ``auth_router``): realm ``realm1`` has no anonymous access and
principals for ticket, WAMP-CRA (plain and salted), cryptosign, JWTs (HS256, RS256, ES256,
EdDSA) and TLS client certificates; realm ``norole`` has a principal whose role does not exist.
Listeners: ws, rs, wss and rss (TLS without client certificates), wss/rss requiring a client
certificate, and a ws listener that only permits cryptosign.

Refusals are ABORTs: ``wamp.error.authentication_failed`` for every wrong credential (the same
ABORT whatever was wrong), ``not_authorized`` for anonymous HELLOs, ``no_such_role`` for a
principal without a role, ``no_matching_auth_method`` when the listener permits none of the
offered methods. The failure delay and lockout are off here (test_auth_limits.py tests them).
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import time

import pytest
from autobahn.wamp.cryptosign import CryptosignKey
from autobahn.wamp.types import PublishOptions

from auth_client import (
    AUTHENTICATION_FAILED,
    NO_MATCHING_AUTH_METHOD,
    NO_SUCH_ROLE,
    NOT_AUTHORIZED,
    Pool,
    assert_identity,
    run,
    wait,
)
from auth_router import (
    FAST_LIMITS,
    b64url,
    HOST,
    client_ssl_context,
    ed25519_keypair,
    jwt_claims,
    jwt_keys,
    make_jwt,
    only_junction,
    pki,
    router_fixture_body,
    tls_listener_settings,
)

pytestmark = only_junction

REALM = "realm1"
DEVICE_PRIV, DEVICE_PUB = ed25519_keypair()
DEVICE2_PRIV, DEVICE2_PUB = ed25519_keypair()  # second key of device-1 (principal with `pubkeys`)
STRANGER_PRIV, STRANGER_PUB = ed25519_keypair()  # known to nobody
JWT_AUDIENCE = "junction"
JWT_ISSUER = "interop-issuer"

ALL_ACTIONS = ["call", "register", "publish", "subscribe"]


def _role(name):
    return {"name": name, "permissions": [{"uri": "com.app.", "match": "prefix", "allow": ALL_ACTIONS}]}


def _realms(workdir):
    return [
        {
            "name": REALM,
            "anonymous_role": "",
            "roles": [_role("user"), _role("device"), _role("jwtrole"), _role("jwtdefault"), _role("admin")],
            "authentication": {
                "ticket": {"principals": [{"authid": "joe", "ticket": "joe-ticket", "role": "user"}]},
                "wampcra": {
                    "principals": [
                        {"authid": "peter", "secret": "s3cret", "role": "user"},
                        {
                            "authid": "salty",
                            "secret": "s4lty-s3cret",
                            "role": "admin",
                            "salt": "salt123",
                            "iterations": 100,
                            "keylen": 32,
                        },
                    ]
                },
                "cryptosign": {
                    "principals": [
                        {"authid": "device-1", "pubkeys": [DEVICE_PUB, DEVICE2_PUB], "role": "device"},
                    ]
                },
                "jwt": {
                    "keys": jwt_keys().router_keys(),
                    "audience": JWT_AUDIENCE,
                    "issuer": JWT_ISSUER,
                    "role_claim": "role",
                    "default_role": "jwtdefault",
                    "leeway": 0,
                },
                "tls": {
                    "principals": [
                        {"authid": "client-one", "common_name": "client-one", "role": "device"},
                        {"authid": "fingerprinted", "fingerprint": pki(workdir).fp_client_fingerprint, "role": "user"},
                    ]
                },
            },
        },
        {
            "name": "norole",
            "anonymous_role": "",
            "roles": [_role("user")],
            "authentication": {
                "ticket": {
                    "principals": [
                        {"authid": "ghost", "ticket": "ghost-ticket", "role": "missing-role"},
                        {"authid": "casper", "ticket": "casper-ticket", "role": "user"},
                    ]
                }
            },
        },
    ]


def _listeners(workdir):
    return {
        "ws": {"type": "websocket"},
        "rs": {"type": "rawsocket"},
        "wss": {"type": "websocket", "tls": tls_listener_settings(workdir, "none")},
        "rss": {"type": "rawsocket", "tls": tls_listener_settings(workdir, "none")},
        "wss_mtls": {"type": "websocket", "tls": tls_listener_settings(workdir, "required")},
        "rss_mtls": {"type": "rawsocket", "tls": tls_listener_settings(workdir, "required")},
        "ws_cryptosign_only": {"type": "websocket", "auth_methods": ["cryptosign"]},
    }


@pytest.fixture(scope="module")
def auth_router(request):
    yield from router_fixture_body(request, _realms, _listeners, FAST_LIMITS, prefix="junction-auth-methods-")


# Each listener with a different serializer, so all three are covered by authentication.
LISTENERS = [("ws", "json"), ("rs", "msgpack"), ("wss", "cbor"), ("rss", "json")]
LISTENER_IDS = [f"{l}-{s}" for l, s in LISTENERS]


def jwt_for(alg="HS256", **overrides):
    claims = jwt_claims(aud=JWT_AUDIENCE, iss=JWT_ISSUER)
    for k, v in overrides.items():
        if v is None:
            claims.pop(k, None)
        else:
            claims[k] = v
    return make_jwt(alg, claims)


# --------------------------------------------------------------------------- methods that work

# name -> (attempt kwargs, expected (authid, authrole, authmethod))
METHODS = {
    "ticket": (dict(method="ticket", authid="joe", ticket="joe-ticket"), ("joe", "user", "ticket")),
    "wampcra": (dict(method="wampcra", authid="peter", secret="s3cret"), ("peter", "user", "wampcra")),
    "wampcra-salted": (dict(method="wampcra", authid="salty", secret="s4lty-s3cret"), ("salty", "admin", "wampcra")),
    "cryptosign": (dict(method="cryptosign", authid="device-1", privkey=DEVICE_PRIV), ("device-1", "device", "cryptosign")),
    "cryptosign-no-authid": (dict(method="cryptosign", privkey=DEVICE2_PRIV), ("device-1", "device", "cryptosign")),
    "jwt-HS256": (dict(method="ticket", ticket_factory=lambda: jwt_for("HS256")), ("jwt-user", "jwtrole", "ticket")),
    "jwt-RS256": (dict(method="ticket", ticket_factory=lambda: jwt_for("RS256")), ("jwt-user", "jwtrole", "ticket")),
    "jwt-ES256": (dict(method="ticket", ticket_factory=lambda: jwt_for("ES256")), ("jwt-user", "jwtrole", "ticket")),
    "jwt-EdDSA": (dict(method="ticket", ticket_factory=lambda: jwt_for("EdDSA")), ("jwt-user", "jwtrole", "ticket")),
}


def _kwargs(spec: dict) -> dict:
    kw = dict(spec)
    factory = kw.pop("ticket_factory", None)
    if factory is not None:
        kw["ticket"] = factory()
    return kw


@pytest.mark.parametrize("listener,serializer", LISTENERS, ids=LISTENER_IDS)
@pytest.mark.parametrize("method", list(METHODS))
def test_method_joins(auth_router, method, listener, serializer):
    """WELCOME carries the principal's authid, role and method; the session then works."""
    spec, (authid, authrole, authmethod) = METHODS[method]

    async def main():
        async with Pool(auth_router) as pool:
            s = await pool.join(listener, REALM, serializer=serializer, **_kwargs(spec))
            assert_identity(s, authid, authrole, authmethod)
            if method == "wampcra-salted":
                extra = s.challenges[0].extra
                assert (extra.get("salt"), extra.get("iterations"), extra.get("keylen")) == ("salt123", 100, 32), extra
            # the role's permissions apply: register and call under com.app.
            await wait(s.register(lambda: authid, "com.app.whoami." + method.replace("-", "_")), what="register")
            assert await wait(s.call("com.app.whoami." + method.replace("-", "_")), what="call") == authid

    run(main())


def test_ticket_challenge_and_wampcra_challenge_shape(auth_router):
    """CHALLENGE carries what autobahn needs: nothing for ticket, a JSON challenge for WAMP-CRA
    naming the authid/authrole, a 64-hex-digit challenge for cryptosign."""

    async def main():
        async with Pool(auth_router) as pool:
            t = await pool.join("ws", REALM, method="ticket", authid="joe", ticket="joe-ticket")
            assert t.challenges[0].method == "ticket"
            c = await pool.join("ws", REALM, method="wampcra", authid="peter", secret="s3cret")
            assert c.challenges[0].method == "wampcra"
            inner = json.loads(c.challenges[0].extra["challenge"])
            assert inner["authid"] == "peter" and inner["authrole"] == "user" and inner["authmethod"] == "wampcra", inner
            assert inner["session"] == c.session_id, (inner, c.session_id)
            k = await pool.join("ws", REALM, method="cryptosign", authid="device-1", privkey=DEVICE_PRIV)
            ch = k.challenges[0].extra["challenge"]
            assert k.challenges[0].method == "cryptosign" and len(ch) == 64 and int(ch, 16) >= 0, ch

    run(main())


def test_jwt_with_matching_authid_and_default_role(auth_router):
    """A JWT with the HELLO's authid equal to `sub` is accepted; without the role claim the
    session gets `default_role`."""

    async def main():
        async with Pool(auth_router) as pool:
            s = await pool.join("ws", REALM, method="ticket", authid="jwt-user", ticket=jwt_for("RS256"))
            assert_identity(s, "jwt-user", "jwtrole", "ticket")
            s = await pool.join("rs", REALM, method="ticket", ticket=jwt_for("ES256", sub="carol", role=None))
            assert_identity(s, "carol", "jwtdefault", "ticket")

    run(main())


@pytest.mark.parametrize("listener", ["wss_mtls", "rss_mtls"])
def test_tls_client_certificate(auth_router, listener):
    """A client certificate signed by the CA authenticates with authmethod "tls" and the
    principal's role (matched by common name)."""

    async def main():
        async with Pool(auth_router) as pool:
            s = await pool.join(listener, REALM, authmethods=["tls"], client_cert="client")
            assert_identity(s, "client-one", "device", "tls")
            assert not s.challenges, "TLS authentication needs no CHALLENGE"
            await wait(s.publish("com.app.tls", 1, options=PublishOptions(acknowledge=True)), what="publish")
            # The same connection kind also carries other methods.
            t = await pool.join(listener, REALM, method="ticket", authid="joe", ticket="joe-ticket", client_cert="client")
            assert_identity(t, "joe", "user", "ticket")

    run(main())


@pytest.mark.parametrize("listener", ["wss_mtls", "rss_mtls"])
def test_tls_client_certificate_by_fingerprint(auth_router, listener):
    """A tls principal with `fingerprint` (SHA-256 of the DER certificate) matches that certificate."""

    async def main():
        async with Pool(auth_router) as pool:
            s = await pool.join(listener, REALM, authmethods=["tls"], client_cert="fp_client")
            assert_identity(s, "fingerprinted", "user", "tls")

    run(main())


@pytest.mark.parametrize("listener", ["wss_mtls", "rss_mtls"])
def test_tls_certificate_without_principal_is_refused(auth_router, listener):
    async def main():
        async with Pool(auth_router) as pool:
            await pool.refused(listener, REALM, AUTHENTICATION_FAILED, authmethods=["tls"], client_cert="other_client")

    run(main())


def _tls_probe(port: int, kind: str, ctx: ssl.SSLContext):
    """Opens TLS to ``port`` and sends the first bytes of the transport's handshake. Returns
    None if the router answered, else how the connection failed. With TLS 1.3 the server checks
    the client's certificate after the client finished its side, so the refusal may only show
    on the first read."""
    raw = socket.create_connection((HOST, port), timeout=3)
    try:
        try:
            s = ctx.wrap_socket(raw, server_hostname="localhost")
        except (ssl.SSLError, OSError) as e:
            return f"handshake failed: {e!r}"
        try:
            if kind == "websocket":
                s.sendall(b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                          b"Sec-WebSocket-Protocol: wamp.2.json\r\n\r\n")
            else:
                s.sendall(bytes([0x7F, 0xF1, 0, 0]))
            data = s.recv(64)
        except (ssl.SSLError, OSError) as e:
            return f"refused after handshake: {e!r}"
        finally:
            s.close()
        return None if data else "closed without an answer"
    finally:
        raw.close()


@pytest.mark.parametrize("listener", ["wss_mtls", "rss_mtls"])
def test_tls_required_client_certificate(auth_router, listener):
    """`client_certificate: required`: without a certificate, or with one from another CA, the
    TLS handshake fails; with the CA's certificate it completes."""
    lst = auth_router.listener(listener)
    wd = auth_router.workdir
    ok = _tls_probe(lst.port, lst.kind, client_ssl_context(wd, "client"))
    assert ok is None, f"TLS with a valid client certificate failed: {ok}\n{auth_router.diagnose()}"
    no_cert = _tls_probe(lst.port, lst.kind, client_ssl_context(wd, None))
    assert no_cert is not None, "the router accepted a TLS client without a certificate"
    rogue = _tls_probe(lst.port, lst.kind, client_ssl_context(wd, "rogue_client"))
    assert rogue is not None, "the router accepted a client certificate from an unknown CA"


def test_plain_tls_listener_accepts_clients_without_certificate(auth_router):
    assert _tls_probe(auth_router.listener("wss").port, "websocket", client_ssl_context(auth_router.workdir)) is None
    assert _tls_probe(auth_router.listener("rss").port, "rawsocket", client_ssl_context(auth_router.workdir)) is None


def test_listener_auth_methods(auth_router):
    """A listener with `auth_methods: [cryptosign]` admits cryptosign and refuses ticket with
    no_matching_auth_method (and anonymous with not_authorized or no_matching_auth_method)."""

    async def main():
        async with Pool(auth_router) as pool:
            s = await pool.join("ws_cryptosign_only", REALM, method="cryptosign", authid="device-1", privkey=DEVICE_PRIV)
            assert_identity(s, "device-1", "device", "cryptosign")
            await pool.refused("ws_cryptosign_only", REALM, NO_MATCHING_AUTH_METHOD, method="ticket", authid="joe", ticket="joe-ticket")
            await pool.refused(
                "ws_cryptosign_only", REALM, NO_MATCHING_AUTH_METHOD, authmethods=["wampcra", "ticket"], authid="peter"
            )
            # Offering one allowed method among others picks the allowed one.
            s = await pool.join(
                "ws_cryptosign_only", REALM, method="cryptosign", authmethods=["ticket", "cryptosign"], authid="device-1",
                privkey=DEVICE_PRIV,
            )
            assert_identity(s, "device-1", "device", "cryptosign")

    run(main())


def test_tls_method_without_certificate(auth_router):
    """Offering only "tls" on a connection without a client certificate matches no method."""

    async def main():
        async with Pool(auth_router) as pool:
            await pool.refused("ws", REALM, NO_MATCHING_AUTH_METHOD, authmethods=["tls"])
            await pool.refused("wss", REALM, NO_MATCHING_AUTH_METHOD, authmethods=["tls"])

    run(main())


def test_first_acceptable_method_is_used(auth_router):
    """HELLO offering ["wampcra", "ticket"]: the router challenges with the first offered
    method it accepts."""

    async def main():
        async with Pool(auth_router) as pool:
            s = await pool.join(
                "ws", REALM, method="wampcra", authmethods=["wampcra", "ticket"], authid="peter", secret="s3cret"
            )
            assert [c.method for c in s.challenges] == ["wampcra"]
            assert_identity(s, "peter", "user", "wampcra")

    run(main())


# --------------------------------------------------------------------------- refusals


def _wrong_signature_cryptosign(challenge):
    """Answers a cryptosign CHALLENGE with a signature by a key the router does not know
    (the HELLO named device-1's public key)."""
    key = CryptosignKey.from_bytes(bytes.fromhex(STRANGER_PRIV))
    return key.sign_challenge(challenge)


def _hs256_other_secret():
    return make_jwt("HS256", jwt_claims(aud=JWT_AUDIENCE, iss=JWT_ISSUER), key="another-secret-that-is-32-bytes-long!!")


def _tampered_jwt():
    """A valid RS256 token whose payload was changed afterwards (role admin)."""
    head, payload, sig = jwt_for("RS256").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    return ".".join([head, b64url(json.dumps(claims).encode()), sig])


def _alg_none_jwt():
    head = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = b64url(json.dumps(jwt_claims(aud=JWT_AUDIENCE, iss=JWT_ISSUER)).encode())
    return f"{head}.{body}."


def _alg_confusion_jwt():
    """HS256 signed with the RS256 public key's PEM text as the HMAC secret."""
    return make_jwt("HS256", jwt_claims(aud=JWT_AUDIENCE, iss=JWT_ISSUER), key=jwt_keys().public_pem("rsa"))


AUTH_FAILURES = {
    "ticket-wrong-ticket": dict(method="ticket", authid="joe", ticket="not-joes-ticket"),
    "ticket-unknown-authid": dict(method="ticket", authid="nobody", ticket="joe-ticket"),
    "ticket-no-authid": dict(method="ticket", ticket="joe-ticket"),
    "wampcra-wrong-secret": dict(method="wampcra", authid="peter", secret="wrong"),
    "wampcra-salted-wrong-secret": dict(method="wampcra", authid="salty", secret="s3cret"),
    "wampcra-unknown-authid": dict(method="wampcra", authid="nobody", secret="s3cret"),
    "cryptosign-unknown-key": dict(method="cryptosign", authid="device-1", privkey=STRANGER_PRIV),
    "cryptosign-unknown-key-no-authid": dict(method="cryptosign", privkey=STRANGER_PRIV),
    "cryptosign-wrong-signature": dict(
        authmethods=["cryptosign"], authid="device-1", authextra={"pubkey": DEVICE_PUB}, answer=_wrong_signature_cryptosign
    ),
    "cryptosign-key-of-other-authid": dict(method="cryptosign", authid="someone-else", privkey=DEVICE_PRIV),
    "jwt-expired": dict(method="ticket", ticket_factory=lambda: jwt_for("HS256", exp=int(time.time()) - 30)),
    "jwt-expired-EdDSA": dict(method="ticket", ticket_factory=lambda: jwt_for("EdDSA", exp=int(time.time()) - 30)),
    "jwt-not-yet-valid": dict(method="ticket", ticket_factory=lambda: jwt_for("ES256", nbf=int(time.time()) + 600)),
    "jwt-wrong-signature-RS256": dict(
        method="ticket",
        ticket_factory=lambda: make_jwt("RS256", jwt_claims(aud=JWT_AUDIENCE, iss=JWT_ISSUER), key=jwt_keys().other_rsa),
    ),
    "jwt-wrong-signature-EdDSA": dict(
        method="ticket",
        ticket_factory=lambda: make_jwt("EdDSA", jwt_claims(aud=JWT_AUDIENCE, iss=JWT_ISSUER), key=jwt_keys().other_ed),
    ),
    "jwt-wrong-secret-HS256": dict(method="ticket", ticket_factory=_hs256_other_secret),
    "jwt-tampered-payload": dict(method="ticket", ticket_factory=_tampered_jwt),
    "jwt-alg-none": dict(method="ticket", ticket_factory=_alg_none_jwt),
    "jwt-alg-confusion": dict(method="ticket", ticket_factory=_alg_confusion_jwt),
    "jwt-wrong-audience": dict(method="ticket", ticket_factory=lambda: jwt_for("RS256", aud="someone-else")),
    "jwt-no-audience": dict(method="ticket", ticket_factory=lambda: jwt_for("HS256", aud=None)),
    "jwt-wrong-issuer": dict(method="ticket", ticket_factory=lambda: jwt_for("ES256", iss="mallory")),
    "jwt-no-subject": dict(method="ticket", ticket_factory=lambda: jwt_for("HS256", sub=None)),
    "jwt-authid-differs-from-sub": dict(method="ticket", authid="joe", ticket_factory=lambda: jwt_for("HS256")),
}


@pytest.mark.parametrize("listener,serializer", LISTENERS, ids=LISTENER_IDS)
@pytest.mark.parametrize("case", list(AUTH_FAILURES))
def test_wrong_credentials_are_refused(auth_router, case, listener, serializer):
    async def main():
        async with Pool(auth_router) as pool:
            d = await pool.refused(listener, REALM, AUTHENTICATION_FAILED, serializer=serializer, **_kwargs(AUTH_FAILURES[case]))
            return d

    run(main())


def test_refusals_are_indistinguishable(auth_router):
    """Every wrong credential gets the same ABORT (reason and message): a client learns
    nothing about which part was wrong, or whether the authid exists."""

    async def main():
        seen = {}
        async with Pool(auth_router) as pool:
            for case, spec in AUTH_FAILURES.items():
                d = await pool.refused("ws", REALM, AUTHENTICATION_FAILED, **_kwargs(spec))
                seen[case] = (d.reason, d.message)
        distinct = set(seen.values())
        assert len(distinct) == 1, f"refusals differ: {seen}"

    run(main())


@pytest.mark.parametrize("listener,serializer", LISTENERS, ids=LISTENER_IDS)
def test_anonymous_not_allowed(auth_router, listener, serializer):
    """`anonymous_role: ""`: HELLO without authmethods, or with only "anonymous", is refused."""

    async def main():
        async with Pool(auth_router) as pool:
            await pool.refused(listener, REALM, NOT_AUTHORIZED, serializer=serializer)
            await pool.refused(listener, REALM, NOT_AUTHORIZED, serializer=serializer, authmethods=["anonymous"])

    run(main())


@pytest.mark.parametrize("listener,serializer", LISTENERS, ids=LISTENER_IDS)
def test_principal_without_role(auth_router, listener, serializer):
    """A principal whose role the realm does not have: ABORT no_such_role (its neighbour with an
    existing role joins)."""

    async def main():
        async with Pool(auth_router) as pool:
            await pool.refused(
                listener, "norole", NO_SUCH_ROLE, serializer=serializer, method="ticket", authid="ghost", ticket="ghost-ticket"
            )
            s = await pool.join(listener, "norole", serializer=serializer, method="ticket", authid="casper", ticket="casper-ticket")
            assert_identity(s, "casper", "user", "ticket")

    run(main())


def test_jwt_role_that_does_not_exist(auth_router):
    async def main():
        async with Pool(auth_router) as pool:
            await pool.refused("ws", REALM, NO_SUCH_ROLE, method="ticket", ticket=jwt_for("HS256", role="no-such-role"))

    run(main())


def test_refused_client_does_not_disturb_others(auth_router):
    """While refusals happen, an authenticated session keeps working."""

    async def main():
        async with Pool(auth_router) as pool:
            s = await pool.join("rs", REALM, method="ticket", authid="joe", ticket="joe-ticket")
            await wait(s.register(lambda x: x * 2, "com.app.double"), what="register")
            for case in ("ticket-wrong-ticket", "wampcra-wrong-secret", "jwt-expired"):
                await pool.refused("ws", REALM, AUTHENTICATION_FAILED, **_kwargs(AUTH_FAILURES[case]))
            c = await pool.join("wss", REALM, method="wampcra", authid="peter", secret="s3cret")
            assert await wait(c.call("com.app.double", 21), what="call") == 42

    run(main())
