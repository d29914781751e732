import Testing

@testable import JunctionRouter

@Suite struct ChaCha20GeneratorTests {
    /// RFC 8439 section 2.3.2: key 00..1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00, block
    /// counter 1. The original layout's 64-bit counter and nonce hold the same four words.
    @Test func matchesTheRFC8439BlockFunction() {
        let key: [UInt32] = (0..<8).map { word in
            (0..<4).reduce(0) { $0 | UInt32(word * 4 + $1) << (8 * UInt32($1)) }
        }
        var generator = ChaCha20Generator(key: key, nonce: (0x4a00_0000, 0), counter: 1 | 0x0900_0000 << 32)
        let words = (0..<8).map { _ in generator.next() }
        // Serialized output: 10 f1 e7 e4 d1 3b 59 15 50 0f dd 1f a3 20 71 c4 ... cb d0 83 e8 a2 50 3c 4e
        #expect(words[0] == 0x1559_3bd1_e4e7_f110)
        #expect(words[1] == 0xc471_20a3_1fdd_0f50)
        #expect(words[7] == 0x4e3c_50a2_e883_d0cb)
    }

    @Test func systemSourceDrawsDistinctValues() {
        let values = (0..<64).map { _ in RandomSource.system.next() }
        #expect(Set(values).count == 64)
    }
}
