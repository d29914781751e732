import NIOCore

extension ByteBuffer {
    /// Whether the readable bytes are well-formed UTF-8 (no overlongs, surrogates or truncation).
    ///
    /// RFC 6455 requires failing a connection whose text messages are not UTF-8 (status 1007);
    /// checking here keeps that rule independent of the JSON decoder.
    var isValidUTF8: Bool {
        self.withUnsafeReadableBytes { raw in
            // Fast path: pure ASCII, the common case for WAMP JSON.
            var index = 0
            while index < raw.count, raw[index] < 0x80 {
                index += 1
            }
            if index == raw.count {
                return true
            }
            var iterator = UnsafeRawBufferPointer(rebasing: raw[index...]).makeIterator()
            var decoder = Unicode.UTF8()
            while true {
                switch decoder.decode(&iterator) {
                case .scalarValue: continue
                case .emptyInput: return true
                case .error: return false
                }
            }
        }
    }
}
