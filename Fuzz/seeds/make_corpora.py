#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from the WAMP test suite's golden vectors.

usage: make_corpora.py TESTSUITE_DIR OUT_DIR
Every sample's bytes for JSON, MessagePack and CBOR become seeds for that decoder, for message
validation (prefixed with the serializer byte the target reads first), and, wrapped in a
RawSocket handshake and frame, for the RawSocket target. A few HTTP upgrade requests seed the
WebSocket upgrade target. MQTT streams captured from mosquitto and its clients (the same as
Tests/MQTTCoreTests/MQTTInteropVectorTests.swift) seed the MQTT target, once per parser mode.
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
    print(f"make_corpora: {count} samples from {suite} into {out}")


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
