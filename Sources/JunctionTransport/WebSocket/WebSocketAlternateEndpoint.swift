import NIOCore

/// Another WebSocket protocol at another path of a WAMP WebSocket listener (MQTT over WebSocket
/// at `/mqtt`): requests for `path` are upgraded with the subprotocol `selectSubprotocol` picks
/// from the offered ones (echoed to the client; `nil` refuses the request), and
/// `configurePipeline` adds the protocol's handlers after the WebSocket frame codec.
public struct WebSocketAlternateEndpoint: Sendable {
    public var path: String
    public var selectSubprotocol: @Sendable ([String]) -> String?
    public var configurePipeline: @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void

    public init(
        path: String,
        selectSubprotocol: @escaping @Sendable ([String]) -> String?,
        configurePipeline: @escaping @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void
    ) {
        self.path = path
        self.selectSubprotocol = selectSubprotocol
        self.configurePipeline = configurePipeline
    }
}
