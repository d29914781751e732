"""The Eclipse command-line clients mosquitto_pub / mosquitto_sub (Debian mosquitto-clients)
against the broker: QoS 0/1/2 both ways in 3.1.1 and 5.0, retained, will, 5.0 properties."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import pytest

PUB = shutil.which("mosquitto_pub")
SUB = shutil.which("mosquitto_sub")
pytestmark = pytest.mark.skipif(not (PUB and SUB), reason="mosquitto-clients not installed (run.sh installs them)")

VERSIONS = {4: "mqttv311", 5: "mqttv5"}
STDBUF = ["stdbuf", "-oL"] if shutil.which("stdbuf") else []


class Sub:
    """mosquitto_sub in the background, started once its SUBACK arrived (-d prints it)."""

    def __init__(self, broker, version, *args, count=1, wait=10):
        # stdbuf: line-buffered stdout, so SUBACK is seen when it happens, not at exit.
        # bufsize=0: readline() below must not read past SUBACK into a buffer communicate()
        # never looks at (a retained PUBLISH often follows SUBACK in the same read).
        self.proc = subprocess.Popen(
            [*STDBUF, SUB, "-h", broker.host, "-p", str(broker.port), "-V", VERSIONS[version], "-d", "-C", str(count),
             "-W", str(wait), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            bufsize=0,
        )
        self.lines: list[str] = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline().decode(errors="replace")
            if not line:
                break
            self.lines.append(line.rstrip("\n"))
            if "received SUBACK" in line:
                return
        self.kill()
        raise AssertionError(f"mosquitto_sub did not subscribe: {self.lines}")

    def output(self, timeout=10) -> list[str]:
        """The lines after SUBACK that are not debug output, once mosquitto_sub exited."""
        out, _ = self.proc.communicate(timeout=timeout)
        rest = out.decode(errors="replace").splitlines()
        debug = ("Client ", "Subscribed", "Timed out")
        return [line for line in rest if not line.startswith(debug)]

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def pub(broker, version, *args, check=True):
    return subprocess.run(
        [PUB, "-h", broker.host, "-p", str(broker.port), "-V", VERSIONS[version], *args],
        capture_output=True, timeout=10, check=check, stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_pub_sub_qos(broker, topic, version, qos):
    s = Sub(broker, version, "-t", topic, "-q", str(qos), "-v", count=2)
    pub(broker, version, "-t", topic, "-q", str(qos), "-m", "hello")
    pub(broker, version, "-t", topic, "-q", str(qos), "-m", "world")
    assert s.output() == [f"{topic} hello", f"{topic} world"]


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_paho_to_mosquitto_sub_and_back(broker, clients, topic, version, qos):
    s = Sub(broker, version, "-t", topic, "-q", str(qos), count=1)
    clients(version).publish(topic, b"from paho", qos=qos)
    assert s.output() == ["from paho"]
    c = clients(version)
    c.subscribe(topic, qos)
    pub(broker, version, "-t", topic, "-q", str(qos), "-m", "from mosquitto_pub")
    msg = c.get()
    assert (msg.payload, msg.qos) == (b"from mosquitto_pub", qos)


def test_binary_payload_is_byte_exact(broker, clients, topic, tmp_path, version):
    data = bytes(range(256)) * 4
    path = tmp_path / "blob"
    path.write_bytes(data)
    c = clients(version)
    c.subscribe(topic, 1)
    pub(broker, version, "-t", topic, "-q", "1", "-f", str(path))
    assert c.get().payload == data


def test_retained_with_mosquitto_pub(broker, topic, version):
    pub(broker, version, "-t", topic, "-r", "-q", "1", "-m", "retained one")
    s = Sub(broker, version, "-t", topic, "--retained-only", count=1, wait=3)
    assert s.output() == ["retained one"]
    pub(broker, version, "-t", topic, "-r", "-q", "1", "-n")  # clear
    s = subprocess.run([SUB, "-h", broker.host, "-p", str(broker.port), "-t", topic, "--retained-only", "-W", "1"],
                       capture_output=True, timeout=10)
    assert s.stdout == b""


def test_will_of_a_killed_mosquitto_sub(broker, clients, topic, version):
    watcher = clients(version)
    watcher.subscribe(topic + "/will", 1)
    s = Sub(broker, version, "-t", topic, "--will-topic", topic + "/will", "--will-payload", "sub died",
            "--will-qos", "1", "-k", "5", count=1, wait=30)
    s.kill()
    assert watcher.get(timeout=10).payload == b"sub died"


def test_v5_properties_from_mosquitto_pub(broker, clients, topic):
    c = clients(5)
    c.subscribe(topic, 1)
    pub(broker, 5, "-t", topic, "-q", "1", "-m", "{}", "-D", "publish", "user-property", "k", "v",
        "-D", "publish", "content-type", "application/json", "-D", "publish", "response-topic", topic + "/r",
        "-D", "publish", "correlation-data", "c0", "-D", "publish", "payload-format-indicator", "1",
        "-D", "publish", "message-expiry-interval", "60")
    p = c.get().properties
    assert p.UserProperty == [("k", "v")]
    assert (p.ContentType, p.ResponseTopic, p.CorrelationData, p.PayloadFormatIndicator) == (
        "application/json", topic + "/r", b"c0", 1)
    assert 0 < p.MessageExpiryInterval <= 60


def test_shared_subscription_with_mosquitto_sub(broker, clients, topic):
    a = Sub(broker, 5, "-t", f"$share/cli/{topic}", "-q", "1", count=10, wait=5)
    b = Sub(broker, 5, "-t", f"$share/cli/{topic}", "-q", "1", count=10, wait=5)
    p = clients(5)
    for i in range(10):
        p.publish(topic, str(i).encode(), qos=1)
    got = sorted(int(x) for x in a.output(timeout=15) + b.output(timeout=15))
    assert got == list(range(10))
