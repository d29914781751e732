import NIOCore

/// Fired as a user inbound event once a transport has finished its handshake (RawSocket) or upgrade
/// (WebSocket), after the session handler is in the pipeline and before the first
/// `TransportInbound` reaches it.
///
/// The session handler factory already receives the same `TransportInfo`; the event exists so a
/// session handler can start its HELLO timeout at the moment the transport is usable rather than
/// when it was constructed.
public struct TransportReadyEvent: Sendable, Hashable {
    public var info: TransportInfo

    public init(info: TransportInfo) {
        self.info = info
    }
}
