import NIOConcurrencyHelpers

/// Where session establishment draws its randomness (session ids, anonymous authids, WAMP-CRA
/// nonces, cryptosign challenges): injected so tests can make it deterministic.
public struct RandomSource: Sendable {
    /// 64 random bits.
    public var next: @Sendable () -> UInt64

    public init(next: @escaping @Sendable () -> UInt64) {
        self.next = next
    }

    /// Cryptographically secure: a ChaCha20 keystream keyed once from the system's generator
    /// (`SystemRandomNumberGenerator`, i.e. `getrandom`). Drawing from the system generator
    /// directly cost one system call per value (three per anonymous session: its id and its
    /// authid); this costs one ChaCha20 block per eight values and takes one uncontended lock.
    public static let system: RandomSource = {
        let generator = NIOLockedValueBox(ChaCha20Generator(seededFrom: SystemRandomNumberGenerator()))
        return RandomSource { generator.withLockedValue { $0.next() } }
    }()

    /// A `RandomNumberGenerator` view, for the standard library's `random(in:using:)`.
    struct Generator: RandomNumberGenerator {
        let source: RandomSource

        mutating func next() -> UInt64 {
            self.source.next()
        }
    }

    var generator: Generator { Generator(source: self) }
}

/// A ChaCha20 keystream (RFC 8439's block function, 20 rounds) read as 64-bit values: a
/// cryptographically secure generator once its 256-bit key is secret and random. The 64-bit
/// block counter and the random nonce never repeat a block within 2^64 blocks.
struct ChaCha20Generator: RandomNumberGenerator {
    private var key: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
    private var nonce: (UInt32, UInt32)
    private var counter: UInt64 = 0
    private var block: [UInt64] = Array(repeating: 0, count: 8)
    private var used = 8

    init(seededFrom seed: some RandomNumberGenerator) {
        var seed = seed
        func word() -> (UInt32, UInt32) {
            let value = seed.next()
            return (UInt32(truncatingIfNeeded: value), UInt32(truncatingIfNeeded: value >> 32))
        }
        let (k0, k1) = word()
        let (k2, k3) = word()
        let (k4, k5) = word()
        let (k6, k7) = word()
        self.key = (k0, k1, k2, k3, k4, k5, k6, k7)
        self.nonce = word()
    }

    /// A given key, nonce and first block (tests compare with RFC 8439's vectors).
    init(key: [UInt32], nonce: (UInt32, UInt32), counter: UInt64) {
        self.key = (key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7])
        self.nonce = nonce
        self.counter = counter
    }

    mutating func next() -> UInt64 {
        if self.used == 8 {
            self.refill()
            self.used = 0
        }
        defer { self.used += 1 }
        return self.block[self.used]
    }

    private mutating func refill() {
        let k = self.key
        let input: [UInt32] = [
            0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574,
            k.0, k.1, k.2, k.3, k.4, k.5, k.6, k.7,
            UInt32(truncatingIfNeeded: self.counter), UInt32(truncatingIfNeeded: self.counter >> 32),
            self.nonce.0, self.nonce.1,
        ]
        self.counter &+= 1
        var x = input
        @inline(__always) func quarterRound(_ a: Int, _ b: Int, _ c: Int, _ d: Int) {
            x[a] &+= x[b]; x[d] ^= x[a]; x[d] = x[d].rotateLeft(16)
            x[c] &+= x[d]; x[b] ^= x[c]; x[b] = x[b].rotateLeft(12)
            x[a] &+= x[b]; x[d] ^= x[a]; x[d] = x[d].rotateLeft(8)
            x[c] &+= x[d]; x[b] ^= x[c]; x[b] = x[b].rotateLeft(7)
        }
        for _ in 0..<10 {
            quarterRound(0, 4, 8, 12)
            quarterRound(1, 5, 9, 13)
            quarterRound(2, 6, 10, 14)
            quarterRound(3, 7, 11, 15)
            quarterRound(0, 5, 10, 15)
            quarterRound(1, 6, 11, 12)
            quarterRound(2, 7, 8, 13)
            quarterRound(3, 4, 9, 14)
        }
        for index in 0..<8 {
            let low = x[2 * index] &+ input[2 * index]
            let high = x[2 * index + 1] &+ input[2 * index + 1]
            self.block[index] = UInt64(low) | UInt64(high) << 32
        }
    }
}

extension UInt32 {
    @inline(__always)
    fileprivate func rotateLeft(_ count: UInt32) -> UInt32 {
        (self << count) | (self >> (32 - count))
    }
}
