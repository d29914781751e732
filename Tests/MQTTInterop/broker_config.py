"""The brokers' configurations for the MQTT interop suite, in one place to adjust.

``junction_config()`` writes Junction's YAML (an MQTT listener as issue #13 describes it, TLS, and
a WebSocket listener for WAMP and MQTT over WebSocket); ``mosquitto_config()`` gives mosquitto the
same limits. ``python broker_config.py DIR`` prints Junction's configuration (certificates in DIR),
for ``junction check --config``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HOST = "127.0.0.1"
REALM = "realm1"

# Limits both brokers are configured with (the tests assert them).
LIMITS = {
    "max_packet_size": 100_000,  # bytes, whole packet; 5.0 CONNACK Maximum Packet Size
    "receive_maximum": 10,  # QoS 1/2 publications in flight per direction; 5.0 CONNACK Receive Maximum
    "max_queued_messages": 50,  # QoS >= 1 messages queued per offline session
    "max_queued_bytes": 1_048_576,
    "max_keepalive": 100,  # seconds; a 5.0 client asking for more gets Server Keep Alive
    "topic_alias_maximum": 10,
}
# How Junction's MQTT listener names each limit (the keys of its `limits:` section). Issue #13
# names max_queued_messages / max_queued_bytes; the others follow MQTTSessionConfiguration.
JUNCTION_LIMIT_KEYS = {
    "max_packet_size": "max_packet_size",
    "receive_maximum": "receive_maximum",
    "max_queued_messages": "max_queued_messages",
    "max_queued_bytes": "max_queued_bytes",
    "max_keepalive": "max_keep_alive",
    "topic_alias_maximum": "topic_alias_maximum",
}
# A ticket principal (MQTT username/password) and a topic prefix anonymous clients may not use.
TICKET_USER, TICKET_SECRET = "device-1", "device-1-secret"
DENIED_PREFIX = "denied"


def junction_config(host: str, mqtt_port: int, ws_port: int, tls_port: int, tls, limits: dict = LIMITS) -> str:
    """Junction's configuration for the suite: WAMP at ``/ws`` and MQTT over WebSocket at
    ``/mqtt`` of one HTTP listener, MQTT over TCP and over TLS, all on one realm with the same
    limits as mosquitto's configuration."""
    limit_lines = "\n".join(f"      {JUNCTION_LIMIT_KEYS[key]}: {value}" for key, value in limits.items())
    ws_limit_lines = "\n".join(f"          {JUNCTION_LIMIT_KEYS[key]}: {value}" for key, value in limits.items())
    return f"""\
router:
  event_loops: 1
realms:
  - name: {REALM}
    roles:
      - name: anonymous
        permissions:
          - uri: ""
            match: prefix
            allow: [call, register, publish, subscribe]
          - uri: {DENIED_PREFIX}.
            match: prefix
            allow: []
      - name: device
        permissions:
          - uri: ""
            match: prefix
            allow: [call, register, publish, subscribe]
    authentication:
      ticket:
        principals:
          - authid: {TICKET_USER}
            ticket: {TICKET_SECRET}
            role: device
transports:
  - type: websocket
    host: {host}
    port: {ws_port}
    paths:
      /ws: {{type: wamp}}
      /mqtt:
        type: mqtt
        realm: {REALM}
        limits:
{ws_limit_lines}
  - type: mqtt
    realm: {REALM}
    host: {host}
    port: {mqtt_port}
    limits:
{limit_lines}
  - type: mqtt
    realm: {REALM}
    host: {host}
    port: {tls_port}
    tls:
      certificate: {tls.server_cert}
      key: {tls.server_key}
    limits:
{limit_lines}
"""


def mosquitto_config(host: str, mqtt_port: int, ws_port: int, tls_port: int, tls, limits: dict = LIMITS) -> str:
    return f"""\
per_listener_settings false
allow_anonymous true
persistence false
log_dest stderr
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
max_packet_size {limits["max_packet_size"]}
max_inflight_messages {limits["receive_maximum"]}
max_queued_messages {limits["max_queued_messages"]}
max_queued_bytes {limits["max_queued_bytes"]}
max_keepalive {limits["max_keepalive"]}
max_topic_alias {limits["topic_alias_maximum"]}
listener {mqtt_port} {host}
listener {ws_port} {host}
protocol websockets
listener {tls_port} {host}
cafile {tls.ca}
certfile {tls.server_cert}
keyfile {tls.server_key}
"""


if __name__ == "__main__":
    from tls_pki import make_pki

    directory = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="junction-mqtt-check-"))
    print(junction_config(HOST, 1883, 8080, 8883, make_pki(directory / "pki")), end="")
