"""WebSocket transport: HTTP upgrade handling and framing (RFC 6455 + WAMP subprotocols)."""

import struct
import time

import pytest

import wamp_raw as w
from wamp_raw import PROTOCOL_VIOLATION, Closed, RawWamp, Stream, WebSocketConn, check_router_serves

SUBPROTOCOLS = {"json": "wamp.2.json", "msgpack": "wamp.2.msgpack", "cbor": "wamp.2.cbor"}


@pytest.fixture(autouse=True)
def router_still_serves(router):
    yield
    check_router_serves(router, "websocket", "json")
    check_router_serves(router, "websocket", "cbor")


@pytest.fixture
def ws(router):
    conn = WebSocketConn(Stream.tcp(router.host, router.ws_port))
    yield conn
    conn.close()


def http_exchange(router, request: bytes, timeout: float = 5.0) -> w.HttpResponse:
    s = Stream.tcp(router.host, router.ws_port)
    try:
        s.send(request)
        head = s.read_until(b"\r\n\r\n", time.monotonic() + timeout)
        return w.parse_http_response(head)
    finally:
        s.close()


def assert_refused(resp: w.HttpResponse):
    assert resp.status != 101, f"router upgraded a request it should refuse: {resp.raw!r}"
    assert 400 <= resp.status < 500, f"expected an HTTP 4xx, got {resp.status}: {resp.raw!r}"


def test_plain_http_get_without_upgrade(router):
    req = f"GET {router.ws_path} HTTP/1.1\r\nHost: {router.host}:{router.ws_port}\r\n\r\n".encode()
    assert_refused(http_exchange(router, req))


def test_http_get_connection_close(router):
    """HTTP/1.0-style request: the router answers and closes, rather than hanging."""
    s = Stream.tcp(router.host, router.ws_port)
    try:
        s.send(f"GET {router.ws_path} HTTP/1.0\r\n\r\n".encode())
        head = s.read_until(b"\r\n\r\n", time.monotonic() + 5)
        resp = w.parse_http_response(head)
        assert resp.status != 101
        s.expect_eof()
    finally:
        s.close()


def test_upgrade_with_unknown_subprotocol_only(router, ws):
    resp = ws.request_upgrade(router.host, router.ws_port, router.ws_path, ["foo"])
    assert_refused(resp)


def test_upgrade_without_subprotocol(router, ws):
    resp = ws.request_upgrade(router.host, router.ws_port, router.ws_path, [])
    assert_refused(resp)


def test_upgrade_on_wrong_path(router, ws):
    resp = ws.request_upgrade(router.host, router.ws_port, "/not-the-wamp-path", ["wamp.2.json"])
    assert_refused(resp)


def test_upgrade_with_bad_version(router, ws):
    resp = ws.request_upgrade(router.host, router.ws_port, router.ws_path, ["wamp.2.json"], version="99")
    assert_refused(resp)  # RFC 6455 4.2.2: 426 Upgrade Required with the supported version


@pytest.mark.parametrize("serializer", ["json", "msgpack", "cbor"])
def test_subprotocol_negotiation(router, ws, serializer):
    """The router picks the WAMP subprotocol it supports out of the offered list and echoes it."""
    offered = ["foo", SUBPROTOCOLS[serializer], "bar"]
    resp = ws.request_upgrade(router.host, router.ws_port, router.ws_path, offered)
    assert resp.status == 101, resp.raw
    assert resp.headers.get("sec-websocket-protocol") == SUBPROTOCOLS[serializer], resp.raw
    peer = RawWamp(kind="websocket", conn=ws, codec=w.CODECS[serializer])
    peer.hello()
    peer.goodbye()


@pytest.mark.parametrize("when", ["before-hello", "in-session"])
@pytest.mark.parametrize("serializer", ["json", "msgpack", "cbor"])
def test_wrong_frame_type(router, serializer, when):
    """JSON must come in text frames, msgpack/cbor in binary frames: ABORT protocol_violation
    and close, or a WebSocket close (e.g. 1003) without ABORT."""
    peer = RawWamp.connect(router, "websocket", serializer)
    try:
        if when == "before-hello":
            msg = [w.HELLO, "realm1", w.CLIENT_ROLES]
        else:
            peer.hello()
            msg = [w.SUBSCRIBE, 1, {}, "com.example.topic"]
        peer.send_bytes(peer.codec.encode(msg), text=not peer.codec.ws_text)
        assert_connection_failed(peer, allow_abort=True)
    finally:
        peer.close()


