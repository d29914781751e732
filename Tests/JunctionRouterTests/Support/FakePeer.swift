import JunctionRouter
import NIOConcurrencyHelpers
import WAMPCore

/// Records what the realm sends to a session.
final class FakePeer: PeerConnection {
    let serializer: SerializerKind
    private let box = NIOLockedValueBox<[WAMPMessage]>([])
    private let endings = NIOLockedValueBox<[String]>([])

    init(serializer: SerializerKind = .json) {
        self.serializer = serializer
    }

    var received: [WAMPMessage] { self.box.withLockedValue { $0 } }
    var ended: [String] { self.endings.withLockedValue { $0 } }

    func take() -> [WAMPMessage] {
        self.box.withLockedValue { messages in
            defer { messages = [] }
            return messages
        }
    }

    func send(_ message: WAMPMessage) { self.box.withLockedValue { $0.append(message) } }
    func send(_ message: SharedMessage) { self.box.withLockedValue { $0.append(message.message) } }
    func goodbye(reason: String, message: String?) { self.endings.withLockedValue { $0.append("goodbye:\(reason)") } }
    func abort(_ abort: WAMPMessage.Abort) { self.endings.withLockedValue { $0.append("abort:\(abort.reason)") } }
}
