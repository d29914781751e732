import NIOCore

/// A command as clients send it: an array of bulk strings, the first of which names the command.
///
/// Wire format: `*<count>\r\n` then `$<length>\r\n<bytes>\r\n` per argument.
public struct RESPCommand: Sendable, Hashable {
    public var arguments: [ByteBuffer]

    public init(arguments: [ByteBuffer]) {
        self.arguments = arguments
    }

    /// `RESPCommand("SET", "key", "value")`: every argument as its UTF-8 bytes.
    public init(_ name: String, _ arguments: String...) {
        self.init(name, arguments: arguments)
    }

    public init(_ name: String, arguments: [String]) {
        var buffers: [ByteBuffer] = [ByteBuffer(string: name)]
        buffers.reserveCapacity(arguments.count + 1)
        for argument in arguments {
            buffers.append(ByteBuffer(string: argument))
        }
        self.arguments = buffers
    }

    /// The command's name in upper case (`""` for an empty command), for the connection's decisions.
    public var name: String {
        guard let first = self.arguments.first else { return "" }
        return String(buffer: first).uppercased()
    }
}
