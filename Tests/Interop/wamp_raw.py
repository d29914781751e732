"""A minimal raw WAMP client for protocol probes.

No autobahn here: the WebSocket opening handshake and framing (RFC 6455) and the
RawSocket handshake and framing are written by hand, so tests can send exactly
the bytes they want (bad frames, bad messages) and observe exactly what the
router sends back.

Everything is blocking with explicit timeouts: every receive either returns
something, reports the peer closing (``Closed``), or raises ``TimeoutError``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import time
from dataclasses import dataclass

import cbor2
import msgpack

# How long to wait for the router to answer (or to close) before failing; every receive is bounded.
DEFAULT_TIMEOUT = float(os.environ.get("INTEROP_RAW_TIMEOUT", "3"))

# WAMP message type codes
HELLO = 1
WELCOME = 2
ABORT = 3
CHALLENGE = 4
AUTHENTICATE = 5
GOODBYE = 6
ERROR = 8
PUBLISH = 16
PUBLISHED = 17
SUBSCRIBE = 32
SUBSCRIBED = 33
UNSUBSCRIBE = 34
UNSUBSCRIBED = 35
EVENT = 36
CALL = 48
CANCEL = 49
RESULT = 50
REGISTER = 64
REGISTERED = 65
UNREGISTER = 66
UNREGISTERED = 67
INVOCATION = 68
INTERRUPT = 69
YIELD = 70

CLIENT_ROLES = {
    "roles": {
        "caller": {"features": {}},
        "callee": {"features": {}},
        "publisher": {"features": {}},
        "subscriber": {"features": {}},
    }
}

PROTOCOL_VIOLATION = "wamp.error.protocol_violation"


class Closed(Exception):
    """The peer closed the connection (EOF, reset, or a WebSocket close frame)."""

    def __init__(self, how: str, detail=None):
        super().__init__(f"{how}: {detail!r}" if detail is not None else how)
        self.how = how
        self.detail = detail


# --------------------------------------------------------------------------- serializers


def _json_default(obj):
    if isinstance(obj, (bytes, bytearray)):
        return "\x00" + base64.b64encode(bytes(obj)).decode("ascii")
    raise TypeError(f"cannot JSON-encode {type(obj)}")


def _json_unbinary(obj):
    if isinstance(obj, str):
        if obj.startswith("\x00"):
            return base64.b64decode(obj[1:])
        return obj
    if isinstance(obj, list):
        return [_json_unbinary(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _json_unbinary(v) for k, v in obj.items()}
    return obj


def _json_encode(msg) -> bytes:
    def conv(o):
        if isinstance(o, (bytes, bytearray)):
            return _json_default(o)
        if isinstance(o, list):
            return [conv(x) for x in o]
        if isinstance(o, dict):
            return {k: conv(v) for k, v in o.items()}
        return o

    return json.dumps(conv(msg), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _json_decode(data: bytes):
    return _json_unbinary(json.loads(data.decode("utf-8")))


def _msgpack_encode(msg) -> bytes:
    return msgpack.packb(msg, use_bin_type=True)


def _msgpack_decode(data: bytes):
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


def _cbor_encode(msg) -> bytes:
    return cbor2.dumps(msg)


def _cbor_decode(data: bytes):
    return cbor2.loads(data)


@dataclass(frozen=True)
class Codec:
    name: str
    rawsocket_id: int
    ws_subprotocol: str
    ws_text: bool  # JSON goes in WebSocket text frames, the others in binary frames
    encode: callable
    decode: callable


CODECS = {
    "json": Codec("json", 1, "wamp.2.json", True, _json_encode, _json_decode),
    "msgpack": Codec("msgpack", 2, "wamp.2.msgpack", False, _msgpack_encode, _msgpack_decode),
    "cbor": Codec("cbor", 3, "wamp.2.cbor", False, _cbor_encode, _cbor_decode),
}


# --------------------------------------------------------------------------- byte streams


class Stream:
    """A connected stream socket with exact, timeout-bounded reads."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = bytearray()

    @classmethod
    def tcp(cls, host: str, port: int, timeout: float = DEFAULT_TIMEOUT) -> "Stream":
        s = socket.create_connection((host, port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(s)

    @classmethod
    def unix(cls, path: str, timeout: float = DEFAULT_TIMEOUT) -> "Stream":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(path)
        return cls(s)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out waiting for data from the router")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("timed out waiting for data from the router") from None
        except (ConnectionResetError, BrokenPipeError) as exc:
            raise Closed("reset", str(exc)) from None
        if not chunk:
            raise Closed("eof")
        self.buf += chunk

    def read_exact(self, n: int, deadline: float) -> bytes:
        while len(self.buf) < n:
            self._fill(deadline)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_until(self, marker: bytes, deadline: float, limit: int = 65536) -> bytes:
        while True:
            i = self.buf.find(marker)
            if i >= 0:
                out = bytes(self.buf[: i + len(marker)])
                del self.buf[: i + len(marker)]
                return out
            if len(self.buf) > limit:
                raise AssertionError(f"no {marker!r} within {limit} bytes")
            self._fill(deadline)

    def read_some(self, deadline: float) -> bytes:
        if not self.buf:
            self._fill(deadline)
        out = bytes(self.buf)
        self.buf.clear()
        return out

    def expect_eof(self, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        """Wait until the peer closes; returns whatever bytes arrived before that."""
        deadline = time.monotonic() + timeout
        got = bytearray(self.buf)
        self.buf.clear()
        while True:
            try:
                self._fill(deadline)
            except Closed:
                return bytes(got)
            got += self.buf
            self.buf.clear()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


# --------------------------------------------------------------------------- RawSocket


RS_MAGIC = 0x7F
RS_REGULAR = 0
RS_PING = 1
RS_PONG = 2


class RawSocketConn:
    """WAMP-over-RawSocket framing over a Stream."""

    def __init__(self, stream: Stream):
        self.stream = stream
        self.router_max_len = None

    @staticmethod
    def handshake_bytes(serializer_id: int, length_exp: int = 15, reserved: bytes = b"\x00\x00", magic: int = RS_MAGIC) -> bytes:
        return bytes([magic, (length_exp << 4) | serializer_id]) + reserved

    def handshake(self, serializer_id: int, length_exp: int = 15, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        """Send a handshake and return the router's 4-octet reply (not interpreted)."""
        self.stream.send(self.handshake_bytes(serializer_id, length_exp))
        return self.stream.read_exact(4, time.monotonic() + timeout)

    def open(self, serializer_id: int, length_exp: int = 15, timeout: float = DEFAULT_TIMEOUT) -> None:
        reply = self.handshake(serializer_id, length_exp, timeout)
        assert reply[0] == RS_MAGIC, f"bad magic in RawSocket handshake reply {reply.hex()}"
        assert reply[1] & 0x0F == serializer_id, f"RawSocket handshake refused: {reply.hex()}"
        assert reply[2:] == b"\x00\x00", f"reserved octets not zero in reply {reply.hex()}"
        self.router_max_len = 2 ** ((reply[1] >> 4) + 9)

    @staticmethod
    def frame_header(length: int, ftype: int = RS_REGULAR, reserved: int = 0) -> bytes:
        if length == 2**24:
            return bytes([(reserved << 4) | 0x08 | ftype, 0, 0, 0])
        return bytes([(reserved << 4) | ftype]) + length.to_bytes(3, "big")

    def send_frame(self, payload: bytes, ftype: int = RS_REGULAR) -> None:
        self.stream.send(self.frame_header(len(payload), ftype) + payload)

    def recv_frame(self, timeout: float = DEFAULT_TIMEOUT):
        """Return (frame_type, payload)."""
        deadline = time.monotonic() + timeout
        head = self.stream.read_exact(4, deadline)
        ftype = head[0] & 0x07
        assert head[0] & 0xF0 == 0, f"router sent reserved bits in frame header {head.hex()}"
        length = int.from_bytes(head[1:], "big")
        if head[0] & 0x08:
            assert length == 0, f"invalid length with X bit set: {head.hex()}"
            length = 2**24
        return ftype, self.stream.read_exact(length, deadline)

    def send_message_bytes(self, data: bytes) -> None:
        self.send_frame(data, RS_REGULAR)

    def recv_message_bytes(self, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        deadline = time.monotonic() + timeout
        while True:
            ftype, payload = self.recv_frame(max(0.001, deadline - time.monotonic()))
            if ftype == RS_REGULAR:
                return payload
            if ftype == RS_PING:
                self.send_frame(payload, RS_PONG)
            # PONGs (and anything else) are skipped

    def expect_closed(self, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        return self.stream.expect_eof(timeout)

    def close(self):
        self.stream.close()


# --------------------------------------------------------------------------- WebSocket


WS_CONT = 0x0
WS_TEXT = 0x1
WS_BINARY = 0x2
WS_CLOSE = 0x8
WS_PING = 0x9
WS_PONG = 0xA
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


@dataclass
class HttpResponse:
    status: int
    reason: str
    headers: dict  # lower-cased names
    raw: bytes


def parse_http_response(head: bytes) -> HttpResponse:
    text = head.decode("iso-8859-1")
    lines = text.split("\r\n")
    parts = lines[0].split(" ", 2)
    assert len(parts) >= 2 and parts[0].startswith("HTTP/1."), f"not an HTTP response: {lines[0]!r}"
    status = int(parts[1])
    reason = parts[2] if len(parts) > 2 else ""
    headers = {}
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return HttpResponse(status, reason, headers, head)


class WebSocketConn:
    """WebSocket (RFC 6455) client framing over a Stream."""

    def __init__(self, stream: Stream):
        self.stream = stream
        self.close_received = None

    def request_upgrade(
        self, host: str, port: int, path: str, protocols, timeout: float = DEFAULT_TIMEOUT, extra_headers=(), version: str = "13"
    ) -> HttpResponse:
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            f"Sec-WebSocket-Version: {version}",
        ]
        if protocols:
            lines.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
        lines.extend(extra_headers)
        self.stream.send(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))
        resp = parse_http_response(self.stream.read_until(b"\r\n\r\n", time.monotonic() + timeout))
        if resp.status == 101:
            expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode("ascii")).digest()).decode("ascii")
            assert resp.headers.get("sec-websocket-accept") == expected, f"bad Sec-WebSocket-Accept in {resp.raw!r}"
        return resp

    def open(self, host: str, port: int, path: str, subprotocol: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        resp = self.request_upgrade(host, port, path, [subprotocol], timeout)
        assert resp.status == 101, f"WebSocket upgrade refused: {resp.raw!r}"
        assert resp.headers.get("sec-websocket-protocol") == subprotocol, f"subprotocol not echoed: {resp.raw!r}"

    @staticmethod
    def frame(opcode: int, payload: bytes, fin: bool = True, mask: bool = True, rsv: int = 0) -> bytes:
        b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
        n = len(payload)
        mbit = 0x80 if mask else 0
        if n < 126:
            head = bytes([b0, mbit | n])
        elif n < 65536:
            head = bytes([b0, mbit | 126]) + struct.pack("!H", n)
        else:
            head = bytes([b0, mbit | 127]) + struct.pack("!Q", n)
        if not mask:
            return head + payload
        key = os.urandom(4)
        masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload)) if n < 4096 else _mask_fast(payload, key)
        return head + key + masked

    def send_frame(self, opcode: int, payload: bytes, **kw) -> None:
        self.stream.send(self.frame(opcode, payload, **kw))

    def recv_frame(self, timeout: float = DEFAULT_TIMEOUT):
        """Return (fin, opcode, payload) of one frame as sent by the server."""
        deadline = time.monotonic() + timeout
        b0, b1 = self.stream.read_exact(2, deadline)
        assert not (b1 & 0x80), "server frames must not be masked"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.stream.read_exact(2, deadline))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.stream.read_exact(8, deadline))[0]
        return bool(b0 & 0x80), b0 & 0x0F, self.stream.read_exact(n, deadline)

    def recv_message(self, timeout: float = DEFAULT_TIMEOUT):
        """Return (opcode, payload) of the next data message; answers pings, raises Closed on a close frame."""
        deadline = time.monotonic() + timeout
        parts = []
        first_op = None
        while True:
            fin, op, payload = self.recv_frame(max(0.001, deadline - time.monotonic()))
            if op == WS_PING:
                self.send_frame(WS_PONG, payload)
                continue
            if op == WS_PONG:
                continue
            if op == WS_CLOSE:
                self.close_received = payload
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise Closed("close-frame", code)
            if first_op is None:
                first_op = op
            parts.append(payload)
            if fin:
                return first_op, b"".join(parts)

    def send_message_bytes(self, data: bytes, text: bool) -> None:
        self.send_frame(WS_TEXT if text else WS_BINARY, data)

    def expect_closed(self, timeout: float = DEFAULT_TIMEOUT) -> str:
        """Wait until the server closes: a close frame and/or EOF. Returns how."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                fin, op, payload = self.recv_frame(max(0.001, deadline - time.monotonic()))
            except Closed:
                return "eof"
            if op == WS_CLOSE:
                self.close_received = payload
                self.finish_close(max(0.001, deadline - time.monotonic()))
                return "close-frame"
            if op == WS_PING:
                try:
                    self.send_frame(WS_PONG, payload)
                except OSError:
                    return "eof"

    def finish_close(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """After the server's close frame: answer it (closing handshake), then the server must drop TCP."""
        payload = self.close_received or b""
        try:
            self.send_frame(WS_CLOSE, payload[:2])
        except OSError:
            return
        self.stream.expect_eof(timeout)

    def close(self):
        self.stream.close()


