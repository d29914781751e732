import WAMPCore

/// A WAMP WebSocket subprotocol: `wamp.2.<serializer>` or `wamp.2.<serializer>.batched`.
///
/// The subprotocol decides both the serializer and the message framing, so it is negotiated
/// during the opening handshake and fixed for the connection.
public struct WAMPWebSocketSubprotocol: Sendable, Hashable, CustomStringConvertible {
    public var serializer: SerializerKind
    /// Several WAMP messages per WebSocket message (see `WebSocketBatchFraming`).
    public var batched: Bool

    public init(serializer: SerializerKind, batched: Bool = false) {
        self.serializer = serializer
        self.batched = batched
    }

    /// Parses a subprotocol token; `nil` if it is not one Junction knows. Tokens are
    /// case-sensitive (RFC 6455 section 4.1).
    public init?(name: String) {
        let batchedSuffix = ".batched"
        var base = Substring(name)
        var batched = false
        if base.hasSuffix(batchedSuffix) {
            base = base.dropLast(batchedSuffix.count)
            batched = true
        }
        guard let serializer = SerializerKind.allCases.first(where: { $0.webSocketSubprotocol == base }) else {
            return nil
        }
        self.init(serializer: serializer, batched: batched)
    }

    /// The token sent in `Sec-WebSocket-Protocol`.
    public var name: String {
        self.batched ? self.serializer.webSocketSubprotocol + ".batched" : self.serializer.webSocketSubprotocol
    }

    public var description: String { self.name }

    /// Picks the subprotocol for a connection: the first one the client lists that we speak.
    ///
    /// - Parameters:
    ///   - offered: the values of every `Sec-WebSocket-Protocol` request header, in order; each may
    ///     hold a comma-separated list.
    ///   - serializers: the serializers we allow.
    ///   - batchedAllowed: whether `.batched` variants may be chosen.
    /// - Returns: `nil` if the client offers nothing we speak.
    public static func negotiate(
        offered: [String],
        serializers: Set<SerializerKind>,
        batchedAllowed: Bool
    ) -> WAMPWebSocketSubprotocol? {
        for header in offered {
            for token in header.split(separator: ",") {
                let trimmed = token.trimmingWhitespace()
                guard let candidate = WAMPWebSocketSubprotocol(name: String(trimmed)) else {
                    continue
                }
                if serializers.contains(candidate.serializer) && (batchedAllowed || !candidate.batched) {
                    return candidate
                }
            }
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        let isText: (Character) -> Bool = { $0 != " " && $0 != "\t" }
        guard let start = self.firstIndex(where: isText), let end = self.lastIndex(where: isText) else {
            return ""
        }
        return self[start...end]
    }
}
