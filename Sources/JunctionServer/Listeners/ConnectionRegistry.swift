import NIOConcurrencyHelpers
import NIOCore

/// Every open client connection, so shutdown can wait for sessions to say GOODBYE and then close
/// the stragglers before the event loops stop.
final class ConnectionRegistry: Sendable {
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        self.channels.withLockedValue { $0[id] = channel }
        channel.closeFuture.whenComplete { _ in
            self.channels.withLockedValue { _ = $0.removeValue(forKey: id) }
        }
    }

    var count: Int { self.channels.withLockedValue { $0.count } }

    /// Waits until every connection has closed by itself, or `timeout` passes; then closes the rest.
    func drain(timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while self.count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let remaining = self.channels.withLockedValue { Array($0.values) }
        for channel in remaining {
            try? await channel.close()
        }
    }
}
