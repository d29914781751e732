"""The HTTP bridge (publisher, caller, webhook) with requests and curl, against Junction and Crossbar.

Both routers get the same bridge paths (conftest.BRIDGE_PATHS) on their WebSocket listener, so the
tests that pass against Crossbar prove Junction is a drop-in for Crossbar's HTTP bridge. The tests
marked ``crossbar_xfail`` are where Junction goes beyond it (any Base64 flavour, replays refused,
400 for an invalid URI, ``options.timeout`` on calls).
"""

import asyncio
import base64
import datetime
import hashlib
import hmac
import json
import random
import subprocess
import urllib.parse
import uuid

import pytest
import requests
from autobahn.wamp.types import CallResult

from conftest import BRIDGE_KEY, BRIDGE_SECRET, WEBHOOK_TOPIC
from wamp_client import ApplicationError, SessionPool, run, wait

JSON = {"Content-Type": "application/json"}


def base(router) -> str:
    return f"http://{router.host}:{router.ws_port}"


def topic(name: str) -> str:
    return f"com.example.interop.http.{name}.t{uuid.uuid4().hex}"


def post(router, path: str, body, headers=None, method: str = "POST") -> requests.Response:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.request(method, base(router) + path, data=data, headers=headers or JSON, timeout=10)


def signed_query(body: bytes, key=BRIDGE_KEY, secret=BRIDGE_SECRET, nonce=None, timestamp=None, flavour="urlsafe"):
    """Crossbar's scheme: signature = base64url(HMAC-SHA256(secret, key|timestamp|seq|nonce|body))."""
    nonce = str(nonce if nonce is not None else random.randint(0, 2**53))
    now = timestamp or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    seq = "1"
    mac = hmac.new(secret.encode(), key.encode() + stamp.encode() + seq.encode() + nonce.encode() + body, hashlib.sha256)
    if flavour == "urlsafe":
        signature = base64.urlsafe_b64encode(mac.digest()).decode()
    else:
        signature = base64.b64encode(mac.digest()).decode().rstrip("=")
    return "?" + urllib.parse.urlencode(
        {"key": key, "timestamp": stamp, "seq": seq, "nonce": nonce, "signature": signature}
    )


class Inbox:
    def __init__(self):
        self.queue = asyncio.Queue()

    def __call__(self, *args, **kwargs):
        self.queue.put_nowait((args, kwargs))

    async def get(self):
        return await wait(self.queue.get(), what="EVENT")


async def in_thread(function, *args, **kwargs):
    return await asyncio.get_running_loop().run_in_executor(None, lambda: function(*args, **kwargs))


def assert_common_headers(response: requests.Response):
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "no-store" in response.headers["Cache-Control"]


def test_publish_with_requests_reaches_a_subscriber(router):
    t = topic("publish")

    async def body():
        async with SessionPool(router) as pool:
            sub = await pool.connect("websocket", "json")
            inbox = Inbox()
            await wait(sub.subscribe(inbox, t), what="SUBSCRIBED")
            response = await in_thread(post, router, "/publish", {"topic": t, "args": ["hi", 2], "kwargs": {"k": [1]}})
            assert response.status_code == 200, response.text
            assert isinstance(response.json()["id"], int)
            assert_common_headers(response)
            args, kwargs = await inbox.get()
            assert args == ("hi", 2) and kwargs == {"k": [1]}

    run(body())


def test_publish_with_curl(router):
    t = topic("curl")

    async def body():
        async with SessionPool(router) as pool:
            sub = await pool.connect("websocket", "msgpack")
            inbox = Inbox()
            await wait(sub.subscribe(inbox, t), what="SUBSCRIBED")
            command = [
                "curl", "-sS", "-H", "Content-Type: application/json", "-d", json.dumps({"topic": t, "args": [42]}),
                "-w", "\n%{http_code}", base(router) + "/publish",
            ]
            done = await in_thread(subprocess.run, command, capture_output=True, text=True, timeout=10)
            text, status = done.stdout.rsplit("\n", 1)
            assert status == "200", done.stdout + done.stderr
            assert "id" in json.loads(text)
            args, _ = await inbox.get()
            assert args == (42,)

    run(body())


