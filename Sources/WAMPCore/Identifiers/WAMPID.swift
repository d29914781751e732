/// WAMP IDs: integers in [1, 2^53], so every one survives a trip through an IEEE double.
public enum WAMPID {
    public static let maximum: UInt64 = 1 << 53

    @inlinable
    public static func isValid(_ id: UInt64) -> Bool { id >= 1 && id <= maximum }

    /// A global-scope ID (sessions, publications): uniform over [1, 2^53] as the spec requires.
    public static func random() -> UInt64 {
        UInt64.random(in: 1...maximum)
    }

    /// A global-scope ID drawn with a caller-supplied generator (deterministic in tests).
    public static func random(using generator: inout some RandomNumberGenerator) -> UInt64 {
        UInt64.random(in: 1...maximum, using: &generator)
    }
}

/// Session- and router-scope IDs: start at 1, increment by 1, wrap from 2^53 back to 1.
public struct SequentialIDGenerator: Sendable {
    private var last: UInt64

    public init(startingAfter last: UInt64 = 0) {
        self.last = last
    }

    public mutating func next() -> UInt64 {
        self.last = self.last >= WAMPID.maximum ? 1 : self.last + 1
        return self.last
    }
}
