"""`wamp.subscription.remove_subscriber` and `wamp.registration.remove_callee` called on node A
for a subscriber and a callee on node B: B removes them with revocation messages (no more events,
no more calls), meta subscribers on A, B and C see the meta events, and unknown ids get the errors
of one node. Raw WAMP clients, since autobahn-python announces subscription revocation but drops
the connection when it gets one."""

from __future__ import annotations

import time

from cluster_nodes import wait_until
from wamp_raw import (CALL, ERROR, EVENT, INVOCATION, PUBLISH, PUBLISHED, REGISTER, REGISTERED, RESULT,
                      SUBSCRIBE, SUBSCRIBED, UNREGISTERED, UNSUBSCRIBED, YIELD, RawWamp)

REVOCABLE = {
    "roles": {
        "subscriber": {"features": {"subscription_revocation": True}},
        "callee": {"features": {"registration_revocation": True}},
        "caller": {"features": {}},
        "publisher": {"features": {}},
    }
}


def drain(peer: RawWamp, seconds: float) -> list:
    """Every message ``peer`` receives within ``seconds``."""
    messages = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            messages.append(peer.recv(left))
        except TimeoutError:
            break
    return messages


def call(peer: RawWamp, procedure: str, args: list, kwargs: dict | None = None) -> list:
    """RESULT or ERROR of one CALL, skipping events that arrive meanwhile."""
    request = peer.request(CALL, {}, procedure, args, kwargs or {})
    while True:
        message = peer.recv()
        if message[0] == RESULT and message[1] == request or message[0] == ERROR and message[2] == request:
            return message


def subscribe(peer: RawWamp, topic: str) -> int:
    peer.request(SUBSCRIBE, {}, topic)
    message = peer.recv()
    assert message[0] == SUBSCRIBED, message
    return message[2]


def test_remove_subscriber_and_callee_on_another_node(cluster):
    topic = "com.example.cremove.topic"
    marker = "com.example.cremove.marker"
    procedure = "com.example.cremove.proc"
    peers = []
    try:
        watchers = [RawWamp.session(node, "websocket", "json") for node in (cluster.a, cluster.b, cluster.c)]
        peers += watchers
        meta = {}
        for watcher in watchers:
            for name in ("wamp.subscription.on_unsubscribe", "wamp.registration.on_unregister",
                         "wamp.session.on_join"):
                meta[subscribe(watcher, name)] = name
        admin = RawWamp.session(cluster.a, "rawsocket-tcp", "msgpack")
        member = RawWamp.connect(cluster.b, "websocket", "cbor")
        peers += [admin, member]
        member_id = member.hello("realm1", REVOCABLE)[1]
        subscription = subscribe(member, topic)
        subscribe(member, marker)
        member.request(REGISTER, {}, procedure)
        registered = member.recv()
        assert registered[0] == REGISTERED, registered

        # Meta events raised on B reach every watcher once they listen: probe with joins on B.
        def every_watcher_sees_joins_on_b():
            probe = RawWamp.session(cluster.b, "websocket", "json")
            probe.close()
            seen = [drain(w, 0.3) for w in watchers]
            return all(any(m[0] == EVENT and meta.get(m[1]) == "wamp.session.on_join" for m in got) for got in seen)

        wait_until(every_watcher_sees_joins_on_b, 15, "the watchers see meta events raised on node B")

        def a_routes_to_b():
            matched = call(admin, "wamp.subscription.match", [topic])
            registration = call(admin, "wamp.registration.match", [procedure])
            if matched[0] != RESULT or not matched[3][0] or registration[0] != RESULT or registration[3][0] is None:
                return False
            admin.request(PUBLISH, {"acknowledge": True}, topic, ["warmup"])
            return any(m[0] == EVENT for m in drain(member, 0.2))

        wait_until(a_routes_to_b, 15, "node A sees B's subscription and registration and routes events to B")
        registration = call(admin, "wamp.registration.match", [procedure])[3][0]
        assert call(admin, "wamp.subscription.match", [topic])[3][0] == [subscription]
        drain(member, 0.2)

        # A call from A reaches the callee on B.
        request = admin.request(CALL, {}, procedure, [])
        invocation = member.recv()
        assert invocation[0] == INVOCATION, invocation
        member.send([YIELD, invocation[1], {}, ["b"]])
        assert admin.recv()[:2] == [RESULT, request]

        # Unknown ids: the errors of one node, nothing crosses.
        assert call(admin, "wamp.subscription.remove_subscriber", [subscription + 1, member_id])[4] == \
            "wamp.error.no_such_subscription"
        assert call(admin, "wamp.registration.remove_callee", [registration, member_id + 1])[4] == \
            "wamp.error.no_such_registration"

        removed = call(admin, "wamp.subscription.remove_subscriber", [subscription, member_id],
                       {"reason": "maintenance"})
        assert removed[0] == RESULT, removed
        assert member.recv() == [UNSUBSCRIBED, 0, {"subscription": subscription, "reason": "maintenance"}]
        removed = call(admin, "wamp.registration.remove_callee", [registration, member_id])
        assert removed[0] == RESULT, removed
        assert member.recv() == [UNREGISTERED, 0, {"registration": registration, "reason": "removed by the meta API"}]

        for watcher in watchers:
            got = [m for m in drain(watcher, 1.0) if m[0] == EVENT and m[4] and m[4][0] == member_id]
            assert sorted(meta[m[1]] for m in got) == ["wamp.registration.on_unregister",
                                                       "wamp.subscription.on_unsubscribe"], got

        # Same publisher, one ordered path: the marker arrives after the event would have.
        admin.request(PUBLISH, {}, topic, ["after"])
        admin.request(PUBLISH, {"acknowledge": True}, marker, ["marker"])
        events = [m for m in drain(member, 1.0) if m[0] == EVENT]
        assert [m[4] for m in events] == [["marker"]], events

        wait_until(lambda: call(admin, "wamp.registration.match", [procedure])[3][0] is None, 10,
                   "node A no longer routes to the removed callee")
        assert call(admin, procedure, [])[4] == "wamp.error.no_such_procedure"
    finally:
        for peer in peers:
            peer.close()
