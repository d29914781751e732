import JunctionRouter
import JunctionTransport
import WAMPCore

/// One event loop's framed bytes of the shared message it delivered last.
///
/// A publication reaches a loop's subscribers one after the other. The first of them frames the
/// message (or finds it framed in the `SharedMessage`, under its lock); the rest take it from
/// here without a lock or a cast. Only the latest message is kept, and only if it is small.
///
/// Only ever used on its own event loop (`@unchecked Sendable` so the loop's mailbox may hold it).
final class SharedFramingMemo: @unchecked Sendable {
    private var message: SharedMessage?
    private var framings: [FramedMessage?] = Array(repeating: nil, count: 3 * TransportFraming.count)

    /// `message` framed for `serializer` and `framing`, from `make` the first time.
    func framed(
        _ message: SharedMessage, serializer: SerializerKind, framing: TransportFraming, make: () -> FramedMessage
    ) -> FramedMessage {
        if self.message !== message { self.remember(message) }
        let key = (Int(serializer.rawValue) - 1) * TransportFraming.count + framing.index
        if let framed = self.framings[key] { return framed }
        let framed = make()
        if framed.frame.readableBytes <= Self.largestRemembered {
            self.framings[key] = framed
        } else {
            // A large message is not kept alive here until the next one comes along; its later
            // receivers find it in the `SharedMessage`, under its lock.
            self.remember(nil)
        }
        return framed
    }

    /// Starts over with `message` (nil: nothing) and none of its framings.
    private func remember(_ message: SharedMessage?) {
        self.message = message
        for index in self.framings.indices { self.framings[index] = nil }
    }

    /// Frames up to this size are remembered (at most 9 per loop).
    static let largestRemembered = 64 * 1024
}
