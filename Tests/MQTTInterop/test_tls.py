"""MQTT over TLS: paho and mosquitto_pub against the TLS listener (certificate from the test CA)."""

from __future__ import annotations

import shutil
import socket
import subprocess

import pytest

import mqtt_raw as r


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_publish_and_subscribe_over_tls(clients, topic, version, qos):
    sub = clients(version, tls=True)
    sub.subscribe(topic, qos)
    plain = clients(version)
    plain.subscribe(topic, qos)
    pub = clients(version, tls=True)
    pub.publish(topic, b"secret", qos=qos)
    assert sub.get().payload == b"secret"
    assert plain.get().payload == b"secret", "TLS and TCP clients share the topics"


@pytest.mark.skipif(not shutil.which("mosquitto_pub"), reason="mosquitto-clients not installed")
def test_mosquitto_pub_over_tls(broker, clients, topic, version):
    sub = clients(version)
    sub.subscribe(topic, 1)
    subprocess.run(
        ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.tls_port), "--cafile", str(broker.ca_file),
         "-V", "mqttv5" if version == 5 else "mqttv311", "-t", topic, "-q", "1", "-m", "via tls"],
        check=True, capture_output=True, timeout=10,
    )
    assert sub.get().payload == b"via tls"


def test_plain_mqtt_on_the_tls_port_is_not_accepted(broker):
    c = r.RawClient(broker.host, broker.tls_port, version=4)
    try:
        c.send(r.connect("it-plain-on-tls", version=4))
        seen = c.wait_closed(timeout=10)
        assert all(p.type != r.CONNACK for p in seen)
    except (ConnectionResetError, socket.error):
        pass
    finally:
        c.close()
