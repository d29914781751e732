import NIOCore
import WAMPCore

/// The realm's handle on an in-process session: what the realm sends is handed to the session as
/// `WAMPMessage` values, on the realm's loop, in order. Nothing is encoded.
///
/// The only place a local session meets the realm's delivery interface; a change of that
/// interface changes this file alone.
final class LocalPeer: PeerConnection {
    private let core: NIOLoopBound<LocalSessionCore>

    init(_ core: LocalSessionCore) {
        self.core = NIOLoopBound(core, eventLoop: core.eventLoop)
    }

    /// Never used to encode anything: shared messages are read as values.
    var serializer: SerializerKind { .json }

    func send(_ message: WAMPMessage) {
        self.core.value.receive(message)
    }

    func send(_ message: SharedMessage) {
        self.core.value.receive(message.message)
    }

    func goodbye(reason: String, message: String?) {
        self.core.value.end(LocalSession.Ending(reason: reason, message: message))
    }

    func abort(_ abort: WAMPMessage.Abort) {
        self.core.value.end(LocalSession.Ending(reason: abort.reason, message: abort.details["message"]?.stringValue))
    }
}
