"""MQTT over WebSocket: the opening handshake echoes the subprotocol the client asked for."""

from __future__ import annotations

import base64
import os
import socket

import pytest


@pytest.mark.parametrize("subprotocol", ["mqtt", "mqttv3.1"])
def test_subprotocol_is_echoed(broker, subprotocol):
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {broker.ws_path} HTTP/1.1\r\nHost: {broker.host}:{broker.ws_port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Protocol: {subprotocol}\r\n\r\n"
    )
    with socket.create_connection((broker.host, broker.ws_port), timeout=5) as s:
        s.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = s.recv(4096)
            assert chunk, f"connection closed during the handshake: {response!r}"
            response += chunk
    head = response.split(b"\r\n\r\n")[0].decode(errors="replace").split("\r\n")
    assert head[0].startswith("HTTP/1.1 101"), head[0]
    headers = {line.split(":", 1)[0].strip().lower(): line.split(":", 1)[1].strip() for line in head[1:]}
    assert headers.get("sec-websocket-protocol") == subprotocol
