"""The logger: keeps a running average of the temperatures and reports every component state
change Junction publishes on junction.component.on_state."""

from autobahn.asyncio.component import run
from junction_env import junction_component

component = junction_component()
readings = []


@component.subscribe("home.temperature")
def temperature(celsius):
    readings.append(celsius)
    if len(readings) % 10 == 0:
        recent = readings[-10:]
        print(f"logger: {len(readings)} readings, last 10 average {sum(recent) / len(recent):.1f} °C")


@component.subscribe("junction.component.on_state")
def state(event):
    who = event.get("authid", event.get("component"))
    extra = {k: v for k, v in event.items() if k not in ("component", "instance", "authid", "state")}
    print(f"logger: component {who} is {event['state']}" + (f" {extra}" if extra else ""))


if __name__ == "__main__":
    run([component], log_level="warn")
