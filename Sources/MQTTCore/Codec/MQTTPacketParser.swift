/// Incremental, resumable parser for MQTT control packets, in the style of swift-nio's
/// `WebSocketFrameDecoder`: the NIO handler feeds it whatever bytes have arrived and it returns
/// `.insufficientData`, `.continueParsing` or `.result(packet)` per step.
///
/// The fixed header is checked as soon as it is complete: type (0, and 15 in 3.1.1, are
/// reserved), flags, Remaining Length (at most four bytes, minimally encoded) and the maximum
/// packet size, so an oversized packet is refused before its body is waited for. Until CONNECT
/// has been decoded the parser knows no version and accepts nothing else; CONNECT then sets it.
/// A client-side parser is created with the version it sent.
///
/// Every error is final: the connection is answered (5.0) and closed, never resumed.
public struct MQTTPacketParser: Sendable {
    public enum ParseResult: Sendable, Hashable {
        case insufficientData
        case continueParsing
        case result(MQTTPacket)
    }

    private enum State: Sendable {
        case fixedHeader
        case body(type: MQTTPacketType, flags: UInt8, length: Int)
    }

    private var state: State = .fixedHeader
    /// The connection's protocol level: `nil` until CONNECT (server side).
    public private(set) var version: MQTTProtocolVersion?
    /// The largest whole packet accepted, fixed header included (5.0's Maximum Packet Size).
    public var maximumPacketSize: Int

    /// The largest packet MQTT can express: one type byte, four length bytes, 268,435,455 bytes.
    public static let largestPacketSize = 1 + 4 + MQTTVariableByteInteger.maximum

    public init(version: MQTTProtocolVersion? = nil, maximumPacketSize: Int = Self.largestPacketSize) {
        self.version = version
        self.maximumPacketSize = maximumPacketSize
    }

    /// Parses from `bytes[readerIndex...]`, advancing `readerIndex` past what it consumed.
    ///
    /// The handler calls it in a loop over one read's contiguous bytes until it returns
    /// `.insufficientData`, then drops the consumed prefix; an incomplete header is left
    /// unconsumed and re-read when more bytes arrive.
    public mutating func parseStep(
        _ bytes: UnsafeRawBufferPointer,
        readerIndex: inout Int
    ) throws(MQTTDecodingError) -> ParseResult {
        let available = UnsafeRawBufferPointer(rebasing: bytes[min(readerIndex, bytes.count)...])
        switch self.state {
        case .fixedHeader:
            guard let first = available.first else { return .insufficientData }
            let (type, flags) = try self.checkFirstByte(first)
            let length: Int
            let lengthBytes: Int
            switch MQTTVariableByteInteger.decode(UnsafeRawBufferPointer(rebasing: available.dropFirst())) {
            case .needMoreBytes:
                return .insufficientData
            case .invalid(let error):
                throw MQTTDecodingError(error.reasonCode, "remaining length: \(error.detail)")
            case .value(let value, let count):
                length = value
                lengthBytes = count
            }
            let size = 1 + lengthBytes + length
            guard size <= self.maximumPacketSize else {
                throw MQTTDecodingError(
                    .packetTooLarge,
                    "\(type) of \(size) bytes exceeds the maximum packet size of \(self.maximumPacketSize)"
                )
            }
            readerIndex += 1 + lengthBytes
            self.state = .body(type: type, flags: flags, length: length)
            return .continueParsing

        case .body(let type, let flags, let length):
            guard available.count >= length else { return .insufficientData }
            let body = UnsafeRawBufferPointer(
                rebasing: available[available.startIndex..<(available.startIndex + length)]
            )
            readerIndex += length
            self.state = .fixedHeader
            // `checkFirstByte` let nothing but CONNECT through while the version is unknown.
            let packet = try MQTTPacket.decode(type: type, flags: flags, body: body, version: self.version ?? .v5)
            if self.version == nil, case .connect(let connect) = packet {
                self.version = connect.protocolVersion
            }
            return .result(packet)
        }
    }

    private func checkFirstByte(_ byte: UInt8) throws(MQTTDecodingError) -> (MQTTPacketType, UInt8) {
        let flags = byte & 0x0F
        guard let type = MQTTPacketType(rawValue: byte >> 4) else {
            throw .malformed("reserved packet type 0")
        }
        guard let version = self.version else {
            guard type == .connect else { throw .protocolError("first packet is \(type), not CONNECT") }
            guard flags == 0 else { throw .malformed("CONNECT with flags \(flags)") }
            return (type, flags)
        }
        if type == .auth && version == .v3_1_1 {
            throw .malformed("reserved packet type 15 in MQTT 3.1.1")
        }
        if let required = type.requiredFlags {
            guard flags == required else {
                throw .malformed("\(type) with flags \(Self.bits(flags)), expected \(Self.bits(required))")
            }
        } else {
            let qos = (flags >> 1) & 0x03
            guard qos != 3 else { throw .malformed("PUBLISH with QoS 3") }
            guard qos != 0 || flags & 0x08 == 0 else { throw .malformed("PUBLISH with DUP set at QoS 0") }
        }
        return (type, flags)
    }

    private static func bits(_ flags: UInt8) -> String {
        let binary = String(flags, radix: 2)
        return String(repeating: "0", count: 4 - binary.count) + binary
    }
}

extension MQTTPacketParser {
    /// Parses from the front of `buffer`, removing what it consumed: for tests and callers that
    /// hold bytes in an array rather than a `ByteBuffer`.
    public mutating func parseStep(_ buffer: inout [UInt8]) throws(MQTTDecodingError) -> ParseResult {
        var consumed = 0
        let result: Result<ParseResult, MQTTDecodingError> = buffer.withUnsafeBytes { raw in
            do throws(MQTTDecodingError) {
                return .success(try self.parseStep(raw, readerIndex: &consumed))
            } catch {
                return .failure(error)
            }
        }
        buffer.removeFirst(consumed)
        return try result.get()
    }
}
