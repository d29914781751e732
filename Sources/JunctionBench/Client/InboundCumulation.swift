import NIOCore

/// Bytes received but not yet parsed into frames.
///
/// The first read is kept as is (no copy); later reads are appended only while a frame is
/// incomplete, which on a busy connection is the exception.
struct InboundCumulation {
    private var buffer: ByteBuffer?

    /// Appends `data` and lets `parse` consume complete frames from the front.
    @inline(__always)
    mutating func append<Result>(
        _ data: ByteBuffer, parse: (inout ByteBuffer) throws -> Result
    ) rethrows -> Result {
        var working: ByteBuffer
        if var existing = self.buffer.take() {
            var incoming = data
            existing.writeBuffer(&incoming)
            working = existing
        } else {
            working = data
        }
        defer {
            if working.readableBytes > 0 {
                if working.readerIndex > 65_536 { working.discardReadBytes() }
                self.buffer = working
            }
        }
        return try parse(&working)
    }
}
