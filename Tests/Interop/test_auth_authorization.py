"""Authorization with autobahn-python: static role permissions and dynamic authorizers.

Realm ``authz``: roles with permissions (exact, prefix and wildcard rules; ``disclose``); a denied
action gets ERROR ``wamp.error.not_authorized`` and the session stays usable; the meta API needs a
permission too.

Realm ``dynauthz``: role ``dyn`` is decided by ``com.example.authorize``, which a trusted session
(role ``authorizer``, static permissions) registers. It is called as
``authorize(session_details, uri, action, options)`` and answers ``True``/``False`` or
``{"allow", "disclose", "cache"}``; decisions are cached per (role, uri, action) for
``cache_ttl`` seconds until the authorizer registers again; errors and a missing authorizer deny.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from autobahn.wamp.types import PublishOptions, RegisterOptions, SubscribeOptions

from auth_client import NOT_AUTHORIZED, ApplicationError, Pool, assert_identity, run, wait
from auth_router import FAST_LIMITS, only_junction, router_fixture_body

pytestmark = only_junction

CALLER = dict(method="ticket", authid="alice", ticket="alice-ticket")
CALLEE = dict(method="ticket", authid="bob", ticket="bob-ticket")
METAUSER = dict(method="ticket", authid="mia", ticket="mia-ticket")
DYN = dict(method="ticket", authid="dave", ticket="dave-ticket")
DYN2 = dict(method="ticket", authid="dora", ticket="dora-ticket")
TRUSTED = dict(method="ticket", authid="trusted", ticket="trusted-ticket")

AUTHORIZER = "com.example.authorize"


def _realms(workdir):
    return [
        {
            "name": "authz",
            "anonymous_role": "",
            "roles": [
                {
                    "name": "caller",
                    "permissions": [
                        {"uri": "com.authz.exact.proc", "match": "exact", "allow": ["call"]},
                        {"uri": "com.authz.prefix.", "match": "prefix", "allow": ["call", "subscribe"]},
                        # more specific than the prefix rule: only subscribe here
                        {"uri": "com.authz.prefix.denied", "match": "exact", "allow": ["subscribe"]},
                        {"uri": "com.authz..wild", "match": "wildcard", "allow": ["publish", "call"]},
                        {"uri": "com.authz.disclosed.", "match": "prefix", "allow": ["call"], "disclose": ["caller"]},
                        {"uri": "com.authz.news.", "match": "prefix", "allow": ["publish"], "disclose": ["publisher"]},
                        {"uri": "com.authz.quiet.", "match": "prefix", "allow": ["publish"]},
                    ],
                },
                {
                    "name": "callee",
                    "permissions": [{"uri": "com.authz.", "match": "prefix", "allow": ["register", "subscribe"]}],
                },
                {
                    "name": "meta",
                    "permissions": [
                        {"uri": "wamp.session.count", "match": "exact", "allow": ["call"]},
                        {"uri": "wamp.session.list", "match": "exact", "allow": ["call"]},
                    ],
                },
            ],
            "authentication": {
                "ticket": {
                    "principals": [
                        {"authid": "alice", "ticket": "alice-ticket", "role": "caller"},
                        {"authid": "bob", "ticket": "bob-ticket", "role": "callee"},
                        {"authid": "mia", "ticket": "mia-ticket", "role": "meta"},
                    ]
                }
            },
        },
        {
            "name": "dynauthz",
            "anonymous_role": "",
            "roles": [
                {"name": "dyn", "authorizer": {"procedure": AUTHORIZER, "cache_ttl": 60, "timeout": 2}},
                {
                    "name": "authorizer",
                    "permissions": [
                        {"uri": AUTHORIZER, "match": "exact", "allow": ["register"]},
                        {"uri": "com.dyn.", "match": "prefix", "allow": ["register", "subscribe"]},
                    ],
                },
            ],
            "authentication": {
                "ticket": {
                    "principals": [
                        {"authid": "dave", "ticket": "dave-ticket", "role": "dyn"},
                        {"authid": "dora", "ticket": "dora-ticket", "role": "dyn"},
                        {"authid": "trusted", "ticket": "trusted-ticket", "role": "authorizer"},
                    ]
                }
            },
        },
    ]


LISTENERS = {"ws": {"type": "websocket"}, "rs": {"type": "rawsocket"}}


@pytest.fixture(scope="module")
def auth_router(request):
    yield from router_fixture_body(request, _realms, LISTENERS, FAST_LIMITS, prefix="junction-authz-")


async def expect_error(fut, error: str = NOT_AUTHORIZED, what: str = "request"):
    try:
        result = await wait(fut, what=what)
    except ApplicationError as e:
        assert e.error == error, f"{what}: ERROR {e.error!r}, expected {error!r}"
        return e
    raise AssertionError(f"{what} succeeded ({result!r}); expected ERROR {error}")


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


# --------------------------------------------------------------------------- static permissions


@pytest.mark.parametrize("listener", ["ws", "rs"])
def test_permissions_exact_prefix_wildcard(auth_router, listener):
    async def main():
        async with Pool(auth_router) as pool:
            bob = await pool.join(listener, "authz", **CALLEE)
            alice = await pool.join(listener, "authz", **CALLER)
            assert_identity(alice, "alice", "caller", "ticket")

            for proc in ("com.authz.exact.proc", "com.authz.prefix.one", "com.authz.any.wild", "com.authz.prefix.denied"):
                await wait(bob.register(lambda p=proc: p, proc), what=f"register {proc}")

            # allowed: exact, prefix, wildcard
            assert await wait(alice.call("com.authz.exact.proc"), what="exact call") == "com.authz.exact.proc"
            assert await wait(alice.call("com.authz.prefix.one"), what="prefix call") == "com.authz.prefix.one"
            assert await wait(alice.call("com.authz.any.wild"), what="wildcard call") == "com.authz.any.wild"

            # denied: the action is not allowed by the matching rule, or no rule matches; an
            # unregistered procedure is not_authorized too (authorization comes first)
            await expect_error(alice.call("com.authz.prefix.denied"), what="call denied by a more specific exact rule")
            await expect_error(alice.call("com.authz.exact.proc.more"), what="call beyond an exact rule")
            await expect_error(alice.call("com.authz.exact.unregistered"), what="call with no matching rule")
            await expect_error(alice.call("com.authz.any.wild.deeper"), what="call not matching the wildcard")
            await expect_error(alice.register(lambda: 1, "com.authz.prefix.mine"), what="register (not allowed)")
            await expect_error(
                alice.publish("com.authz.prefix.topic", options=PublishOptions(acknowledge=True)), what="publish (not allowed)"
            )
            await expect_error(alice.subscribe(lambda: None, "com.authz.exact.proc"), what="subscribe (not allowed)")
            await expect_error(bob.call("com.authz.exact.proc"), what="callee role calling")

            # the sessions stay usable after denials
            assert alice.is_attached() and bob.is_attached()
            assert await wait(alice.call("com.authz.prefix.one"), what="call after denials") == "com.authz.prefix.one"
            await wait(alice.subscribe(lambda: None, "com.authz.prefix.denied"), what="subscribe allowed by the exact rule")

            # wildcard publish reaches a subscriber; a topic outside the rule is refused
            got = asyncio.get_running_loop().create_future()
            await wait(bob.subscribe(lambda v: got.done() or got.set_result(v), "com.authz.x.wild"), what="subscribe")
            await wait(alice.publish("com.authz.x.wild", 7, options=PublishOptions(acknowledge=True)), what="publish")
            assert await wait(got, what="event") == 7
            await expect_error(
                alice.publish("com.authz.x.tame", options=PublishOptions(acknowledge=True)), what="publish outside wildcard"
            )

    run(main())


def test_disclose_caller_from_permission(auth_router):
    """`disclose: [caller]` on the caller's permission: the callee sees caller/caller_authid in
    INVOCATION details though the caller did not ask (autobahn has no disclose_me); rules
    without it disclose nothing."""

    async def main():
        async with Pool(auth_router) as pool:
            bob = await pool.join("ws", "authz", **CALLEE)
            alice = await pool.join("rs", "authz", **CALLER)

            def who(details=None):
                return {
                    "caller": details.caller,
                    "caller_authid": details.caller_authid,
                    "caller_authrole": details.caller_authrole,
                }

            opts = RegisterOptions(details_arg="details")
            await wait(bob.register(who, "com.authz.disclosed.who", options=opts), what="register")
            await wait(bob.register(who, "com.authz.prefix.who", options=opts), what="register")
            disclosed = await wait(alice.call("com.authz.disclosed.who"), what="call")
            assert disclosed == {"caller": alice.session_id, "caller_authid": "alice", "caller_authrole": "caller"}, disclosed
            hidden = await wait(alice.call("com.authz.prefix.who"), what="call")
            assert hidden == {"caller": None, "caller_authid": None, "caller_authrole": None}, hidden

    run(main())


def test_disclose_publisher_from_permission(auth_router):
    async def main():
        async with Pool(auth_router) as pool:
            bob = await pool.join("ws", "authz", **CALLEE)
            alice = await pool.join("ws", "authz", **CALLER)
            events = asyncio.Queue()
            opts = SubscribeOptions(match="prefix", details_arg="details")
            await wait(bob.subscribe(lambda details=None: events.put_nowait((details.topic, details.publisher, details.publisher_authid)),
                                     "com.authz.", options=opts), what="subscribe")
            ack = PublishOptions(acknowledge=True)
            await wait(alice.publish("com.authz.news.today", options=ack), what="publish")
            await wait(alice.publish("com.authz.quiet.today", options=ack), what="publish")
            first = await wait(events.get(), what="event")
            second = await wait(events.get(), what="event")
            assert first == ("com.authz.news.today", alice.session_id, "alice"), first
            assert second == ("com.authz.quiet.today", None, None), second

    run(main())


def test_meta_api_needs_permission(auth_router):
    async def main():
        async with Pool(auth_router) as pool:
            mia = await pool.join("ws", "authz", **METAUSER)
            alice = await pool.join("ws", "authz", **CALLER)
            count = await wait(mia.call("wamp.session.count"), what="wamp.session.count")
            assert isinstance(count, int) and count >= 2, count
            await expect_error(alice.call("wamp.session.count"), what="wamp.session.count without permission")
            await expect_error(alice.call("wamp.session.list"), what="wamp.session.list without permission")
            await expect_error(mia.call("wamp.session.get", alice.session_id), what="wamp.session.get (not permitted)")
            assert isinstance(await wait(mia.call("wamp.session.list"), what="wamp.session.list"), list)

    run(main())


# --------------------------------------------------------------------------- dynamic authorizer


class Authorizer:
    """The trusted component's authorizer: records every call and answers from ``policy``."""

    def __init__(self, policy):
        self.policy = policy
        self.calls = []

    def __call__(self, session, uri, action, options=None):
        self.calls.append((session, uri, action, options))
        return self.policy(session, uri, action)

    def count(self, uri, action=None):
        return sum(1 for c in self.calls if c[1] == uri and (action is None or c[2] == action))


