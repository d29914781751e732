"""The controller: turns the fan on above THRESHOLD °C and off again 2 °C below it."""

import os

from autobahn.asyncio.component import run
from junction_env import junction_component

component = junction_component()
THRESHOLD = float(os.environ.get("THRESHOLD", "28"))
fan = {"on": None}


@component.subscribe("home.temperature")
async def temperature(celsius):
    if celsius > THRESHOLD and fan["on"] is not True:
        fan["on"] = await component._session.call("fan.on", f"{celsius} °C > {THRESHOLD} °C")
        print(f"controller: {celsius} °C is above {THRESHOLD} °C -> fan.on")
    elif celsius < THRESHOLD - 2 and fan["on"] is not False:
        fan["on"] = await component._session.call("fan.off", f"{celsius} °C < {THRESHOLD - 2} °C")
        print(f"controller: {celsius} °C is below {THRESHOLD - 2} °C -> fan.off")


@component.on_join
def joined(session, details):
    component._session = session
    print(f"controller: watching home.temperature, threshold {THRESHOLD} °C")


if __name__ == "__main__":
    run([component], log_level="warn")
