import Testing
import WAMPCore

@testable import junction_bench

@Suite struct WireScannerTests {
    /// An EVENT as a router sends it: details with nested values, then the generator's arguments.
    static let event = WAMPMessage.event(
        .init(
            subscription: 1_234_567_890_123, publication: 77,
            details: ["topic": "bench.topic", "x": ["y": [1, "a\"]b", nil, true, 2.5]], "big": .uint(1 << 40)],
            payload: .init(args: [3, 65_536, .uint(9_000_000_000_000), "xxxx"], kwargs: ["k": "v"])))

    @Test(arguments: SerializerKind.allCases)
    func readsTheFieldsOfAnEvent(kind: SerializerKind) throws {
        let bytes = Self.event.encoded(with: kind.serializer)
        try bytes.withUnsafeBytes { raw throws in
            var scanner = WireScanner(kind, raw)
            let count = try scanner.enterList()
            if kind != .json { #expect(count == 6) }
            #expect(try scanner.uint() == 36)
            #expect(try scanner.uint() == 1_234_567_890_123)
            try scanner.skip()  // publication
            try scanner.skip()  // details
            _ = try scanner.enterList()
            #expect(try scanner.uint() == 3)
            #expect(try scanner.uint() == 65_536)
            #expect(try scanner.uint() == 9_000_000_000_000)
            #expect(try scanner.string() == "xxxx")
        }
    }

    @Test(arguments: SerializerKind.allCases)
    func findsAcknowledgeInOptions(kind: SerializerKind) throws {
        for (options, expected) in [
            (["acknowledge": true, "exclude_me": false] as WAMPDict, true), (["acknowledge": false], false),
            ([:], false), (["other": ["acknowledge": true]], false),
        ] {
            let bytes = kind.serializer.encode(.dict(options))
            try bytes.withUnsafeBytes { raw throws in
                var scanner = WireScanner(kind, raw)
                #expect(try scanner.dictHasTrue("acknowledge") == expected)
                #expect(scanner.position == raw.count)
            }
        }
    }

    @Test(arguments: SerializerKind.allCases)
    func rejectsTruncatedInput(kind: SerializerKind) {
        let bytes = Array(Self.event.encoded(with: kind.serializer).dropLast(3))
        bytes.withUnsafeBytes { raw in
            var scanner = WireScanner(kind, raw)
            #expect(throws: ScanError.self) {
                _ = try scanner.enterList()
                for _ in 0..<6 { try scanner.skip() }
            }
        }
    }

    @Test func acceptsIntegralJSONFloatsAsIDs() throws {
        let bytes = Array("[50, 7.0 ,{}]".utf8)
        try bytes.withUnsafeBytes { raw throws in
            var scanner = WireScanner(.json, raw)
            _ = try scanner.enterList()
            #expect(try scanner.uint() == 50)
            #expect(try scanner.uint() == 7)
        }
    }
}
