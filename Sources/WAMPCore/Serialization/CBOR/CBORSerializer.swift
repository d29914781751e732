/// WAMP's CBOR serializer (`wamp.2.cbor`, RawSocket id 3), per RFC 8949.
///
/// Decodes everything a generic CBOR peer may send for WAMP data: definite and indefinite
/// strings and containers, tags (ignored, the inner item is kept), half/single/double floats and
/// `undefined` (as null). Encodes with definite lengths and the smallest heads.
public struct CBORSerializer: WAMPSerializer {
    public init() {}

    public var kind: SerializerKind { .cbor }

    /// Decodes one CBOR data item. Non-negative integers become `.int` when they fit `Int64`;
    /// negative integers below `Int64.min`, non-text map keys, unassigned simple values, invalid
    /// UTF-8, truncation, trailing bytes and nesting deeper than `maximumNestingDepth` are errors.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodingError) -> WAMPValue {
        var reader = CBORReader(bytes)
        let value = try reader.readValue()
        guard reader.cursor.isAtEnd else {
            throw reader.cursor.error("unexpected bytes after the CBOR data item")
        }
        return value
    }

    /// Appends the CBOR encoding of `value` (definite lengths, doubles as float64).
    public func encode(_ value: WAMPValue, into buffer: inout [UInt8]) {
        buffer.reserveAdditional(64)
        CBORWriter.write(value, into: &buffer)
    }
}
