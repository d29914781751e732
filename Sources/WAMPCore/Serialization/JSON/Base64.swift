/// RFC 4648 section 4 Base64, used by the WAMP convention for binary values in JSON.
///
/// In-house because the core does not use Foundation, and because the JSON hot path wants to
/// encode straight into the output buffer.
enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The number of characters `encode` appends for `count` bytes (always padded).
    static func encodedLength(_ count: Int) -> Int {
        ((count + 2) / 3) * 4
    }

    /// Appends the padded Base64 encoding of `bytes` to `buffer`.
    static func encode(_ bytes: UnsafeBufferPointer<UInt8>, into buffer: inout [UInt8]) {
        buffer.reserveAdditional(self.encodedLength(bytes.count))
        self.alphabet.withUnsafeBufferPointer { table in
            var index = 0
            let count = bytes.count
            while index + 3 <= count {
                let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                buffer.append(table[Int(chunk >> 18)])
                buffer.append(table[Int((chunk >> 12) & 0x3F)])
                buffer.append(table[Int((chunk >> 6) & 0x3F)])
                buffer.append(table[Int(chunk & 0x3F)])
                index += 3
            }
            let rest = count - index
            if rest == 1 {
                let chunk = UInt32(bytes[index]) << 16
                buffer.append(table[Int(chunk >> 18)])
                buffer.append(table[Int((chunk >> 12) & 0x3F)])
                buffer.append(UInt8(ascii: "="))
                buffer.append(UInt8(ascii: "="))
            } else if rest == 2 {
                let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
                buffer.append(table[Int(chunk >> 18)])
                buffer.append(table[Int((chunk >> 12) & 0x3F)])
                buffer.append(table[Int((chunk >> 6) & 0x3F)])
                buffer.append(UInt8(ascii: "="))
            }
        }
    }

    /// The 6-bit value of a Base64 character, or `nil` for anything outside the alphabet.
    @inline(__always)
    private static func sextet(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(c &- UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(c &- UInt8(ascii: "a") &+ 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c &- UInt8(ascii: "0") &+ 52)
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }

    /// Decodes Base64 text; padding is optional, but when present it must be correct.
    /// Returns `nil` for characters outside the alphabet or an impossible length.
    static func decode(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var end = text.count
        if end > 0 && text[end - 1] == UInt8(ascii: "=") {
            guard end % 4 == 0 else { return nil }
            end -= 1
            if text[end - 1] == UInt8(ascii: "=") { end -= 1 }
        }
        let tail = end % 4
        if tail == 1 { return nil }
        var output: [UInt8] = []
        output.reserveCapacity((end / 4) * 3 + 2)
        var index = 0
        while index + 4 <= end {
            guard let a = self.sextet(text[index]), let b = self.sextet(text[index + 1]),
                let c = self.sextet(text[index + 2]), let d = self.sextet(text[index + 3])
            else { return nil }
            let chunk = a << 18 | b << 12 | c << 6 | d
            output.append(UInt8(truncatingIfNeeded: chunk >> 16))
            output.append(UInt8(truncatingIfNeeded: chunk >> 8))
            output.append(UInt8(truncatingIfNeeded: chunk))
            index += 4
        }
        if tail == 2 {
            guard let a = self.sextet(text[index]), let b = self.sextet(text[index + 1]) else { return nil }
            output.append(UInt8(truncatingIfNeeded: (a << 18 | b << 12) >> 16))
        } else if tail == 3 {
            guard let a = self.sextet(text[index]), let b = self.sextet(text[index + 1]),
                let c = self.sextet(text[index + 2])
            else { return nil }
            let chunk = a << 18 | b << 12 | c << 6
            output.append(UInt8(truncatingIfNeeded: chunk >> 16))
            output.append(UInt8(truncatingIfNeeded: chunk >> 8))
        }
        return output
    }
}
