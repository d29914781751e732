"""Hosted components (issue 15): Junction starts autobahn components from its configuration.

Each test runs its own `junction serve` with a `components:` section whose components are
Python autobahn programs (Tests/ComponentInterop/pid_component.py, run by this venv's
interpreter), and talks to it over a Unix RawSocket with autobahn like any client. The last test
runs the smart-home example (examples/smart-home.yaml) for a few seconds and reads its output.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import ROUTER_KIND, _unix_accepts
from wamp_client import SessionPool, run, wait

pytestmark = pytest.mark.skipif(ROUTER_KIND != "junction", reason="hosted components are a Junction feature")

REPO = Path(__file__).resolve().parents[2]
JUNCTION = os.environ.get("JUNCTION_BIN", str(REPO / ".build" / "debug" / "junction"))
COMPONENT = str(REPO / "Tests" / "ComponentInterop" / "pid_component.py")


@dataclass
class Hosted:
    """A `junction serve` with components; `unix_path` is what SessionPool connects to."""

    process: subprocess.Popen
    workdir: Path
    unix_path: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 15) -> float:
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return time.monotonic() - started


@pytest.fixture(autouse=True)
def _router_log_on_failure():
    """Stops every router a test started; prints the last one's log (shown when the test fails)."""
    yield
    for hosted in _started:
        hosted.stop()
        print(f"--- router log ({hosted.workdir}) ---\n{hosted.log()[-8000:]}")
    _started.clear()


_started: list[Hosted] = []


def serve(config: dict, cwd: Path | None = None) -> Hosted:
    workdir = Path(tempfile.mkdtemp(prefix="junction-components-"))
    unix_path = str(workdir / "client.sock")
    config.setdefault("transports", []).append({"type": "rawsocket", "unix": unix_path})
    config.setdefault("router", {})["log_level"] = "info"
    (workdir / "junction.yaml").write_text(yaml.safe_dump(config))
    log_path = workdir / "router.log"
    env = dict(os.environ, TMPDIR=str(workdir))
    process = subprocess.Popen(
        [JUNCTION, "serve", "--config", str(workdir / "junction.yaml")],
        cwd=str(cwd or workdir), stdin=subprocess.DEVNULL, stdout=open(log_path, "wb"), stderr=subprocess.STDOUT,
        env=env, start_new_session=True)
    hosted = Hosted(process, workdir, unix_path, log_path)
    _started.append(hosted)
    deadline = time.monotonic() + 20
    while not _unix_accepts(unix_path):
        if process.poll() is not None or time.monotonic() > deadline:
            hosted.stop()
            raise AssertionError(f"router did not start:\n{hosted.log()}")
        time.sleep(0.05)
    return hosted


def realm(extra_roles=()) -> dict:
    return {"name": "realm1", "roles": [
        {"name": "anonymous", "permissions": [{"uri": "", "match": "prefix",
                                               "allow": ["call", "register", "publish", "subscribe"]}]},
        {"name": "backend", "permissions": [{"uri": "com.interop.", "match": "prefix", "allow": ["register"]}]},
        *extra_roles,
    ]}


def pid_component(name="pids", instances=1, **extra) -> dict:
    return {"name": name, "realm": "realm1", "role": "backend", "exec": [sys.executable, COMPONENT],
            "instances": instances, "ready": {"procedures": ["com.interop.pid"], "timeout": 20},
            "backoff": {"initial": 0.05, "max": 0.2}, "stop_timeout": 5, **extra}


