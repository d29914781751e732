import NIOCore
import Synchronization

/// Counts a listener's open connections against its `max_connections`.
///
/// One per listener, shared by all its event loops: admitting is a single atomic increment, and
/// each admitted channel gives its slot back when it closes. A connection over the limit is still
/// accepted, so it can be told why it is refused (RawSocket handshake error 4, WebSocket HTTP
/// 503), but it does not count and is closed right after that answer.
public final class ConnectionLimiter: Sendable {
    private let open = Atomic<Int>(0)
    public let maxConnections: Int

    public init(maxConnections: Int) {
        self.maxConnections = maxConnections
    }

    /// Connections currently counted.
    public var count: Int { self.open.load(ordering: .relaxed) }

    /// Counts `channel` if there is room, until it closes. `false` if the listener is full.
    public func admit(_ channel: any Channel) -> Bool {
        let now = self.open.wrappingAdd(1, ordering: .relaxed).newValue
        guard now <= self.maxConnections else {
            self.open.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        channel.closeFuture.whenComplete { _ in
            self.open.wrappingSubtract(1, ordering: .relaxed)
        }
        return true
    }
}
