"""The fan: registers fan.on and fan.off (the controller's dependency: it starts only once
fan.on is registered)."""

from autobahn.asyncio.component import run
from junction_env import junction_component

component = junction_component()
state = {"on": False}


@component.register("fan.on")
def fan_on(reason=""):
    if not state["on"]:
        print(f"fan: ON ({reason})")
    state["on"] = True
    return True


@component.register("fan.off")
def fan_off(reason=""):
    if state["on"]:
        print(f"fan: OFF ({reason})")
    state["on"] = False
    return False


@component.on_join
def joined(session, details):
    print(f"fan: ready as {details.authid}")


if __name__ == "__main__":
    run([component], log_level="warn")
