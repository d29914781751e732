import WAMPCore

/// Why a received message could not be scanned.
struct ScanError: Error, Sendable, CustomStringConvertible {
    var reason: String
    var offset: Int

    var description: String { "\(self.reason) at byte \(self.offset)" }
}

/// A forward-only reader that pulls just the fields the load generator (or the baseline server)
/// needs out of a serialized WAMP message, skipping everything else without building values.
///
/// Decoding every EVENT into a `WAMPValue` tree would cost the generator as much as the router
/// pays to route it; scanning the message type, one id and a few integers costs a fraction.
/// List elements are read in order: `enterList()`, then `uint()` / `skip()` per element. For JSON,
/// the comma and whitespace before an element are consumed by the read of that element, so after
/// `skip()` the position is just past the element (used by the baseline to copy message tails).
struct WireScanner {
    let kind: SerializerKind
    let bytes: UnsafeRawBufferPointer
    var position: Int = 0

    init(_ kind: SerializerKind, _ bytes: UnsafeRawBufferPointer) {
        self.kind = kind
        self.bytes = bytes
    }

    /// Enters a list; returns its element count (nil for JSON, where it is not known up front).
    @inline(__always)
    mutating func enterList() throws(ScanError) -> Int? {
        switch self.kind {
        case .json: try self.jsonEnterList(); return nil
        case .msgpack: return try self.msgpackEnterList()
        case .cbor: return try self.cborEnterList()
        }
    }

    /// Reads a non-negative integer (an integral JSON float such as `1.0` is accepted).
    @inline(__always)
    mutating func uint() throws(ScanError) -> UInt64 {
        switch self.kind {
        case .json: return try self.jsonUInt()
        case .msgpack: return try self.msgpackUInt()
        case .cbor: return try self.cborUInt()
        }
    }

    /// Skips one complete value, whatever it is.
    @inline(__always)
    mutating func skip() throws(ScanError) {
        switch self.kind {
        case .json: try self.jsonSkip()
        case .msgpack: try self.msgpackSkip()
        case .cbor: try self.cborSkip()
        }
    }

    /// Reads a string (JSON escapes are kept as written; used only for diagnostics and tests).
    mutating func string() throws(ScanError) -> String {
        switch self.kind {
        case .json: return try self.jsonString()
        case .msgpack: return try self.msgpackString()
        case .cbor: return try self.cborString()
        }
    }

    /// Whether the dict at the current position has `key` set to `true`; consumes the dict.
    mutating func dictHasTrue(_ key: String) throws(ScanError) -> Bool {
        switch self.kind {
        case .json: return try self.jsonDictHasTrue(key)
        case .msgpack: return try self.msgpackDictHasTrue(key)
        case .cbor: return try self.cborDictHasTrue(key)
        }
    }

    /// The bytes from the current position to the end of the message.
    var remainder: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self.bytes[self.position...])
    }

    // MARK: Shared helpers for the per-format extensions

    func error(_ reason: String) -> ScanError {
        ScanError(reason: reason, offset: self.position)
    }

    @inline(__always)
    mutating func byte() throws(ScanError) -> UInt8 {
        guard self.position < self.bytes.count else { throw self.error("truncated") }
        let value = self.bytes[self.position]
        self.position += 1
        return value
    }

    @inline(__always)
    func peek() throws(ScanError) -> UInt8 {
        guard self.position < self.bytes.count else { throw self.error("truncated") }
        return self.bytes[self.position]
    }

    /// Reads a big-endian unsigned integer of `width` bytes.
    @inline(__always)
    mutating func bigEndian(_ width: Int) throws(ScanError) -> UInt64 {
        guard self.position + width <= self.bytes.count else { throw self.error("truncated") }
        var value: UInt64 = 0
        for index in 0..<width {
            value = value << 8 | UInt64(self.bytes[self.position + index])
        }
        self.position += width
        return value
    }

    @inline(__always)
    mutating func advance(_ count: UInt64) throws(ScanError) {
        guard count <= UInt64(self.bytes.count - self.position) else { throw self.error("truncated") }
        self.position += Int(count)
    }

    /// Whether the `length` bytes at `start` spell `key`.
    func matches(_ key: String, at start: Int, length: Int) -> Bool {
        let utf8 = key.utf8
        guard utf8.count == length else { return false }
        var index = start
        for byte in utf8 {
            if self.bytes[index] != byte { return false }
            index += 1
        }
        return true
    }

    func text(at start: Int, length: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: self.bytes[start..<(start + length)]), as: UTF8.self)
    }
}
