import NIOCore
import WAMPCore

/// One element of a message shape: a constant, a per-message unsigned integer, or a nested list.
indirect enum TemplateElement: Sendable {
    /// Encoded once, when the template is compiled.
    case constant(WAMPValue)
    /// Filled per message with the next argument passed to `MessageTemplate.write`.
    case slot
    case list([TemplateElement])
}

/// A WAMP message pre-encoded for one serializer, with holes for the integers that change per
/// message (request id, sequence number, timestamp).
///
/// Compiled once per scenario; writing a message is then a few `memcpy`s and integer encodings,
/// with no `WAMPValue` tree and no dictionary hashing on the hot path.
struct MessageTemplate: Sendable {
    private enum Segment: Sendable {
        case bytes([UInt8])
        case slot
    }

    let kind: SerializerKind
    private let segments: [Segment]
    /// Upper bound of the encoded size, for sizing buffers without reallocation.
    let maximumSize: Int

    init(_ kind: SerializerKind, _ elements: [TemplateElement]) {
        self.kind = kind
        var segments: [Segment] = []
        var pending: [UInt8] = []
        var slots = 0
        func emit(_ element: TemplateElement) {
            switch element {
            case .constant(let value):
                pending += kind.serializer.encode(value)
            case .slot:
                if !pending.isEmpty { segments.append(.bytes(pending)) }
                pending = []
                segments.append(.slot)
                slots += 1
            case .list(let items):
                pending += WireWriter.listHeader(kind, count: items.count)
                for (index, item) in items.enumerated() {
                    if index > 0 { pending += WireWriter.separator(kind) }
                    emit(item)
                }
                pending += WireWriter.listTrailer(kind)
            }
        }
        emit(.list(elements))
        if !pending.isEmpty { segments.append(.bytes(pending)) }
        self.segments = segments
        let constantBytes = segments.reduce(0) { total, segment in
            if case .bytes(let bytes) = segment { return total + bytes.count }
            return total
        }
        self.maximumSize = constantBytes + slots * 20
    }

    /// Appends the message with `slots` filled in order; missing slots are written as 0.
    @inline(__always)
    func write(into buffer: inout ByteBuffer, _ s0: UInt64 = 0, _ s1: UInt64 = 0, _ s2: UInt64 = 0, _ s3: UInt64 = 0)
    {
        var slotIndex = 0
        for segment in self.segments {
            switch segment {
            case .bytes(let bytes):
                buffer.writeBytes(bytes)
            case .slot:
                let value: UInt64
                switch slotIndex {
                case 0: value = s0
                case 1: value = s1
                case 2: value = s2
                default: value = s3
                }
                WireWriter.writeUInt(value, self.kind, into: &buffer)
                slotIndex += 1
            }
        }
    }

    /// The message with every slot 0, e.g. for constant messages such as HELLO.
    func bytes() -> [UInt8] {
        var buffer = ByteBuffer()
        self.write(into: &buffer)
        return Array(buffer.readableBytesView)
    }
}
