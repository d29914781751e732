"""Recovery timing for bench/history-bench.sh: publishes N events to a stream topic while nobody
listens, then subscribes with `_recover` from offset 0 and measures the time from SUBSCRIBE until
the N-th recovered EVENT has arrived (RawSocket, MessagePack; a raw client, no WAMP library).

usage: history_recovery.py PORT N
"""

import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Tests" / "Interop"))
from wamp_raw import EVENT, ERROR, PUBLISH, PUBLISHED, SUBSCRIBE, SUBSCRIBED, RawWamp  # noqa: E402


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    router = SimpleNamespace(host="127.0.0.1", rs_port=port)
    topic = f"bench.history.recovery{int(time.time() * 1000)}"
    publisher = RawWamp.session(router, "rawsocket-tcp", "msgpack")
    for n in range(count - 1):
        publisher.send([PUBLISH, publisher.next_request(), {}, topic, [n]])
    last = publisher.next_request()
    publisher.send([PUBLISH, last, {"acknowledge": True}, topic, [count - 1]])
    while True:
        msg = publisher.recv(timeout=60)
        if msg[0] == PUBLISHED and msg[1] == last:
            break
    subscriber = RawWamp.session(router, "rawsocket-tcp", "msgpack")
    # The epoch: from the router's answer to an impossible position.
    subscriber.send([SUBSCRIBE, subscriber.next_request(), {"_recover": {"offset": 0, "epoch": ""}}, topic])
    error = subscriber.recv(timeout=10)
    assert error[0] == ERROR, error
    epoch = error[3]["epoch"]
    started = time.perf_counter()
    subscriber.send([SUBSCRIBE, subscriber.next_request(), {"_recover": {"offset": 0, "epoch": epoch}}, topic])
    received = 0
    while received < count:
        msg = subscriber.recv(timeout=60)
        if msg[0] == EVENT:
            received += 1
        elif msg[0] != SUBSCRIBED:
            raise SystemExit(f"unexpected {msg!r}")
    elapsed = time.perf_counter() - started
    print(f"recovered {count} events in {elapsed * 1000:.0f} ms ({count / elapsed:.0f} events/s)")


if __name__ == "__main__":
    main()