async def eventually(what, condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def callees(session, procedure) -> int:
    registration = await session.call("wamp.registration.lookup", procedure)
    if registration is None:
        return 0
    return await session.call("wamp.registration.count_callees", registration)


async def pids(session, name) -> list[int]:
    details = await session.call("junction.component.get", name)
    return [i["pid"] for i in details["instance_states"] if "pid" in i]


def test_autobahn_component_is_callable_with_exactly_its_role():
    hosted = serve({"realms": [realm()], "components": [pid_component()]})
    try:
        async def body():
            async with SessionPool(hosted) as pool:
                s = await pool.connect("rawsocket-unix", "json")
                await eventually("registered", lambda: _is(callees(s, "com.interop.pid"), 1))
                authid, authrole, authmethod = await s.call("com.interop.whoami")
                assert (authid, authrole, authmethod) == ("pids-1", "backend", "ticket")
                assert await s.call("com.interop.pid") == (await pids(s, "pids"))[0]
        run(body())
        assert "pid component pids-1 registered" in hosted.log()
    finally:
        hosted.stop()


async def _is(awaitable, expected) -> bool:
    return (await awaitable) == expected


def test_three_instances_spread_calls_over_three_processes():
    hosted = serve({"realms": [realm()], "components": [pid_component(instances=3)]})
    try:
        async def body():
            async with SessionPool(hosted) as pool:
                s = await pool.connect("rawsocket-unix", "msgpack")
                await eventually("three callees", lambda: _is(callees(s, "com.interop.pid"), 3))
                answered = [await s.call("com.interop.pid") for _ in range(9)]
                assert set(answered) == set(await pids(s, "pids"))
                assert len(set(answered)) == 3
                assert all(answered.count(p) == 3 for p in set(answered))
        run(body())
    finally:
        hosted.stop()


def test_kill_9_unregisters_and_the_restart_registers_again():
    hosted = serve({"realms": [realm()], "components": [pid_component(restart="on-failure")]})
    try:
        async def body():
            async with SessionPool(hosted) as pool:
                s = await pool.connect("rawsocket-unix", "json")
                states = []
                await s.subscribe(lambda e: states.append(e), "junction.component.on_state")
                deleted = []
                await s.subscribe(lambda session, reg: deleted.append(reg), "wamp.registration.on_delete")
                await eventually("registered", lambda: _is(callees(s, "com.interop.pid"), 1))
                old = (await pids(s, "pids"))[0]
                os.kill(old, signal.SIGKILL)
                # Both of its registrations (com.interop.pid and com.interop.whoami) go away.
                await eventually("registrations gone", lambda: _true(len(deleted) == 2))
                await eventually("back from a new process", lambda: _is(callees(s, "com.interop.pid"), 1))
                new = await s.call("com.interop.pid")
                assert new != old and new == (await pids(s, "pids"))[0]
                crashed = [e for e in states if e["state"] == "crashed"]
                assert crashed and crashed[0]["signal"] == 9
                assert any(e["state"] == "backing_off" for e in states)
        run(body())
        assert "component instance exited unexpectedly" in hosted.log()
    finally:
        hosted.stop()


async def _true(value) -> bool:
    return value


def test_crash_loop_backs_off_and_stops_at_the_limit():
    crasher = {"name": "crasher", "realm": "realm1", "role": "backend",
               "exec": [sys.executable, "-c", "import sys; print('crashing'); sys.exit(7)"],
               "restart": "always", "backoff": {"initial": 0.02, "max": 0.05, "max_restarts": 2}}
    hosted = serve({"realms": [realm()], "components": [crasher, pid_component()]})
    try:
        async def body():
            async with SessionPool(hosted) as pool:
                s = await pool.connect("rawsocket-unix", "cbor")

                async def failed():
                    return (await s.call("junction.component.get", "crasher"))["state"] == "failed"
                await eventually("crash-loop limit", failed)
                details = await s.call("junction.component.get", "crasher")
                instance = details["instance_states"][0]
                assert instance["crashes"] == 3 and instance["exit_code"] == 7
                # The router and the other component keep going.
                await eventually("other registered", lambda: _is(callees(s, "com.interop.pid"), 1))
        run(body())
        assert "crash-loop limit" in hosted.log()
    finally:
        hosted.stop()


def test_shutdown_stops_every_component_within_stop_timeout():
    stubborn = {"name": "stubborn", "realm": "realm1", "role": "backend",
                "exec": [sys.executable, "-c",
                         "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ignoring', flush=True); time.sleep(60)"],
                "stop_timeout": 0.5}
    hosted = serve({"realms": [realm()], "components": [stubborn, pid_component(instances=2)]})
    try:
        async def body():
            async with SessionPool(hosted) as pool:
                s = await pool.connect("rawsocket-unix", "json")
                await eventually("two callees", lambda: _is(callees(s, "com.interop.pid"), 2))
                await eventually("stubborn runs", lambda: _true("ignoring" in hosted.log()))
                return await pids(s, "pids") + await pids(s, "stubborn")
        children = run(body())
        took = hosted.stop()
        assert took < 5, f"shutdown took {took:.1f}s"
        for pid in children:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
        assert "ignored SIGTERM" in hosted.log()
    finally:
        hosted.stop()


def test_never_ready_blocks_dependents_and_is_reported():
    lazy = {"name": "lazy", "realm": "realm1", "role": "backend", "exec": [sys.executable, "-c", "import time; time.sleep(60)"],
            "ready": {"procedures": ["com.interop.never"], "timeout": 0.5}}
    hosted = serve({"realms": [realm()], "components": [lazy, pid_component(depends_on=["lazy"])]})
    try:
        async def body():
            async with SessionPool(hosted) as pool:
                s = await pool.connect("rawsocket-unix", "json")
                await eventually("reported", lambda: _true("is not ready after" in hosted.log()))
                details = await s.call("junction.component.get", "pids")
                assert details["state"] == "waiting" and details["waiting_for"] == ["lazy"]
                assert await callees(s, "com.interop.pid") == 0
        run(body())
    finally:
        hosted.stop()


def test_smart_home_example():
    config = yaml.safe_load((REPO / "examples" / "smart-home.yaml").read_text())
    for transport in config["transports"]:
        transport["port"] = 0
    python = sys.executable
    for component in config["components"]:
        component["exec"][0] = python
        component["env"]["SENSOR_PERIOD"] = "0.05"
    hosted = serve(config, cwd=REPO)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "fan: OFF" not in hosted.log():
            time.sleep(0.2)
        hosted.stop()
        log = hosted.log()
        for line in ("sensor: joined as sensor-1 (device)", "controller: watching home.temperature",
                     "-> fan.on", "fan: ON", "-> fan.off", "fan: OFF", "logger: "):
            assert line in log, f"{line!r} missing from the output:\n{log[-5000:]}"
        assert re.search(r"component instance started.*component=fan", log) or "component=fan" in log
    finally:
        hosted.stop()
