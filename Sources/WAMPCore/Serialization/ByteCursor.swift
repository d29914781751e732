/// A bounds-checked read position over untrusted bytes, shared by the binary decoders.
///
/// Every read checks the remaining length first, so a truncated or lying input becomes a
/// `DecodingError` instead of an out-of-bounds read. Declared lengths are compared with what is
/// actually left before anything is allocated, so a tiny frame cannot ask for gigabytes.
struct ByteCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int = 0

    init(_ raw: UnsafeRawBufferPointer) {
        self.bytes = raw.assumingMemoryBound(to: UInt8.self)
    }

    var remaining: Int { self.bytes.count &- self.index }

    var isAtEnd: Bool { self.index >= self.bytes.count }

    func error(_ reason: String) -> DecodingError {
        DecodingError(reason: reason, offset: self.index)
    }

    /// The next byte without consuming it.
    func peekByte() throws(DecodingError) -> UInt8 {
        guard self.index < self.bytes.count else { throw self.error("unexpected end of input") }
        return self.bytes[self.index]
    }

    mutating func readByte() throws(DecodingError) -> UInt8 {
        guard self.index < self.bytes.count else { throw self.error("unexpected end of input") }
        let byte = self.bytes[self.index]
        self.index &+= 1
        return byte
    }

    /// Reads a big-endian unsigned integer of `T`'s width.
    mutating func readBigEndian<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws(DecodingError) -> T {
        let size = MemoryLayout<T>.size
        guard self.remaining >= size, let base = self.bytes.baseAddress else {
            throw self.error("unexpected end of input")
        }
        let value = UnsafeRawPointer(base + self.index).loadUnaligned(as: T.self)
        self.index &+= size
        return T(bigEndian: value)
    }

    /// Checks a declared byte length against what is left and returns it as an `Int`.
    func checkedLength(_ length: UInt64) throws(DecodingError) -> Int {
        guard length <= UInt64(self.remaining) else {
            throw self.error("declared length \(length) exceeds the \(self.remaining) remaining bytes")
        }
        return Int(length)
    }

    /// Consumes `count` bytes (already checked with `checkedLength`) as a raw slice.
    mutating func take(_ count: Int) -> UnsafeBufferPointer<UInt8> {
        let slice = UnsafeBufferPointer(rebasing: self.bytes[self.index..<(self.index &+ count)])
        self.index &+= count
        return slice
    }

    mutating func readBytes(count: UInt64) throws(DecodingError) -> [UInt8] {
        let length = try self.checkedLength(count)
        return Array(self.take(length))
    }

    /// Reads `count` bytes that must be valid UTF-8.
    mutating func readString(count: UInt64) throws(DecodingError) -> String {
        let length = try self.checkedLength(count)
        let start = self.index
        guard let string = makeValidatedString(self.take(length)) else {
            throw DecodingError(reason: "string is not valid UTF-8", offset: start)
        }
        return string
    }
}

extension WAMPValue {
    /// The value a decoder returns for a non-negative wire integer: `.int` when it fits, so that
    /// the same number decodes to the same `WAMPValue` whichever serializer carried it.
    @inline(__always)
    static func decodedUnsigned(_ value: UInt64) -> WAMPValue {
        value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value)
    }
}

extension Array where Element == UInt8 {
    /// Makes room for `additional` more bytes, growing geometrically: a plain
    /// `reserveCapacity(count + n)` per value would reallocate to the exact size every time and
    /// turn a long encode quadratic.
    @inline(__always)
    mutating func reserveAdditional(_ additional: Int) {
        let needed = self.count &+ additional
        if needed > self.capacity {
            self.reserveCapacity(Swift.max(needed, self.capacity &* 2))
        }
    }

    /// Appends `value` in network byte order.
    @inline(__always)
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { self.append(contentsOf: $0) }
    }

    /// Appends the UTF-8 bytes of `string` with a single copy.
    @inline(__always)
    mutating func appendUTF8(_ string: String) {
        var string = string
        string.withUTF8 { self.append(contentsOf: $0) }
    }
}
