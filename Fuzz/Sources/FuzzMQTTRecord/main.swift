import MQTTCore

@testable import JunctionMQTT

/// libFuzzer entry point: the stored records of persistent MQTT sessions, read back from
/// arbitrary bytes (a corrupt or foreign store). Decoding must throw or succeed, never trap; a
/// record that decodes must encode to bytes that decode to the same record; a decoded session
/// with a decoded message must restore into a state the journal can write again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMQTTRecord(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let clock = MQTTPersistenceClock(
        uptimeNanoseconds: 1_000_000_000, wallMilliseconds: 1_700_000_000_000)
    let session = try? MQTTSessionRecord(decoding: bytes)
    if let session {
        guard (try? MQTTSessionRecord(decoding: session.encoded())) == session else {
            fatalError("session record does not round-trip: \(session)")
        }
    }
    if let message = try? MQTTMessageRecord(decoding: bytes) {
        guard (try? MQTTMessageRecord(decoding: message.encoded())) == message else {
            fatalError("message record does not round-trip: \(message)")
        }
        let restored = MQTTSessionJournal.restore(
            session: session ?? MQTTSessionRecord(sessionExpiry: 1),
            messages: [(serial: UInt64(size), record: message)],
            now: clock
        )
        var journal = restored.journal
        _ = journal.update(
            to: restored.state, sessionExpiry: 1, detachedAt: nil, identity: session?.identity, now: clock)
        _ = journal.forget()
    }
    return 0
}
