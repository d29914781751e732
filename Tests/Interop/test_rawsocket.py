"""RawSocket transport (advanced/transport_rawsocket.md), probed byte by byte."""

import time

import pytest

import wamp_raw as w
from wamp_raw import RS_MAGIC, RS_PING, RS_PONG, Closed, RawSocketConn, RawWamp, Stream, check_router_serves

SERIALIZER_IDS = {"json": 1, "msgpack": 2, "cbor": 3}


@pytest.fixture(autouse=True)
def router_still_serves(router):
    yield
    check_router_serves(router, "rawsocket-tcp", "json")
    check_router_serves(router, "rawsocket-unix", "cbor")


@pytest.fixture(params=["tcp", "unix"])
def rs_stream(request, router):
    """A connected, not yet handshaken RawSocket stream (TCP or Unix)."""
    if request.param == "tcp":
        s = Stream.tcp(router.host, router.rs_port)
    else:
        s = Stream.unix(router.unix_path)
    yield s
    s.close()


def test_handshake_accepts_each_serializer(rs_stream, serializer):
    conn = RawSocketConn(rs_stream)
    reply = conn.handshake(SERIALIZER_IDS[serializer])
    assert reply[0] == RS_MAGIC, reply.hex()
    assert reply[1] & 0x0F == SERIALIZER_IDS[serializer], f"serializer not echoed: {reply.hex()}"
    assert reply[2:] == b"\x00\x00", reply.hex()


@pytest.mark.crossbar_xfail("closes the connection without the handshake error reply")
@pytest.mark.parametrize("ser_id", [4, 5, 9, 15])
def test_handshake_unsupported_serializer(rs_stream, ser_id):
    rs_stream.send(RawSocketConn.handshake_bytes(ser_id))
    reply = rs_stream.read_exact(4, time.monotonic() + 5)
    assert reply == b"\x7f\x10\x00\x00", f"expected error 1 (serializer unsupported), got {reply.hex()}"
    rest = rs_stream.expect_eof()
    assert rest == b"", f"unexpected bytes after handshake error: {rest.hex()}"


def test_handshake_illegal_serializer_zero(rs_stream):
    rs_stream.send(RawSocketConn.handshake_bytes(0))
    got = rs_stream.expect_eof()
    # Either a handshake error reply followed by close, or an immediate close.
    if got:
        assert len(got) == 4 and got[0] == RS_MAGIC and got[1] & 0x0F == 0 and got[1] >> 4 != 0, got.hex()
        assert got[2:] == b"\x00\x00"


@pytest.mark.crossbar_xfail("closes the connection without a handshake error reply")
@pytest.mark.parametrize("reserved", [b"\x00\x01", b"\x80\x00", b"\xff\xff"])
def test_handshake_reserved_bytes(rs_stream, reserved):
    rs_stream.send(RawSocketConn.handshake_bytes(1, reserved=reserved))
    try:
        reply = rs_stream.read_exact(4, time.monotonic() + 5)
    except Closed:
        pytest.fail("connection closed without handshake error reply")
    assert reply == b"\x7f\x30\x00\x00", f"expected error 3 (use of reserved bits), got {reply.hex()}"
    assert rs_stream.expect_eof() == b""


