import NIOCore
import WAMPCore

/// The baseline server's pre-encoded replies, per serializer: only ids are filled in per message.
struct BaselineReplies: Sendable {
    let kind: SerializerKind
    let welcome: MessageTemplate
    let registered: MessageTemplate
    let subscribed: MessageTemplate
    let published: MessageTemplate
    /// `--rpc relay` with no callee of the caller's serializer: the CALL is answered with this ERROR.
    let noSuchProcedure: MessageTemplate
    let goodbye: [UInt8]

    /// The one registration id every REGISTERED (and, in relay mode, every INVOCATION) carries.
    static let registrationID: UInt64 = 1

    init(_ kind: SerializerKind) {
        self.kind = kind
        let roles: WAMPDict = ["broker": [:], "dealer": [:]]
        self.welcome = MessageTemplate(
            kind, [.constant(2), .slot, .constant(["roles": .dict(roles), "authrole": "anonymous"])])
        self.registered = MessageTemplate(kind, [.constant(65), .slot, .constant(.uint(Self.registrationID))])
        self.subscribed = MessageTemplate(kind, [.constant(33), .slot, .constant(1)])
        self.published = MessageTemplate(kind, [.constant(17), .slot, .slot])
        self.noSuchProcedure = MessageTemplate(
            kind, [.constant(8), .constant(48), .slot, .constant([:]), .constant("wamp.error.no_such_procedure")])
        self.goodbye = MessageTemplate(
            kind, [.constant(6), .constant([:]), .constant("wamp.close.goodbye_and_out")]
        ).bytes()
    }

    static let all: [SerializerKind: BaselineReplies] = Dictionary(
        uniqueKeysWithValues: SerializerKind.allCases.map { ($0, BaselineReplies($0)) })

    /// `[head..., <tail>]`: a message whose first elements are `type, id, {}` (plus `extra` ids)
    /// followed by the raw tail of the request (its Arguments/ArgumentsKw, and for JSON the closing
    /// bracket). `tailCount` is the number of elements in the tail (binary formats only).
    func withTail(
        type: UInt64, id: UInt64, extra: UInt64?, tail: UnsafeRawBufferPointer, tailCount: Int,
        into buffer: inout ByteBuffer
    ) {
        let headCount = extra == nil ? 3 : 4
        switch self.kind {
        case .json:
            buffer.writeInteger(UInt8(ascii: "["))
            WireWriter.writeUInt(type, .json, into: &buffer)
            buffer.writeInteger(UInt8(ascii: ","))
            WireWriter.writeUInt(id, .json, into: &buffer)
            if let extra {
                buffer.writeInteger(UInt8(ascii: ","))
                WireWriter.writeUInt(extra, .json, into: &buffer)
            }
            buffer.writeBytes([UInt8(ascii: ","), UInt8(ascii: "{"), UInt8(ascii: "}")])
            buffer.writeBytes(tail)  // ",[...]]" or "]"
        case .msgpack, .cbor:
            buffer.writeBytes(WireWriter.listHeader(self.kind, count: headCount + tailCount))
            WireWriter.writeUInt(type, self.kind, into: &buffer)
            WireWriter.writeUInt(id, self.kind, into: &buffer)
            if let extra { WireWriter.writeUInt(extra, self.kind, into: &buffer) }
            buffer.writeInteger(self.kind == .msgpack ? UInt8(0x80) : UInt8(0xA0))  // {}
            buffer.writeBytes(tail)
        }
    }
}
