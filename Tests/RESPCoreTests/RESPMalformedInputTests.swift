import NIOCore
import Testing

@testable import RESPCore

/// Malformed input is an error with a precise code, whether it arrives at once or byte by byte;
/// never a crash, a hang or an allocation sized by a declared length.
@Suite struct RESPMalformedInputTests {
    static let cases: [(String, RESPParsingError.Code)] = [
        ("?what\r\n", .invalidTypeByte),
        ("\r\n", .invalidTypeByte),
        ("$abc\r\n", .invalidLength),
        ("$\r\n", .invalidLength),
        ("$-2\r\n", .invalidLength),
        ("*-5\r\n", .invalidLength),
        ("%-1\r\n", .invalidLength),
        ("~-1\r\n", .invalidLength),
        ("!-1\r\n", .invalidLength),
        ("*99999999999999999999\r\n", .invalidLength),
        ("$+3\r\nabc\r\n", .invalidLength),
        ("$3\r\nabcd\r\n", .missingCRLF),
        ("$3\r\nabc\n\n", .missingCRLF),
        ("+OK\n", .missingCRLF),
        ("+OK\rX\r\n", .missingCRLF),
        (":12a\r\n", .invalidInteger),
        (":\r\n", .invalidInteger),
        (":-\r\n", .invalidInteger),
        (":9223372036854775808\r\n", .invalidInteger),
        (":-9223372036854775809\r\n", .invalidInteger),
        (":1 \r\n", .invalidInteger),
        (",\r\n", .invalidDouble),
        (",1.2.3x\r\n", .invalidDouble),
        (",0x1p3\r\n", .invalidDouble),
        (",infinity\r\n", .invalidDouble),
        ("#x\r\n", .invalidBoolean),
        ("#tt\r\n", .invalidBoolean),
        ("_x\r\n", .invalidNull),
        ("(12a\r\n", .invalidBigNumber),
        ("(\r\n", .invalidBigNumber),
        ("=3\r\ntxt\r\n", .invalidVerbatimString),
        ("=5\r\ntxt-a\r\n", .invalidVerbatimString),
        ("*2\r\n:1\r\n?\r\n", .invalidTypeByte),
    ]

    @Test func malformedInputThrowsItsCode() {
        for (wire, code) in Self.cases {
            for chunk in [1, Int.max] {
                do {
                    let values = try parseAll(wire, chunk: chunk)
                    Issue.record("\(wire.debugDescription) parsed as \(values)")
                } catch let error as RESPParsingError {
                    #expect(error.code == code, "\(wire.debugDescription) chunk \(chunk): \(error)")
                } catch {
                    Issue.record("unexpected error \(error)")
                }
            }
        }
    }

    @Test func limitsAreEnforced() throws {
        let limits = RESPParser.Limits(maxBulkLength: 4, maxAggregateLength: 3, maxDepth: 3, maxLineLength: 8)
        let cases: [(String, RESPParsingError.Code)] = [
            ("$5\r\nhello\r\n", .bulkTooLong),
            ("!5\r\nhello\r\n", .bulkTooLong),
            ("*4\r\n", .aggregateTooLong),
            ("%4\r\n", .aggregateTooLong),
            ("****1\r\n", .invalidLength),
            ("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", .tooDeep),
            ("|1\r\n+a\r\n:1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", .tooDeep),
            ("+123456789\r\n", .lineTooLong),
            ("+123456789", .lineTooLong),
        ]
        for (wire, code) in cases {
            let error = #expect(throws: RESPParsingError.self, "\(wire.debugDescription)") {
                try parseAll(wire, chunk: 1, limits: limits)
            }
            #expect(error?.code == code, "\(wire.debugDescription): \(String(describing: error))")
        }
        #expect(try parseAll("*1\r\n*1\r\n*1\r\n$4\r\nfour\r\n", chunk: 1, limits: limits).count == 1)
        #expect(try parseAll("+12345678\r\n", chunk: 1, limits: limits) == [.simpleString("12345678")])
    }

    @Test func aHugeDeclaredCountDoesNotAllocateIt() throws {
        var parser = RESPParser()
        var buffer = ByteBuffer(string: "*16000000\r\n:1\r\n")
        #expect(try parser.parseStep(&buffer) == .insufficientData)
        #expect(buffer.readableBytes == 0)
    }

    @Test func deepNestingWithinTheLimitDoesNotRecurse() throws {
        let depth = 10_000
        let wire = String(repeating: "*1\r\n", count: depth) + ":1\r\n"
        let values = try parseAll(wire, chunk: .max, limits: RESPParser.Limits(maxDepth: depth))
        #expect(values.count == 1)
    }

    @Test func everyTruncationOfAValidStreamWaitsForMore() throws {
        let stream = encode(everyValueType)
        for length in stride(from: 0, to: stream.readableBytes, by: 5) {
            var parser = RESPParser()
            var prefix = stream.getSlice(at: 0, length: length)!
            while case .result = try parser.parseStep(&prefix) {}
        }
    }
}