def test_call_results_have_crossbars_shapes(router):
    prefix = topic("call")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect("websocket", "cbor")
            await wait(callee.register(lambda: 5, prefix + ".one"), what="REGISTERED")
            await wait(callee.register(lambda: None, prefix + ".none"), what="REGISTERED")
            await wait(callee.register(lambda: CallResult(1, 2), prefix + ".two"), what="REGISTERED")
            await wait(callee.register(lambda: CallResult(a=1), prefix + ".kw"), what="REGISTERED")
            await wait(callee.register(lambda *a, **k: CallResult(*a, **k), prefix + ".echo"), what="REGISTERED")

            def fail():
                raise ApplicationError("com.example.oops", "bad", code=3)

            await wait(callee.register(fail, prefix + ".fail"), what="REGISTERED")
            cases = [
                ({"procedure": prefix + ".one"}, {"args": [5]}),
                ({"procedure": prefix + ".none"}, {"args": [None]}),
                ({"procedure": prefix + ".two"}, {"args": [1, 2]}),
                ({"procedure": prefix + ".kw"}, {"kwargs": {"a": 1}}),
                ({"procedure": prefix + ".echo", "args": [1], "kwargs": {"b": 2}}, {"args": [1], "kwargs": {"b": 2}}),
                ({"procedure": prefix + ".fail"}, {"error": "com.example.oops", "args": ["bad"], "kwargs": {"code": 3}}),
            ]
            for request, expected in cases:
                response = await in_thread(post, router, "/call", request)
                assert response.status_code == 200, (request, response.text)
                assert response.json() == expected, request
                assert_common_headers(response)
            missing = await in_thread(post, router, "/call", {"procedure": prefix + ".nobody"})
            assert missing.status_code == 200
            assert missing.json()["error"] == "wamp.error.no_such_procedure"

    run(body())


@pytest.mark.parametrize(
    "path, body, headers, method, status",
    [
        ("/publish", {"topic": "com.example.x"}, JSON, "GET", 405),
        ("/publish", {"topic": "com.example.x"}, JSON, "DELETE", 405),
        ("/publish", "{not json", JSON, "POST", 400),
        ("/publish", "[1, 2]", JSON, "POST", 400),
        ("/publish", {"args": [1]}, JSON, "POST", 400),
        ("/publish", {"topic": "com.example.x"}, {"Content-Type": "text/plain"}, "POST", 400),
        ("/publish", {"topic": "com.example.x"}, {"Content-Type": "application/json; charset=latin-1"}, "POST", 400),
        ("/publish", b'{"topic": "\xff"}', JSON, "POST", 400),
        ("/publish?timestamp=yesterday", {"topic": "com.example.x"}, JSON, "POST", 400),
        ("/publish?nonce=abc", {"topic": "com.example.x"}, JSON, "POST", 400),
        ("/call", {"args": []}, JSON, "POST", 400),
        ("/small-publish", {"topic": "com.example.x", "args": ["x" * 100]}, JSON, "POST", 413),
        ("/publish", {"topic": "com.example.x"}, JSON, "PUT", 200),
        ("/small-publish", {"topic": "com.example.x"}, JSON, "POST", 200),
    ],
)
def test_status_codes(router, path, body, headers, method, status):
    response = post(router, path, body, headers=headers, method=method)
    assert response.status_code == status, response.text
    assert_common_headers(response)
    if status != 200:
        answer = response.json()
        assert isinstance(answer["error"], str) and answer["args"] == [] and answer["kwargs"] == {}


