import NIOCore
import WAMPCore

/// A baseline connection as the relay on some event loop sees it: enough to frame a message for
/// it and to reach it — directly when it lives on this loop, with a loop hop otherwise.
struct RelayPeer {
    /// What another loop may hold of a connection.
    struct Address: Sendable {
        let id: ObjectIdentifier
        /// Index of the connection's loop in `BaselineRelays.entries`.
        let loopIndex: Int
        /// Only callees of the caller's serializer are picked: argument bytes are copied, not re-encoded.
        let kind: SerializerKind
        /// How messages to this connection are framed (callee and caller may use different transports).
        let framing: BaselineFraming
        let handler: NIOLoopBound<BaselineHandler>

        var loop: any EventLoop { self.handler.eventLoop }
    }

    let address: Address
    /// The handler itself when it lives on this loop: written to with no loop check and no hop.
    let local: BaselineHandler?

    /// The peer as seen from `loop` (must be the current loop).
    init(_ address: Address, on loop: any EventLoop) {
        self.address = address
        self.local = address.loop === loop ? address.handler.value : nil
    }

    /// A connection of the current loop.
    init(local handler: BaselineHandler, address: Address) {
        self.address = address
        self.local = handler
    }
}
