"""Processes for the dashboard test: Junction, whoever serves the page, and a headless Chromium.

All three are started once per run and stopped at the end (also on SIGTERM, which ``run.sh``'s
timeout sends); their process ids go to ``$DASHBOARD_PIDFILE`` so ``run.sh`` can stop anything
left over.
"""

from __future__ import annotations

import functools
import http.server
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

ASSETS = REPO / "Sources" / "JunctionServer" / "HTTP" / "Dashboard"

# Who serves the page: "python" (a static file server over ASSETS, on its own port) or "junction"
# (the router's own `dashboard` service at `/`, next to WAMP on the same listener).
PAGE_ORIGIN = os.environ.get("DASHBOARD_PAGE_ORIGIN", "junction")

REALM = "realm1"
STARTUP_TIMEOUT = 20.0


@dataclass
class Principal:
    authid: str
    ticket: str


@dataclass
class Harness:
    ws_url: str
    page_base: str        # the page without its query string
    explicit_url: bool    # whether the page must be told the WAMP URL (served from elsewhere)
    devtools_port: int
    dashboard: Principal  # the page's principal: role `dashboard` of the default configuration
    client: Principal     # the test's own clients: role `anonymous` (everything)
    limited: Principal    # role `limited`: no meta API
    exposition: dict | None  # {"text": ...} the static server answers /metrics with (python origin)
    workdir: Path
    junction: subprocess.Popen

    def page(self, principal: Principal | None = None, ticket_in_fragment: bool = False, **query: str) -> str:
        """The page's URL for `principal` (default: the dashboard's), with query overrides; the
        ticket in the query string or in the fragment."""
        principal = principal or self.dashboard
        values = {"realm": REALM, "authid": principal.authid}
        if self.explicit_url:
            values["url"] = self.ws_url
        values.update(query)
        fragment = ""
        if ticket_in_fragment:
            fragment = "#" + urllib.parse.urlencode({"ticket": principal.ticket})
        else:
            values["ticket"] = principal.ticket
        return self.page_base + "?" + urllib.parse.urlencode(values) + fragment

    @property
    def page_url(self) -> str:
        return self.page()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _record_pid(pid: int):
    path = os.environ.get("DASHBOARD_PIDFILE")
    if path:
        with open(path, "a") as f:
            f.write(f"{pid}\n")


def _stop(process: subprocess.Popen):
    """SIGTERM the process group, SIGKILL it after 5 s."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def junction_configuration(
    binary: str, port: int, dashboard: Principal, client: Principal, limited: Principal
) -> tuple[str, str]:
    """The built-in default configuration (`junction init`) with its first WebSocket listener moved
    to `port`, the other listeners removed, anonymous access refused, and ticket principals: the
    page gets the default's `dashboard` role, which is what this test proves sufficient."""
    text = subprocess.run([binary, "init"], check=True, capture_output=True, text=True, timeout=30).stdout
    config = yaml.safe_load(text)
    realm = next(r for r in config["realms"] if r["name"] == REALM)
    assert any(role["name"] == "dashboard" for role in realm["roles"]), "no dashboard role in the default"
    realm["anonymous_role"] = ""
    realm["authentication"] = {
        "ticket": {
            "principals": [
                {"authid": dashboard.authid, "ticket": dashboard.ticket, "role": "dashboard"},
                {"authid": client.authid, "ticket": client.ticket, "role": "anonymous"},
                {"authid": limited.authid, "ticket": limited.ticket, "role": "limited"},
            ]
        }
    }
    limited_rule = {"uri": "com.", "match": "prefix", "allow": ["call", "publish", "subscribe"]}
    realm["roles"].append({"name": "limited", "permissions": [limited_rule]})
    listener = next(t for t in config["transports"] if t["type"] == "websocket")
    listener.update(host="127.0.0.1", port=port)
    config["transports"] = [listener]
    config.setdefault("router", {})["log_level"] = "info"
    path = listener.get("path", "/ws")
    if isinstance(listener.get("paths"), dict):  # the HTTP listener: the path of its WAMP service
        kind = lambda service: service if isinstance(service, str) else (service or {}).get("type")  # noqa: E731
        path = next((p for p, service in listener["paths"].items() if kind(service) == "wamp"), "/ws")
    return yaml.safe_dump(config, sort_keys=False), path


