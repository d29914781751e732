import Testing

@testable import WAMPCore

/// Decoders are total: any bytes produce a value or a `DecodingError`, never a crash, an
/// out-of-bounds read, an allocation driven by a declared length, or unbounded recursion.
@Suite struct MalformedInputTests {
    static let richValue: WAMPValue = [
        48, .uint(UInt64.max), .int(Int64.min), -1, 300, 70_000, 0.5, 1e300, true, false, nil,
        "héllo 😀 \"q\" \n", .binary([0, 1, 2, 254, 255]),
        ["nested": [[], [:], ["k": [1, 2, "three"]]], "e": "", "b": .binary([])],
    ]

    /// Valid encodings, each of which becomes invalid when cut short anywhere.
    static func validEncodings(_ kind: SerializerKind) -> [[UInt8]] {
        var encodings = [kind.serializer.encode(Self.richValue)]
        switch kind {
        case .json:
            encodings.append(Array(#" [ 1.5e3 , -0 , "\ud83d\ude00\u0041" , {"a" : [true]} , "\u0000AQID" ]"#.utf8))
        case .msgpack:
            encodings.append(bytes(hex: "9a cf ffffffffffffffff d3 8000000000000000 ca 3fc00000 cb 3ff8000000000000"
                + " d9 03 616263 da 0003 616263 db 00000003 616263 c5 0002 0102 c6 00000001 ff"
                + " de 0001 a1 61 dc 0001 dd 00000001 df 00000000"))
        case .cbor:
            encodings.append(bytes(hex: "9f 5f 42 0102 41 03 ff 7f 63 737472 62 c3bc ff bf 61 61 9f 01 ff ff"
                + " f9 3c00 fa 3fc00000 fb 3ff8000000000000 c6 1b ffffffffffffffff 3b 7fffffffffffffff f7 ff"))
        }
        return encodings
    }

    @Test(arguments: SerializerKind.allCases)
    func everyTruncationThrows(kind: SerializerKind) {
        let serializer = kind.serializer
        for encoding in Self.validEncodings(kind) {
            guard expectDecodes(serializer, encoding) != nil else { continue }
            for length in 0..<encoding.count {
                // A fresh array, so the decoder's view ends exactly where the prefix does.
                let prefix = Array(encoding[0..<length])
                expectRejected(serializer, prefix, "\(kind) prefix of length \(length)/\(encoding.count)")
            }
        }
    }

    @Test(arguments: SerializerKind.allCases)
    func trailingBytesThrow(kind: SerializerKind) {
        let serializer = kind.serializer
        let encoding = serializer.encode(Self.richValue)
        expectRejected(serializer, encoding + [0x00], "\(kind) with a trailing 0x00")
        expectRejected(serializer, encoding + encoding, "\(kind) two values")
    }

    static func nested(_ depth: Int) -> WAMPValue {
        var value: WAMPValue = []
        for index in 1..<depth {
            value = index.isMultiple(of: 2) ? ["k": value] : [value]
        }
        return value
    }

    @Test(arguments: SerializerKind.allCases)
    func nestingLimit(kind: SerializerKind) {
        let serializer = kind.serializer
        let deepest = Self.nested(maximumNestingDepth)
        #expect(expectDecodes(serializer, serializer.encode(deepest)) == deepest)
        expectRejected(serializer, serializer.encode(Self.nested(maximumNestingDepth + 1)), "\(kind) too deep")
    }

    @Test func depthBombs() {
        let count = 10_000
        expectRejected(JSONSerializer(), [UInt8](repeating: UInt8(ascii: "["), count: count), "JSON [[[[")
        expectRejected(
            JSONSerializer(),
            [UInt8](repeating: UInt8(ascii: "["), count: count) + [UInt8](repeating: UInt8(ascii: "]"), count: count),
            "JSON balanced but too deep")
        expectRejected(JSONSerializer(), Array(String(repeating: #"{"a":"#, count: count).utf8), "JSON {\"a\":{")
        expectRejected(MessagePackSerializer(), [UInt8](repeating: 0x91, count: count) + [0x00], "msgpack fixarray")
        expectRejected(MessagePackSerializer(), [UInt8](repeating: 0xDC, count: 1) + [0x00, 0x01] + [UInt8](repeating: 0x91, count: count) + [0xC0], "msgpack array16")
        expectRejected(
            MessagePackSerializer(), Array([[UInt8]](repeating: [0x81, 0xA1, 0x61], count: count).joined()) + [0x00],
            "msgpack fixmap")
        expectRejected(CBORSerializer(), [UInt8](repeating: 0x81, count: count) + [0x00], "CBOR definite arrays")
        expectRejected(CBORSerializer(), [UInt8](repeating: 0x9F, count: count), "CBOR indefinite arrays")
        expectRejected(
            CBORSerializer(), Array([[UInt8]](repeating: [0xBF, 0x61, 0x61], count: count).joined()),
            "CBOR indefinite maps")
        expectRejected(
            CBORSerializer(), Array([[UInt8]](repeating: [0xC6, 0x81], count: count).joined()) + [0x00],
            "CBOR tagged arrays")
    }

    @Test func hugeDeclaredLengths() {
        let msgpack: [String] = [
            "dbffffffff", "dbffffffff61", "c6ffffffff", "ddffffffff", "ddffffffff00", "dfffffffff", "df80000000",
        ]
        for hex in msgpack { expectRejected(MessagePackSerializer(), bytes(hex: hex), hex) }
        let cbor: [String] = [
            "5bffffffffffffffff", "7bffffffffffffffff", "9bffffffffffffffff", "bbffffffffffffffff",
            "5b7fffffffffffffff00", "9b0000000100000000", "5f5bffffffffffffffff", "7f7bffffffffffffffff",
        ]
        for hex in cbor { expectRejected(CBORSerializer(), bytes(hex: hex), hex) }
        // Bounded by the input: 100 declared elements, 99 present.
        expectRejected(MessagePackSerializer(), bytes(hex: "dc0064") + [UInt8](repeating: 0, count: 99))
        expectRejected(CBORSerializer(), bytes(hex: "9864") + [UInt8](repeating: 0, count: 99))
    }

    /// Single-byte mutations of valid encodings and random bytes: any outcome but a crash is fine.
    @Test(arguments: SerializerKind.allCases)
    func mutationsNeverCrash(kind: SerializerKind) {
        let serializer = kind.serializer
        var generator = SeededGenerator(seed: 99 + UInt64(kind.rawValue))
        var outcomes = 0
        for encoding in Self.validEncodings(kind) {
            for position in encoding.indices {
                for replacement: UInt8 in [0x00, 0xFF, 0x7F, 0x80, 0x1F, 0x5B, 0x22, UInt8.random(in: 0...255, using: &generator)] {
                    var mutated = encoding
                    mutated[position] = replacement
                    _ = decodeResult(serializer, mutated)
                    outcomes += 1
                }
            }
        }
        let interesting: [UInt8] = [0x00, 0x01, 0x18, 0x1B, 0x22, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F, 0x80, 0x9F, 0xBF, 0xC0, 0xDB, 0xDD, 0xF9, 0xFF]
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...24, using: &generator)
            let input = (0..<length).map { _ in
                Bool.random(using: &generator)
                    ? interesting.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
            }
            _ = decodeResult(serializer, input)
            outcomes += 1
        }
        #expect(outcomes > 20_000)
    }

    @Test(arguments: SerializerKind.allCases)
    func emptyBufferThrows(kind: SerializerKind) {
        #expect(throws: WAMPCore.DecodingError.self) {
            try kind.serializer.decode(UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }
}