def by_uri(session, uri, action):
    if ".allowed." in uri:
        return True
    if ".denied." in uri:
        return False
    if ".dict." in uri:
        return {"allow": True, "disclose": True, "cache": False}
    if ".raise." in uri:
        raise ApplicationError("com.example.authorizer_failed", "nope")
    if ".garbage." in uri:
        return "maybe"
    return False


async def trusted_with_authorizer(pool, policy=by_uri):
    trusted = await pool.join("ws", "dynauthz", **TRUSTED)
    auth = Authorizer(policy)
    reg = await wait(trusted.register(auth, AUTHORIZER), what="register the authorizer")
    return trusted, auth, reg


def test_authorizer_allows_and_denies(auth_router):
    async def main():
        async with Pool(auth_router) as pool:
            trusted, auth, _ = await trusted_with_authorizer(pool)
            allowed, denied = unique("com.dyn.allowed."), unique("com.dyn.denied.")
            await wait(trusted.register(lambda *a, **kw: "ok", allowed), what="register")
            await wait(trusted.register(lambda *a, **kw: "no", denied), what="register")

            dave = await pool.join("rs", "dynauthz", **DYN)
            assert_identity(dave, "dave", "dyn", "ticket")
            assert await wait(dave.call(allowed, 1, k=2), what="allowed call") == "ok"
            await expect_error(dave.call(denied), what="denied call")
            assert dave.is_attached()
            assert await wait(dave.call(allowed, 1, k=2), what="call after a denial") == "ok"

            # what the authorizer was given: session details, uri, action, options
            session, uri, action, options = next(c for c in auth.calls if c[1] == allowed)
            assert (uri, action) == (allowed, "call")
            assert session.get("authid") == "dave" and session.get("authrole") == "dyn", session
            assert session.get("session") == dave.session_id, session
            assert isinstance(options, dict), options

            # other actions go through the authorizer with their own names
            topic = unique("com.dyn.allowed.topic.")
            await wait(dave.publish(topic, options=PublishOptions(acknowledge=True)), what="publish")
            await wait(dave.subscribe(lambda: None, topic), what="subscribe")
            await wait(dave.register(lambda: None, unique("com.dyn.allowed.proc.")), what="register")
            await expect_error(dave.register(lambda: None, unique("com.dyn.denied.proc.")), what="denied register")
            actions = {c[2] for c in auth.calls}
            assert {"call", "publish", "subscribe", "register"} <= actions, actions

    run(main())


