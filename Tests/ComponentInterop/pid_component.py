"""A hosted component for the interop tests: an autobahn (asyncio) session that Junction starts,
connecting with the four JUNCTION_* variables, registering com.interop.pid (answers its own pid;
shared round robin between instances) and com.interop.whoami."""

import os

from autobahn.asyncio.component import Component, run
from autobahn.wamp.types import RegisterOptions

component = Component(
    transports=[{"type": "rawsocket", "url": "rs://localhost", "serializer": "json",
                 "endpoint": {"type": "unix", "path": os.environ["JUNCTION_URL"].removeprefix("unix://")}}],
    realm=os.environ["JUNCTION_REALM"],
    authentication={"ticket": {"authid": os.environ["JUNCTION_AUTHID"], "ticket": os.environ["JUNCTION_TICKET"]}},
)


@component.on_join
async def joined(session, details):
    await session.register(lambda: os.getpid(), "com.interop.pid", options=RegisterOptions(invoke="roundrobin"))
    await session.register(lambda: [details.authid, details.authrole, details.authmethod], "com.interop.whoami",
                           options=RegisterOptions(invoke="roundrobin"))
    print(f"pid component {details.authid} registered", flush=True)


if __name__ == "__main__":
    run([component], log_level="warn")
