/// One event loop's encodings of the shared message it delivered last.
///
/// A publication reaches a loop's subscribers one after the other. The first of them encodes
/// the message for its `EncodingKey` (or finds it encoded in the `SharedMessage`, under its
/// lock); the rest take it from here without a lock. Only the latest message is kept, and only
/// its small encodings.
///
/// Only ever used on its own event loop (`@unchecked Sendable` so the loop's mailbox may hold it).
public final class SharedEncodingMemo: @unchecked Sendable {
    private var message: SharedMessage?
    private var encodings = EncodingSlots()

    init() {}

    /// `message` encoded for `key`, from `make` the first time (`bytes`: its size, which decides
    /// whether it is remembered). Every encoding made for one key has the same type, `Encoded`.
    public func encoded<Encoded: AnyObject & Sendable>(
        _ message: SharedMessage, key: EncodingKey, make: () -> (encoded: Encoded, bytes: Int)
    ) -> Encoded {
        if self.message !== message { self.remember(message) }
        if let encoded = self.encodings[key] { return unsafeDowncast(encoded, to: Encoded.self) }
        let made = make()
        if made.bytes <= Self.largestRemembered {
            self.encodings[key] = made.encoded
        } else {
            // A large message is not kept alive here until the next one comes along; its later
            // receivers find it in the `SharedMessage`, under its lock.
            self.remember(nil)
        }
        return made.encoded
    }

    /// Starts over with `message` (nil: nothing) and none of its encodings.
    private func remember(_ message: SharedMessage?) {
        self.message = message
        self.encodings.removeAll()
    }

    /// Encodings up to this size are remembered (at most one per registered key and loop).
    public static let largestRemembered = 64 * 1024
}
