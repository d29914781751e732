"""Fixtures for the Junction interoperability suite.

The session-scoped ``router`` fixture starts one router process for the whole
test session and yields its endpoints. By default that is Junction
(``$JUNCTION_BIN serve --config <file>``); with ``INTEROP_ROUTER=crossbar`` it
is Crossbar.io (``$CROSSBAR_BIN``, default ``<repo>/.venv-crossbar/bin/crossbar``),
which is only used to check that the tests themselves are right.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

# Autobahn must use its stdlib JSON codec (ujson loses the binary convention).
os.environ.pop("AUTOBAHN_USE_UJSON", None)

ROUTER_KIND = os.environ.get("INTEROP_ROUTER", "junction").strip().lower() or "junction"
if ROUTER_KIND not in ("junction", "crossbar"):
    raise pytest.UsageError(f"INTEROP_ROUTER must be 'junction' or 'crossbar', not {ROUTER_KIND!r}")

REALM = "realm1"
TRANSPORTS = ["websocket", "rawsocket-tcp", "rawsocket-unix"]
SERIALIZERS = ["json", "msgpack", "cbor"]
STARTUP_TIMEOUT = float(os.environ.get("INTEROP_STARTUP_TIMEOUT", "20" if ROUTER_KIND == "junction" else "60"))
LOG_TAIL_CHARS = 20000


@dataclass
class Router:
    """Where the router under test listens."""

    kind: str
    host: str
    ws_port: int
    ws_path: str
    rs_port: int
    unix_path: str
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.ws_port}{self.ws_path}"

    def is_crossbar(self) -> bool:
        return self.kind == "crossbar"

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, limit: int = LOG_TAIL_CHARS) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"<router log unreadable: {exc}>"
        if len(text) > limit:
            text = "...\n" + text[-limit:]
        return text


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _tcp_accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _unix_accepts(path: str) -> bool:
    if not os.path.exists(path):
        return False
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(0.5)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


# The HTTP bridge paths of the WebSocket listener (test_http_bridge.py), the same in both routers'
# configurations: name -> (type, options).
BRIDGE_KEY = "bridge-key"
BRIDGE_SECRET = "bridge-secret"
WEBHOOK_TOPIC = "com.example.interop.webhook"
BRIDGE_PATHS = {
    "publish": ("publisher", {}),
    "call": ("caller", {}),
    "signed-publish": ("publisher", {"key": BRIDGE_KEY, "secret": BRIDGE_SECRET}),
    "small-publish": ("publisher", {"post_body_limit": 64}),
    "webhook": ("webhook", {"topic": WEBHOOK_TOPIC}),
}


def _bridge_path(kind: str, options: dict) -> dict:
    path = {"type": kind, "realm": REALM, "role": "anonymous"}
    if options:
        path["options"] = options
    return path


def _junction_bridge_paths() -> str:
    return "\n".join(
        f"      /{name}: {json.dumps(_bridge_path(kind, options))}" for name, (kind, options) in BRIDGE_PATHS.items()
    )


def junction_config(host: str, ws_port: int, ws_path: str, rs_port: int, unix_path: str) -> str:
    return f"""\
router:
  event_loops: 1
realms:
  - name: {REALM}
    event_history:
      - uri: com.example.interop.history.
        match: prefix
        limit: 5
      # Streams for test_recovery.py: offsets, epochs and _recover on SUBSCRIBE.
      - uri: com.example.interop.stream.
        match: prefix
        limit: 200
    roles:
      - name: anonymous
        permissions:
          - uri: ""
            match: prefix
            allow: [call, register, publish, subscribe]
transports:
  - type: websocket
    host: {host}
    port: {ws_port}
    paths:
      {ws_path}: {{type: wamp}}
{_junction_bridge_paths()}
  - type: rawsocket
    host: {host}
    port: {rs_port}
  - type: rawsocket
    unix: {unix_path}
