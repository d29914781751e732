import Testing

@testable import WAMPCore

/// Properties every serializer shares: values survive a round trip, whatever the format.
@Suite struct SerializerRoundTripTests {
    static let edgeValues: [WAMPValue] = [
        .null, .bool(true), .bool(false),
        .int(0), .int(-1), .int(1), .int(Int64.min), .int(Int64.max), .int(1 << 53), .int(-(1 << 53)),
        .uint(0), .uint(UInt64.max), .uint(1 << 53), .uint(UInt64(Int64.max) + 1),
        .double(0.5), .double(1e300), .double(-1e-300), .double(0), .double(-0.0), .double(1.0),
        .double(.leastNonzeroMagnitude), .double(.greatestFiniteMagnitude), .double(-.greatestFiniteMagnitude), .double(0.1),
        .double(9_007_199_254_740_994), .double(123_456.789e-10),
        "", "a", "emoji 😀 family 👩‍👩‍👧 flag 🇺🇦", "a\u{0}b", "quote \" backslash \\ slash / newline \n tab \t",
        "\u{1}\u{1F}\u{7F}\u{80}\u{FFFF}\u{10FFFF}\u{E000}", "ü水𐅑",
        .string(String(repeating: "long string é ", count: 6000)),
        .binary([]), .binary([0]), .binary(Array(0...255)), .binary([UInt8](repeating: 0xAB, count: 70_000)),
        [], [:], [[[]]], [[:]], ["": [:]],
        ["a": ["b": [1, ["c": nil]]], "d": [true, 2.5, "x", .binary([1, 2, 3])]],
        .list((0..<70_000).map { WAMPValue.int(Int64($0)) }),
        .dict(Dictionary(uniqueKeysWithValues: (0..<40).map { ("key\($0)", WAMPValue.int(Int64($0) - 20)) })),
        [.uint(UInt64.max), .int(Int64.min), .double(-0.25), .null],
    ]

    @Test(arguments: SerializerKind.allCases)
    func edgeValuesRoundTrip(kind: SerializerKind) {
        let serializer = kind.serializer
        #expect(serializer.kind == kind)
        for value in Self.edgeValues {
            guard let decoded = expectDecodes(serializer, serializer.encode(value)) else { continue }
            #expect(decoded.isNumericallyEqual(to: value), "\(kind): \(String(describing: value).prefix(200))")
        }
    }

    @Test(arguments: SerializerKind.allCases)
    func integerRepresentationIsTheSameForEverySerializer(kind: SerializerKind) {
        let serializer = kind.serializer
        // Non-negative integers decode to .int when they fit, else .uint; negative ones to .int.
        #expect(expectDecodes(serializer, serializer.encode(.uint(5))) == .int(5))
        #expect(expectDecodes(serializer, serializer.encode(.int(Int64.max))) == .int(Int64.max))
        #expect(expectDecodes(serializer, serializer.encode(.uint(UInt64.max))) == .uint(UInt64.max))
        #expect(expectDecodes(serializer, serializer.encode(.int(Int64.min))) == .int(Int64.min))
        #expect(expectDecodes(serializer, serializer.encode(.double(2))) == .double(2))
    }

    @Test(arguments: SerializerKind.allCases)
    func encodeAppendsToExistingBytes(kind: SerializerKind) {
        let serializer = kind.serializer
        var buffer: [UInt8] = [0xAA, 0xBB]
        serializer.encode(["x", 1], into: &buffer)
        #expect(Array(buffer.prefix(2)) == [0xAA, 0xBB])
        #expect(Array(buffer.dropFirst(2)) == serializer.encode(["x", 1]))
    }

    @Test(arguments: SerializerKind.allCases)
    func nonFiniteDoubles(kind: SerializerKind) {
        let serializer = kind.serializer
        let decoded = expectDecodes(serializer, serializer.encode([.double(.nan), .double(.infinity)]))
        if kind == .json {
            #expect(decoded == [nil, nil])
        } else {
            #expect(decoded?.listValue?[0].doubleValue?.isNaN == true)
            #expect(decoded?.listValue?[1] == .double(.infinity))
        }
    }