@pytest.mark.parametrize("first", [b"\x00", b"\x7e", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"])
def test_handshake_bad_magic(rs_stream, first):
    rs_stream.send(first if len(first) >= 4 else first + b"\x11\x00\x00")
    got = rs_stream.expect_eof()
    assert not (len(got) >= 4 and got[0] == RS_MAGIC and got[1] & 0x0F), f"router accepted a bad handshake: {got.hex()}"


def test_handshake_in_pieces(router, serializer):
    """The 4-octet handshake and the first frame may arrive one octet at a time."""
    s = Stream.tcp(router.host, router.rs_port)
    try:
        for b in RawSocketConn.handshake_bytes(SERIALIZER_IDS[serializer]):
            s.send(bytes([b]))
            time.sleep(0.01)
        reply = s.read_exact(4, time.monotonic() + 5)
        assert reply[0] == RS_MAGIC and reply[1] & 0x0F == SERIALIZER_IDS[serializer], reply.hex()
        conn = RawSocketConn(s)
        hello = w.CODECS[serializer].encode([w.HELLO, "realm1", w.CLIENT_ROLES])
        data = RawSocketConn.frame_header(len(hello)) + hello
        for i in range(0, len(data), 7):
            s.send(data[i : i + 7])
            time.sleep(0.005)
        msg = w.CODECS[serializer].decode(conn.recv_message_bytes())
        assert msg[0] == w.WELCOME, msg
    finally:
        s.close()


def test_several_frames_in_one_write(router, serializer):
    codec = w.CODECS[serializer]
    peer = RawWamp.connect(router, "rawsocket-tcp", serializer)
    try:
        frames = b""
        for msg in ([w.HELLO, "realm1", w.CLIENT_ROLES], [w.SUBSCRIBE, 1, {}, "com.example.batch.a"], [w.SUBSCRIBE, 2, {}, "com.example.batch.b"]):
            payload = codec.encode(msg)
            frames += RawSocketConn.frame_header(len(payload)) + payload
        peer.conn.stream.send(frames)
        assert peer.recv()[0] == w.WELCOME
        assert peer.recv()[:2] == [w.SUBSCRIBED, 1]
        assert peer.recv()[:2] == [w.SUBSCRIBED, 2]
    finally:
        peer.close()


@pytest.mark.crossbar_xfail("does not answer RawSocket PING with PONG")
@pytest.mark.parametrize("when", ["before-hello", "in-session"])
@pytest.mark.parametrize("payload", [b"", b"ping-\x00\xff-payload", bytes(range(256)) * 4])
def test_ping_pong(router, serializer, when, payload):
    peer = RawWamp.connect(router, "rawsocket-tcp", serializer)
    try:
        if when == "in-session":
            peer.hello()
        peer.conn.send_frame(payload, RS_PING)
        ftype, got = peer.conn.recv_frame()
        assert ftype == RS_PONG, f"expected PONG (2), got frame type {ftype}"
        assert got == payload
        # The connection is still usable.
        if when == "before-hello":
            peer.hello()
        peer.goodbye()
    finally:
        peer.close()


@pytest.mark.parametrize("first_octet", [0x10, 0x80, 0xF0, 0x03, 0x07])
def test_frame_with_reserved_bits_or_type(router, serializer, first_octet):
    """Reserved bits RRRR set, or a reserved frame type (3..7): the router fails the connection."""
    peer = RawWamp.session(router, "rawsocket-tcp", serializer)
    try:
        payload = w.CODECS[serializer].encode([w.SUBSCRIBE, 1, {}, "com.example.topic"])
        peer.conn.stream.send(bytes([first_octet]) + len(payload).to_bytes(3, "big") + payload)
        drain_until_closed(peer)
    finally:
        peer.close()


def test_frame_longer_than_router_maximum(router, serializer):
    """A frame header announcing more than the router's advertised maximum fails the connection
    (without the router waiting for the payload)."""
    peer = RawWamp.session(router, "rawsocket-tcp", serializer)
    try:
        limit = peer.conn.router_max_len
        if limit < 2**24:
            header = (limit + 1).to_bytes(4, "big")
        else:
            header = bytes([0x08, 0, 0, 1])  # X bit plus a non-zero length: 2**24 + 1
        peer.conn.stream.send(header + b"\x00" * 16)
        drain_until_closed(peer)
    finally:
        peer.close()


@pytest.mark.crossbar_xfail("sends nothing at all (its WELCOME exceeds 512 octets) and keeps the connection open")
def test_router_respects_client_max_length(router, serializer):
    """A client asking for at most 2**9 octets per message never gets a longer frame. The router
    may refuse the handshake (error 2), drop oversize messages, or close the connection."""
    codec = w.CODECS[serializer]
    s = Stream.tcp(router.host, router.rs_port)
    publisher = None
    try:
        conn = RawSocketConn(s)
        reply = conn.handshake(SERIALIZER_IDS[serializer], length_exp=0)
        if reply == b"\x7f\x20\x00\x00":
            assert s.expect_eof() == b""
            return  # "maximum message length unacceptable"
        assert reply[0] == RS_MAGIC and reply[1] & 0x0F == SERIALIZER_IDS[serializer], reply.hex()

        def receive():
            while True:
                ftype, payload = conn.recv_frame()
                assert len(payload) <= 512, f"router sent a {len(payload)}-octet frame to a client that accepts 512"
                if ftype == RS_PING:
                    conn.send_frame(payload, RS_PONG)
                elif ftype == w.RS_REGULAR:
                    return codec.decode(payload)

        try:
            conn.send_frame(codec.encode([w.HELLO, "realm1", {"roles": {"subscriber": {}}}]))
            msg = receive()
            assert msg[0] == w.WELCOME, msg
            topic = "com.example.interop.smallclient"
            conn.send_frame(codec.encode([w.SUBSCRIBE, 1, {}, topic]))
            msg = receive()
            assert msg[:2] == [w.SUBSCRIBED, 1], msg

            publisher = RawWamp.session(router, "rawsocket-tcp", "json")
            publisher.request(w.PUBLISH, {}, topic, ["x" * 2048])
            publisher.request(w.PUBLISH, {"acknowledge": True}, topic, ["small"])
            assert publisher.recv()[0] == w.PUBLISHED
            while True:
                msg = receive()
                if msg[0] == w.EVENT and msg[4:5] == [["small"]]:
                    break
        except Closed:
            pass  # closing the connection is allowed; sending an oversize frame is not
    finally:
        s.close()
        if publisher is not None:
            publisher.close()


def drain_until_closed(peer: RawWamp, timeout: float = 5.0):
    """The router may send an ABORT first; it must then close the connection."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            pytest.fail(f"connection still open after {timeout}s")
        try:
            ftype, payload = peer.conn.recv_frame(remaining)
        except Closed:
            return
        except TimeoutError:
            pytest.fail(f"connection still open after {timeout}s")
        if ftype == w.RS_REGULAR:
            msg = peer.codec.decode(payload)
            assert msg[0] == w.ABORT, f"expected only ABORT before close, got {msg!r}"
