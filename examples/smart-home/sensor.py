"""The temperature sensor: publishes a reading on home.temperature five times a second.

The temperature follows a slow wave between 18 and 32 °C, so the controller has something to do.
"""

import asyncio
import math
import os

from autobahn.asyncio.component import run
from junction_env import junction_component

component = junction_component()
PERIOD = float(os.environ.get("SENSOR_PERIOD", "0.2"))


@component.on_join
async def joined(session, details):
    print(f"sensor: joined as {details.authid} ({details.authrole})")
    step = 0
    while session.is_attached():
        celsius = round(25 + 7 * math.sin(step / 8), 1)
        session.publish("home.temperature", celsius)
        if step % 5 == 0:
            print(f"sensor: {celsius} °C")
        step += 1
        await asyncio.sleep(PERIOD)


if __name__ == "__main__":
    run([component], log_level="warn")
