import NIOCore
import Testing

@testable import RESPCore

@Suite struct RESPRoundTripTests {
    @Test(arguments: everyValueType)
    func everyValueTypeRoundTrips(value: RESPValue) throws {
        let decoded = try parseAll(encode(value), chunk: .max)
        #expect(decoded == [value])
    }

    @Test func nanRoundTrips() throws {
        let decoded = try parseAll(",nan\r\n")
        guard case .double(let double) = decoded.first else {
            Issue.record("not a double: \(decoded)")
            return
        }
        #expect(double.isNaN)
        #expect(encode(decoded[0]) == ByteBuffer(string: ",nan\r\n"))
    }

    @Test func byteAtATimeEqualsManyPerBuffer() throws {
        let stream = encode(everyValueType)
        let whole = try parseAll(stream, chunk: .max)
        #expect(whole == everyValueType)
        for chunk in [1, 2, 3, 7, 64] {
            #expect(try parseAll(stream, chunk: chunk) == whole, "chunk \(chunk)")
        }
    }

    @Test func wireFormatsMatchTheSpec() throws {
        let cases: [(String, RESPValue)] = [
            ("+OK\r\n", .simpleString("OK")),
            ("-ERR bad\r\n", .simpleError(ByteBuffer(string: "ERR bad"))),
            (":-42\r\n", .integer(-42)),
            (":+7\r\n", .integer(7)),
            ("$5\r\nhello\r\n", .bulkString("hello")),
            ("$0\r\n\r\n", .bulkString("")),
            ("$-1\r\n", .bulkString(nil)),
            ("*-1\r\n", .array(nil)),
            ("*2\r\n:1\r\n$1\r\nx\r\n", .array([.integer(1), .bulkString("x")])),
            ("_\r\n", .null),
            ("#t\r\n", .boolean(true)),
            (",1.5e3\r\n", .double(1500)),
            (",-inf\r\n", .double(-.infinity)),
            ("(-12345678901234567890\r\n", .bigNumber("-12345678901234567890")),
            ("!5\r\nOOPS!\r\n", .bulkError(ByteBuffer(string: "OOPS!"))),
            ("=8\r\ntxt:abcd\r\n", .verbatimString(format: "txt", ByteBuffer(string: "abcd"))),
            ("%1\r\n+k\r\n:1\r\n", .map([RESPPair(.simpleString("k"), .integer(1))])),
            ("~1\r\n#f\r\n", .set([.boolean(false)])),
            ("|1\r\n+ttl\r\n:9\r\n:1\r\n", .attribute([RESPPair(.simpleString("ttl"), .integer(9))], .integer(1))),
            (">2\r\n+pong\r\n$0\r\n\r\n", .push([.simpleString("pong"), .bulkString("")])),
        ]
        for (wire, value) in cases {
            #expect(try parseAll(wire, chunk: 1) == [value], "\(wire.debugDescription)")
        }
    }

    @Test func commandsAreArraysOfBulkStrings() throws {
        var buffer = ByteBuffer()
        buffer.writeRESPCommand(RESPCommand("SET", "key", "välue"))
        #expect(String(buffer: buffer) == "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$6\r\nvälue\r\n")
        buffer.clear()
        buffer.writeRESPCommand(RESPCommand(arguments: [ByteBuffer(string: "PING")]))
        #expect(try parseAll(buffer, chunk: 1) == [.array([.bulkString("PING")])])
    }

    @Test func unencodableValuesThrowAndWriteNothing() {
        let invalid: [RESPValue] = [
            .simpleString("a\r\nb"),
            .simpleError(ByteBuffer(string: "line\nbreak")),
            .verbatimString(format: "toolong", ByteBuffer()),
            .bigNumber("12a"),
            .array([.integer(1), .simpleString("\r")]),
        ]
        for value in invalid {
            var buffer = ByteBuffer(string: "keep")
            #expect(throws: RESPEncodingError.self) { try buffer.writeRESPValue(value) }
            #expect(String(buffer: buffer) == "keep")
        }
    }

    @Test func accessorsReadRepliesOfBothProtocols() throws {
        let resp3 = RESPValue.map([RESPPair(.bulkString("proto"), .integer(3))])
        let resp2 = RESPValue.array([.bulkString("proto"), .integer(2)])
        #expect(resp3.value(forKey: "proto") == .integer(3))
        #expect(resp2.value(forKey: "proto")?.integer == 2)
        #expect(RESPValue.bulkString(nil).isNull && RESPValue.array(nil).isNull && RESPValue.null.isNull)
        #expect(RESPValue.simpleError(ByteBuffer(string: "ERR x")).errorMessage == "ERR x")
    }
}
