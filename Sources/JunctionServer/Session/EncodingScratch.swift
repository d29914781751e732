import NIOPosix

/// The array messages for one peer are encoded into before they are copied into a `ByteBuffer`:
/// one per thread (i.e. per event loop), shared by all its connections. A per-connection array
/// kept the capacity of the largest message the connection ever got (WELCOME alone is ~1 KB of
/// JSON) for as long as the session lived.
final class EncodingScratch: @unchecked Sendable {  // only ever used by the thread that owns it
    var bytes: [UInt8] = []

    private static let perThread = ThreadSpecificVariable<EncodingScratch>()

    /// This thread's scratch array.
    static var current: EncodingScratch {
        if let scratch = Self.perThread.currentValue { return scratch }
        let scratch = EncodingScratch()
        Self.perThread.currentValue = scratch
        return scratch
    }
}