"""


def crossbar_config(host: str, ws_port: int, ws_path: str, rs_port: int, unix_path: str) -> dict:
    serializers = ["json", "msgpack", "cbor"]
    return {
        "version": 2,
        "controller": {},
        "workers": [
            {
                "type": "router",
                "realms": [
                    {
                        "name": REALM,
                        "roles": [
                            {
                                "name": "anonymous",
                                "permissions": [
                                    {
                                        "uri": "",
                                        "match": "prefix",
                                        "allow": {"call": True, "register": True, "publish": True, "subscribe": True},
                                        "disclose": {"caller": False, "publisher": False},
                                        "cache": True,
                                    }
                                ],
                            }
                        ],
                    }
                ],
                "transports": [
                    {
                        "type": "web",
                        "endpoint": {"type": "tcp", "interface": host, "port": ws_port},
                        "paths": {
                            ws_path.strip("/"): {
                                "type": "websocket",
                                "serializers": serializers,
                                "options": {
                                    "max_message_size": 16 * 1024 * 1024,
                                    "enable_webstatus": False,
                                },
                            },
                            **{name: _bridge_path(kind, options) for name, (kind, options) in BRIDGE_PATHS.items()},
                        },
                    },
                    {
                        "type": "rawsocket",
                        "endpoint": {"type": "tcp", "interface": host, "port": rs_port},
                        "serializers": serializers,
                        "options": {"max_message_size": 16 * 1024 * 1024},
                    },
                    {
                        "type": "rawsocket",
                        "endpoint": {"type": "unix", "path": unix_path},
                        "serializers": serializers,
                        "options": {"max_message_size": 16 * 1024 * 1024},
                    },
                ],
            }
        ],
    }


def _router_command(workdir: Path, host, ws_port, ws_path, rs_port, unix_path) -> list[str]:
    if ROUTER_KIND == "junction":
        binary = os.environ.get("JUNCTION_BIN", str(REPO / ".build" / "debug" / "junction"))
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            pytest.exit(f"Junction binary not found or not executable: {binary} (set JUNCTION_BIN)", returncode=3)
        config = workdir / "junction.yaml"
        config.write_text(junction_config(host, ws_port, ws_path, rs_port, unix_path))
        return [binary, "serve", "--config", str(config)]

    binary = os.environ.get("CROSSBAR_BIN", str(REPO / ".venv-crossbar" / "bin" / "crossbar"))
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        pytest.exit(f"Crossbar binary not found or not executable: {binary} (set CROSSBAR_BIN)", returncode=3)
    cbdir = workdir / ".crossbar"
    cbdir.mkdir()
    (cbdir / "config.json").write_text(json.dumps(crossbar_config(host, ws_port, ws_path, rs_port, unix_path), indent=2))
    return [binary, "start", "--cbdir", str(cbdir), "--loglevel", "info"]


def _stop(proc: subprocess.Popen) -> str:
    """SIGTERM the router's process group, SIGKILL it after 5 s. Returns what happened."""
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


@pytest.fixture(scope="session")
def router(request):
    host = "127.0.0.1"
    workdir = Path(tempfile.mkdtemp(prefix="junction-interop-"))
    ws_port = free_port(host)
    rs_port = free_port(host)
    while rs_port == ws_port:
        rs_port = free_port(host)
    ws_path = "/ws"
    unix_path = str(workdir / "junction.sock")
    log_path = workdir / "router.log"

    cmd = _router_command(workdir, host, ws_port, ws_path, rs_port, unix_path)
    env = dict(os.environ)
    env.pop("AUTOBAHN_USE_UJSON", None)
    log_file = open(log_path, "wb")
    # Own process group, so crossbar's worker processes are stopped with it.
    proc = subprocess.Popen(
        cmd,
        cwd=str(workdir),
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    r = Router(ROUTER_KIND, host, ws_port, ws_path, rs_port, unix_path, log_path, proc)

    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if proc.poll() is not None:
            log_file.close()
            pytest.exit(
                f"router exited during startup with code {proc.returncode}\n"
                f"command: {' '.join(cmd)}\n--- router log ---\n{r.log_tail()}",
                returncode=3,
            )
        if _tcp_accepts(host, ws_port) and _tcp_accepts(host, rs_port) and _unix_accepts(unix_path):
            break
        if time.monotonic() > deadline:
            _stop(proc)
            log_file.close()
            pytest.exit(
                f"router did not accept connections within {STARTUP_TIMEOUT:.0f}s "
                f"(ws {host}:{ws_port}, rawsocket {host}:{rs_port}, unix {unix_path})\n"
                f"command: {' '.join(cmd)}\n--- router log ---\n{r.log_tail()}",
                returncode=3,
            )
        time.sleep(0.1)

    request.config._interop_router = r
    try:
        yield r
    finally:
        how = _stop(proc)
        log_file.close()
        if proc.returncode not in (0, -signal.SIGTERM):
            sys.stderr.write(f"\nnote: the router {how}\n")
        if request.session.testsfailed:
            sys.stderr.write(f"\nrouter log kept at {log_path}\n")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(autouse=True)
def _router_still_running(request):
    """Every test that used the router must leave it running; once it has died, stop the run."""
    if "router" not in request.fixturenames:
        yield
        return
    r = request.getfixturevalue("router")
    if not r.alive():
        pytest.exit(
            f"router process died earlier (exit code {r.process.returncode}); stopping\n"
            f"--- router log ---\n{r.log_tail()}",
            returncode=3,
        )
    yield
    if not r.alive():
        pytest.fail(f"router process died during this test (exit code {r.process.returncode})", pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    r = getattr(item.config, "_interop_router", None)
    if r is None or not rep.failed or "router" not in getattr(item, "fixturenames", ()):
        return
    rep.sections.append(("router log (tail)", r.log_tail(4000)))


def pytest_report_header(config):
    if ROUTER_KIND == "junction":
        binary = os.environ.get("JUNCTION_BIN", str(REPO / ".build" / "debug" / "junction"))
        return f"interop router: junction ({binary})"
    return "interop router: crossbar"


def pytest_collection_modifyitems(config, items):
    if ROUTER_KIND != "crossbar":
        return
    for item in items:
        mark = item.get_closest_marker("crossbar_xfail")
        if mark is not None:
            reason = mark.args[0] if mark.args else mark.kwargs.get("reason", "")
            item.add_marker(pytest.mark.xfail(reason=f"crossbar deviates: {reason}", strict=False))


@pytest.fixture(params=TRANSPORTS)
def transport(request):
    return request.param


@pytest.fixture(params=SERIALIZERS)
def serializer(request):
    return request.param
