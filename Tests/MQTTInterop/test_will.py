"""Will messages: published on an abnormal close, not after DISCONNECT; 5.0 DISCONNECT 0x04,
will delay and its cancellation by a reconnect; will retain and properties."""

from __future__ import annotations

import time

import pytest

import mqtt_raw as r


def will_watcher(clients, topic, version):
    w = clients(version)
    w.subscribe(topic + "/will", 1)
    return w


def test_will_is_published_when_the_connection_drops(raw, clients, topic, version):
    watcher = will_watcher(clients, topic, version)
    c = raw(version)
    c.connect("it-will-" + topic[-12:], will={"topic": topic + "/will", "payload": b"gone", "qos": 1})
    c.abort()
    msg = watcher.get()
    assert (msg.topic, msg.payload, msg.qos) == (topic + "/will", b"gone", 1)


def test_no_will_after_disconnect(raw, clients, topic, version):
    watcher = will_watcher(clients, topic, version)
    c = raw(version)
    c.connect("it-nowill-" + topic[-12:], will={"topic": topic + "/will", "payload": b"gone"})
    c.send(r.disconnect(version))
    c.wait_closed()
    watcher.expect_nothing(1.0)


def test_retained_will(raw, clients, topic, version):
    c = raw(version)
    c.connect("it-rwill-" + topic[-12:], will={"topic": topic + "/will", "payload": b"offline", "qos": 1,
                                                "retain": True})
    c.abort()
    time.sleep(0.5)
    late = clients(version)
    late.subscribe(topic + "/will", 1)
    msg = late.get()
    assert (msg.payload, msg.retain) == (b"offline", True)
    clients(version).publish(topic + "/will", b"", qos=1, retain=True)


def test_v5_disconnect_with_will_message(raw, clients, topic):
    watcher = will_watcher(clients, topic, 5)
    c = raw(5)
    c.connect("it-dwill-" + topic[-12:], will={"topic": topic + "/will", "payload": b"bye"})
    c.send(r.disconnect(5, reason=0x04))
    c.wait_closed()
    assert watcher.get().payload == b"bye"


def test_v5_will_properties_pass_through(raw, clients, topic):
    watcher = will_watcher(clients, topic, 5)
    c = raw(5)
    c.connect("it-pwill-" + topic[-12:], will={
        "topic": topic + "/will", "payload": b"{}", "properties": {
            "content_type": "application/json", "payload_format": 1, "user_property": [("k", "v")],
        }})
    c.abort()
    msg = watcher.get()
    p = msg.properties
    assert p.ContentType == "application/json"
    assert p.PayloadFormatIndicator == 1
    assert p.UserProperty == [("k", "v")]


def test_v5_will_delay(raw, clients, topic):
    watcher = will_watcher(clients, topic, 5)
    c = raw(5)
    c.connect("it-delay-" + topic[-12:], properties={"session_expiry": 30},
              will={"topic": topic + "/will", "payload": b"late", "properties": {"will_delay": 2}})
    dropped = time.monotonic()
    c.abort()
    watcher.expect_nothing(1.2)
    msg = watcher.get(timeout=5)
    assert msg.payload == b"late"
    assert time.monotonic() - dropped >= 1.9


def test_v5_will_delay_is_cancelled_by_a_reconnect(raw, clients, topic):
    cid = "it-cancel-" + topic[-12:]
    watcher = will_watcher(clients, topic, 5)
    c = raw(5)
    c.connect(cid, properties={"session_expiry": 30},
              will={"topic": topic + "/will", "payload": b"never", "properties": {"will_delay": 2}})
    c.abort()
    time.sleep(0.3)
    again = raw(5)
    assert again.connect(cid, clean=False, properties={"session_expiry": 30}).fields["session_present"]
    watcher.expect_nothing(3.0)
    again.send(r.disconnect(5))


def test_v5_will_is_published_when_the_session_ends_before_the_delay(raw, clients, topic):
    """Will delay 30 s but session expiry 1 s: the will goes out when the session ends."""
    watcher = will_watcher(clients, topic, 5)
    c = raw(5)
    c.connect("it-sexp-" + topic[-12:], properties={"session_expiry": 1},
              will={"topic": topic + "/will", "payload": b"session over", "properties": {"will_delay": 30}})
    c.abort()
    assert watcher.get(timeout=6).payload == b"session over"


def _persistent(version: int) -> dict:
    """CONNECT arguments of a persistent session (3.1.1 clean session 0, 5.0 expiry 30 s)."""
    return {"clean": False, "properties": {"session_expiry": 30}} if version == 5 else {"clean": False}


# (old session persistent, new connection clean) -> the old will is published
TAKEOVERS = [(False, True, True), (False, False, True), (True, False, False), (True, True, True)]


@pytest.mark.parametrize("old_persistent,new_clean,published", TAKEOVERS,
                         ids=["clean-then-clean", "clean-then-resume", "persistent-resumed", "persistent-then-clean"])
def test_takeover_publishes_the_old_will_when_its_session_ends(raw, clients, topic, version, old_persistent,
                                                                new_clean, published):
    """A second connection with the same client id closes the first (5.0: DISCONNECT 0x8E). The
    first one's will goes out when its session ends there — it was not persistent, or the new
    connection starts clean — and not when the new connection continues the session (mosquitto's
    rule; MQTT 5.0 §3.1.3.2.2)."""
    cid = "it-take-" + topic[-12:]
    watcher = will_watcher(clients, topic, version)
    old = raw(version)
    args = _persistent(version) if old_persistent else {}
    assert old.connect(cid, will={"topic": topic + "/will", "payload": b"taken", "qos": 1}, **args) \
        .fields["reason"] == 0
    new = raw(version)
    new_args = {} if new_clean else _persistent(version)
    assert new.connect(cid, **new_args).fields["reason"] == 0
    old.wait_closed()
    if published:
        assert watcher.get().payload == b"taken"
    else:
        watcher.expect_nothing(1.0)
    new.send(r.disconnect(version))
    new.wait_closed()
    watcher.expect_nothing(0.5)
    if not new_clean:
        # End the session the test left behind.
        end = raw(version)
        end.connect(cid)
        end.send(r.disconnect(version))

