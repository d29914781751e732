/// Validates UTF-8 that arrives in pieces (the fragments of a WebSocket text message).
///
/// RFC 6455 requires failing a connection whose text is not UTF-8 (status 1007), and Autobahn
/// checks that this happens as soon as a fragment proves it, not only at the end of the message.
/// This keeps only the state of the sequence in progress, so a code point split across fragments
/// is handled and every byte is looked at once. Rejects overlongs, surrogates, code points above
/// U+10FFFF and truncated sequences (Unicode table 3-7, "well-formed UTF-8 byte sequences").
struct UTF8StreamValidator: Sendable {
    /// Continuation bytes still expected for the current code point.
    private var needed = 0
    /// Allowed range of the next continuation byte (narrower right after E0, ED, F0, F4).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// Whether everything consumed so far ends on a code point boundary.
    var isAtBoundary: Bool { self.needed == 0 }

    /// Consumes `bytes`; `false` as soon as they cannot be part of valid UTF-8.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            // ASCII runs (all of a typical JSON message) eight bytes at a time.
            if self.needed == 0 {
                while index + 8 <= count,
                    bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
                {
                    index += 8
                }
                guard index < count else { break }
            }
            let byte = bytes[index]
            index += 1
            if self.needed == 0 {
                if byte < 0x80 {
                    continue
                }
                switch byte {
                case 0xC2...0xDF: self.needed = 1
                case 0xE0: self.needed = 2; self.lower = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: self.needed = 2
                case 0xED: self.needed = 2; self.upper = 0x9F
                case 0xF0: self.needed = 3; self.lower = 0x90
                case 0xF1...0xF3: self.needed = 3
                case 0xF4: self.needed = 3; self.upper = 0x8F
                default: return false
                }
            } else {
                guard byte >= self.lower && byte <= self.upper else {
                    return false
                }
                self.lower = 0x80
                self.upper = 0xBF
                self.needed -= 1
            }
        }
        return true
    }
}
