import WAMPCore

/// Whatever receives routed messages for one session: a WebSocket or RawSocket connection, an
/// in-process session, a remote node's link. Confined to one event loop; the realm reaches it
/// through a `PeerHandle`, which calls it directly on that loop and through the loop's
/// `LoopMailbox` from any other.
///
/// Every method is called on the target's own event loop, in the order the realm sent.
public protocol DeliveryTarget: AnyObject {
    /// A message for this peer alone.
    func deliver(_ message: WAMPMessage)

    /// A message shared with other receivers (encode it through its `EncodingKey` cache).
    /// `fromOtherLoop`: it came through the mailbox from a realm on another loop, so a target
    /// that writes bytes should use its own loop's copy of them (see `SharedEncodingMemo`).
    func deliver(_ message: SharedMessage, fromOtherLoop: Bool)

    /// The router ends the session with GOODBYE; the realm has already forgotten it.
    func routerGoodbye(reason: String, message: String?)

    /// The router ends the session with ABORT; the realm has already forgotten it.
    func routerAbort(_ abort: WAMPMessage.Abort)

    /// The realm's answer to the session's join. It travels the way every later delivery does,
    /// so nothing the realm sends the new session can overtake WELCOME.
    func joinCompleted(_ outcome: Realm.JoinOutcome)

    /// Flushes what the target wrote since its last flush (called by `PendingFlushes` at the end
    /// of the loop tick in which the target asked for it).
    func flushIfPending()
}

/// A delivery target that may be handed to another thread and back: only the loop that owns
/// the target (the loop of the mailbox holding it) ever calls it. Created by `PeerHandle` only.
///
/// One reference and a witness table: a mailbox item holding it stays small and inline.
public struct LoopBoundTarget: @unchecked Sendable {
    let target: any DeliveryTarget

    init(_ target: any DeliveryTarget) {
        self.target = target
    }
}
