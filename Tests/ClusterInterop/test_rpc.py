"""RPC across nodes: a callee on one node is called from another over every transport and
serializer, shared registrations spread over callees on several nodes, and a callee node killed
with `kill -9` loses its registrations cluster-wide while the calls pending to it end in ERROR."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import RegisterOptions

from cluster_nodes import wait_until
from wamp_client import SessionPool, run, wait

TRANSPORTS = ["websocket", "rawsocket-tcp"]
SERIALIZERS = ["json", "msgpack", "cbor"]
ENDED = ("wamp.error.canceled", "wamp.error.network_failure")


async def await_callees(caller, procedure: str, count: int = 1, timeout: float = 10):
    """Until the caller's node sees ``count`` callees of ``procedure`` (registrations reach the
    other nodes within about 50 ms)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        registration = await wait(caller.call("wamp.registration.match", procedure), what="registration.match")
        if registration is not None:
            callees = await wait(caller.call("wamp.registration.count_callees", registration), what="count_callees")
            if callees == count:
                return
        if loop.time() > deadline:
            raise AssertionError(f"{procedure}: {count} callee(s) not visible on the caller's node after {timeout}s")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("transport,serializer", list(itertools.product(TRANSPORTS, SERIALIZERS)))
def test_cross_node_call(cluster, transport, serializer):
    procedure = f"com.example.crpc.echo.{transport.replace('-', '_')}.{serializer}"

    async def main():
        async with SessionPool(cluster.b) as on_b, SessionPool(cluster.a) as on_a:
            callee = await on_b.connect(transport, serializer)

            def echo(*args, details=None, **kwargs):
                return {"args": list(args), "kwargs": kwargs, "procedure": details.procedure}

            await wait(callee.register(echo, procedure, options=RegisterOptions(details_arg="details")))
            caller = await on_a.connect(transport, serializer)
            await await_callees(caller, procedure)
            blob = bytes([0, 1, 2, 0xFE, 0xFF])
            result = await wait(caller.call(procedure, 1, "ü", blob, {"k": [1.5, None, True]}, key="value"))
            assert result["args"] == [1, "ü", blob, {"k": [1.5, None, True]}]
            assert result["kwargs"] == {"key": "value"}

            # A prefix registration on node C, called from node A with a URI it matches.
            on_c_pool = SessionPool(cluster.c)
            async with on_c_pool:
                prefix_callee = await on_c_pool.connect(transport, serializer)
                await wait(prefix_callee.register(
                    echo, procedure + ".prefix.", options=RegisterOptions(match="prefix", details_arg="details")))
                await await_callees(caller, procedure + ".prefix.x")
                result = await wait(caller.call(procedure + ".prefix.x", 2))
                assert result["args"] == [2]
                assert result["procedure"] == procedure + ".prefix.x"

    run(main(), timeout=60)


def test_shared_registration_across_nodes(cluster):
    procedure = "com.example.crpc.shared"

    async def main():
        pools = [SessionPool(cluster.a), SessionPool(cluster.b), SessionPool(cluster.c)]
        for pool in pools:
            await pool.__aenter__()
        try:
            for pool, name in zip(pools, ["a", "b", "c"]):
                callee = await pool.connect("websocket", "msgpack")
                await wait(callee.register(lambda name=name: name, procedure,
                                           options=RegisterOptions(invoke="roundrobin")))
            caller = await pools[0].connect("websocket", "json")
            await await_callees(caller, procedure, count=3)
            served = [await wait(caller.call(procedure)) for _ in range(9)]
            assert sorted(served) == ["a"] * 3 + ["b"] * 3 + ["c"] * 3, served
            # A single registration of another procedure is unique cluster-wide.
            single = "com.example.crpc.single"
            first = await pools[1].connect("websocket", "json")
            await wait(first.register(lambda: "b", single))
            await await_callees(caller, single)
            second = await pools[2].connect("websocket", "json")
            with pytest.raises(ApplicationError) as refused:
                await wait(second.register(lambda: "c", single))
            assert refused.value.error == "wamp.error.procedure_already_exists"
        finally:
            for pool in pools:
                await pool.__aexit__(None, None, None)

    run(main(), timeout=60)


def test_kill9_of_the_callee_node_ends_pending_calls_and_its_registrations_vanish(fresh_cluster):
    cluster = fresh_cluster
    procedure = "com.example.crpc.slow"

    async def main():
        loop = asyncio.get_running_loop()
        async with SessionPool(cluster.b) as on_b, SessionPool(cluster.a) as on_a:
            callee = await on_b.connect("websocket", "json")

            async def slow():
                await asyncio.sleep(120)

            await wait(callee.register(slow, procedure))
            caller = await on_a.connect("rawsocket-tcp", "msgpack")
            await await_callees(caller, procedure)
            pending = [asyncio.ensure_future(caller.call(procedure)) for _ in range(3)]
            await asyncio.sleep(0.3)
            assert not any(call.done() for call in pending)

            started = loop.time()
            await loop.run_in_executor(None, cluster.b.kill9)
            for call in pending:
                with pytest.raises(ApplicationError) as ended:
                    await wait(call, 15, "the ERROR of a call pending to the killed node")
                assert ended.value.error in ENDED
            assert loop.time() - started < 10

            await loop.run_in_executor(None, lambda: wait_until(
                lambda: cluster.redis.cli("EXISTS", f"{cluster.key_prefix}:reg:node-b") == "0",
                10, "node-b's registration list to expire"))
            assert await wait(caller.call("wamp.registration.match", procedure)) is None
            with pytest.raises(ApplicationError) as missing:
                await wait(caller.call(procedure))
            assert missing.value.error == "wamp.error.no_such_procedure"

    run(main(), timeout=90)
