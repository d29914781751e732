"""Junction only, each with a router of its own: CONNECT checked through the realm's dynamic
authenticator, the per topic-prefix payload modes (`json` / `passthrough`), the built-in default
configuration (`junction serve` without a configuration: MQTT on 127.0.0.1:1883 and `/mqtt` on
8080, realm1), and MQTT wills as realm testaments seen from autobahn (router shutdown)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Interop"))

from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.types import SubscribeOptions  # noqa: E402
from wamp_client import SessionPool, run, wait  # noqa: E402

from conftest import REPO, Broker, _stop, _tcp_accepts, free_port  # noqa: E402
from mqtt_client import MQTTClient  # noqa: E402
from test_junction_wamp import WampRouter, in_thread  # noqa: E402

pytestmark = pytest.mark.junction_only("Junction's configuration, authentication and testaments")

HOST = "127.0.0.1"
AUTHENTICATE = "com.example.authenticate"


class Router:
    """`junction serve` with a configuration of the test's own (or none), stopped at the end."""

    def __init__(self, config: str | None, ports: dict[str, int]):
        binary = os.environ.get("JUNCTION_BIN", str(REPO / ".build" / "debug" / "junction"))
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            pytest.skip(f"Junction binary not found: {binary} (set JUNCTION_BIN)")
        self.workdir = Path(tempfile.mkdtemp(prefix="junction-mqtt-config-"))
        self.log_path = self.workdir / "junction.log"
        command = [binary, "serve"]
        if config is not None:
            (self.workdir / "junction.yaml").write_text(config)
            command += ["--config", str(self.workdir / "junction.yaml")]
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            command, cwd=str(self.workdir), stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.ports = ports
        deadline = time.monotonic() + float(os.environ.get("MQTT_STARTUP_TIMEOUT", "20"))
        while not all(_tcp_accepts(HOST, port) for port in ports.values()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"junction did not start\n{self.log_path.read_text(errors='replace')[-4000:]}")
            time.sleep(0.1)

    def broker(self, mqtt: str = "mqtt") -> Broker:
        """What the paho wrapper needs: MQTT over TCP on `ports[mqtt]`, over WebSocket at /mqtt."""
        ws = self.ports.get("ws", 0)
        return Broker("junction", HOST, self.ports[mqtt], ws, "/mqtt", 0, None, f"ws://{HOST}:{ws}/ws",
                      self.log_path, self.process)

    def wamp(self) -> WampRouter:
        return WampRouter(HOST, self.ports["ws"], f"ws://{HOST}:{self.ports['ws']}/ws")

    def stop(self) -> str:
        how = _stop(self.process)
        self.log.close()
        return how

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="module")
def router():
    """realm1: anonymous may do anything (so a test component may register the authenticator),
    role `device` only under `dev.`; tickets no static principal knows go to the dynamic
    authenticator. MQTT listener `mqtt`: json with `raw/` passthrough and `raw/json/` json again;
    listener `passthrough`: passthrough with `j/` json."""
    ports = {"mqtt": free_port(), "passthrough": free_port(), "ws": free_port()}
    config = f"""\
router:
  event_loops: 2
realms:
  - name: realm1
    roles:
      - name: anonymous
        permissions: [{{uri: "", match: prefix, allow: [call, register, publish, subscribe]}}]
      - name: device
        permissions: [{{uri: dev., match: prefix, allow: [publish, subscribe]}}]
    authentication:
      dynamic: {{procedure: {AUTHENTICATE}, methods: [ticket], timeout: 2}}
transports:
  - type: websocket
    host: {HOST}
    port: {ports["ws"]}
    paths:
      /ws: {{type: wamp}}
  - type: mqtt
    realm: realm1
    host: {HOST}
    port: {ports["mqtt"]}
    payload:
      mode: json
      prefixes:
        - {{prefix: raw/, mode: passthrough}}
        - {{prefix: raw/json/, mode: json}}
  - type: mqtt
    realm: realm1
    host: {HOST}
    port: {ports["passthrough"]}
    payload:
      mode: passthrough
      prefixes:
        - {{prefix: j/, mode: json}}
"""
    r = Router(config, ports)
    yield r
    r.stop()
    shutil.rmtree(r.workdir, ignore_errors=True)


