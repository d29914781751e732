import NIOHTTP1
import WAMPCore

/// Whether an HTTP request on the WAMP WebSocket listener is upgraded, and if not, what we answer.
///
/// A pure function of the request head and the configuration, used twice: by the
/// `NIOWebSocketServerUpgrader` callbacks (to accept and to pick the subprotocol) and by
/// `WebSocketHTTPRejectionHandler` (to explain a refusal), so both always agree.
public enum WebSocketUpgradeDecision: Sendable, Equatable {
    case upgrade(WAMPWebSocketSubprotocol)
    case reject(Rejection)

    /// An HTTP error response: status and a short plain-text body.
    public struct Rejection: Sendable, Equatable {
        public var status: HTTPResponseStatus
        public var message: String

        public init(status: HTTPResponseStatus, message: String) {
            self.status = status
            self.message = message
        }
    }

    /// Checks, in order: path (404), method (405), `Upgrade: websocket` (426), WebSocket version
    /// 13 (426), a single `Sec-WebSocket-Key` (400), and a WAMP subprotocol we speak (400).
    ///
    /// - Parameter checkingPath: `false` when the caller already routed the request to this
    ///   endpoint by its path (an HTTP listener with several paths).
    public init(request: HTTPRequestHead, configuration: WebSocketConfiguration, checkingPath: Bool = true) {
        if let rejection = Self.handshakeRejection(
            request: request,
            configuration: configuration,
            checkingPath: checkingPath
        ) {
            self = .reject(rejection)
            return
        }
        guard
            let subprotocol = WAMPWebSocketSubprotocol.negotiate(
                offered: request.headers["sec-websocket-protocol"],
                serializers: configuration.serializers,
                batchedAllowed: configuration.batchedAllowed
            )
        else {
            self = .reject(
                Rejection(
                    status: .badRequest,
                    message: "No supported WAMP subprotocol; offer one of: "
                        + Self.supportedSubprotocols(configuration).joined(separator: ", ")
                )
            )
            return
        }
        self = .upgrade(subprotocol)
    }

    /// The checks every WebSocket endpoint makes, WAMP or echo: path (404), method (405),
    /// `Upgrade: websocket` (426), WebSocket version 13 (426), a single `Sec-WebSocket-Key` (400).
    /// `nil` if the request is a valid WebSocket upgrade for `configuration.path`.
    public static func handshakeRejection(
        request: HTTPRequestHead,
        configuration: WebSocketConfiguration,
        checkingPath: Bool = true
    ) -> Rejection? {
        // The path is the URI up to its query, compared without building an array of parts.
        let uri = request.uri
        let path = uri.firstIndex(of: "?").map { uri[..<$0] } ?? uri[...]
        guard !checkingPath || path == configuration.path else {
            return Rejection(status: .notFound, message: "Not Found")
        }
        guard request.method == .GET else {
            return Rejection(status: .methodNotAllowed, message: "WebSocket endpoint: use GET")
        }
        let upgrade = request.headers[canonicalForm: "upgrade"]
        guard upgrade.contains(where: { $0.lowercased() == "websocket" }) else {
            return Rejection(status: .upgradeRequired, message: Self.upgradeRequiredMessage(configuration))
        }
        guard request.headers[canonicalForm: "sec-websocket-version"] == ["13"] else {
            return Rejection(status: .upgradeRequired, message: "Unsupported WebSocket version; use 13")
        }
        guard request.headers["sec-websocket-key"].count == 1 else {
            return Rejection(status: .badRequest, message: "Missing or repeated Sec-WebSocket-Key")
        }
        return nil
    }

    /// The subprotocols the configuration allows, unbatched first.
    public static func supportedSubprotocols(_ configuration: WebSocketConfiguration) -> [String] {
        let serializers = SerializerKind.allCases.filter(configuration.serializers.contains)
        let plain = serializers.map { WAMPWebSocketSubprotocol(serializer: $0).name }
        guard configuration.batchedAllowed else {
            return plain
        }
        return plain + serializers.map { WAMPWebSocketSubprotocol(serializer: $0, batched: true).name }
    }

    private static func upgradeRequiredMessage(_ configuration: WebSocketConfiguration) -> String {
        "This is a WAMP WebSocket endpoint; connect with a WebSocket client offering one of: "
            + Self.supportedSubprotocols(configuration).joined(separator: ", ")
    }
}
