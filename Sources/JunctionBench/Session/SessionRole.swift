/// What a load-generating session does once established: call, answer calls, publish, subscribe,
/// or nothing. One instance per connection, confined to that connection's event loop.
protocol SessionRole: AnyObject {
    /// WELCOME arrived; the role may start sending (e.g. REGISTER, SUBSCRIBE).
    func sessionEstablished(_ session: WAMPClientHandler)

    /// A message other than WELCOME/ABORT/GOODBYE. `scanner` has read the list header and the
    /// message type; the role reads only what it needs.
    func received(_ type: UInt64, _ scanner: inout WireScanner, _ session: WAMPClientHandler) throws(ScanError)

    /// The end of a read batch: the place to do per-batch work (wake-ups) before the flush.
    func readComplete(_ session: WAMPClientHandler)

    /// The connection is gone; drop references to the session.
    func sessionClosed()
}

extension SessionRole {
    func readComplete(_ session: WAMPClientHandler) {}
}

/// A role that only holds a session open (the `idle` and `connect` scenarios).
final class PassiveRole: SessionRole {
    /// Called with the session once established (e.g. to leave again at once).
    private let onEstablished: ((WAMPClientHandler) -> Void)?

    init(onEstablished: ((WAMPClientHandler) -> Void)? = nil) {
        self.onEstablished = onEstablished
    }

    func sessionEstablished(_ session: WAMPClientHandler) {
        self.onEstablished?(session)
    }

    func received(_ type: UInt64, _ scanner: inout WireScanner, _ session: WAMPClientHandler) throws(ScanError) {}

    func sessionClosed() {}
}