def test_cors_preflight(router):
    response = requests.options(
        base(router) + "/call",
        headers={"Origin": "https://app.example", "Access-Control-Request-Headers": "content-type"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert response.headers["Access-Control-Allow-Methods"] == "POST,PUT,OPTIONS"
    assert response.headers["Access-Control-Allow-Headers"] == "content-type"


def test_signed_requests(router):
    t = topic("signed")
    body = json.dumps({"topic": t, "args": [1]}).encode()
    assert post(router, "/signed-publish", body).status_code == 400  # unsigned
    assert post(router, "/signed-publish" + signed_query(body), body).status_code == 200
    assert post(router, "/signed-publish" + signed_query(body, secret="wrong"), body).status_code == 401
    assert post(router, "/signed-publish" + signed_query(body, key="wrong"), body).status_code == 401
    assert post(router, "/signed-publish" + signed_query(body), body.replace(b"1", b"2")).status_code == 401
    old = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(hours=1)
    assert post(router, "/signed-publish" + signed_query(body, timestamp=old), body).status_code == 400
    query = signed_query(body)
    for parameter in ["key", "timestamp", "seq", "nonce", "signature"]:
        parts = [p for p in query[1:].split("&") if not p.startswith(parameter + "=")]
        assert post(router, "/signed-publish?" + "&".join(parts), body).status_code == 400, parameter


def test_signed_request_with_curl(router):
    body = json.dumps({"topic": topic("curl-signed")}).encode()
    command = [
        "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json",
        "--data-binary", body.decode(), base(router) + "/signed-publish" + signed_query(body),
    ]
    assert subprocess.run(command, capture_output=True, text=True, timeout=10).stdout == "200"


@pytest.mark.crossbar_xfail("Crossbar compares the signature as URL-safe padded text (its issues #1705, #241)")
def test_standard_base64_signature_is_accepted(router):
    body = json.dumps({"topic": topic("b64")}).encode()
    response = post(router, "/signed-publish" + signed_query(body, flavour="standard"), body)
    assert response.status_code == 200, response.text


@pytest.mark.crossbar_xfail("Crossbar accepts a replayed signed request")
def test_replayed_nonce_is_refused(router):
    body = json.dumps({"topic": topic("replay")}).encode()
    query = signed_query(body)
    assert post(router, "/signed-publish" + query, body).status_code == 200
    assert post(router, "/signed-publish" + query, body).status_code == 401


@pytest.mark.crossbar_xfail("Crossbar answers an invalid URI with 500")
def test_invalid_uri_is_400(router):
    for path, request in [("/publish", {"topic": "com..bad"}), ("/call", {"procedure": "a b"})]:
        response = post(router, path, request)
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "wamp.error.invalid_uri"


@pytest.mark.crossbar_xfail("Crossbar's caller has no options.timeout")
def test_call_timeout_option(router):
    procedure = topic("slow")

    async def body():
        async with SessionPool(router) as pool:
            callee = await pool.connect("websocket", "json")

            async def slow():
                await asyncio.sleep(30)

            await wait(callee.register(slow, procedure), what="REGISTERED")
            request = {"procedure": procedure, "options": {"timeout": 200}}
            response = await in_thread(post, router, "/call", request)
            assert response.status_code == 200
            assert response.json()["error"] in ("wamp.error.timeout", "wamp.error.canceled")

    run(body())


def test_webhook_publishes_headers_and_body(router):
    async def body():
        async with SessionPool(router) as pool:
            sub = await pool.connect("websocket", "json")
            inbox = Inbox()
            await wait(sub.subscribe(inbox, WEBHOOK_TOPIC), what="SUBSCRIBED")
            response = await in_thread(
                post, router, "/webhook", "any text, not JSON", headers={"Content-Type": "text/plain", "X-Test": "yes"}
            )
            assert response.status_code == 202, response.text
            assert response.text == "OK"
            args, _ = await inbox.get()
            message = args[0]
            assert message["body"] == "any text, not JSON"
            headers = {name.lower(): value for name, value in message["headers"].items()}
            assert headers["x-test"] == ["yes"]
            assert headers["content-type"] == ["text/plain"]

    run(body())
