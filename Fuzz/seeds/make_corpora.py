#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from the WAMP test suite's golden vectors.

usage: make_corpora.py TESTSUITE_DIR OUT_DIR
Every sample's bytes for JSON, MessagePack and CBOR become seeds for that decoder, for message
validation (prefixed with the serializer byte the target reads first), and, wrapped in a
RawSocket handshake and frame, for the RawSocket target. A few HTTP upgrade requests seed the
WebSocket upgrade target.
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
    print(f"make_corpora: {count} samples from {suite} into {out}")


if __name__ == "__main__":
    main()