def test_authorizer_decisions_are_cached(auth_router):
    """The same (role, uri, action) again within cache_ttl: no second authorizer call."""

    async def main():
        async with Pool(auth_router) as pool:
            trusted, auth, _ = await trusted_with_authorizer(pool)
            allowed, denied = unique("com.dyn.allowed."), unique("com.dyn.denied.")
            await wait(trusted.register(lambda: "ok", allowed), what="register")
            dave = await pool.join("ws", "dynauthz", **DYN)
            for _ in range(3):
                assert await wait(dave.call(allowed), what="call") == "ok"
                await expect_error(dave.call(denied), what="denied call")
            assert auth.count(allowed, "call") == 1, auth.calls
            assert auth.count(denied, "call") == 1, auth.calls
            # {"cache": False} is asked every time
            dict_proc = unique("com.dyn.dict.")
            await wait(trusted.register(lambda: "d", dict_proc), what="register")
            for _ in range(2):
                assert await wait(dave.call(dict_proc), what="call") == "d"
            assert auth.count(dict_proc, "call") == 2, auth.calls

    run(main())


def test_authorizer_reregistration_drops_cache(auth_router):
    """A new registration of the authorizer invalidates its cached decisions: a denial cached
    from the first authorizer becomes an allow from the second."""
    target = unique("com.dyn.flip.")

    async def main():
        async with Pool(auth_router) as pool:
            trusted, first, reg = await trusted_with_authorizer(pool, policy=lambda s, u, a: False)
            await wait(trusted.register(lambda: "flipped", target), what="register")
            dave = await pool.join("ws", "dynauthz", **DYN)
            await expect_error(dave.call(target), what="call denied by the first authorizer")
            await expect_error(dave.call(target), what="call denied from the cache")
            assert first.count(target) == 1, first.calls

            await wait(reg.unregister(), what="unregister the authorizer")
            second = Authorizer(lambda s, u, a: True)
            await wait(trusted.register(second, AUTHORIZER), what="register the second authorizer")
            assert await wait(dave.call(target), what="call allowed by the second authorizer") == "flipped"
            assert await wait(dave.call(target), what="call allowed from the cache") == "flipped"
            assert second.count(target) == 1, second.calls
            assert first.count(target) == 1, first.calls

    run(main())