def unique() -> str:
    return uuid.uuid4().hex[:10]


async def queue_of(session, uri: str, match: str = "exact") -> asyncio.Queue:
    q: asyncio.Queue = asyncio.Queue()

    def on_event(*args, details=None, **kwargs):
        q.put_nowait((list(args), kwargs, details))

    await wait(session.subscribe(on_event, uri, options=SubscribeOptions(match=match, details_arg="details")),
               what=f"SUBSCRIBE {uri}")
    return q


# ------------------------------------------------------------------ dynamic authenticator


@pytest.mark.parametrize("version", [4, 5], ids=["v311", "v5"])
def test_connect_is_checked_by_the_dynamic_authenticator(router, version):
    calls = []

    async def authenticate(realm, authid, details):
        calls.append((realm, authid, details))
        if details.get("ticket") == "good":
            return {"role": "device", "authid": "device-" + authid}
        if details.get("ticket") == "forbidden":
            raise ApplicationError("wamp.error.not_authorized", "not this one")
        raise ApplicationError("com.example.invalid_ticket", "unknown ticket")

    async def main():
        async with SessionPool(router.wamp()) as pool:
            component = await pool.connect("websocket", "json")
            await wait(component.register(authenticate, AUTHENTICATE), what="register the authenticator")
            joins = await queue_of(component, "wamp.session.on_join")
            broker = router.broker()
            name = unique()
            good = MQTTClient(broker, version=version, client_id="dyn-" + name, username=name, password="good")
            try:
                await in_thread(good.connect_and_wait)
                # The session is the authenticator's: its authid and role (only `dev.` allowed).
                (info,), _, _ = await wait(joins.get(), what="on_join")
                assert info["authid"] == "device-" + name
                assert info["authrole"] == "device"
                assert info["authmethod"] == "ticket"
                assert info["transport"]["type"] == "mqtt"
                granted = await in_thread(good.subscribe, "other/" + name, 1)
                assert granted == [0x87 if version == 5 else 0x80]
                assert await in_thread(good.subscribe, "dev/" + name, 1) == [1]
            finally:
                good.stop()
            realm, authid, details = calls[0]
            assert (realm, authid) == ("realm1", name)
            assert details["authmethod"] == "ticket"
            assert details["ticket"] == "good"
            assert details["transport"]["type"] == "mqtt"
            assert details["transport"]["mqtt_client_id"] == "dyn-" + name
            # A refusal by the authenticator: bad user name or password; not_authorized: not authorized.
            # paho reports a 3.1.1 return code as the 5.0 reason code (4 -> 0x86, 5 -> 0x87).
            for password, code in (("wrong", 0x86), ("forbidden", 0x87)):
                refused = MQTTClient(broker, version=version, username=name, password=password)
                try:
                    rc = (await in_thread(refused.connect_and_wait, expect_success=False))[0]
                    assert rc == code, f"password {password!r}: CONNACK {rc:#x}, expected {code:#x}"
                finally:
                    refused.stop()
    run(main())


def test_connect_is_refused_when_no_authenticator_answers(router):
    """No component registered the procedure (between tests none is): fail closed."""
    client = MQTTClient(router.broker(), version=5, username=unique(), password="good")
    try:
        rc = client.connect_and_wait(expect_success=False)[0]
        assert rc in (0x86, 0x87), f"CONNACK {rc:#x}"
    finally:
        client.stop()


# ------------------------------------------------------------------ per-prefix payload modes


@pytest.mark.parametrize("mqtt,topic,expect_args", [
    ("mqtt", "plain/{}", True),
    ("mqtt", "raw/{}", False),
    ("mqtt", "raw/json/{}", True),
    ("passthrough", "x/{}", False),
    ("passthrough", "j/{}", True),
], ids=["json-default", "raw-passthrough", "longest-prefix-json", "passthrough-default", "j-json"])
def test_payload_mode_per_topic_prefix(router, mqtt, topic, expect_args):
    topic = topic.format(unique())
    payload = json.dumps({"args": [1, "two"], "kwargs": {"k": True}}).encode()

    async def main():
        async with SessionPool(router.wamp()) as pool:
            s = await pool.connect("websocket", "msgpack")
            q = await queue_of(s, topic.replace("/", "."))
            publisher = MQTTClient(router.broker(mqtt), version=5)
            try:
                await in_thread(publisher.connect_and_wait)
                await in_thread(publisher.publish, topic, payload, 1)
                args, kwargs, _ = await wait(q.get(), what="EVENT")
            finally:
                publisher.stop()
            if expect_args:
                assert args == [1, "two"] and kwargs == {"k": True}
            else:
                assert args == [payload] and not kwargs
    run(main())


