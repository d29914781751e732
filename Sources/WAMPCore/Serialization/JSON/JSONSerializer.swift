/// WAMP's JSON serializer (`wamp.2.json`, RawSocket id 1), written without Foundation.
///
/// Byte-level so that the router's hot path does not pay for `JSONSerialization`'s bridging, and
/// strict so that malformed frames are rejected rather than guessed at. Follows the WAMP
/// convention for binary: a string starting with U+0000 carries Base64.
public struct JSONSerializer: WAMPSerializer {
    public init() {}

    public var kind: SerializerKind { .json }

    /// Parses one RFC 8259 value; trailing non-whitespace, invalid UTF-8, lone surrogates,
    /// leading zeros and nesting deeper than `maximumNestingDepth` are errors.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodingError) -> WAMPValue {
        var parser = JSONParser(bytes)
        return try parser.parseDocument()
    }

    /// Appends compact JSON for `value`.
    public func encode(_ value: WAMPValue, into buffer: inout [UInt8]) {
        buffer.reserveAdditional(128)
        JSONWriter.write(value, into: &buffer)
    }
}
