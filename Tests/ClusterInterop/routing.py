"""Async helpers for tests with clients on several nodes."""

from __future__ import annotations

import asyncio

from autobahn.wamp.types import PublishOptions, SubscribeOptions

from wamp_client import wait

WARMUP = "warmup"


class Inbox:
    """Events one subscription received, in arrival order: (topic, args, kwargs)."""

    def __init__(self):
        self.events: list[tuple[str, tuple, dict]] = []
        self.changed = asyncio.Event()

    def handler(self, subscribed: str):
        """A handler for a subscription to ``subscribed``; pattern events carry their own topic."""

        def on_event(*args, details=None, **kwargs):
            self.events.append((getattr(details, "topic", None) or subscribed, args, kwargs))
            self.changed.set()

        return on_event

    def real(self) -> list[tuple[str, tuple, dict]]:
        """Events that are not warm-up probes."""
        return [e for e in self.events if not (e[1] and e[1][0] == WARMUP)]

    async def wait_for(self, count: int, timeout: float, what: str):
        """Until ``count`` non-warm-up events arrived."""

        async def enough():
            while len(self.real()) < count:
                self.changed.clear()
                await self.changed.wait()

        await wait(enough(), timeout, f"{what} ({len(self.real())} of {count} arrived)")


async def subscribe(session, topic: str, inbox: Inbox | None = None, match: str | None = None) -> Inbox:
    inbox = inbox or Inbox()
    options = SubscribeOptions(match=match, details=True) if match else SubscribeOptions(details=True)
    await wait(session.subscribe(inbox.handler(topic), topic, options=options), what=f"SUBSCRIBE {topic}")
    return inbox


async def await_route(publisher, topics: list[str], inboxes: list[Inbox], timeout: float = 15):
    """Publishes warm-up events on every topic until every inbox has one from each: a subscription
    on another node is announced to the publisher's node within about 50 ms, and events published
    before that do not reach it. Warm-ups come first from this publisher, so order is not disturbed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout

    def seen(inbox: Inbox, topic: str) -> bool:
        return any(t == topic and a and a[0] == WARMUP for t, a, _ in inbox.events)

    while True:
        missing = [(i, t) for i in inboxes for t in topics if not seen(i, t)]
        if not missing:
            return
        if loop.time() > deadline:
            raise AssertionError(f"no cross-node route after {timeout:.0f}s for {[t for _, t in missing]}")
        for topic in topics:
            await wait(publisher.publish(topic, WARMUP, options=PublishOptions(acknowledge=True)),
                       what=f"PUBLISHED {topic}")
        await asyncio.sleep(0.05)


async def publish_numbered(publisher, topics: list[str], count: int, batch: int = 200, on_batch=None):
    """Publishes ``count`` events numbered 0..count-1, round-robin over ``topics``, acknowledged
    in batches of ``batch`` (paced, so the test measures routing, not a flood into a slow client).
    ``on_batch(sent)`` runs after each batch."""
    sent = 0
    while sent < count:
        futures = []
        for n in range(sent, min(sent + batch, count)):
            topic = topics[n % len(topics)]
            futures.append(publisher.publish(topic, n, options=PublishOptions(acknowledge=True)))
        await wait(asyncio.gather(*futures), 30, f"PUBLISHED for events {sent}..{sent + len(futures) - 1}")
        sent += len(futures)
        if on_batch is not None:
            result = on_batch(sent)
            if asyncio.iscoroutine(result):
                await result


def assert_complete_in_order(inbox: Inbox, topics: list[str], count: int, who: str):
    """Every event 0..count-1 arrived once, in publication order across all topics, on its topic."""
    events = inbox.real()
    numbers = [a[0] for _, a, _ in events]
    assert len(numbers) == count, f"{who}: {len(numbers)} of {count} events arrived"
    misplaced = [(n, t) for t, a, _ in events for n in [a[0]] if t != topics[n % len(topics)]]
    assert not misplaced, f"{who}: events on the wrong topic: {misplaced[:5]}"
    out_of_order = [(i, n) for i, n in enumerate(numbers) if n != i]
    assert not out_of_order, f"{who}: out of order or missing at (position, number) {out_of_order[:5]}"
