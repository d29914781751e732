"""The dashboard in a real headless Chromium, against a live Junction.

The page joins with the default configuration's `dashboard` role; the test's own sessions are
autobahn-python clients with a known authid. Each test drives the page over the DevTools protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os

os.environ.pop("AUTOBAHN_USE_UJSON", None)

import txaio  # noqa: E402

txaio.use_asyncio()

from autobahn.asyncio.wamp import ApplicationSession  # noqa: E402
from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.serializer import CBORSerializer, JsonSerializer, MsgPackSerializer  # noqa: E402
from autobahn.wamp.types import ComponentConfig, PublishOptions, SubscribeOptions  # noqa: E402

import websockets  # noqa: E402
import websockets.asyncio.server  # noqa: E402
from cdp import DevTools, page_target  # noqa: E402
from conftest import Principal  # noqa: E402

SERIALIZERS = {"json": JsonSerializer, "msgpack": MsgPackSerializer, "cbor": CBORSerializer}
TIMEOUT = 10


def run(coro, timeout: float = 90):
    async def bounded():
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


class Client(ApplicationSession):
    """A ticket-authenticated autobahn session whose join and leave are futures."""

    def __init__(self, config, principal):
        super().__init__(config)
        self.principal = principal
        self.joined = asyncio.get_running_loop().create_future()
        self.gone = asyncio.get_running_loop().create_future()

    def onConnect(self):
        self.join(self.config.realm, authmethods=["ticket"], authid=self.principal.authid)

    def onChallenge(self, challenge):
        return self.principal.ticket

    def onJoin(self, details):
        self.joined.set_result(details)

    def onLeave(self, details):
        if not self.joined.done():
            self.joined.set_exception(AssertionError(f"did not join: {details.reason} {details.message}"))
        super().onLeave(details)

    def onDisconnect(self):
        if not self.gone.done():
            self.gone.set_result(True)


async def connect(harness, serializer: str = "json") -> Client:
    holder = {}

    def make():
        holder["session"] = Client(ComponentConfig(realm="realm1"), harness.client)
        return holder["session"]

    factory = WampWebSocketClientFactory(make, url=harness.ws_url, serializers=[SERIALIZERS[serializer]()])
    host, port = harness.ws_url.split("//")[1].split("/")[0].split(":")
    await asyncio.wait_for(asyncio.get_running_loop().create_connection(factory, host, int(port)), TIMEOUT)
    for _ in range(200):
        if "session" in holder:
            break
        await asyncio.sleep(0.01)
    session = holder["session"]
    await asyncio.wait_for(session.joined, TIMEOUT)
    return session


async def leave(*sessions: Client):
    for session in sessions:
        if session.is_attached():
            session.leave()
    await asyncio.wait_for(asyncio.gather(*(s.gone for s in sessions)), TIMEOUT)


@contextlib.asynccontextmanager
async def page(harness, navigate: bool = False, url: str | None = None):
    """A DevTools connection to the dashboard page (`url`, default: the dashboard principal's),
    loaded once per run (or again on request), that fails the test if the page threw or logged
    an error."""
    url = url or harness.page_url
    devtools = await DevTools.open(page_target(harness.devtools_port))
    try:
        current = await devtools.evaluate("location.href")
        if navigate or current != url:
            await devtools.navigate(url)
            await devtools.wait_until("document.readyState === 'complete' && !!window.junctionDashboard", "the page")
        yield devtools
        assert devtools.exceptions == [], f"the page threw: {devtools.exceptions}"
        assert devtools.console_errors == [], f"the page logged errors: {devtools.console_errors}"
    finally:
        await devtools.close()


def js(value) -> str:
    return json.dumps(value)


def rows(table: str) -> str:
    """JavaScript: the text of a table's cells, row by row."""
    return f"[...document.querySelectorAll('#{table} tbody tr')].map(r => [...r.cells].map(c => c.textContent))"


async def wait_connected(devtools) -> str:
    """Waits until the page has joined, subscribed to the meta events and loaded the lists."""
    await devtools.wait_until(
        "document.getElementById('status').dataset.state === 'up' && junctionDashboard.state.ready",
        "the page to join", 15)
    return await devtools.evaluate("document.getElementById('status').textContent")


async def fill(devtools, values: dict[str, str]):
    for element, value in values.items():
        await devtools.evaluate(f"document.getElementById({js(element)}).value = {js(value)}")


async def click_and_read(devtools, button: str, result: str, previous: str | None = None) -> tuple[str, str]:
    """Clicks a console button and waits for its output to change; returns (text, data-ok)."""
    await devtools.evaluate(f"document.getElementById({js(result)}).textContent = ''")
    await devtools.evaluate(f"document.getElementById({js(button)}).click()")
    text = await devtools.wait_until(f"document.getElementById({js(result)}).textContent", f"{result} to show")
    ok = await devtools.evaluate(f"document.getElementById({js(result)}).dataset.ok")
    return text, ok


# MARK: tests


def test_page_loads_and_joins_with_the_dashboard_role(harness):
    async def scenario():
        async with page(harness, navigate=True) as devtools:
            status = await wait_connected(devtools)
            assert f"{harness.dashboard.authid} (dashboard)" in status, status
            title = await devtools.evaluate("document.title")
            assert title == "Junction dashboard"
            own = await devtools.wait_until(
                f"{rows('sessions')}.find(r => r[0].endsWith('(this page)'))", "the page's own session row")
            assert own[1] == harness.dashboard.authid and own[2] == "dashboard", own

    run(scenario())


def test_shows_a_session_the_test_opened_and_its_leave(harness):
    async def scenario():
        async with page(harness) as devtools:
            await wait_connected(devtools)
            client = await connect(harness, "msgpack")
            row = await devtools.wait_until(
                f"{rows('sessions')}.find(r => r[0] === {js(str(client._session_id))})", "the test's session row")
            session, authid, role, authmethod, transport, serializer, peer, since = row
            assert (authid, role, authmethod) == (harness.client.authid, "anonymous", "ticket"), row
            assert (transport, serializer) == ("websocket", "msgpack"), row
            assert peer.startswith("127.0.0.1:") and since, row
            await leave(client)
            await devtools.wait_until(
                f"!{rows('sessions')}.some(r => r[0] === {js(str(client._session_id))})", "the row to go on leave")

    run(scenario())


def test_lists_subscriptions_and_registrations_with_counts(harness):
    async def scenario():
        async with page(harness) as devtools:
            await wait_connected(devtools)
            first, second = await connect(harness), await connect(harness, "cbor")
            await first.subscribe(lambda *a: None, "com.dashboard.test.news")
            subscription = await second.subscribe(
                lambda *a: None, "com.dashboard.test.", options=SubscribeOptions(match="prefix"))
            await second.subscribe(lambda *a: None, "com.dashboard.test.news")
            await first.register(lambda a, b: a + b, "com.dashboard.test.sum")
            find = lambda table, uri: f"{rows(table)}.find(r => r[1] === {js(uri)})"  # noqa: E731
            news_row = find("subscriptions", "com.dashboard.test.news")
            news = await devtools.wait_until(f"({news_row} || [])[3] === '2' && {news_row}", "news with 2 subscribers")
            assert news[2] == "exact", news
            prefix_row = find("subscriptions", "com.dashboard.test.")
            # A row appears on on_create; its count follows on on_subscribe / on_register.
            prefix = await devtools.wait_until(f"({prefix_row} || [])[3] === '1' && {prefix_row}", "the prefix subscription")
            assert prefix[2:] == ["prefix", "1"], prefix
            sum_row = find("registrations", "com.dashboard.test.sum")
            registration = await devtools.wait_until(f"({sum_row} || [])[4] === '1' && {sum_row}", "the registration")
            assert registration[2:] == ["exact", "single", "1"], registration
            # The page's own meta and probe subscriptions are not listed.
            uris = await devtools.evaluate(f"{rows('subscriptions')}.map(r => r[1])")
            assert not any(uri.startswith("wamp.") or uri.strip(".") == "" for uri in uris), uris

            await subscription.unsubscribe()
            await devtools.wait_until(f"!{find('subscriptions', 'com.dashboard.test.')}", "the prefix one to go")
            await leave(second)
            await devtools.wait_until(f"({news_row} || [])[3] === '1'", "news down to 1 subscriber")
            await leave(first)
            await devtools.wait_until(f"!{sum_row}", "the registration to go")

    run(scenario())


def test_rate_chart_moves_when_the_test_publishes(harness):
    async def scenario():
        async with page(harness) as devtools:
            await wait_connected(devtools)
            chart = "document.getElementById('rate-chart')"
            points = f"JSON.parse({chart}.dataset.points)"
            # Let a sample pass, so that the samples from now on hold only this test's publications.
            first = await devtools.evaluate("junctionDashboard.state.samples")
            await devtools.wait_until(f"junctionDashboard.state.samples > {first}", "a sample", 3)
            start = await devtools.evaluate("junctionDashboard.state.samples")
            image_before = await devtools.evaluate(f"{chart}.toDataURL()")
            since_start = f"{points}.slice(-(junctionDashboard.state.samples - {start})).reduce((a, b) => a + b, 0)"
            publisher = await connect(harness)
            count = 40
            for index in range(count):
                # One, two, three and four components: each matches one of the page's probes.
                topic = ["tick", "com.tick", "com.dashboard.tick", "com.dashboard.test.tick"][index % 4]
                await publisher.publish(topic, index, options=PublishOptions(acknowledge=True))
                await asyncio.sleep(0.03)
            # Every publication is counted exactly once.
            await devtools.wait_until(f"junctionDashboard.state.samples > {start} && {since_start} >= {count}",
                                      "the points to add up", 8)
            settled = await devtools.evaluate("junctionDashboard.state.samples")
            await devtools.wait_until(f"junctionDashboard.state.samples > {settled}", "one more sample", 3)
            assert await devtools.evaluate(since_start) == count
            assert max(await devtools.evaluate(points)) > 0
            image_after = await devtools.evaluate(f"{chart}.toDataURL()")
            assert image_after != image_before, "the canvas was not redrawn"
            await leave(publisher)

    run(scenario())


def test_console_publish_reaches_the_test_subscriber(harness):
    async def scenario():
        async with page(harness) as devtools:
            await wait_connected(devtools)
            subscriber = await connect(harness)
            received = asyncio.get_running_loop().create_future()
            await subscriber.subscribe(
                lambda *args, **kwargs: received.done() or received.set_result((args, kwargs)),
                "com.dashboard.test.console")
            await fill(devtools, {"publish-topic": "com.dashboard.test.console",
                                  "publish-args": '["from the page", 42]', "publish-kwargs": '{"level": {"x": 1}}'})
            text, ok = await click_and_read(devtools, "publish-button", "publish-result")
            assert text.startswith("published, id ") and ok == "true", text
            args, kwargs = await asyncio.wait_for(received, TIMEOUT)
            assert list(args) == ["from the page", 42] and kwargs == {"level": {"x": 1}}, (args, kwargs)
            await leave(subscriber)

    run(scenario())


def test_console_call_shows_results_and_errors(harness):
    async def scenario():
        async with page(harness) as devtools:
            await wait_connected(devtools)
            callee = await connect(harness)

            def add(a, b):
                return a + b

            def refuse():
                raise ApplicationError("com.dashboard.test.refused", "no", reason="test")

            await callee.register(add, "com.dashboard.test.add")
            await callee.register(refuse, "com.dashboard.test.refuse")
            cases = [
                ("com.dashboard.test.add", "[2, 3]", "args: [5]", "true"),
                ("com.dashboard.test.refuse", "[]", "error com.dashboard.test.refused", "false"),
                ("com.dashboard.test.missing", "[]", "error wamp.error.no_such_procedure", "false"),
                ("wamp.session.count", "[]", "args: [", "true"),
                # The dashboard role may read the meta API but not kill sessions.
                ("wamp.session.kill_all", "[]", "error wamp.error.not_authorized", "false"),
            ]
            for procedure, args, expected, expected_ok in cases:
                await fill(devtools, {"call-procedure": procedure, "call-args": args, "call-kwargs": "{}"})
                text, ok = await click_and_read(devtools, "call-button", "call-result")
                assert text.startswith(expected) and ok == expected_ok, (procedure, text)
            await leave(callee)

    run(scenario())


def test_console_bad_input_is_refused_and_the_page_stays_up(harness):
    async def scenario():
        async with page(harness) as devtools:
            status = await wait_connected(devtools)
            cases = [
                ("publish", {"publish-topic": "com.dashboard.test.x", "publish-args": "[1,", "publish-kwargs": "{}"},
                 "invalid input"),
                ("publish", {"publish-topic": "com.dashboard.test.x", "publish-args": "[]", "publish-kwargs": "[]"},
                 "invalid input: must be a JSON object"),
                ("call", {"call-procedure": "com.x", "call-args": '{"a": 1}', "call-kwargs": "{}"},
                 "invalid input: must be a JSON list"),
                # The router's own refusals come back as errors on the page.
                ("publish", {"publish-topic": "com.bad uri", "publish-args": "[]", "publish-kwargs": "{}"},
                 "error wamp.error.invalid_uri"),
                ("call", {"call-procedure": "com..empty", "call-args": "[]", "call-kwargs": "{}"},
                 "error wamp.error.invalid_uri"),
            ]
            for kind, values, expected in cases:
                await fill(devtools, values)
                text, ok = await click_and_read(devtools, f"{kind}-button", f"{kind}-result")
                assert text.startswith(expected) and ok == "false", (values, text)
            assert await devtools.evaluate("document.getElementById('status').textContent") == status
            assert harness.junction.poll() is None

    run(scenario())


def test_page_rejoins_after_its_session_is_killed(harness):
    async def scenario():
        async with page(harness) as devtools:
            await wait_connected(devtools)
            old = await devtools.evaluate("junctionDashboard.state.session.id")
            admin = await connect(harness)
            await admin.call("wamp.session.kill", old, reason="wamp.close.killed", message="dashboard test")
            await devtools.wait_until(
                "window.junctionDashboard.state.session && junctionDashboard.state.session.id !== "
                f"{old} && document.getElementById('status').dataset.state === 'up'", "the page to rejoin", 15)
            await devtools.wait_until(f"{rows('sessions')}.some(r => r[0] === {js(str(admin._session_id))})",
                                      "the sessions to be listed again")
            await leave(admin)

    run(scenario())


EXPOSITION = """\
# HELP junction_events_dropped_total Events not delivered.
# TYPE junction_events_dropped_total counter
junction_events_dropped_total{realm="realm1",reason="slow_consumer"} 7
junction_events_dropped_total{realm="other",reason="slow_consumer"} 100
junction_events_dropped_total{realm="realm1",reason="no_such_thing"} 1000
junction_slow_consumer_drops_total{realm="realm1",note="a \\"quoted\\" } value"} 3
junction_publications_total{realm="realm1"} 50
"""


def test_slow_consumer_drops_come_from_the_routers_metrics(harness):
    async def scenario():
        async with page(harness) as devtools:
            await wait_connected(devtools)
            # The parser, on a made-up exposition: this realm's slow-consumer drops only.
            assert await devtools.evaluate(f"slowConsumerDrops({js(EXPOSITION)}, 'realm1')") == 10
            assert await devtools.evaluate(f"slowConsumerDrops({js(EXPOSITION)}, 'other')") == 100
            assert await devtools.evaluate("slowConsumerDrops('junction_x_total 1\\n', 'realm1')") is None
            shown = "['count-drops', 'drops-label'].map(id => document.getElementById(id).textContent)"
            if harness.exposition is None:  # served by Junction: its own /metrics
                expected = await devtools.evaluate(
                    "fetch('/metrics').then(r => r.ok ? r.text() : null)"
                    ".then(t => t && slowConsumerDrops(t, 'realm1'))")
                await devtools.evaluate("pollDrops()")
                count, label = await devtools.evaluate(shown)
                assert count == ("\u2013" if expected is None else str(expected)), (count, label, expected)
                return
            await devtools.evaluate("pollDrops()")
            assert await devtools.evaluate(shown) == ["\u2013", "slow-consumer drops (no /metrics here)"]
            harness.exposition["text"] = EXPOSITION
            try:
                await devtools.evaluate("pollDrops()")
                assert await devtools.evaluate(shown) == ["10", "slow-consumer drops"]
            finally:
                harness.exposition["text"] = None

    run(scenario())


def test_refused_session_is_shown_and_not_retried(harness):
    async def scenario():
        wrong = Principal(harness.dashboard.authid, "not-the-ticket")
        async with page(harness, url=harness.page(wrong)) as devtools:
            status = await devtools.wait_until(
                "document.getElementById('status').dataset.state === 'down' && "
                "document.getElementById('status').textContent", "the refusal", 15)
            assert "wamp.error.authentication_failed" in status, status
            # Retrying would only add failed logins for this address (the router's lockout).
            await asyncio.sleep(2.5)
            assert await devtools.evaluate("junctionDashboard.state.attempts") == 1

    run(scenario())


def test_a_role_without_the_meta_api_sees_what_it_may(harness):
    async def scenario():
        # The ticket in the fragment, which the browser keeps out of HTTP requests.
        async with page(harness, url=harness.page(harness.limited, ticket_in_fragment=True)) as devtools:
            status = await wait_connected(devtools)
            assert "(limited)" in status, status
            notes = await devtools.wait_until(
                "document.getElementById('notes').textContent.includes('cannot list registrations') && "
                "document.getElementById('notes').textContent", "the notes")
            for expected in ("no live updates from wamp.session.on_join: wamp.error.not_authorized",
                             "no message rate: wamp.error.not_authorized",
                             "cannot list sessions: wamp.error.not_authorized"):
                assert expected in notes, notes
            # The console still works within the role.
            subscriber = await connect(harness)
            received = asyncio.get_running_loop().create_future()
            await subscriber.subscribe(
                lambda *args: received.done() or received.set_result(args), "com.dashboard.limited")
            await fill(
                devtools, {"publish-topic": "com.dashboard.limited", "publish-args": "[1]", "publish-kwargs": "{}"})
            text, ok = await click_and_read(devtools, "publish-button", "publish-result")
            assert ok == "true", text
            assert list(await asyncio.wait_for(received, TIMEOUT)) == [1]
            await leave(subscriber)

    run(scenario())


def test_a_router_that_breaks_the_protocol_gets_abort(harness):
    """A peer sending what is not a WAMP message gets ABORT wamp.error.protocol_violation."""

    async def scenario():
        aborts = asyncio.Queue()
        replies = iter(["this is not JSON", '{"not": "a list"}', '[36, 1, 2, {}, ["event before WELCOME"]]'])

        async def bad_router(socket):
            json.loads(await socket.recv())  # HELLO
            await socket.send(next(replies, "[]"))
            with contextlib.suppress(websockets.ConnectionClosed):
                async for text in socket:
                    await aborts.put(json.loads(text))

        async with websockets.asyncio.server.serve(
                bad_router, "127.0.0.1", 0, subprotocols=["wamp.2.json"]) as server:
            port = server.sockets[0].getsockname()[1]
            async with page(harness, url=harness.page(url=f"ws://127.0.0.1:{port}/ws")) as devtools:
                for expected in ("not JSON", "not a WAMP list", "message type 36 before WELCOME"):
                    abort = await asyncio.wait_for(aborts.get(), 15)
                    assert abort[0] == 3 and abort[2] == "wamp.error.protocol_violation", abort
                    assert expected in abort[1]["message"], abort
                status = await devtools.evaluate("document.getElementById('status').textContent")
                assert status.startswith("disconnected: protocol violation") or status.startswith("connecting"), status
            # Leave the page on the real router, so it stops retrying this one.
            async with page(harness, navigate=True) as devtools:
                await wait_connected(devtools)

    run(scenario())


def test_probe_off_leaves_out_the_rate_subscriptions(harness):
    async def scenario():
        async with page(harness, url=harness.page(probe="off")) as devtools:
            await wait_connected(devtools)
            # Meta events only: on_join, on_leave, and four per subscriptions and registrations.
            assert await devtools.evaluate("junctionDashboard.state.own.size") == 10
        async with page(harness, navigate=True) as devtools:
            await wait_connected(devtools)
            assert await devtools.evaluate("junctionDashboard.state.own.size") == 10 + 12

    run(scenario())


def test_screenshot(harness):
    """Some traffic, then a screenshot: docs/dashboard.png (with DASHBOARD_SCREENSHOT=docs/dashboard.png)."""

    async def scenario():
        async with page(harness) as devtools:
            await wait_connected(devtools)
            clients = [await connect(harness, serializer) for serializer in ("json", "msgpack", "cbor")]
            await clients[0].register(lambda a, b: a + b, "com.example.add")
            await clients[1].register(lambda: "pong", "com.example.ping")
            for client in clients:
                await client.subscribe(lambda *a: None, "com.example.news")
            await clients[2].subscribe(lambda *a: None, "com.example.sensor.", options=SubscribeOptions(match="prefix"))
            await fill(devtools, {"publish-topic": "com.example.news", "publish-args": '["hello from the dashboard"]',
                                  "call-procedure": "com.example.add", "call-args": "[2, 3]"})
            await click_and_read(devtools, "call-button", "call-result")
            await click_and_read(devtools, "publish-button", "publish-result")
            target = os.environ.get("DASHBOARD_SCREENSHOT")
            # A longer, livelier chart for the picture in the docs; a short one otherwise.
            for second in range(24 if target else 5):
                for index in range(int(12 + 10 * math.sin(second / 3)) + second):
                    clients[index % 3].publish(f"com.example.sensor.s{index % 4}", index)
                await asyncio.sleep(1)
            png = await devtools.screenshot()
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000, len(png)
            if target:
                with open(target, "wb") as f:
                    f.write(png)
            await leave(*clients)

    run(scenario())


def test_nodes_panel_shows_the_cluster_and_stays_hidden_without_one(harness):
    """A second Junction in a (one-node) cluster with its own redis-server: the page connected to
    it shows the Nodes panel from `junction.cluster.nodes`; connected to the harness's router,
    which is not clustered, the panel stays hidden."""
    import shutil
    import subprocess
    import time

    import yaml
    from conftest import _accepts, _free_port, _record_pid, _stop, junction_configuration

    redis_server = shutil.which("redis-server")
    if redis_server is None:
        import pytest

        pytest.skip("redis-server is not installed")
    binary = harness.junction.args[0]
    redis_port, port = _free_port(), _free_port()
    processes = []
    try:
        redis = subprocess.Popen(
            [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        processes.append(redis)
        _record_pid(redis.pid)
        text, path = junction_configuration(binary, port, harness.dashboard, harness.client, harness.limited)
        config = yaml.safe_load(text)
        config["cluster"] = {"redis": f"redis://127.0.0.1:{redis_port}", "node": "dash-node",
                             "heartbeat_interval_ms": 200, "heartbeat_ttl_ms": 600, "evict_after_ms": 3000}
        (harness.workdir / "clustered.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        junction = subprocess.Popen(
            [binary, "serve", "--config", str(harness.workdir / "clustered.yaml")], cwd=harness.workdir,
            stdin=subprocess.DEVNULL, stdout=open(harness.workdir / "clustered.log", "wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        processes.append(junction)
        _record_pid(junction.pid)
        deadline = time.monotonic() + 20
        while not _accepts(port):
            assert junction.poll() is None and time.monotonic() < deadline, (
                (harness.workdir / "clustered.log").read_text())
            time.sleep(0.1)

        async def scenario():
            async with page(harness, navigate=True, url=harness.page(url=f"ws://127.0.0.1:{port}{path}")) as devtools:
                await wait_connected(devtools)
                await devtools.wait_until(
                    "!document.getElementById('nodes-panel').hidden"
                    " && document.querySelectorAll('#nodes tbody tr').length === 1"
                    " && document.querySelector('#nodes tbody tr').cells[3].textContent === 'yes'",
                    "the Nodes panel with the node ready", 15)
                cells = (await devtools.evaluate(rows("nodes")))[0]
                assert cells[0] == "dash-node (this node)"
                assert cells[3] == "yes"
            async with page(harness, navigate=True) as devtools:
                await wait_connected(devtools)
                await devtools.evaluate("pollNodes()")
                await devtools.wait_until("junctionDashboard.state.nodes === null", "the nodes poll", 10)
                assert await devtools.evaluate("document.getElementById('nodes-panel').hidden") is True

        run(scenario())
    finally:
        for process in reversed(processes):
            _stop(process)