@pytest.mark.parametrize("when", ["before-hello", "in-session"])
@pytest.mark.parametrize("payload", [b"", b"ping-\x00\xff"])
def test_ping_pong(router, when, payload):
    peer = RawWamp.connect(router, "websocket", "json")
    try:
        if when == "in-session":
            peer.hello()
        peer.conn.send_frame(w.WS_PING, payload)
        deadline = time.monotonic() + 5
        while True:
            fin, op, got = peer.conn.recv_frame(max(0.001, deadline - time.monotonic()))
            if op == w.WS_PONG:
                break
            assert op == w.WS_PING, f"unexpected frame opcode {op} while waiting for PONG"
        assert fin and got == payload
        if when == "before-hello":
            peer.hello()
        peer.goodbye()
    finally:
        peer.close()


@pytest.mark.parametrize("serializer", ["json", "msgpack"])
def test_fragmented_message(router, serializer):
    """A WAMP message split over several WebSocket frames (continuation frames) is reassembled."""
    peer = RawWamp.connect(router, "websocket", serializer)
    try:
        data = peer.codec.encode([w.HELLO, "realm1", w.CLIENT_ROLES])
        first = w.WS_TEXT if peer.codec.ws_text else w.WS_BINARY
        cut1, cut2 = len(data) // 3, 2 * len(data) // 3
        peer.conn.send_frame(first, data[:cut1], fin=False)
        peer.conn.send_frame(w.WS_PING, b"interleaved")  # control frames may come between fragments
        peer.conn.send_frame(w.WS_CONT, data[cut1:cut2], fin=False)
        peer.conn.send_frame(w.WS_CONT, data[cut2:], fin=True)
        msg = peer.recv()
        assert msg[0] == w.WELCOME, msg
        peer.goodbye()
    finally:
        peer.close()


def test_unmasked_client_frame(router):
    """RFC 6455 5.1: a server MUST close the connection on an unmasked client frame."""
    peer = RawWamp.connect(router, "websocket", "json")
    try:
        peer.conn.send_frame(w.WS_TEXT, peer.codec.encode([w.HELLO, "realm1", w.CLIENT_ROLES]), mask=False)
        assert_connection_failed(peer)
    finally:
        peer.close()


def test_reserved_bits_set(router):
    """RFC 6455 5.2: RSV bits without a negotiated extension fail the connection."""
    peer = RawWamp.session(router, "websocket", "json")
    try:
        peer.conn.send_frame(w.WS_TEXT, peer.codec.encode([w.SUBSCRIBE, 1, {}, "com.example.t"]), rsv=0b100)
        assert_connection_failed(peer)
    finally:
        peer.close()


def test_unknown_opcode(router):
    peer = RawWamp.session(router, "websocket", "json")
    try:
        peer.conn.send_frame(0x3, b"reserved opcode")
        assert_connection_failed(peer)
    finally:
        peer.close()


def test_client_close_frame(router):
    """A client close frame is answered with a close frame, then the router drops TCP."""
    peer = RawWamp.session(router, "websocket", "msgpack")
    try:
        peer.conn.send_frame(w.WS_CLOSE, struct.pack("!H", 1000) + b"bye")
        deadline = time.monotonic() + 5
        while True:
            try:
                fin, op, payload = peer.conn.recv_frame(max(0.001, deadline - time.monotonic()))
            except Closed:
                pytest.fail("router dropped TCP without answering the close frame")
            if op == w.WS_CLOSE:
                break
        assert len(payload) == 0 or struct.unpack("!H", payload[:2])[0] == 1000, payload
        peer.conn.stream.expect_eof()
    finally:
        peer.close()


def test_text_frame_invalid_utf8(router):
    """Invalid UTF-8 in a text frame: the connection is failed (ABORT or WebSocket close 1007)."""
    peer = RawWamp.session(router, "websocket", "json")
    try:
        peer.conn.send_frame(w.WS_TEXT, b'[32, 1, {}, "com.\xff\xfe"]')
        assert_connection_failed(peer, allow_abort=True)
    finally:
        peer.close()


def assert_connection_failed(peer: RawWamp, allow_abort: bool = True, timeout: float = 5.0):
    """The router closes (close frame and/or EOF), optionally after an ABORT
    wamp.error.protocol_violation; nothing else."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            op, data = peer.conn.recv_message(max(0.001, deadline - time.monotonic()))
        except Closed as exc:
            if exc.how == "close-frame":
                try:
                    peer.conn.finish_close(max(0.001, deadline - time.monotonic()))
                except TimeoutError:
                    pytest.fail("router sent a close frame but did not drop TCP after the closing handshake")
            return
        except TimeoutError:
            pytest.fail(f"connection still open after {timeout}s")
        msg = peer.codec.decode(data)
        assert allow_abort and msg[0] == w.ABORT, f"expected the connection to be failed, got {msg!r}"
        assert msg[2] == PROTOCOL_VIOLATION, f"ABORT reason {msg[2]!r}"
