import NIOCore

extension ByteBuffer {
    /// Whether the readable bytes are well-formed UTF-8 (no overlongs, surrogates or truncation).
    ///
    /// RFC 6455 requires failing a connection whose text messages are not UTF-8 (status 1007);
    /// checking here keeps that rule independent of the JSON decoder.
    var isValidUTF8: Bool {
        var validator = UTF8StreamValidator()
        return self.withUnsafeReadableBytes { validator.consume($0) } && validator.isAtBoundary
    }

    /// Feeds the readable bytes to `validator`; `false` if they are not valid UTF-8 so far.
    func validateUTF8(with validator: inout UTF8StreamValidator) -> Bool {
        self.withUnsafeReadableBytes { validator.consume($0) }
    }
}
