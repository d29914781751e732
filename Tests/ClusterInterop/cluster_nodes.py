"""Processes of the cluster suite: one redis-server and Junction nodes, on free loopback ports.

Every process is started with a log file in the test's temporary directory and stopped (SIGKILL
for Redis, SIGTERM then SIGKILL for a node) by the fixture that made it, whatever the test did.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REALM = "realm1"
LOG_TAIL_CHARS = 6000

# Short membership timings, so a dead node is noticed well within the tests' patience (the
# defaults are 1 s / 3 s / 7 s). The command timeout stays generous (default 2 s): on a loaded
# 2-core machine a debug build's Redis round trips under 10 000 publications took over 1 s, and a
# timeout closes the connection with the publications in flight (see docs/cluster-redis.md).
HEARTBEAT_INTERVAL_MS = 200
HEARTBEAT_TTL_MS = 1000
EVICT_AFTER_MS = 3000
COMMAND_TIMEOUT_MS = 5000


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def tcp_accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    """Polls ``predicate`` (another process's state: there is no clock to inject) until it is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def _tail(path: Path) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"<log unreadable: {exc}>"
    return text if len(text) <= LOG_TAIL_CHARS else "...\n" + text[-LOG_TAIL_CHARS:]


def redis_server_binary() -> str:
    explicit = os.environ.get("REDIS_SERVER_BIN")
    if explicit:
        return explicit
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)
    if not found:
        raise RuntimeError("redis-server not found (apt-get install redis-server, or set REDIS_SERVER_BIN)")
    return found


class RedisServer:
    """A throwaway redis-server without persistence; ``restart()`` keeps the port, loses every key."""

    def __init__(self, workdir: Path):
        self.host = "127.0.0.1"
        self.port = free_port()
        self.log_path = workdir / "redis.log"
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}"

    def start(self):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [redis_server_binary(), "--port", str(self.port), "--bind", self.host, "--save", "",
             "--appendonly", "no", "--protected-mode", "no", "--loglevel", "notice", "--dir", str(self.log_path.parent)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        log.close()
        wait_until(lambda: self.ping(), 15, f"redis-server on port {self.port}\n{_tail(self.log_path)}")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def restart(self):
        self.kill()
        self.start()

    def cli(self, *args: str) -> str:
        """Runs ``redis-cli`` against this server and returns its output (raises on failure)."""
        binary = shutil.which("redis-cli")
        if binary is None:
            raise RuntimeError("redis-cli not found (apt-get install redis-tools)")
        done = subprocess.run(
            [binary, "-h", self.host, "-p", str(self.port), *args],
            capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL,
        )
        if done.returncode != 0:
            raise RuntimeError(f"redis-cli {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout.strip()

    def ping(self) -> bool:
        try:
            return self.cli("PING") == "PONG"
        except (RuntimeError, subprocess.TimeoutExpired):
            return False


def node_config(name: str, ws_port: int, rs_port: int, redis_url: str, key_prefix: str) -> str:
    return f"""\
router:
  event_loops: 2
realms:
  - name: {REALM}
    roles:
      - name: anonymous
        permissions:
          - uri: ""
            match: prefix
            allow: [call, register, publish, subscribe]
transports:
  - type: websocket
    host: 127.0.0.1
    port: {ws_port}
    paths:
      /ws: {{type: wamp}}
      /ready: {{type: ready}}
      /metrics: {{type: metrics}}
  - type: rawsocket
    host: 127.0.0.1
    port: {rs_port}
cluster:
  redis: "{redis_url}"
  node: {name}
  key_prefix: {key_prefix}
  heartbeat_interval_ms: {HEARTBEAT_INTERVAL_MS}
  heartbeat_ttl_ms: {HEARTBEAT_TTL_MS}
  evict_after_ms: {EVICT_AFTER_MS}
  command_timeout_ms: {COMMAND_TIMEOUT_MS}
"""


@dataclass
class Node:
    """One ``junction serve`` process; has the attributes Tests/Interop's SessionPool connects with."""

    name: str
    ws_port: int
    rs_port: int
    config_path: Path
    log_path: Path
    host: str = "127.0.0.1"
    ws_path: str = "/ws"
    unix_path: str = ""
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.ws_port}{self.ws_path}"

    def start(self):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [os.environ["JUNCTION_BIN"], "serve", "--config", str(self.config_path), "--log-level", "info"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        log.close()
        wait_until(
            lambda: self._check_alive() and tcp_accepts(self.host, self.ws_port) and tcp_accepts(self.host, self.rs_port),
            30, f"node {self.name} to listen",
        )

    def _check_alive(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise AssertionError(f"node {self.name} exited\n{self.log_tail()}")
        return True

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self):
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if not self.alive():
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def http_get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://{self.host}:{self.ws_port}{path}", timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError as error:
            return 0, str(error)

    def ready(self) -> bool:
        return self.http_get("/ready")[0] == 200

    def metric(self, name: str) -> float | None:
        """The value of an unlabelled series in ``/metrics`` (``None`` when absent)."""
        status, text = self.http_get("/metrics")
        if status != 200:
            return None
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{}"):
                return float(line.rsplit(" ", 1)[1])
        return None

    def log_tail(self) -> str:
        return _tail(self.log_path)


class Cluster:
    """Three nodes (node-a, node-b, node-c) meeting at one Redis."""

    def __init__(self, workdir: Path, redis: RedisServer, names=("node-a", "node-b", "node-c")):
        self.redis = redis
        self.key_prefix = "junction-it"
        self.nodes: dict[str, Node] = {}
        for name in names:
            config = workdir / f"{name}.yaml"
            node = Node(name=name, ws_port=free_port(), rs_port=free_port(), config_path=config,
                        log_path=workdir / f"{name}.log")
            config.write_text(node_config(name, node.ws_port, node.rs_port, redis.url, self.key_prefix))
            self.nodes[name] = node

    def __getitem__(self, name: str) -> Node:
        return self.nodes[name]

    @property
    def a(self) -> Node:
        return self.nodes["node-a"]

    @property
    def b(self) -> Node:
        return self.nodes["node-b"]

    @property
    def c(self) -> Node:
        return self.nodes["node-c"]

    def start(self):
        for node in self.nodes.values():
            node.start()
        self.wait_formed()

    def wait_formed(self, timeout: float = 30):
        """Every live node is ready (Redis reached, self-probe back) and sees every other live node."""
        live = [n for n in self.nodes.values() if n.alive()]
        for node in live:
            wait_until(node.ready, timeout, f"{node.name} /ready\n{node.log_tail()}")
            wait_until(lambda: node.metric("junction_cluster_nodes") == len(live), timeout,
                       f"{node.name} to see {len(live)} nodes\n{node.log_tail()}")

    def stop(self):
        for node in self.nodes.values():
            node.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {n.name} ---\n{n.log_tail()}" for n in self.nodes.values())

    def status(self) -> list[dict]:
        """``junction cluster status`` against this cluster's Redis, as rows."""
        done = subprocess.run(
            [os.environ["JUNCTION_BIN"], "cluster", "status", "--config", str(self.a.config_path)],
            capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stderr
        rows = []
        for line in done.stdout.splitlines()[1:]:
            parts = line.split()
            if parts:
                rows.append({"node": parts[0], "sessions": parts[1]})
        return rows


def dump(value) -> str:
    return json.dumps(value, default=str)
