"""Persistent MQTT sessions and retained MQTT messages on SQLite storage survive ``kill -9`` of a
real ``junction serve`` (issue #16): with ``sync: always`` every QoS 1 publication the router
acknowledged is on disk, so after the restart a persistent subscriber gets exactly those (and those
published after the restart, before it reconnected: its session rejoined the realm at start), and a
retained message comes back byte for byte with its 5.0 properties.

Each test starts its own router (the suite's shared broker is not killed)."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from broker_config import HOST
from conftest import REPO, _tcp_accepts, free_port
from mqtt_client import MQTTClient, publish_props

pytestmark = pytest.mark.junction_only("kills and restarts a junction serve with SQLite storage")

N = 40
AFTER = 7


def config(port: int, store: Path) -> str:
    return f"""
realms:
  - name: realm1
    roles:
      - name: anonymous
        permissions: [{{uri: "", match: prefix, allow: [call, register, publish, subscribe]}}]
transports:
  - {{type: mqtt, realm: realm1, host: {HOST}, port: {port}, limits: {{max_session_expiry: 3600, receive_maximum: 10}}}}
storage: {{type: sqlite, path: {store}, sync: always}}
"""


class Router:
    """``junction serve`` on a config of its own, started and killed by the test."""

    def __init__(self, workdir: Path):
        self.binary = os.environ.get("JUNCTION_BIN", str(REPO / ".build" / "debug" / "junction"))
        self.port = free_port()
        self.config = workdir / "junction.yaml"
        self.config.write_text(config(self.port, workdir / "store.sqlite"))
        self.log = workdir / "junction.log"
        self.process: subprocess.Popen | None = None
        self.endpoint = SimpleNamespace(host=HOST, port=self.port, ws_path="/mqtt", ca_file=None)

    def start(self) -> None:
        log = open(self.log, "ab")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--config", str(self.config)], stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 20
        while not _tcp_accepts(HOST, self.port):
            assert self.process.poll() is None, f"junction exited: {self.log.read_text(errors='replace')[-3000:]}"
            assert time.monotonic() < deadline, "junction did not start within 20 s"
            time.sleep(0.05)

    def kill9(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        assert self.process.wait(timeout=10) == -signal.SIGKILL

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def router():
    with tempfile.TemporaryDirectory(prefix="junction-durable-") as workdir:
        r = Router(Path(workdir))
        r.start()
        try:
            yield r
        finally:
            r.stop()


def client(router: Router, version: int, made: list, **kwargs) -> MQTTClient:
    c = MQTTClient(router.endpoint, version=version, **kwargs)
    made.append(c)
    c.connect_and_wait()
    return c


@pytest.mark.parametrize("version", [4, 5], ids=["v311", "v5"])
def test_queued_messages_of_a_persistent_session_survive_kill_9(router, version):
    made: list[MQTTClient] = []
    try:
        cid = f"durable-sub-v{version}"
        expiry = 3600 if version == 5 else None
        sub = client(router, version, made, client_id=cid, clean=False, session_expiry=expiry)
        assert sub.subscribe("dur/#", 1) == [1]
        sub.disconnect()

        pub = client(router, version, made)
        for i in range(N):
            assert pub.publish(f"dur/{i % 4}", f"m{i}".encode(), qos=1) == 0  # PUBACK: on disk
        router.kill9()
        for c in made:
            c.stop()

        router.start()
        # Published after the restart, before the subscriber is back: the stored session rejoined
        # the realm at start, so these are queued after the ones from before the crash.
        after = client(router, version, made)
        for i in range(AFTER):
            assert after.publish(f"dur/{i % 4}", f"a{i}".encode(), qos=1) == 0
        back = client(router, version, made, client_id=cid, clean=False, session_expiry=expiry)
        assert back.connack[1] is True, "session present after the crash"
        expected = [f"m{i}".encode() for i in range(N)] + [f"a{i}".encode() for i in range(AFTER)]
        assert [m.payload for m in back.get_n(N + AFTER, timeout=15)] == expected
        back.expect_nothing()
        client(router, version, made).publish("dur/live", b"live", qos=1)
        assert back.get().payload == b"live", "the subscription survived too"
    finally:
        for c in made:
            c.stop()


def test_retained_message_with_v5_properties_survives_kill_9_byte_exact(router):
    made: list[MQTTClient] = []
    payload = bytes([0, 1, 2, 0xFE, 0xFF]) + b'{"not": "args"}'
    try:
        pub = client(router, 5, made)
        properties = publish_props(
            ContentType="application/x-reading", ResponseTopic="reply/here", CorrelationData=b"\x00corr\xff",
            UserProperty=[("unit", "C"), ("unit", "K")], PayloadFormatIndicator=0,
        )
        assert pub.publish("durkeep/state", payload, qos=1, retain=True, properties=properties) == 0
        router.kill9()
        for c in made:
            c.stop()

        router.start()
        reader = client(router, 5, made)
        reader.subscribe("durkeep/#", 1)
        msg = reader.get()
        assert msg.retain
        assert msg.qos == 1
        assert msg.payload == payload
        got = msg.properties
        assert got.ContentType == "application/x-reading"
        assert got.ResponseTopic == "reply/here"
        assert got.CorrelationData == b"\x00corr\xff"
        assert got.UserProperty == [("unit", "C"), ("unit", "K")]
    finally:
        for c in made:
            c.stop()
