/// Turns `WAMPValue`s into bytes and back, for one wire format.
///
/// Serializers are stateless values so a connection can hold one and a fan-out can pick the one
/// each receiver negotiated. They never see NIO types: the transport hands them contiguous bytes.
public protocol WAMPSerializer: Sendable {
    /// Which format this is; decides the RawSocket serializer id and the WebSocket subprotocol.
    var kind: SerializerKind { get }

    /// Decodes exactly one value that spans all of `bytes`; trailing bytes are an error.
    func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodingError) -> WAMPValue

    /// Appends the encoding of `value` to `buffer`.
    func encode(_ value: WAMPValue, into buffer: inout [UInt8])
}

extension WAMPSerializer {
    public func decode(_ bytes: [UInt8]) throws(DecodingError) -> WAMPValue {
        do {
            return try bytes.withUnsafeBytes { raw in try self.decode(raw) }
        } catch let error as DecodingError {
            throw error
        } catch {
            throw DecodingError(reason: "\(error)", offset: 0)
        }
    }

    public func encode(_ value: WAMPValue) -> [UInt8] {
        var buffer: [UInt8] = []
        self.encode(value, into: &buffer)
        return buffer
    }
}

/// The serialization formats Junction speaks. The raw values are the RawSocket serializer ids.
public enum SerializerKind: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case json = 1
    case msgpack = 2
    case cbor = 3

    /// The WebSocket subprotocol for the unbatched mode.
    public var webSocketSubprotocol: String {
        switch self {
        case .json: return "wamp.2.json"
        case .msgpack: return "wamp.2.msgpack"
        case .cbor: return "wamp.2.cbor"
        }
    }

    public var description: String {
        switch self {
        case .json: return "json"
        case .msgpack: return "msgpack"
        case .cbor: return "cbor"
        }
    }

    /// The serializer implementing this format.
    public var serializer: any WAMPSerializer {
        switch self {
        case .json: return JSONSerializer()
        case .msgpack: return MessagePackSerializer()
        case .cbor: return CBORSerializer()
        }
    }

    /// Parses `json`, `msgpack` or `cbor` (as used in configuration and on the command line).
    public init?(name: String) {
        switch name.lowercased() {
        case "json": self = .json
        case "msgpack", "messagepack": self = .msgpack
        case "cbor": self = .cbor
        default: return nil
        }
    }
}

/// Why bytes could not be decoded: malformed, truncated, too deeply nested, or not UTF-8.
public struct DecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    /// Byte offset at which decoding failed.
    public var offset: Int

    public init(reason: String, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "\(self.reason) at byte \(self.offset)" }
}

/// Nesting limit shared by all decoders so hostile input cannot exhaust the stack.
public let maximumNestingDepth = 128
