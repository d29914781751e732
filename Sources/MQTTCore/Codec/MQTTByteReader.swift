/// A bounds-checked cursor over one packet's bytes after the fixed header.
///
/// Every read checks what is left first, so a truncated or lying packet becomes a malformed
/// packet error instead of an out-of-bounds read, and no length read from the wire allocates
/// more than the packet actually holds.
struct MQTTByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var index: Int = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var remaining: Int { self.bytes.count &- self.index }

    var isAtEnd: Bool { self.index >= self.bytes.count }

    private func truncated(_ what: String) -> MQTTDecodingError {
        .malformed("packet ends inside \(what) at offset \(self.index)")
    }

    mutating func readByte(_ what: String) throws(MQTTDecodingError) -> UInt8 {
        guard self.index < self.bytes.count else { throw self.truncated(what) }
        let byte = self.bytes[self.index]
        self.index &+= 1
        return byte
    }

    mutating func readUInt16(_ what: String) throws(MQTTDecodingError) -> UInt16 {
        guard self.remaining >= 2 else { throw self.truncated(what) }
        let value = UInt16(self.bytes[self.index]) << 8 | UInt16(self.bytes[self.index &+ 1])
        self.index &+= 2
        return value
    }

    mutating func readUInt32(_ what: String) throws(MQTTDecodingError) -> UInt32 {
        guard self.remaining >= 4 else { throw self.truncated(what) }
        var value: UInt32 = 0
        for offset in 0..<4 {
            value = value << 8 | UInt32(self.bytes[self.index &+ offset])
        }
        self.index &+= 4
        return value
    }

    /// A Variable Byte Integer (§1.5.5) inside the packet: at most four bytes, minimal encoding.
    mutating func readVariableByteInteger(_ what: String) throws(MQTTDecodingError) -> Int {
        switch MQTTVariableByteInteger.decode(UnsafeRawBufferPointer(rebasing: self.bytes[self.index...])) {
        case .value(let value, let length):
            self.index &+= length
            return value
        case .needMoreBytes:
            throw self.truncated(what)
        case .invalid(let error):
            throw error
        }
    }

    /// Two-byte length, then that many bytes.
    mutating func readBinaryData(_ what: String) throws(MQTTDecodingError) -> [UInt8] {
        let length = Int(try self.readUInt16(what))
        return Array(try self.take(length, what))
    }

    /// A UTF-8 Encoded String (§1.5.4): well-formed UTF-8 without U+0000.
    mutating func readString(_ what: String) throws(MQTTDecodingError) -> String {
        let length = Int(try self.readUInt16(what))
        let raw = try self.take(length, what)
        guard let string = MQTTUTF8.validatedString(raw) else {
            throw .malformed("\(what) is not well-formed UTF-8 without U+0000")
        }
        return string
    }

    mutating func take(_ count: Int, _ what: String) throws(MQTTDecodingError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= self.remaining else { throw self.truncated(what) }
        let slice = UnsafeRawBufferPointer(rebasing: self.bytes[self.index..<(self.index &+ count)])
        self.index &+= count
        return slice
    }

    /// Everything that is left (a PUBLISH payload).
    mutating func readRest() -> [UInt8] {
        let rest = Array(UnsafeRawBufferPointer(rebasing: self.bytes[self.index...]))
        self.index = self.bytes.count
        return rest
    }

    func expectEnd(_ packet: MQTTPacketType) throws(MQTTDecodingError) {
        guard self.isAtEnd else {
            throw .malformed("\(self.remaining) unexpected trailing byte(s) in \(packet)")
        }
    }
}

/// UTF-8 rules for MQTT strings (§1.5.4): well-formed (no overlong forms, no surrogates, nothing
/// above U+10FFFF) and no U+0000. Other control characters and non-characters are allowed; the
/// spec leaves rejecting them to the receiver, and a topic naming one is still routable.
enum MQTTUTF8 {
    static func validatedString(_ bytes: UnsafeRawBufferPointer) -> String? {
        if bytes.isEmpty { return "" }
        guard !bytes.contains(0) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}
