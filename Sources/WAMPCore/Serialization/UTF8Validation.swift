/// A `String` from bytes that must be valid UTF-8 (`nil` otherwise); never repairs.
///
/// Validates with `isValidUTF8` and then builds the string with `String(decoding:as:)`, whose
/// concrete fast path is several times quicker than the generic `String(validating:as:)` on this
/// hot path (every key and string of every message goes through here).
@inline(__always)
func makeValidatedString(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
    if bytes.isEmpty { return "" }
    guard isValidUTF8(bytes) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
}

/// Whether `bytes` is well-formed UTF-8 (Unicode Table 3-7): no overlong forms, no surrogates,
/// nothing above U+10FFFF, no truncated sequences. ASCII runs are checked eight bytes at a time.
func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = bytes.baseAddress else { return true }
    let count = bytes.count
    var index = 0
    while index < count {
        // Fast path: eight ASCII bytes at once.
        if index &+ 8 <= count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 == 0 {
                index &+= 8
                continue
            }
        }
        let lead = base[index]
        if lead < 0x80 {
            index &+= 1
            continue
        }
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return false
        }
        guard count &- index >= length else { return false }
        let second = base[index &+ 1]
        guard second >= low && second <= high else { return false }
        if length >= 3 {
            guard base[index &+ 2] & 0xC0 == 0x80 else { return false }
            if length == 4 {
                guard base[index &+ 3] & 0xC0 == 0x80 else { return false }
            }
        }
        index &+= length
    }
    return true
}
