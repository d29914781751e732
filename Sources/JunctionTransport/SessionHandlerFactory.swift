import NIOCore

/// Creates the session handler for one connection once its serializer is known.
///
/// Called on the channel's event loop when the RawSocket handshake or WebSocket upgrade succeeds.
/// The returned handler is added at the end of the pipeline; it must read `TransportInbound` and
/// write `TransportOutbound`. It then receives a `TransportReadyEvent` (same `TransportInfo`)
/// before any message.
public typealias SessionHandlerFactory = @Sendable (TransportInfo) -> any ChannelHandler
