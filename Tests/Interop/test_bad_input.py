"""Protocol errors, probed with the raw client (no autobahn).

Per the spec (basic/building_blocks.md "Protocol Errors"), the router MUST send
ABORT wamp.error.protocol_violation and SHOULD drop the connection; this suite
requires both. After every case the router must still serve new sessions.
"""

import pytest

import wamp_raw as w
from wamp_raw import PROTOCOL_VIOLATION, RawWamp, check_router_serves

RAW_TRANSPORTS = ["websocket", "rawsocket-tcp"]
CLOSES_XFAIL = "closes the connection without sending ABORT wamp.error.protocol_violation"
IGNORES_XFAIL = "ignores the message (no ABORT)"


@pytest.fixture(params=RAW_TRANSPORTS)
def raw_transport(request):
    return request.param


@pytest.fixture(autouse=True)
def router_still_serves(router):
    yield
    check_router_serves(router, "websocket", "json")
    check_router_serves(router, "rawsocket-tcp", "msgpack")


def encoded(serializer, value) -> bytes:
    return w.CODECS[serializer].encode(value)


# Values that are valid in the serializer but not valid WAMP messages.
MALFORMED = {
    "unknown-type": [999],
    "unknown-type-with-fields": [999, 1, {}, "com.example.x"],
    "hello-wrong-arity": [w.HELLO, "realm1"],
    "hello-too-long": [w.HELLO, "realm1", {"roles": {"caller": {}}}, "extra", 1],
    "hello-realm-not-string": [w.HELLO, 123, {}],
    "hello-details-not-dict": [w.HELLO, "realm1", ["roles"]],
    "type-not-int": ["1", "realm1", {"roles": {"caller": {}}}],
    "empty-list": [],
    "map-instead-of-list": {"type": 1, "realm": "realm1"},
    "string-instead-of-list": "hello",
    "int-instead-of-list": 42,
    "null": None,
}

# Bytes that do not decode at all.
UNDECODABLE = {
    "json": [b"[1,", b'[1, "realm1", {]', b"]"],  # valid UTF-8 (see test_websocket for invalid UTF-8)
    "msgpack": [b"\xff\xfe", b"\xc1", b"\x93\x01"],  # -1,-2 (not one list) / never-used byte / truncated array
    "cbor": [b"\xff\xfe", b"\x1c", b"\x83\x01"],  # stray break / reserved info / truncated array
}


@pytest.mark.crossbar_xfail(CLOSES_XFAIL)
@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_first_message(router, raw_transport, serializer, case):
    peer = RawWamp.connect(router, raw_transport, serializer)
    try:
        peer.send_bytes(encoded(serializer, MALFORMED[case]))
        peer.expect_abort(PROTOCOL_VIOLATION)
    finally:
        peer.close()


@pytest.mark.crossbar_xfail(CLOSES_XFAIL)
@pytest.mark.parametrize("index", range(3))
def test_undecodable_first_message(router, raw_transport, serializer, index):
    samples = UNDECODABLE[serializer]
    peer = RawWamp.connect(router, raw_transport, serializer)
    try:
        peer.send_bytes(samples[index])
        peer.expect_abort(PROTOCOL_VIOLATION)
    finally:
        peer.close()


@pytest.mark.crossbar_xfail(CLOSES_XFAIL)
@pytest.mark.parametrize("case", ["unknown-type", "empty-list", "string-instead-of-list", "undecodable"])
def test_malformed_after_welcome(router, raw_transport, serializer, case):
    peer = RawWamp.session(router, raw_transport, serializer)
    try:
        if case == "undecodable":
            peer.send_bytes(UNDECODABLE[serializer][0])
        else:
            peer.send(MALFORMED[case])
        peer.expect_abort(PROTOCOL_VIOLATION)
    finally:
        peer.close()


# Well-formed messages with wrong field types, sent in an established session.
WRONG_FIELDS = {
    "subscribe-options-not-dict": [w.SUBSCRIBE, 1, "opts", "com.example.topic"],
    "subscribe-topic-not-string": [w.SUBSCRIBE, 1, {}, 17],
    "subscribe-request-not-int": [w.SUBSCRIBE, "1", {}, "com.example.topic"],
    "publish-args-not-list": [w.PUBLISH, 1, {}, "com.example.topic", {"not": "a list"}],
    "call-kwargs-not-dict": [w.CALL, 1, {}, "com.example.proc", [], ["not", "a dict"]],
    "register-missing-procedure": [w.REGISTER, 1, {}],
    "unsubscribe-id-not-int": [w.UNSUBSCRIBE, 1, "sub"],
    "unsubscribe-id-zero": [w.UNSUBSCRIBE, 1, 0],
    "unsubscribe-id-too-big": [w.UNSUBSCRIBE, 1, 2**53 + 1],
    "unsubscribe-id-negative": [w.UNSUBSCRIBE, 1, -5],
}