    // MARK: - Random trees

    static func randomString(using generator: inout SeededGenerator) -> String {
        let pools: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0x00...0x1F, 0x22...0x22, 0x5C...0x5C, 0xA0...0x2FF, 0x4E00...0x4FFF,
            0xD7FF...0xE001, 0xFFF0...0xFFFF, 0x1F600...0x1F64F, 0x10FFF0...0x10FFFF,
        ]
        var string = ""
        for _ in 0..<Int.random(in: 0...12, using: &generator) {
            let pool = pools.randomElement(using: &generator)!
            if let scalar = Unicode.Scalar(UInt32.random(in: pool, using: &generator)) {
                string.unicodeScalars.append(scalar)
            }
        }
        // A leading U+0000 is how JSON marks binary, so such a string cannot survive JSON.
        if string.unicodeScalars.first == "\u{0}" { string = "x" + string }
        return string
    }

    static func randomValue(depth: Int, using generator: inout SeededGenerator) -> WAMPValue {
        let choice = Int.random(in: 0..<(depth > 0 ? 11 : 8), using: &generator)
        switch choice {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2:
            let magnitudes: [Int64] = [1, 24, 128, 256, 65_536, 1 << 32, Int64.max]
            return .int(Int64.random(in: -magnitudes.randomElement(using: &generator)!...Int64.max, using: &generator)
                / (Bool.random(using: &generator) ? 1 : Int64.random(in: 1...Int64.max, using: &generator)))
        case 3: return .uint(UInt64.random(in: 0...UInt64.max, using: &generator) >> UInt64.random(in: 0...63, using: &generator))
        case 4:
            var double = Double(bitPattern: generator.next())
            while !double.isFinite { double = Double(bitPattern: generator.next()) }
            return .double(Bool.random(using: &generator) ? double : Double(Int.random(in: -1000...1000, using: &generator)) / 8)
        case 5, 6: return .string(Self.randomString(using: &generator))
        case 7: return .binary((0..<Int.random(in: 0...20, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        case 8, 9:
            return .list((0..<Int.random(in: 0...6, using: &generator)).map { _ in
                Self.randomValue(depth: depth - 1, using: &generator)
            })
        default:
            var dict: WAMPDict = [:]
            for _ in 0..<Int.random(in: 0...6, using: &generator) {
                dict[Self.randomString(using: &generator)] = Self.randomValue(depth: depth - 1, using: &generator)
            }
            return .dict(dict)
        }
    }

    @Test(arguments: SerializerKind.allCases)
    func randomTreesRoundTrip(kind: SerializerKind) {
        let serializer = kind.serializer
        var generator = SeededGenerator(seed: 0x5EED_0000 + UInt64(kind.rawValue))
        for iteration in 0..<500 {
            let value = Self.randomValue(depth: 5, using: &generator)
            let encoded = serializer.encode(value)
            guard let decoded = expectDecodes(serializer, encoded) else { continue }
            #expect(decoded.isNumericallyEqual(to: value), "\(kind) tree \(iteration): \(value) became \(decoded)")
            // Encoding what was decoded is stable (up to dict order, so compare decoded values).
            #expect(expectDecodes(serializer, serializer.encode(decoded)) == decoded, "\(kind) tree \(iteration)")
        }
    }

    @Test func randomTreesCrossSerializers() {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<200 {
            let value = Self.randomValue(depth: 4, using: &generator)
            // Whatever one serializer delivers, another re-encodes to the same numbers and strings.
            let viaJSON = try? JSONSerializer().decode(JSONSerializer().encode(value))
            let viaMsgpack = try? MessagePackSerializer().decode(MessagePackSerializer().encode(value))
            let viaCBOR = try? CBORSerializer().decode(CBORSerializer().encode(value))
            #expect(viaMsgpack == viaCBOR)
            if let viaJSON, let viaCBOR {
                #expect(viaJSON.isNumericallyEqual(to: viaCBOR))
            } else {
                Issue.record("a serializer failed on \(value)")
            }
        }
    }
}
