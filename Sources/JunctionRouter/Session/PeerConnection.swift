import WAMPCore

/// The realm's handle on a joined session's transport.
///
/// Implementations are thread-safe: the realm calls them from its own event loop, which may differ
/// from the connection's. Delivery order per peer is the order of the calls. `PeerHandle` is the
/// implementation for any `DeliveryTarget` confined to an event loop.
public protocol PeerConnection: AnyObject, Sendable {
    /// Delivers a message addressed to this peer alone; the connection encodes it.
    func send(_ message: WAMPMessage)

    /// Delivers a message shared with other receivers; its bytes are encoded once per
    /// `EncodingKey`.
    func send(_ message: SharedMessage)

    /// Ends the session with GOODBYE (router shutdown, kill) and closes the transport after the
    /// peer's reply or a timeout. The realm has already forgotten the session.
    func goodbye(reason: String, message: String?)

    /// Ends the session with ABORT and closes the transport. The realm has already forgotten it.
    func abort(_ abort: WAMPMessage.Abort)
}
