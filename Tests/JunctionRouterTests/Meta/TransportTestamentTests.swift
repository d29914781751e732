import WAMPCore
import Testing

@testable import JunctionRouter

/// Testaments a session's transport leaves with the realm itself (`Realm.changeTestament`, used
/// for MQTT wills), and every testament at shutdown.
@Suite struct TransportTestamentTests {
    @Test func transportTestamentIsPublishedWithItsOptionsWhenTheSessionLeaves() {
        let h = RealmHarness()
        let (listener, listenerPeer) = h.join()
        _ = h.subscribe(listener, listenerPeer, "dev.status")
        let (device, _) = h.join()
        h.realm.changeTestament(
            session: device,
            .add(
                topic: "dev.status",
                payload: Payload(args: [.binary(Array("offline".utf8))]),
                options: ["retain": true, "x_mqtt": ["qos": 1, "retain": true]]
            )
        )
        #expect(listenerPeer.take().isEmpty)
        h.realm.leave(session: device)
        let events = listenerPeer.take().compactMap(\.event)
        #expect(events.count == 1)
        #expect(events.first?.payload.args == [.binary(Array("offline".utf8))])
        #expect(events.first?.details["x_mqtt"] == ["qos": 1, "retain": true])
        #expect(h.realm.retained["dev.status"] != nil)
    }

    @Test func flushedTransportTestamentIsNotPublished() {
        let h = RealmHarness()
        let (listener, listenerPeer) = h.join()
        _ = h.subscribe(listener, listenerPeer, "dev.status")
        let (device, _) = h.join()
        h.realm.changeTestament(session: device, .add(topic: "dev.status", payload: Payload(args: ["x"]), options: [:]))
        h.realm.changeTestament(session: device, .flush)
        h.realm.leave(session: device)
        #expect(listenerPeer.take().isEmpty)
    }

    @Test func transportTestamentToAReservedOrInvalidTopicIsRefused() {
        let h = RealmHarness()
        let (device, _) = h.join()
        for topic in ["wamp.session.x", "a b"] {
            h.realm.changeTestament(session: device, .add(topic: topic, payload: Payload(args: []), options: [:]))
        }
        #expect(h.realm.sessions[device]?.testaments.isEmpty == true)
        h.realm.leave(session: device)
        // A session that is gone has nothing to change.
        h.realm.changeTestament(session: device, .add(topic: "dev.status", payload: Payload(args: []), options: [:]))
    }

    @Test func shutdownPublishesEveryTestamentBeforeSayingGoodbye() {
        let h = RealmHarness()
        let (listener, listenerPeer) = h.join()
        _ = h.subscribe(listener, listenerPeer, "dev.status")
        let (device, _) = h.join()
        h.realm.changeTestament(
            session: device,
            .add(topic: "dev.status", payload: Payload(args: ["gone"]), options: ["retain": true])
        )
        let (wamp, wampPeer) = h.join()
        _ = h.meta(wamp, wampPeer, "wamp.session.add_testament", ["dev.status", ["wamp gone"]])
        h.realm.shutdown()
        let events = listenerPeer.take().compactMap(\.event)
        #expect(events.map { $0.payload.args?.first }.sorted { "\($0!)" < "\($1!)" } == ["gone", "wamp gone"])
        #expect(listenerPeer.ended == ["goodbye:\(WAMPErrorURI.systemShutdown)"])
        #expect(h.realm.retained["dev.status"] != nil)
    }
}