def _mask_fast(payload: bytes, key: bytes) -> bytes:
    n = len(payload)
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


# --------------------------------------------------------------------------- WAMP over either


class RawWamp:
    """A WAMP peer speaking over a raw transport with one codec."""

    def __init__(self, kind: str, conn, codec: Codec):
        self.kind = kind  # "websocket" | "rawsocket-tcp" | "rawsocket-unix"
        self.conn = conn
        self.codec = codec
        self._next_request = 1

    # -- construction

    @classmethod
    def connect(cls, router, transport: str, serializer: str, timeout: float = DEFAULT_TIMEOUT) -> "RawWamp":
        codec = CODECS[serializer]
        if transport == "websocket":
            conn = WebSocketConn(Stream.tcp(router.host, router.ws_port, timeout))
            conn.open(router.host, router.ws_port, router.ws_path, codec.ws_subprotocol, timeout)
        elif transport == "rawsocket-tcp":
            conn = RawSocketConn(Stream.tcp(router.host, router.rs_port, timeout))
            conn.open(codec.rawsocket_id, timeout=timeout)
        elif transport == "rawsocket-unix":
            conn = RawSocketConn(Stream.unix(router.unix_path, timeout))
            conn.open(codec.rawsocket_id, timeout=timeout)
        else:
            raise ValueError(transport)
        return cls(transport, conn, codec)

    @classmethod
    def session(cls, router, transport: str, serializer: str, realm: str = "realm1") -> "RawWamp":
        """Connect and complete HELLO/WELCOME."""
        peer = cls.connect(router, transport, serializer)
        peer.welcome = peer.hello(realm)
        return peer

    # -- request ids (session scope, sequential from 1, as the spec requires)

    def next_request(self) -> int:
        r = self._next_request
        self._next_request += 1
        return r

    # -- raw I/O

    def send_bytes(self, data: bytes, text: bool | None = None) -> None:
        """Send one transport message with arbitrary content."""
        if self.kind == "websocket":
            self.conn.send_message_bytes(data, self.codec.ws_text if text is None else text)
        else:
            self.conn.send_message_bytes(data)

    def send(self, msg) -> None:
        self.send_bytes(self.codec.encode(msg))

    def recv_bytes(self, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        """The next WAMP message as the router serialized it."""
        if self.kind == "websocket":
            op, data = self.conn.recv_message(timeout)
            expected = WS_TEXT if self.codec.ws_text else WS_BINARY
            assert op == expected, f"router sent opcode {op} on a {self.codec.name} WebSocket session"
            return data
        return self.conn.recv_message_bytes(timeout)

    def recv(self, timeout: float = DEFAULT_TIMEOUT):
        data = self.recv_bytes(timeout)
        msg = self.codec.decode(data)
        assert isinstance(msg, list) and msg and isinstance(msg[0], int), f"router sent a malformed message: {msg!r}"
        return msg

    def expect_closed(self, timeout: float = DEFAULT_TIMEOUT):
        return self.conn.expect_closed(timeout)

    def close(self):
        self.conn.close()

    # -- WAMP helpers

    def hello(self, realm: str = "realm1", details=None, timeout: float = DEFAULT_TIMEOUT):
        self.send([HELLO, realm, CLIENT_ROLES if details is None else details])
        msg = self.recv(timeout)
        assert msg[0] == WELCOME, f"expected WELCOME, got {msg!r}"
        assert len(msg) == 3 and isinstance(msg[1], int) and isinstance(msg[2], dict), f"malformed WELCOME {msg!r}"
        return msg

    def expect_abort(self, reason: str | tuple = PROTOCOL_VIOLATION, timeout: float = DEFAULT_TIMEOUT, then_closed: bool = True):
        """The next message must be ABORT with ``reason`` (or one of a tuple of reasons);
        then the router must close the connection."""
        reasons = (reason,) if isinstance(reason, str) else tuple(reason)
        try:
            msg = self.recv(timeout)
        except Closed as exc:
            raise AssertionError(f"router closed the connection ({exc}) without sending ABORT {reasons}") from None
        except TimeoutError:
            raise AssertionError(f"no ABORT {reasons} within {timeout}s") from None
        assert msg[0] == ABORT, f"expected ABORT {reasons}, got {msg!r}"
        assert len(msg) == 3 and isinstance(msg[1], dict), f"malformed ABORT {msg!r}"
        assert msg[2] in reasons, f"ABORT reason {msg[2]!r}, expected one of {reasons}"
        if then_closed:
            try:
                self.expect_closed(timeout)
            except TimeoutError:
                raise AssertionError(f"router sent ABORT but did not close the connection within {timeout}s") from None
        return msg

    def request(self, msg_type: int, *fields):
        """Send a request message with the next sequential request id; returns the id."""
        req = self.next_request()
        self.send([msg_type, req, *fields])
        return req

    def goodbye(self, timeout: float = DEFAULT_TIMEOUT):
        self.send([GOODBYE, {}, "wamp.close.close_realm"])
        msg = self.recv(timeout)
        assert msg[0] == GOODBYE, f"expected GOODBYE, got {msg!r}"
        return msg


def check_router_serves(router, transport: str = "websocket", serializer: str = "json") -> None:
    """Open a fresh session, subscribe, and leave: proves the router is still serving."""
    peer = RawWamp.session(router, transport, serializer)
    try:
        req = peer.request(SUBSCRIBE, {}, "com.example.interop.alive")
        msg = peer.recv()
        assert msg[0] == SUBSCRIBED and msg[1] == req, f"expected SUBSCRIBED for {req}, got {msg!r}"
        req = peer.request(UNSUBSCRIBE, msg[2])
        msg = peer.recv()
        assert msg[:2] == [UNSUBSCRIBED, req], f"expected UNSUBSCRIBED for {req}, got {msg!r}"
        peer.goodbye()
    finally:
        peer.close()
