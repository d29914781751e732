import NIOCore
import Testing

@testable import RESPCore

/// Every RESP type at least once, nested, with binary payloads and the edge values of each type.
let everyValueType: [RESPValue] = [
    .simpleString("OK"),
    .simpleString(""),
    .simpleError(ByteBuffer(string: "ERR unknown command 'FOO'")),
    .integer(0), .integer(-1), .integer(Int64.max), .integer(Int64.min),
    .bulkString("hello"),
    .bulkString(""),
    .bulkString(ByteBuffer(bytes: [0, 13, 10, 255, 36])),
    .bulkString(nil),
    .array([]),
    .array(nil),
    .array([.integer(1), .bulkString("two"), .array([.null, .bulkString(nil)])]),
    .null,
    .boolean(true), .boolean(false),
    .double(3.25), .double(-0.5), .double(1e300), .double(.infinity), .double(-.infinity),
    .bigNumber("3492890328409238509324850943850943825024385"),
    .bigNumber("-1"),
    .bulkError(ByteBuffer(string: "SYNTAX invalid\r\nsyntax")),
    .verbatimString(format: "txt", ByteBuffer(string: "Some string")),
    .verbatimString(format: "mkd", ByteBuffer()),
    .map([]),
    .map([RESPPair(.simpleString("first"), .integer(1)), RESPPair(.array([.integer(2)]), .set([.boolean(true)]))]),
    .set([]),
    .set([.integer(1), .bulkString("x"), .double(2.5)]),
    .attribute([RESPPair(.simpleString("ttl"), .integer(3600))], .bulkString("value")),
    .attribute([], .integer(7)),
    .array([.attribute([RESPPair(.simpleString("a"), .null)], .map([RESPPair(.null, .null)]))]),
    .push([.bulkString("message"), .bulkString("channel"), .bulkString("payload")]),
    .push([]),
]

func encode(_ value: RESPValue) -> ByteBuffer {
    var buffer = ByteBuffer()
    try! buffer.writeRESPValue(value)
    return buffer
}

func encode(_ values: [RESPValue]) -> ByteBuffer {
    var buffer = ByteBuffer()
    for value in values { try! buffer.writeRESPValue(value) }
    return buffer
}

/// Parses `bytes` fed `chunk` bytes at a time; returns every value, throws the first error.
func parseAll(_ bytes: ByteBuffer, chunk: Int, limits: RESPParser.Limits = RESPParser.Limits()) throws -> [RESPValue] {
    var parser = RESPParser(limits: limits)
    var pending = ByteBuffer()
    var input = bytes
    var values: [RESPValue] = []
    while input.readableBytes > 0 {
        var slice = input.readSlice(length: min(chunk, input.readableBytes))!
        pending.writeBuffer(&slice)
        while case .result(let value) = try parser.parseStep(&pending) {
            values.append(value)
        }
    }
    #expect(pending.readableBytes == 0, "bytes left over after the last value")
    return values
}

func parseAll(_ text: String, chunk: Int = .max, limits: RESPParser.Limits = RESPParser.Limits()) throws -> [RESPValue]
{
    try parseAll(ByteBuffer(string: text), chunk: chunk, limits: limits)
}

/// Equality for values that may hold NaN: compares encodings.
func sameEncoding(_ lhs: RESPValue, _ rhs: RESPValue) -> Bool {
    encode(lhs) == encode(rhs)
}