class _PageHandler(http.server.SimpleHTTPRequestHandler):
    """The page's files, and `/metrics` from `exposition` (404 while it is None), as the router
    serves its Prometheus text next to the dashboard."""

    exposition: dict = {"text": None}

    def do_GET(self):
        if self.path.split("?")[0] != "/metrics":
            return super().do_GET()
        text = self.exposition["text"]
        if text is None:
            return self.send_error(404)
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def harness():
    # pytest's own cleanup must run when run.sh's timeout sends SIGTERM.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt("SIGTERM")))
    binary = os.environ.get("JUNCTION_BIN", str(REPO / ".build" / "debug" / "junction"))
    chromium = os.environ.get("CHROMIUM", shutil.which("chromium") or "chromium")
    workdir = Path(tempfile.mkdtemp(prefix="junction-dashboard-"))
    dashboard = Principal("dashboard-admin", secrets.token_hex(12))
    client = Principal("dashboard-test-client", secrets.token_hex(12))
    limited = Principal("dashboard-limited", secrets.token_hex(12))
    processes: list[subprocess.Popen] = []
    server = None
    exposition = None
    try:
        port = _free_port()
        text, ws_path = junction_configuration(binary, port, dashboard, client, limited)
        (workdir / "junction.yaml").write_text(text)
        junction = subprocess.Popen(
            [binary, "serve", "--config", str(workdir / "junction.yaml")], cwd=workdir,
            stdin=subprocess.DEVNULL, stdout=open(workdir / "junction.log", "wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        processes.append(junction)
        _record_pid(junction.pid)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _accepts(port):
            if junction.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"junction did not start:\n{(workdir / 'junction.log').read_text()}")
            time.sleep(0.1)
        ws_url = f"ws://127.0.0.1:{port}{ws_path}"

        if PAGE_ORIGIN == "python":
            exposition = {"text": None}
            handler_class = type("Handler", (_PageHandler,), {"exposition": exposition})
            handler = functools.partial(handler_class, directory=str(ASSETS))
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            page_base, explicit_url = f"http://127.0.0.1:{server.server_address[1]}/index.html", True
        elif PAGE_ORIGIN == "junction":
            page_base, explicit_url = f"http://127.0.0.1:{port}/", False  # the page's default: same host, /ws
        else:
            raise pytest.UsageError(f"DASHBOARD_PAGE_ORIGIN must be python or junction, not {PAGE_ORIGIN!r}")

        profile = workdir / "chromium-profile"
        browser = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", f"--user-data-dir={profile}",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
             "--disable-background-networking", "--disable-background-timer-throttling",
             "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
             "--window-size=1280,1200", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=open(workdir / "chromium.log", "wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        processes.append(browser)
        _record_pid(browser.pid)
        active_port = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (active_port.exists() and active_port.read_text().strip()):
            if browser.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"chromium did not start:\n{(workdir / 'chromium.log').read_text()[-4000:]}")
            time.sleep(0.1)
        devtools_port = int(active_port.read_text().split()[0])

        yield Harness(
            ws_url, page_base, explicit_url, devtools_port, dashboard, client, limited, exposition, workdir, junction)
    finally:
        for process in reversed(processes):
            _stop(process)
        if server is not None:
            server.shutdown()
        log = workdir / "junction.log"
        if log.exists() and any(p.returncode not in (0, -signal.SIGTERM, None) for p in processes[:1]):
            sys.stderr.write(f"\n--- junction log ---\n{log.read_text()[-8000:]}\n")
        shutil.rmtree(workdir, ignore_errors=True)
