/// WAMP's MessagePack serializer (`wamp.2.msgpack`, RawSocket id 2).
///
/// Implements the full MessagePack type system except extension types, which WAMP does not use
/// and which are rejected rather than passed through as something the router cannot interpret.
public struct MessagePackSerializer: WAMPSerializer {
    public init() {}

    public var kind: SerializerKind { .msgpack }

    /// Decodes one MessagePack value. Non-negative integers become `.int` when they fit `Int64`
    /// (`.uint` otherwise); map keys must be strings; ext types, invalid UTF-8, truncation,
    /// trailing bytes and nesting deeper than `maximumNestingDepth` are errors.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodingError) -> WAMPValue {
        var reader = MessagePackReader(bytes)
        let value = try reader.readValue()
        guard reader.cursor.isAtEnd else {
            throw reader.cursor.error("unexpected bytes after the MessagePack value")
        }
        return value
    }

    /// Appends the smallest MessagePack encoding of `value` (doubles always as float64).
    public func encode(_ value: WAMPValue, into buffer: inout [UInt8]) {
        buffer.reserveAdditional(64)
        MessagePackWriter.write(value, into: &buffer)
    }
}
