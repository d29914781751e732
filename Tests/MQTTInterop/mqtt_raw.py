"""A minimal MQTT 3.1.1 / 5.0 packet codec over a blocking socket, for the tests that must see or
send exact bytes: DUP flags on redelivery, un-acknowledged messages, malformed packets, packets
a well-behaved client library never sends (PUBREL for an unknown id, a filter ``a/#/b``).
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field

CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH = 8, 9, 10, 11, 12, 13, 14, 15
NAMES = {
    1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL", 7: "PUBCOMP", 8: "SUBSCRIBE",
    9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK", 12: "PINGREQ", 13: "PINGRESP", 14: "DISCONNECT", 15: "AUTH",
}

# Property identifiers (MQTT 5.0 §2.2.2.2) and their wire types.
PROPS = {
    0x01: ("payload_format", "byte"), 0x02: ("message_expiry", "u32"), 0x03: ("content_type", "str"),
    0x08: ("response_topic", "str"), 0x09: ("correlation_data", "bin"), 0x0B: ("subscription_identifier", "vbi"),
    0x11: ("session_expiry", "u32"), 0x12: ("assigned_client_id", "str"), 0x13: ("server_keep_alive", "u16"),
    0x15: ("auth_method", "str"), 0x16: ("auth_data", "bin"), 0x17: ("request_problem_info", "byte"),
    0x18: ("will_delay", "u32"), 0x19: ("request_response_info", "byte"), 0x1A: ("response_info", "str"),
    0x1C: ("server_reference", "str"), 0x1F: ("reason_string", "str"), 0x21: ("receive_maximum", "u16"),
    0x22: ("topic_alias_maximum", "u16"), 0x23: ("topic_alias", "u16"), 0x24: ("maximum_qos", "byte"),
    0x25: ("retain_available", "byte"), 0x26: ("user_property", "pair"), 0x27: ("maximum_packet_size", "u32"),
    0x28: ("wildcard_available", "byte"), 0x29: ("subscription_id_available", "byte"),
    0x2A: ("shared_available", "byte"),
}
PROP_IDS = {name: (pid, kind) for pid, (name, kind) in PROPS.items()}


def vbi(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def s(text: str | bytes) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return struct.pack("!H", len(data)) + data


def props(values: dict | None) -> bytes:
    """Encodes a property dict (names as in PROPS; user_property and subscription_identifier may be lists)."""
    out = bytearray()
    for name, value in (values or {}).items():
        pid, kind = PROP_IDS[name]
        items = value if isinstance(value, list) and kind in ("pair", "vbi") else [value]
        for item in items:
            out.append(pid)
            if kind == "byte":
                out.append(item)
            elif kind == "u16":
                out += struct.pack("!H", item)
            elif kind == "u32":
                out += struct.pack("!I", item)
            elif kind == "vbi":
                out += vbi(item)
            elif kind in ("str", "bin"):
                out += s(item)
            elif kind == "pair":
                out += s(item[0]) + s(item[1])
    return vbi(len(out)) + bytes(out)


def packet(ptype: int, flags: int, body: bytes) -> bytes:
    return bytes([ptype << 4 | flags]) + vbi(len(body)) + body


def connect(client_id: str, version: int = 5, clean: bool = True, keepalive: int = 60, properties=None,
            will: dict | None = None, username: str | None = None, password: bytes | None = None,
            protocol_name: bytes = b"MQTT") -> bytes:
    flags = 0x02 if clean else 0
    payload = s(client_id)
    if will:
        flags |= 0x04 | (will.get("qos", 0) << 3) | (0x20 if will.get("retain") else 0)
        if version == 5:
            payload += props(will.get("properties"))
        payload += s(will["topic"]) + s(will.get("payload", b""))
    if username is not None:
        flags |= 0x80
        payload += s(username)
    if password is not None:
        flags |= 0x40
        payload += s(password)
    body = s(protocol_name) + bytes([version, flags]) + struct.pack("!H", keepalive)
    if version == 5:
        body += props(properties)
    return packet(CONNECT, 0, body + payload)


def publish(topic: str, payload: bytes = b"", qos: int = 0, pid: int | None = None, retain: bool = False,
            dup: bool = False, version: int = 5, properties=None) -> bytes:
    body = s(topic)
    if qos:
        body += struct.pack("!H", pid)
    if version == 5:
        body += props(properties)
    flags = (0x08 if dup else 0) | qos << 1 | (1 if retain else 0)
    return packet(PUBLISH, flags, body + payload)


def ack(ptype: int, pid: int, version: int = 5, reason: int | None = None) -> bytes:
    body = struct.pack("!H", pid)
    if version == 5 and reason is not None:
        body += bytes([reason])
    return packet(ptype, 0x02 if ptype == PUBREL else 0, body)


def subscribe(pid: int, filters: list, version: int = 5, properties=None) -> bytes:
    """``filters``: [(filter, options byte)] — options: QoS | no_local<<2 | rap<<3 | retain_handling<<4."""
    body = struct.pack("!H", pid)
    if version == 5:
        body += props(properties)
    for topic, options in filters:
        body += s(topic) + bytes([options])
    return packet(SUBSCRIBE, 0x02, body)


def disconnect(version: int = 5, reason: int = 0, properties=None) -> bytes:
    if version != 5 or (reason == 0 and not properties):
        return packet(DISCONNECT, 0, b"")
    return packet(DISCONNECT, 0, bytes([reason]) + props(properties))


# ------------------------------------------------------------------ decoding


def read_vbi(data: bytes, i: int) -> tuple[int, int]:
    value, mult = 0, 1
    while True:
        b = data[i]
        i += 1
        value += (b & 0x7F) * mult
        if not b & 0x80:
            return value, i
        mult *= 128


def read_props(data: bytes, i: int) -> tuple[dict, int]:
    length, i = read_vbi(data, i)
    end = i + length
    out: dict = {}
    while i < end:
        pid = data[i]
        i += 1
        name, kind = PROPS[pid]
        if kind == "byte":
            value = data[i]
            i += 1
        elif kind == "u16":
            value = struct.unpack_from("!H", data, i)[0]
            i += 2
        elif kind == "u32":
            value = struct.unpack_from("!I", data, i)[0]
            i += 4
        elif kind == "vbi":
            value, i = read_vbi(data, i)
        elif kind in ("str", "bin"):
            n = struct.unpack_from("!H", data, i)[0]
            value = data[i + 2:i + 2 + n]
            value = value.decode() if kind == "str" else bytes(value)
            i += 2 + n
        else:
            n = struct.unpack_from("!H", data, i)[0]
            k = data[i + 2:i + 2 + n].decode()
            i += 2 + n
            m = struct.unpack_from("!H", data, i)[0]
            v = data[i + 2:i + 2 + m].decode()
            i += 2 + m
            value = (k, v)
        if name in ("user_property", "subscription_identifier"):
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out, end


@dataclass
class Packet:
    type: int
    flags: int
    body: bytes
    version: int
    fields: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return NAMES.get(self.type, f"type {self.type}")

    def __repr__(self) -> str:
        return f"<{self.name} flags={self.flags:#x} {self.fields}>"


def decode(ptype: int, flags: int, body: bytes, version: int) -> Packet:
    p = Packet(ptype, flags, body, version)
    f = p.fields
    if ptype == CONNACK:
        f["session_present"] = bool(body[0] & 1)
        f["reason"] = body[1]
        if version == 5 and len(body) > 2:
            f["properties"], _ = read_props(body, 2)
    elif ptype == PUBLISH:
        n = struct.unpack_from("!H", body, 0)[0]
        f["topic"] = body[2:2 + n].decode()
        i = 2 + n
        f["qos"] = (flags >> 1) & 3
        f["dup"] = bool(flags & 8)
        f["retain"] = bool(flags & 1)
        if f["qos"]:
            f["pid"] = struct.unpack_from("!H", body, i)[0]
            i += 2
        f["properties"] = {}
        if version == 5:
            f["properties"], i = read_props(body, i)
        f["payload"] = bytes(body[i:])
    elif ptype in (PUBACK, PUBREC, PUBREL, PUBCOMP):
        f["pid"] = struct.unpack_from("!H", body, 0)[0]
        f["reason"] = body[2] if len(body) > 2 else 0
        if version == 5 and len(body) > 3:
            f["properties"], _ = read_props(body, 3)
    elif ptype in (SUBACK, UNSUBACK):
        f["pid"] = struct.unpack_from("!H", body, 0)[0]
        i = 2
        if version == 5:
            f["properties"], i = read_props(body, i)
        f["reasons"] = list(body[i:])
    elif ptype == DISCONNECT:
        f["reason"] = body[0] if body else 0
        if version == 5 and len(body) > 1:
            f["properties"], _ = read_props(body, 1)
    return p


class Closed(Exception):
    """The broker closed the connection."""


class RawClient:
    """One TCP connection speaking raw MQTT. ``read()`` returns the next packet, None on timeout,
    and raises ``Closed`` once the broker closed the connection."""

    def __init__(self, host: str, port: int, version: int = 5, timeout: float = 5.0):
        self.version = version
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.closed = False

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, deadline: float) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            self.closed = True
            raise Closed()
        self.buffer += chunk
        return True

    def read(self, timeout: float = 5.0) -> Packet | None:
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buffer) >= 2:
                try:
                    length, i = read_vbi(self.buffer, 1)
                except IndexError:
                    length, i = None, 0
                if length is not None and len(self.buffer) >= i + length:
                    first = self.buffer[0]
                    body = self.buffer[i:i + length]
                    self.buffer = self.buffer[i + length:]
                    return decode(first >> 4, first & 0x0F, body, self.version)
            if self.closed:
                raise Closed()
            if not self._fill(deadline):
                return None

    def expect(self, ptype: int, timeout: float = 5.0) -> Packet:
        """The next packet, which must be of ``ptype`` (PUBLISHes of other tests never arrive: topics are unique)."""
        p = self.read(timeout)
        assert p is not None, f"no {NAMES[ptype]} within {timeout}s"
        assert p.type == ptype, f"expected {NAMES[ptype]}, got {p!r}"
        return p

    def wait_closed(self, timeout: float = 5.0) -> list[Packet]:
        """Reads until the broker closes the connection; returns what arrived before. Fails on timeout."""
        seen = []
        deadline = time.monotonic() + timeout
        try:
            while True:
                p = self.read(max(0.0, deadline - time.monotonic()))
                if p is None:
                    raise AssertionError(f"connection still open after {timeout}s (received {seen})")
                seen.append(p)
        except Closed:
            return seen

    def connect(self, client_id: str, **kwargs) -> Packet:
        self.send(connect(client_id, version=self.version, **kwargs))
        return self.expect(CONNACK)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self) -> None:
        """Closes the TCP connection with a reset and no DISCONNECT: an abnormal close for the will."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()
