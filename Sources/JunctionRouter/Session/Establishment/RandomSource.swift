/// Where session establishment draws its randomness (session ids, anonymous authids, WAMP-CRA
/// nonces, cryptosign challenges): injected so tests can make it deterministic.
public struct RandomSource: Sendable {
    /// 64 random bits.
    public var next: @Sendable () -> UInt64

    public init(next: @escaping @Sendable () -> UInt64) {
        self.next = next
    }

    /// The system's cryptographically secure generator.
    public static let system = RandomSource {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }

    /// A `RandomNumberGenerator` view, for the standard library's `random(in:using:)`.
    struct Generator: RandomNumberGenerator {
        let source: RandomSource

        mutating func next() -> UInt64 {
            self.source.next()
        }
    }

    var generator: Generator { Generator(source: self) }
}
