/// PLACEHOLDER: being written; replaced by the real implementation.
public struct CBORSerializer: WAMPSerializer {
    public init() {}
    public var kind: SerializerKind { .cbor }
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodingError) -> WAMPValue {
        throw DecodingError(reason: "not implemented", offset: 0)
    }
    public func encode(_ value: WAMPValue, into buffer: inout [UInt8]) {}
}