@pytest.mark.crossbar_xfail(CLOSES_XFAIL)
@pytest.mark.parametrize("case", list(WRONG_FIELDS))
def test_wrong_field_types_after_welcome(router, raw_transport, serializer, case):
    peer = RawWamp.session(router, raw_transport, serializer)
    try:
        peer.send(WRONG_FIELDS[case])
        peer.expect_abort(PROTOCOL_VIOLATION)
    finally:
        peer.close()


@pytest.mark.crossbar_xfail(CLOSES_XFAIL)
@pytest.mark.parametrize("details", [{}, {"roles": {}}])
def test_hello_without_roles(router, raw_transport, serializer, details):
    """A client must announce at least one role (basic/sessions.md)."""
    peer = RawWamp.connect(router, raw_transport, serializer)
    try:
        peer.send([w.HELLO, "realm1", details])
        peer.expect_abort(PROTOCOL_VIOLATION)
    finally:
        peer.close()


@pytest.mark.crossbar_xfail(IGNORES_XFAIL)
def test_second_hello(router, raw_transport, serializer):
    peer = RawWamp.session(router, raw_transport, serializer)
    try:
        peer.send([w.HELLO, "realm1", w.CLIENT_ROLES])
        peer.expect_abort(PROTOCOL_VIOLATION)
    finally:
        peer.close()


BEFORE_HELLO = {
    "subscribe": [w.SUBSCRIBE, 1, {}, "com.example.topic"],
    "call": [w.CALL, 1, {}, "com.example.proc", []],
    "goodbye": [w.GOODBYE, {}, "wamp.close.normal"],
    "error": [w.ERROR, w.INVOCATION, 1, {}, "com.example.error"],
    "yield": [w.YIELD, 1, {}],
    "authenticate": [w.AUTHENTICATE, "signature", {}],
}


@pytest.mark.crossbar_xfail(IGNORES_XFAIL + " or ABORTs with not_authorized")
@pytest.mark.parametrize("case", list(BEFORE_HELLO))
def test_message_before_hello(router, raw_transport, serializer, case):
    peer = RawWamp.connect(router, raw_transport, serializer)
    try:
        peer.send(BEFORE_HELLO[case])
        peer.expect_abort(PROTOCOL_VIOLATION)
    finally:
        peer.close()


@pytest.mark.crossbar_xfail(CLOSES_XFAIL)
@pytest.mark.parametrize("request_type", [w.SUBSCRIBE, w.CALL, w.PUBLISH, w.REGISTER, 999])
def test_error_with_wrong_request_type(router, raw_transport, serializer, request_type):
    """Clients may only send ERROR in reply to INVOCATION."""
    peer = RawWamp.session(router, raw_transport, serializer)
    try:
        peer.send([w.ERROR, request_type, 1, {}, "com.example.error"])
        peer.expect_abort(PROTOCOL_VIOLATION)
    finally:
        peer.close()


@pytest.mark.crossbar_xfail("ignores a YIELD for an unknown INVOCATION.Request")
def test_yield_for_unknown_invocation(router, raw_transport, serializer):
    peer = RawWamp.session(router, raw_transport, serializer)
    try:
        peer.send([w.YIELD, 4242, {}, ["result"]])
        peer.expect_abort(PROTOCOL_VIOLATION)
    finally:
        peer.close()


# Messages only a router may send.
ROUTER_ONLY = {
    "WELCOME": [w.WELCOME, 1, {"roles": {"broker": {}}}],
    "CHALLENGE": [w.CHALLENGE, "ticket", {}],
    "PUBLISHED": [w.PUBLISHED, 1, 1],
    "SUBSCRIBED": [w.SUBSCRIBED, 1, 1],
    "UNSUBSCRIBED": [w.UNSUBSCRIBED, 1],
    "EVENT": [w.EVENT, 1, 1, {}],
    "RESULT": [w.RESULT, 1, {}],
    "REGISTERED": [w.REGISTERED, 1, 1],
    "UNREGISTERED": [w.UNREGISTERED, 1],
    "INVOCATION": [w.INVOCATION, 1, 1, {}],
    "INTERRUPT": [w.INTERRUPT, 1, {}],
}


