import JunctionRouter
import JunctionTransport
import WAMPCore

/// The encoding keys of the WebSocket and RawSocket transports: a shared message is framed
/// once per serializer and `TransportFraming`, and every connection of that kind writes the
/// same frame.
enum TransportEncodings {
    /// Registered on first use; `JunctionServer.start` touches it so the keys exist before the
    /// first message.
    static let keys: [EncodingKey] = {
        let framings: [(TransportFraming, String)] = [
            (.rawSocket, "rawsocket"), (.webSocket(binary: false), "websocket-text"),
            (.webSocket(binary: true), "websocket-binary"),
        ]
        var keys: [EncodingKey] = []
        for serializer in SerializerKind.allCases.sorted(by: { $0.rawValue < $1.rawValue }) {
            for (_, name) in framings.sorted(by: { $0.0.index < $1.0.index }) {
                keys.append(EncodingKey.register("\(name)/\(serializer)", serializer: serializer))
            }
        }
        return keys
    }()

    /// The key of messages framed with `framing` for `serializer`.
    static func key(serializer: SerializerKind, framing: TransportFraming) -> EncodingKey {
        Self.keys[(Int(serializer.rawValue) - 1) * TransportFraming.count + framing.index]
    }
}
