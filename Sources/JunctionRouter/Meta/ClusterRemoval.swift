/// What `wamp.subscription.remove_subscriber` or `wamp.registration.remove_callee` takes away
/// when the subscriber or callee lives on another node: that node removes it, as its own meta
/// API would (revocation to the peer, meta events for the whole cluster).
public enum ClusterRemoval: Sendable, Hashable {
    /// `session` stops being a subscriber of `subscription` (an id on the subscriber's node).
    case subscriber(subscription: UInt64, session: UInt64)
    /// `session` stops being a callee of `registration` (the id on the callee's node, which
    /// may differ from the mirrored registration's id on the asking node).
    case callee(registration: UInt64, session: UInt64)
}
