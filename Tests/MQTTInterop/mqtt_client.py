"""paho-mqtt (2.x) clients made synchronous for tests: connect and wait for CONNACK, subscribe and
wait for SUBACK, publish and wait for the handshake, and a queue of received messages."""

from __future__ import annotations

import queue
import threading
import time
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

TIMEOUT = 5.0


def props(packet_type, **values) -> Properties:
    """``props(PacketTypes.PUBLISH, MessageExpiryInterval=5, UserProperty=[("a", "1")])``."""
    p = Properties(packet_type)
    for name, value in values.items():
        setattr(p, name, value)
    return p


def publish_props(**values) -> Properties:
    return props(PacketTypes.PUBLISH, **values)


def connect_props(**values) -> Properties:
    return props(PacketTypes.CONNECT, **values)


def reason_value(code) -> int:
    """paho's ReasonCode (5.0), or an int (3.1.1 return codes), as an int."""
    return code.value if hasattr(code, "value") else int(code)


class MQTTClient:
    """One paho client on its own network thread."""

    def __init__(self, broker, version: int = 5, client_id: str | None = None, clean: bool = True,
                 transport: str = "tcp", keepalive: int = 60, session_expiry: int | None = None,
                 connect_properties: Properties | None = None, will: dict | None = None,
                 username: str | None = None, password: str | None = None, inflight: int = 10,
                 tls: bool = False):
        self.broker = broker
        self.version = version
        self.client_id = f"it-{uuid.uuid4().hex[:10]}" if client_id is None else client_id
        self.clean = clean
        self.keepalive = keepalive
        self.transport = transport
        protocol = mqtt.MQTTv5 if version == 5 else mqtt.MQTTv311
        kwargs = {} if version == 5 else {"clean_session": clean}
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=protocol, transport=transport,
            reconnect_on_failure=False, **kwargs,
        )
        # paho ignores the broker's Receive Maximum; stay within the suite's (conftest.LIMITS).
        self.client.max_inflight_messages_set(inflight)
        if transport == "websockets":
            self.client.ws_set_options(path=broker.ws_path)
        self.tls = tls
        if tls:
            self.client.tls_set(ca_certs=str(broker.ca_file))
        if version == 5:
            cp = connect_properties or connect_props()
            if session_expiry is not None:
                cp.SessionExpiryInterval = session_expiry
            self.connect_properties = cp
        else:
            self.connect_properties = None
        if will:
            self.client.will_set(
                will["topic"], will.get("payload", b""), qos=will.get("qos", 0), retain=will.get("retain", False),
                properties=will.get("properties"),
            )
        if username is not None:
            self.client.username_pw_set(username, password)
        self.messages: queue.Queue = queue.Queue()
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self.connack = None  # (reason code int, session_present, properties)
        self.disconnect_reason = None
        self.subacks: dict[int, list[int]] = {}
        self.pubacks: dict[int, int] = {}
        self._events = threading.Condition()
        c = self.client
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_message = lambda client, userdata, msg: self.messages.put(msg)
        c.on_subscribe = self._on_subscribe
        c.on_publish = self._on_publish
        self._started = False

    # -------------------------------------------------------------- callbacks (network thread)

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        self.connack = (reason_value(reason_code), bool(flags.session_present), properties)
        self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.disconnect_reason = reason_value(reason_code)
        self.disconnected.set()
        self.connected.set()  # wake a connect_and_wait that will not get a CONNACK

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        with self._events:
            self.subacks[mid] = [reason_value(code) for code in reason_codes]
            self._events.notify_all()

    def _on_publish(self, client, userdata, mid, reason_code, properties):
        with self._events:
            self.pubacks[mid] = reason_value(reason_code)
            self._events.notify_all()

    # -------------------------------------------------------------- API (test thread)

    def connect_and_wait(self, timeout: float = TIMEOUT, expect_success: bool = True):
        """Connects and waits for CONNACK; returns (reason code, session present, properties)."""
        kwargs = {}
        if self.version == 5:
            kwargs = {"clean_start": self.clean, "properties": self.connect_properties}
        if self.tls:
            port = self.broker.tls_port
        elif self.transport == "websockets":
            port = self.broker.ws_port
        else:
            port = self.broker.port
        self.client.connect(self.broker.host, port, keepalive=self.keepalive, **kwargs)
        self.client.loop_start()
        self._started = True
        assert self.connected.wait(timeout), f"{self.client_id}: no CONNACK within {timeout}s"
        if expect_success:
            assert self.connack is not None and self.connack[0] == 0, \
                f"{self.client_id}: connection refused: {self.connack} / disconnect {self.disconnect_reason}"
        return self.connack

    def _wait(self, table: dict, mid: int, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        with self._events:
            while mid not in table:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"{self.client_id}: no {what} within {timeout}s"
                self._events.wait(remaining)
            return table[mid]

    def subscribe(self, topic: str, qos: int = 0, timeout: float = TIMEOUT, options: SubscribeOptions | None = None,
                  properties: Properties | None = None) -> list[int]:
        """Subscribes and returns SUBACK's reason codes (granted QoS or failure codes)."""
        if options is not None:
            result, mid = self.client.subscribe(topic, options=options, properties=properties)
        else:
            result, mid = self.client.subscribe(topic, qos=qos, properties=properties)
        assert result == mqtt.MQTT_ERR_SUCCESS, f"subscribe failed locally: {result}"
        return self._wait(self.subacks, mid, timeout, "SUBACK")

    def unsubscribe(self, topic: str) -> None:
        self.client.unsubscribe(topic)

    def publish(self, topic: str, payload=b"", qos: int = 0, retain: bool = False,
                properties: Properties | None = None, timeout: float = TIMEOUT) -> int:
        """Publishes; for QoS > 0 waits for PUBACK / PUBCOMP. Returns the 5.0 reason code (0 = success)."""
        info = self.client.publish(topic, payload, qos=qos, retain=retain, properties=properties)
        assert info.rc == mqtt.MQTT_ERR_SUCCESS, f"publish failed locally: {info.rc}"
        return self._wait(self.pubacks, info.mid, timeout, "publish completion")

    def get(self, timeout: float = TIMEOUT):
        """The next received message (paho MQTTMessage); fails after ``timeout``."""
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"{self.client_id}: no message within {timeout}s") from None

    def get_n(self, n: int, timeout: float = TIMEOUT) -> list:
        deadline = time.monotonic() + timeout
        return [self.get(max(0.01, deadline - time.monotonic())) for _ in range(n)]

    def expect_nothing(self, wait: float = 0.7) -> None:
        try:
            msg = self.messages.get(timeout=wait)
        except queue.Empty:
            return
        raise AssertionError(f"{self.client_id}: unexpected message on {msg.topic!r}: {msg.payload!r}")

    def drain(self, wait: float = 0.7) -> list:
        out = []
        while True:
            try:
                out.append(self.messages.get(timeout=wait))
            except queue.Empty:
                return out

    def disconnect(self, reason_code: int | None = None, properties: Properties | None = None) -> None:
        """A clean DISCONNECT (no will)."""
        if reason_code is not None and self.version == 5:
            from paho.mqtt.reasoncodes import ReasonCode

            self.client.disconnect(ReasonCode(PacketTypes.DISCONNECT, identifier=reason_code), properties)
        else:
            self.client.disconnect()
        self.disconnected.wait(TIMEOUT)
        self.stop()

    def stop(self) -> None:
        if self._started:
            self._started = False
            try:
                self.client.disconnect()
            except Exception:
                pass
            self.client.loop_stop()
