"""Fixtures for the MQTT interoperability suite.

The session-scoped ``broker`` fixture starts one broker for the whole run and yields its
endpoints. ``MQTT_BROKER=junction`` (default) runs ``$JUNCTION_BIN serve --config <file>`` with
MQTT listeners over TCP and TLS (and a WebSocket listener for WAMP clients and MQTT over WebSocket
at ``/mqtt``); ``MQTT_BROKER=mosquitto`` runs ``$MOSQUITTO_BIN -c <file>``, which only checks that
the tests themselves are right. Both configurations, with the same ``LIMITS`` so that the same
assertions hold, are written by ``broker_config.py``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from broker_config import HOST, junction_config, mosquitto_config  # noqa: E402
from mqtt_client import MQTTClient  # noqa: E402
from tls_pki import make_pki  # noqa: E402

BROKER_KIND = os.environ.get("MQTT_BROKER", "junction").strip().lower() or "junction"
if BROKER_KIND not in ("junction", "mosquitto"):
    raise pytest.UsageError(f"MQTT_BROKER must be 'junction' or 'mosquitto', not {BROKER_KIND!r}")

STARTUP_TIMEOUT = float(os.environ.get("MQTT_STARTUP_TIMEOUT", "20"))
LOG_TAIL_CHARS = 20000


@dataclass
class Broker:
    kind: str
    host: str
    port: int  # MQTT over TCP
    ws_port: int  # MQTT over WebSocket (junction: the WebSocket listener, path /mqtt)
    ws_path: str
    tls_port: int  # MQTT over TLS
    ca_file: Path  # the CA the TLS listener's certificate chains to
    wamp_url: str | None  # junction only: WAMP over WebSocket
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    def is_junction(self) -> bool:
        return self.kind == "junction"

    def is_mosquitto(self) -> bool:
        return self.kind == "mosquitto"

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, limit: int = LOG_TAIL_CHARS) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"<broker log unreadable: {exc}>"
        return text if len(text) <= limit else "...\n" + text[-limit:]


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _tcp_accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _stop(proc: subprocess.Popen) -> str:
    if proc.poll() is not None:
        return f"had already exited with code {proc.returncode}"
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return "had already exited"
    try:
        proc.wait(timeout=5)
        return f"exited with code {proc.returncode} after SIGTERM"
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)
        return "did not exit within 5 s of SIGTERM and was killed"


def _command(workdir: Path, mqtt_port: int, ws_port: int, tls_port: int, tls) -> list[str]:
    if BROKER_KIND == "junction":
        binary = os.environ.get("JUNCTION_BIN", str(REPO / ".build" / "debug" / "junction"))
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            pytest.exit(f"Junction binary not found or not executable: {binary} (set JUNCTION_BIN)", returncode=3)
        config = workdir / "junction.yaml"
        config.write_text(junction_config(HOST, mqtt_port, ws_port, tls_port, tls))
        return [binary, "serve", "--config", str(config)]
    binary = os.environ.get("MOSQUITTO_BIN") or shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        pytest.exit(f"mosquitto not found or not executable: {binary} (set MOSQUITTO_BIN)", returncode=3)
    config = workdir / "mosquitto.conf"
    config.write_text(mosquitto_config(HOST, mqtt_port, ws_port, tls_port, tls))
    return [binary, "-c", str(config)]


@pytest.fixture(scope="session")
def broker(request):
    workdir = Path(tempfile.mkdtemp(prefix="junction-mqtt-interop-"))
    ports: set[int] = set()
    while len(ports) < 3:
        ports.add(free_port())
    mqtt_port, ws_port, tls_port = sorted(ports)
    tls = make_pki(workdir / "pki")
    # mosquitto started as root drops to the user "mosquitto", which must read the certificates.
    for path in (workdir, workdir / "pki", tls.ca, tls.server_cert, tls.server_key):
        path.chmod(0o755 if path.is_dir() else 0o644)
    log_path = workdir / "broker.log"
    cmd = _command(workdir, mqtt_port, ws_port, tls_port, tls)
    log_file = open(log_path, "wb")
    proc = subprocess.Popen(
        cmd, cwd=str(workdir), stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    junction = BROKER_KIND == "junction"
    b = Broker(
        BROKER_KIND, HOST, mqtt_port, ws_port, "/mqtt", tls_port, tls.ca,
        f"ws://{HOST}:{ws_port}/ws" if junction else None, log_path, proc,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if proc.poll() is not None:
            log_file.close()
            pytest.exit(
                f"broker exited during startup with code {proc.returncode}\ncommand: {' '.join(cmd)}\n"
                f"--- broker log ---\n{b.log_tail()}", returncode=3,
            )
        if all(_tcp_accepts(HOST, port) for port in (mqtt_port, ws_port, tls_port)):
            break
        if time.monotonic() > deadline:
            _stop(proc)
            log_file.close()
            pytest.exit(
                f"broker did not accept connections within {STARTUP_TIMEOUT:.0f}s\ncommand: {' '.join(cmd)}\n"
                f"--- broker log ---\n{b.log_tail()}", returncode=3,
            )
        time.sleep(0.1)
    request.config._mqtt_broker = b
    try:
        yield b
    finally:
        how = _stop(proc)
        log_file.close()
        if proc.returncode not in (0, -signal.SIGTERM):
            sys.stderr.write(f"\nnote: the broker {how}\n")
        if request.session.testsfailed:
            sys.stderr.write(f"\nbroker log kept at {log_path}\n")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(autouse=True)
def _broker_still_running(request):
    """Every test that used the broker must leave it running; once it has died, stop the run."""
    if "broker" not in request.fixturenames:
        yield
        return
    b = request.getfixturevalue("broker")
    if not b.alive():
        pytest.exit(f"broker died earlier (exit code {b.process.returncode})\n{b.log_tail()}", returncode=3)
    yield
    if not b.alive():
        pytest.fail(f"broker died during this test (exit code {b.process.returncode})", pytrace=False)


@pytest.fixture
def topic():
    """A topic prefix no other test uses (so retained messages and sessions never leak between tests)."""
    return f"itest/{uuid.uuid4().hex[:12]}"


@pytest.fixture
def clients(broker):
    """A factory of connected paho clients (``clients(version=5, ...)``), all stopped at the end."""
    made: list[MQTTClient] = []

    def make(version: int = 5, connect: bool = True, **kwargs) -> MQTTClient:
        c = MQTTClient(broker, version=version, **kwargs)
        made.append(c)
        if connect:
            c.connect_and_wait()
        return c

    yield make
    for c in made:
        c.stop()


@pytest.fixture
def raw(broker):
    """A factory of raw-socket MQTT connections (``raw(version)``), all closed at the end."""
    from mqtt_raw import RawClient

    made = []

    def make(version: int = 5) -> RawClient:
        c = RawClient(broker.host, broker.port, version=version)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture(params=[4, 5], ids=["v311", "v5"])
def version(request):
    """MQTT protocol level: 4 (3.1.1) or 5 (5.0)."""
    return request.param


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    b = getattr(item.config, "_mqtt_broker", None)
    if b is None or not rep.failed or "broker" not in getattr(item, "fixturenames", ()):
        return
    rep.sections.append(("broker log (tail)", b.log_tail(4000)))


def pytest_report_header(config):
    if BROKER_KIND == "junction":
        return f"mqtt broker: junction ({os.environ.get('JUNCTION_BIN', REPO / '.build' / 'debug' / 'junction')})"
    return "mqtt broker: mosquitto"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROKER_KIND == "mosquitto":
            mark = item.get_closest_marker("junction_only")
            if mark is not None:
                reason = mark.args[0] if mark.args else mark.kwargs.get("reason", "Junction only")
                item.add_marker(pytest.mark.skip(reason=f"junction only: {reason}"))
            mark = item.get_closest_marker("mosquitto_deviation")
            if mark is not None:
                reason = mark.args[0] if mark.args else mark.kwargs.get("reason", "")
                item.add_marker(pytest.mark.xfail(reason=f"mosquitto deviates: {reason}", strict=True))
