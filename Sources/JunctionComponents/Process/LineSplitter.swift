/// Cuts a byte stream into whole lines, so an instance's output reaches the log one line per
/// record, never torn mid-line by the pipe's chunking. A line longer than `maxLineLength` is
/// emitted in pieces of that length (a process that never writes a newline cannot make the router
/// buffer without bound). Invalid UTF-8 is repaired, not dropped.
public struct LineSplitter: Sendable {
    public let maxLineLength: Int
    private var pending: [UInt8] = []

    public init(maxLineLength: Int = 16 * 1024) {
        self.maxLineLength = maxLineLength
    }

    /// The complete lines in `bytes` (after what earlier calls left over), without their `\n`
    /// (or `\r\n`).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                lines.append(self.takeLine())
            } else {
                self.pending.append(byte)
                if self.pending.count >= self.maxLineLength { lines.append(self.takeLine()) }
            }
        }
        return lines
    }

    /// What is left when the stream ends (a last line without newline), if anything.
    public mutating func finish() -> String? {
        self.pending.isEmpty ? nil : self.takeLine()
    }

    private mutating func takeLine() -> String {
        if self.pending.last == UInt8(ascii: "\r") { self.pending.removeLast() }
        defer { self.pending.removeAll(keepingCapacity: true) }
        return String(decoding: self.pending, as: UTF8.self)
    }
}
