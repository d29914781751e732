#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from the WAMP test suite's golden vectors.

usage: make_corpora.py TESTSUITE_DIR OUT_DIR
Every sample's bytes for JSON, MessagePack and CBOR become seeds for that decoder, for message
validation (prefixed with the serializer byte the target reads first), and, wrapped in a
RawSocket handshake and frame, for the RawSocket target. A few HTTP upgrade requests seed the
WebSocket upgrade target. MQTT streams captured from mosquitto and its clients (the same as
Tests/MQTTCoreTests/MQTTInteropVectorTests.swift) seed the MQTT target, once per parser mode.
FuzzClusterFrames gets one seed per cluster frame kind (publications, RPC frames, testaments,
node directories, kill requests, stream stamps, heartbeats, interest and registration lists, and
Redis replies holding publications), each behind the byte that picks its decoder.
"""
import json
import os
import pathlib
import sys

SERIALIZERS = {"json": ("FuzzJSON", 0, 1), "msgpack": ("FuzzMessagePack", 1, 2), "cbor": ("FuzzCBOR", 2, 3)}


def samples(suite):
    for path in sorted(pathlib.Path(suite).rglob("*.json")):
        try:
            doc = json.loads(path.read_text())
        except ValueError:
            continue
        stack = [doc]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                serializers = node.get("serializers")
                if isinstance(serializers, dict):
                    for name, entries in serializers.items():
                        if name in SERIALIZERS and isinstance(entries, list):
                            for entry in entries:
                                if isinstance(entry, dict) and "bytes_hex" in entry:
                                    yield name, bytes.fromhex(entry["bytes_hex"])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)


def write(out, target, index, data):
    directory = pathlib.Path(out, target)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"seed-{index:05d}").write_bytes(data)


def main():
    suite, out = sys.argv[1], sys.argv[2]
    count = 0
    for index, (name, data) in enumerate(samples(suite)):
        target, validation_byte, rawsocket_id = SERIALIZERS[name]
        write(out, target, index, data)
        write(out, "FuzzMessageValidation", index, bytes([validation_byte]) + data)
        frame = len(data).to_bytes(4, "big")
        write(out, "FuzzRawSocket", index, bytes([index % 16, 0x7F, 0xF0 | rawsocket_id, 0, 0]) + frame + data
              + b"\x01\x00\x00\x02hi")
        count += 1
    requests = [
        "GET /ws HTTP/1.1\nHost: localhost\nUpgrade: websocket\nConnection: Upgrade\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n"
        "Sec-WebSocket-Protocol: wamp.2.cbor.batched, wamp.2.json",
        "GET /ws?x=1 HTTP/1.1\nUpgrade: WebSocket\nSec-WebSocket-Version: 13\nSec-WebSocket-Key: a\n"
        "Sec-WebSocket-Protocol: wamp.2.msgpack\nSec-WebSocket-Protocol: wamp.2.json.batched",
        "POST /ws HTTP/1.1\nUpgrade: websocket",
        "[1,\"realm1\",{}]\x1e[6,{},\"x\"]\x1e",
    ]
    for index, request in enumerate(requests):
        write(out, "FuzzWebSocketUpgrade", index, request.encode())
    for index, stream in enumerate(MQTT_STREAMS):
        data = bytes.fromhex(stream)
        # Control byte: bits 0-3 read size, bits 4-5 0 = server (CONNECT first), 1 = 3.1.1, 2 = 5.0.
        mode = 0x00 if data[0] >> 4 == 1 else (0x10 if index in MQTT_311 else 0x20)
        write(out, "FuzzMQTT", index, bytes([mode | (index % 16)]) + data)
    for index, data in enumerate(cluster_seeds()):
        write(out, "FuzzClusterFrames", index, data)
    print(f"make_corpora: {count} samples from {suite} into {out}")


def msgpack(value):
    """MessagePack for the few types the cluster's frames use (no third-party module needed)."""
    if value is None:
        return b"\xc0"
    if value is True or value is False:
        return b"\xc3" if value else b"\xc2"
    if isinstance(value, int):
        if 0 <= value < 0x80:
            return bytes([value])
        if -32 <= value < 0:
            return (value & 0xFF).to_bytes(1, "big")
        if value >= 0:
            return b"\xcf" + value.to_bytes(8, "big")
        return b"\xd3" + value.to_bytes(8, "big", signed=True)
    if isinstance(value, float):
        import struct
        return b"\xcb" + struct.pack(">d", value)
    if isinstance(value, str):
        data = value.encode()
        head = bytes([0xA0 | len(data)]) if len(data) < 32 else b"\xd9" + bytes([len(data)])
        return head + data
    if isinstance(value, bytes):
        return b"\xc4" + bytes([len(value)]) + value
    if isinstance(value, list):
        return bytes([0x90 | len(value)]) + b"".join(msgpack(item) for item in value)
    if isinstance(value, dict):
        return bytes([0x80 | len(value)]) + b"".join(msgpack(k) + msgpack(v) for k, v in value.items())
    raise TypeError(value)


def resp(value):
    """RESP2 for replies: lists are arrays, bytes and str bulk strings, int integers."""
    if isinstance(value, list):
        return b"*%d\r\n" % len(value) + b"".join(resp(item) for item in value)
    if isinstance(value, int):
        return b":%d\r\n" % value
    data = value.encode() if isinstance(value, str) else value
    return b"$%d\r\n" % len(data) + data + b"\r\n"


