"""SIGTERM and SIGINT shut Junction down gracefully: every session gets GOODBYE
`wamp.close.system_shutdown`, and the process exits by itself."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO, ROUTER_KIND, _tcp_accepts, free_port, junction_config
from wamp_raw import GOODBYE, RawWamp


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_says_goodbye_to_every_session_and_exits(tmp_path: Path, sig):
    if ROUTER_KIND != "junction":
        pytest.skip("starts its own Junction process")
    binary = os.environ.get("JUNCTION_BIN", str(REPO / ".build" / "debug" / "junction"))
    host, ws_port, rs_port = "127.0.0.1", free_port(), free_port()
    unix_path = str(tmp_path / "j.sock")
    config = tmp_path / "junction.yaml"
    config.write_text(junction_config(host, ws_port, "/ws", rs_port, unix_path))
    log = open(tmp_path / "junction.log", "w")
    proc = subprocess.Popen([binary, "serve", "--config", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while not _tcp_accepts(host, rs_port):
            assert proc.poll() is None, (tmp_path / "junction.log").read_text()
            assert time.monotonic() < deadline, "router did not start"
            time.sleep(0.05)

        class Endpoints:
            pass

        endpoints = Endpoints()
        endpoints.host, endpoints.ws_port, endpoints.ws_path = host, ws_port, "/ws"
        endpoints.rs_port, endpoints.unix_path = rs_port, unix_path
        sessions = [
            RawWamp.session(endpoints, "websocket", "json"),
            RawWamp.session(endpoints, "rawsocket-tcp", "msgpack"),
            RawWamp.session(endpoints, "rawsocket-unix", "cbor"),
        ]
        proc.send_signal(sig)
        for peer in sessions:
            msg = peer.recv(timeout=5)
            assert msg[0] == GOODBYE and msg[2] == "wamp.close.system_shutdown", msg
            peer.send([GOODBYE, {}, "wamp.close.goodbye_and_out"])
            peer.expect_closed(timeout=5)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