@pytest.mark.crossbar_xfail(CLOSES_XFAIL)
@pytest.mark.parametrize("name", list(ROUTER_ONLY))
def test_router_message_from_client(router, raw_transport, serializer, name):
    peer = RawWamp.session(router, raw_transport, serializer)
    try:
        peer.send(ROUTER_ONLY[name])
        peer.expect_abort(PROTOCOL_VIOLATION)
    finally:
        peer.close()


@pytest.mark.crossbar_xfail("drops the connection on an invalid URI instead of replying ERROR wamp.error.invalid_uri")
def test_subscribe_invalid_topic_keeps_session(router, raw_transport, serializer):
    peer = RawWamp.session(router, raw_transport, serializer)
    try:
        req = peer.request(w.SUBSCRIBE, {}, "com..bad topic")
        msg = peer.recv()
        assert msg[:3] == [w.ERROR, w.SUBSCRIBE, req] and isinstance(msg[3], dict), msg
        assert msg[4] == "wamp.error.invalid_uri", msg
        req = peer.request(w.SUBSCRIBE, {}, "com.example.valid")
        msg = peer.recv()
        assert msg[:2] == [w.SUBSCRIBED, req] and isinstance(msg[2], int), msg
        peer.goodbye()
    finally:
        peer.close()


def test_unsubscribe_and_unregister_unknown(router, raw_transport, serializer):
    peer = RawWamp.session(router, raw_transport, serializer)
    try:
        req = peer.request(w.UNSUBSCRIBE, 987654321)
        msg = peer.recv()
        assert msg[:3] == [w.ERROR, w.UNSUBSCRIBE, req] and msg[4] == "wamp.error.no_such_subscription", msg
        req = peer.request(w.UNREGISTER, 987654321)
        msg = peer.recv()
        assert msg[:3] == [w.ERROR, w.UNREGISTER, req] and msg[4] == "wamp.error.no_such_registration", msg
        peer.goodbye()
    finally:
        peer.close()


@pytest.mark.crossbar_xfail("closes the connection without sending ABORT")
@pytest.mark.parametrize("realm", ["realm 1", "realm..1", "#realm"])
def test_hello_invalid_realm(router, raw_transport, serializer, realm):
    peer = RawWamp.connect(router, raw_transport, serializer)
    try:
        peer.send([w.HELLO, realm, w.CLIENT_ROLES])
        peer.expect_abort(("wamp.error.invalid_uri", "wamp.error.no_such_realm", PROTOCOL_VIOLATION), then_closed=False)
    finally:
        peer.close()


def test_hello_unknown_realm(router, raw_transport, serializer):
    peer = RawWamp.connect(router, raw_transport, serializer)
    try:
        peer.send([w.HELLO, "com.example.unknown.realm", w.CLIENT_ROLES])
        peer.expect_abort("wamp.error.no_such_realm", then_closed=False)
    finally:
        peer.close()


@pytest.mark.crossbar_xfail(CLOSES_XFAIL)
def test_violation_disposes_registrations_and_subscriptions(router, raw_transport, serializer):
    """A session aborted for a protocol violation loses its registrations and subscriptions."""
    proc, topic = "com.example.interop.disposed.proc", "com.example.interop.disposed.topic"
    bad = RawWamp.session(router, raw_transport, serializer)
    other = None
    try:
        req = bad.request(w.REGISTER, {}, proc)
        msg = bad.recv()
        assert msg[:2] == [w.REGISTERED, req], msg
        req = bad.request(w.SUBSCRIBE, {}, topic)
        msg = bad.recv()
        assert msg[:2] == [w.SUBSCRIBED, req], msg
        bad.send([999])
        bad.expect_abort(PROTOCOL_VIOLATION)

        other = RawWamp.session(router, raw_transport, serializer)
        req = other.request(w.CALL, {}, proc, [])
        msg = other.recv()
        assert msg[:3] == [w.ERROR, w.CALL, req] and msg[4] == "wamp.error.no_such_procedure", msg
        req = other.request(w.REGISTER, {}, proc)
        msg = other.recv()
        assert msg[:2] == [w.REGISTERED, req], msg
        # A publication with acknowledge reaches nobody: the only subscriber is gone.
        req = other.request(w.PUBLISH, {"acknowledge": True}, topic, ["x"])
        msg = other.recv()
        assert msg[:2] == [w.PUBLISHED, req], msg
        other.goodbye()
    finally:
        bad.close()
        if other is not None:
            other.close()