def cluster_seeds():
    """Frames as Sources/JunctionCluster encodes them, each behind FuzzClusterFrames' selector byte."""
    publisher = {"p": 5, "a": "alice", "r": "user"}
    envelope = {"realm": "realm1", "id": 77, "o": {"acknowledge": True, "exclude_me": False},
                "d": {"publisher": 5, "trustlevel": 1}, **publisher}
    publication = msgpack([16, 9, envelope, "com.example.a", [1, "two", 3.5], {"k": None}])
    transparent = msgpack([16, 10, {**envelope, "o": {"ppt_scheme": "x_custom"}, "ppt_scheme": "x_custom"},
                           "com.example.b", [b"\x01\x02opaque"]])
    stamped = b"S12 0kq8z3x1abcd0001\n" + publication
    jc = {"r": "realm1", "n": "node-a", "e": 1700000000123, "c": 4242}
    rpc = [
        msgpack([68, 31, 9001, {"_jc": jc, "caller": 7, "procedure": "com.example.add"}, [2, 3]]),
        msgpack([68, 31, 9001, {"_jc": {**jc, "k": True}, "receive_progress": True}, [4]]),
        msgpack([69, 31, {"_jc": jc, "mode": "killnowait"}]),
        msgpack([70, 31, {"_jc": jc, "progress": True}, [5], {"x": [1, 2]}]),
        msgpack([8, 68, 31, {"_jc": jc}, "wamp.error.canceled", ["gone"]]),
    ]
    testaments = msgpack([16, 1, {"realm": "realm1", **publisher}, "junction.cluster.testaments", [
        ["detached", "com.example.gone", [1], {"why": "bye"}, {"exclude_me": False}],
        ["destroyed", "com.example.dead", b"\x00sealed", None, {"ppt_scheme": "x_custom"}],
    ]])
    directory = msgpack([16, 1, {"node": "node-b", "epoch": 1700000000456}, "junction.cluster.directory", [
        ["realm1",
         [{"session": 11, "authid": "bob", "authrole": "user", "authmethod": "anonymous", "transport": {}}],
         [[21, "com.example", "prefix", "2026-12-07T06:00:00.000Z", [11, 12]],
          [22, "com..x", "wildcard", "2026-12-07T06:00:01.000Z", [11]]]],
        ["realm2", [], []],
    ]])
    kill = msgpack([16, 1, {"realm": "realm1", "reason": "wamp.close.killed", "message": "bye"},
                    "junction.cluster.kill", [11, 12]])
    removals = [msgpack([16, 1, {"realm": "realm1", "reason": "gone"}, topic, [21, 22]])
                for topic in ("junction.cluster.remove_subscriber", "junction.cluster.remove_callee")]
    heartbeats = [b"node-a 1700000000123 3 8812", b"node-b 1700000000456 0 0 leaving"]
    interests = b"realm1\texact\tcom.example.a\nrealm1\tprefix\tcom.example\nrealm2\twildcard\tcom..x"
    registrations = (b"1700000000123\nrealm1\t31\texact\tsingle\t11\t255\t1\tcom.example.add\n"
                     b"realm1\t32\tprefix\troundrobin\t12\t0\t0\tcom.example.shared")
    entry = lambda offset, frame, order: [f"{offset}-0", ["t", "1700000000000", "n", str(order), "f", frame]]
    replies = [
        resp(["0kq8z3x1abcd0001", "12", [entry(11, publication, 40), entry(12, transparent, 41)]]),
        resp(["0kq8z3x1abcd0001", ["com.example.a", "12", [entry(12, publication, 41)],
                                   "com.example.b", 3, [entry(2, transparent, 7), entry(3, transparent, 9)]]]),
        resp([["9-0", ["f", publication]], ["10-0", ["f", transparent]]]),
        resp(["com.example.a", stamped, "com.example.b", transparent]),
        resp(["com.example.a", "12", "com.example.b", "3"]),
    ]
    seeds = [b"\x00" + publication, b"\x00" + transparent, b"\x00" + stamped]
    seeds += [b"\x01" + frame for frame in rpc]
    seeds += [b"\x02" + testaments, b"\x03" + directory, b"\x04" + kill, b"\x05" + stamped]
    seeds += [b"\x04" + removal for removal in removals]
    seeds += [b"\x06" + beat for beat in heartbeats]
    seeds += [b"\x07" + interests, b"\x08" + registrations]
    seeds += [b"\x09" + reply for reply in replies]
    return seeds


# Client streams start with CONNECT; server streams are 5.0 unless listed in MQTT_311.
MQTT_STREAMS = [
    "101900044d5154540500003c081100000078210003000473756235822000010c26000377686f000473756235000e73656e736f72"
    "732f2b2f74656d700240020001500200027002000240020003e000",
    "200900000622000a2100149004000100023233000e73656e736f72732f612f74656d7000011c260004756e697400014303000a74"
    "6578742f706c61696e020000003c32312e353415000e73656e736f72732f622f74656d700002003232620200023215000e73656e"
    "736f72732f632f74656d700003003233",
    "103700044d515454052e001e03210014000570756235620518000000050014646576696365732f70756235622f73746174757300"
    "04676f6e653515000e73656e736f72732f622f74656d70000100323262020001e000",
    "101e00044d51545404c2003c00067075623331310004757365720004706173733214000e73656e736f72732f632f74656d700001"
    "3233e000",
    "200200009004000101013314000e73656e736f72732f622f74656d7000013232",
    "101600044d5154540502003c032100140006756e7375623582090001000003782f7900a2080002000003782f79e000",
    "200900000622000a210014900400010000b00400020000",
    "203500003222000a1200296175746f2d34463734314239432d464342372d423544422d303542422d353142454639453134463137"
    "210014",
    "f00a18081500016d16000101e0078b05110000003cc000d000",
]
MQTT_311 = {4}


if __name__ == "__main__":
    main()
