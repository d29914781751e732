"""Connects an autobahn (asyncio) component to the Junction router that started it.

Junction passes each instance its connection in the environment: JUNCTION_URL (the router's
private Unix RawSocket, unix:///...), JUNCTION_REALM, JUNCTION_AUTHID and JUNCTION_TICKET (a
fresh ticket for this start of this instance). Nothing secret is in a file.
"""

import os

from autobahn.asyncio.component import Component


def junction_component() -> Component:
    path = os.environ["JUNCTION_URL"].removeprefix("unix://")
    return Component(
        transports=[{"type": "rawsocket", "url": "rs://localhost", "endpoint": {"type": "unix", "path": path},
                     "serializer": "json"}],
        realm=os.environ["JUNCTION_REALM"],
        authentication={"ticket": {"authid": os.environ["JUNCTION_AUTHID"], "ticket": os.environ["JUNCTION_TICKET"]}},
    )
