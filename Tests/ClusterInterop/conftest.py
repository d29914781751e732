"""Fixtures of the cluster suite: a Redis and three Junction nodes, fresh for each test module
(``cluster``) or for one destructive test (``fresh_cluster``), all stopped afterwards.

Clients reuse Tests/Interop's autobahn helpers (``wamp_client``): a ``Node`` has the attributes
its ``SessionPool`` connects with.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "Interop"))
os.environ.pop("AUTOBAHN_USE_UJSON", None)

from cluster_nodes import Cluster, RedisServer  # noqa: E402


def _require_binaries():
    if not os.environ.get("JUNCTION_BIN"):
        pytest.exit("JUNCTION_BIN is not set (run Tests/ClusterInterop/run.sh)", returncode=2)


def _make_cluster(request, prefix: str):
    _require_binaries()
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    redis = RedisServer(workdir)
    cluster = Cluster(workdir, redis)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        redis.kill()
        raise
    return workdir, redis, cluster


def _teardown(request, workdir, redis, cluster):
    cluster.stop()
    redis.kill()


@pytest.fixture(scope="module")
def cluster(request):
    workdir, redis, cluster = _make_cluster(request, "junction-cluster-")
    yield cluster
    _teardown(request, workdir, redis, cluster)


@pytest.fixture
def fresh_cluster(request):
    """A cluster of its own, for a test that kills a node or restarts Redis."""
    workdir, redis, cluster = _make_cluster(request, "junction-cluster-fresh-")
    yield cluster
    _teardown(request, workdir, redis, cluster)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        # The module's cluster outlives the test: attach its logs to this failure now.
        fixture = item.funcargs.get("cluster") or item.funcargs.get("fresh_cluster")
        if fixture is not None:
            report.sections.append(("cluster logs", fixture.logs()))