def test_passthrough_payload_comes_back_to_mqtt_byte_exact(router):
    """A passthrough publication is one binary argument, which MQTT subscribers of either
    listener get as the very same bytes."""
    topic = "raw/" + unique()
    payload = json.dumps({"args": [1]}).encode()
    subscribers = [MQTTClient(router.broker(name), version=4) for name in ("mqtt", "passthrough")]
    publisher = MQTTClient(router.broker(), version=5)
    try:
        for s in subscribers:
            s.connect_and_wait()
            s.subscribe(topic, 1)
        publisher.connect_and_wait()
        publisher.publish(topic, payload, 1)
        assert [s.get().payload for s in subscribers] == [payload, payload]
    finally:
        for c in subscribers + [publisher]:
            c.stop()


# ------------------------------------------------------------------ testaments


def test_router_shutdown_publishes_mqtt_wills():
    """SIGTERM: the realm publishes every session's testament, an MQTT will too, before it says
    GOODBYE; a WAMP subscriber still connected gets it."""
    ports = {"mqtt": free_port(), "ws": free_port()}
    config = f"""\
realms:
  - name: realm1
    roles:
      - name: anonymous
        permissions: [{{uri: "", match: prefix, allow: [call, register, publish, subscribe]}}]
transports:
  - {{type: websocket, host: {HOST}, port: {ports["ws"]}, paths: {{/ws: {{type: wamp}}}}}}
  - {{type: mqtt, realm: realm1, host: {HOST}, port: {ports["mqtt"]}}}
"""
    r = Router(config, ports)
    topic = "wills/" + unique()
    device = MQTTClient(r.broker(), version=5, will={"topic": topic, "payload": b"router gone", "qos": 1})
    try:
        device.connect_and_wait()

        async def main():
            async with SessionPool(r.wamp()) as pool:
                s = await pool.connect("websocket", "json")
                q = await queue_of(s, topic.replace("/", "."))
                r.process.send_signal(15)
                args, _, _ = await wait(q.get(), what="the will at shutdown")
                assert args == [b"router gone"]
        run(main())
    finally:
        device.stop()
        r.stop()
        shutil.rmtree(r.workdir, ignore_errors=True)


# ------------------------------------------------------------------ the built-in default


def test_builtin_default_configuration_serves_mqtt_on_1883_and_8080():
    ports = {"mqtt": 1883, "ws": 8080, "rawsocket": 8081}
    for name, port in ports.items():
        if _tcp_accepts(HOST, port):
            pytest.skip(f"port {port} ({name}) of the built-in default configuration is taken on this machine")
    r = Router(None, ports)
    topic = "default/" + unique()
    try:
        tcp = MQTTClient(r.broker(), version=4)
        ws = MQTTClient(r.broker(), version=5, transport="websockets")
        publisher = MQTTClient(r.broker(), version=5)
        try:
            for c in (tcp, ws, publisher):
                c.connect_and_wait()
            tcp.subscribe(topic + "/#", 1)
            ws.subscribe(topic + "/#", 1)

            async def main():
                async with SessionPool(r.wamp()) as pool:
                    s = await pool.connect("websocket", "json")
                    q = await queue_of(s, topic.replace("/", "."), match="prefix")
                    await in_thread(publisher.publish, topic + "/t", b'{"args": ["realm1"]}', 1)
                    args, _, details = await wait(q.get(), what="EVENT on realm1")
                    assert args == ["realm1"] and details.topic == topic.replace("/", ".") + ".t"
            run(main())
            # Parsed into args on the way in, encoded again (compactly) on the way out.
            assert json.loads(tcp.get().payload) == {"args": ["realm1"]}
            assert json.loads(ws.get().payload) == {"args": ["realm1"]}
        finally:
            for c in (tcp, ws, publisher):
                c.stop()
    finally:
        r.stop()
        shutil.rmtree(r.workdir, ignore_errors=True)
