"""A small Chrome DevTools Protocol client: one WebSocket to one page target (``websockets``)."""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.request

from websockets.asyncio.client import connect


def page_target(port: int) -> str:
    """The DevTools WebSocket URL of the browser's first page."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
        targets = json.load(response)
    for target in targets:
        if target.get("type") == "page":
            return target["webSocketDebuggerUrl"]
    raise AssertionError(f"chromium has no page target: {targets}")


class DevToolsError(AssertionError):
    pass


class DevTools:
    """Sends commands and collects the page's uncaught exceptions and console errors."""

    def __init__(self, socket):
        self.socket = socket
        self.next_id = 0
        self.pending: dict[int, asyncio.Future] = {}
        self.exceptions: list[str] = []
        self.console_errors: list[str] = []
        self.reader = asyncio.get_running_loop().create_task(self.read())

    @classmethod
    async def open(cls, url: str) -> "DevTools":
        socket = await asyncio.wait_for(connect(url, max_size=None, open_timeout=10), 15)
        devtools = cls(socket)
        # Runtime.enable also reports what the page logged and threw before this connection.
        await devtools.send("Runtime.enable")
        await devtools.send("Page.enable")
        return devtools

    async def close(self):
        self.reader.cancel()
        await self.socket.close()

    async def read(self):
        async for text in self.socket:
            message = json.loads(text)
            if "id" in message:
                future = self.pending.pop(message["id"], None)
                if future is not None and not future.done():
                    future.set_result(message)
            elif message.get("method") == "Runtime.exceptionThrown":
                details = message["params"]["exceptionDetails"]
                self.exceptions.append(details.get("exception", {}).get("description") or details.get("text", ""))
            elif message.get("method") == "Runtime.consoleAPICalled" and message["params"]["type"] == "error":
                args = message["params"]["args"]
                self.console_errors.append(" ".join(str(a.get("value", a.get("description"))) for a in args))

    async def send(self, method: str, timeout: float = 15, **params):
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        await self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        try:
            message = await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            raise DevToolsError(f"DevTools {method}: no answer within {timeout} s") from None
        if "error" in message:
            raise DevToolsError(f"DevTools {method}: {message['error']}")
        return message.get("result", {})

    async def evaluate(self, expression: str):
        """The JSON value of a JavaScript expression in the page (promises are awaited)."""
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise DevToolsError(f"{expression!r} threw {details.get('exception', {}).get('description') or details}")
        return result["result"].get("value")

    async def wait_until(self, expression: str, what: str, timeout: float = 10):
        """Evaluates ``expression`` every 100 ms until it is truthy; returns that value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        value = None
        while loop.time() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.1)
        raise AssertionError(f"timed out after {timeout} s waiting for {what} (last value: {value!r})")

    async def navigate(self, url: str):
        await self.send("Page.navigate", url=url)

    async def screenshot(self) -> bytes:
        result = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True, timeout=30)
        return base64.b64decode(result["data"])
