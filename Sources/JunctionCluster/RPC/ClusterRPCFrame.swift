import JunctionRouter
import WAMPCore

/// One RPC message between two nodes, as it travels on the receiving node's RPC channel.
///
/// On the wire it is the WAMP message itself (INVOCATION, INTERRUPT, YIELD or ERROR) in
/// MessagePack, with an envelope under the `_jc` key of its Details/Options: the realm, the
/// sending node incarnation, the callee's session id and whether an INVOCATION continues a
/// progressive call. Decoding reuses WAMPCore's fuzzed parser and validation, and transparent
/// (passthru) payloads stay bytes, exactly as the caller or callee sent them.
public struct ClusterRPCFrame: Sendable, Hashable {
    public var realm: String
    public var source: RemoteNode
    public var callee: UInt64
    public var continuation: Bool
    public var message: WAMPMessage

    static let envelopeKey = "_jc"

    public init(realm: String, source: RemoteNode, callee: UInt64, continuation: Bool, message: WAMPMessage) {
        self.realm = realm
        self.source = source
        self.callee = callee
        self.continuation = continuation
        self.message = message
    }

    public func encoded() -> [UInt8] {
        var envelope: WAMPDict = [
            "r": .string(self.realm), "n": .string(self.source.node), "e": .uint(self.source.epoch),
            "c": .uint(self.callee),
        ]
        if self.continuation { envelope["k"] = true }
        var message = self.message
        switch message {
        case .invocation(var invocation):
            invocation.details[Self.envelopeKey] = .dict(envelope)
            message = .invocation(invocation)
        case .interrupt(var interrupt):
            interrupt.options[Self.envelopeKey] = .dict(envelope)
            message = .interrupt(interrupt)
        case .yield(var yield):
            yield.options[Self.envelopeKey] = .dict(envelope)
            message = .yield(yield)
        case .error(var error):
            error.details[Self.envelopeKey] = .dict(envelope)
            message = .error(error)
        default:
            break
        }
        return message.encoded(with: MessagePackSerializer())
    }

    /// Decodes a frame; bad bytes (a foreign writer on our channel, corruption) throw, and the
    /// receiver logs and counts them instead of routing anything.
    public init(bytes: [UInt8]) throws(ClusterFrameError) {
        var message: WAMPMessage
        do {
            message = try WAMPMessage(bytes: bytes, serializer: MessagePackSerializer())
        } catch {
            throw ClusterFrameError(reason: "not a WAMP message: \(error)")
        }
        let envelope: WAMPValue?
        switch message {
        case .invocation(var invocation):
            envelope = invocation.details.removeValue(forKey: Self.envelopeKey)
            message = .invocation(invocation)
        case .interrupt(var interrupt):
            envelope = interrupt.options.removeValue(forKey: Self.envelopeKey)
            message = .interrupt(interrupt)
        case .yield(var yield):
            envelope = yield.options.removeValue(forKey: Self.envelopeKey)
            message = .yield(yield)
        case .error(var error) where error.requestType == .invocation:
            envelope = error.details.removeValue(forKey: Self.envelopeKey)
            message = .error(error)
        default:
            throw ClusterFrameError(reason: "not an INVOCATION, INTERRUPT, YIELD or invocation ERROR")
        }
        guard let fields = envelope?.dictValue, let realm = fields["r"]?.stringValue,
            let node = fields["n"]?.stringValue, ClusterNodeName.isValid(node), let epoch = fields["e"]?.unsignedInteger,
            let callee = fields["c"]?.unsignedInteger
        else { throw ClusterFrameError(reason: "the envelope misses realm, node, epoch or callee") }
        self.init(
            realm: realm, source: RemoteNode(node: node, epoch: epoch), callee: callee,
            continuation: fields["k"]?.boolValue ?? false, message: message)
    }
}