def test_authorizer_errors_deny(auth_router):
    """An authorizer that raises, or answers something that is neither a bool nor a dict with
    "allow", denies (and the session stays usable)."""

    async def main():
        async with Pool(auth_router) as pool:
            trusted, auth, _ = await trusted_with_authorizer(pool)
            raising, garbage, allowed = unique("com.dyn.raise."), unique("com.dyn.garbage."), unique("com.dyn.allowed.")
            for proc in (raising, garbage, allowed):
                await wait(trusted.register(lambda: "reached", proc), what="register")
            dave = await pool.join("ws", "dynauthz", **DYN)
            await expect_error(dave.call(raising), what="call while the authorizer raises")
            await expect_error(dave.call(garbage), what="call while the authorizer answers garbage")
            assert auth.count(raising) == 1 and auth.count(garbage) == 1, auth.calls
            assert await wait(dave.call(allowed), what="call after the failures") == "reached"

    run(main())


def test_authorizer_dict_answer_discloses_caller(auth_router):
    async def main():
        async with Pool(auth_router) as pool:
            trusted, auth, _ = await trusted_with_authorizer(pool)
            proc = unique("com.dyn.dict.")
            await wait(
                trusted.register(lambda details=None: details.caller_authid, proc, options=RegisterOptions(details_arg="details")),
                what="register",
            )
            dora = await pool.join("rs", "dynauthz", **DYN2)
            assert await wait(dora.call(proc), what="call") == "dora"

    run(main())


def test_no_authorizer_registered_denies(auth_router):
    """Role `dyn` with nobody serving its authorizer: every action is denied, promptly."""

    async def main():
        async with Pool(auth_router) as pool:
            dave = await pool.join("ws", "dynauthz", **DYN)
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            await expect_error(dave.call(unique("com.dyn.allowed.")), what="call without an authorizer")
            await expect_error(dave.subscribe(lambda: None, unique("com.dyn.allowed.")), what="subscribe without an authorizer")
            assert loop.time() - t0 < 4.5, "denials without an authorizer took longer than the authorizer timeout"
            assert dave.is_attached()

    run(main())
