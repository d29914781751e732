"""Will messages: published on an abnormal close, not after DISCONNECT; 5.0 DISCONNECT 0x04,
will delay and its cancellation by a reconnect; will retain and properties."""

from __future__ import annotations

import time

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
