import WAMPCore

/// One callee of a registration on another node of the cluster, as that node announces it: what
/// this node's dealer needs to route a call there (the same match and invocation policies as a
/// local registration, the callee's features and its `disclose_caller` option).
public struct RemoteRegistration: Sendable, Hashable {
    /// The registration's id on the callee's node (the one its INVOCATIONs must carry).
    public var registration: UInt64
    public var procedure: String
    public var match: MatchPolicy
    public var invoke: InvocationPolicy
    /// The callee's session id (unique cluster-wide: session ids carry the node's slot).
    public var callee: UInt64
    /// The callee's announced features (`ClientFeatures` bits), so this node can check
    /// progressive results, call canceling, passthru and timeouts as for a local callee.
    public var features: UInt16
    public var discloseCaller: Bool

    public init(
        registration: UInt64, procedure: String, match: MatchPolicy, invoke: InvocationPolicy, callee: UInt64,
        features: UInt16, discloseCaller: Bool
    ) {
        self.registration = registration
        self.procedure = procedure
        self.match = match
        self.invoke = invoke
        self.callee = callee
        self.features = features
        self.discloseCaller = discloseCaller
    }
}

/// One incarnation of another node: calls are forwarded to exactly this incarnation, so a
/// restarted node (new epoch) never receives the answers or invocations of its predecessor.
public struct RemoteNode: Sendable, Hashable, CustomStringConvertible {
    public var node: String
    public var epoch: UInt64

    public init(node: String, epoch: UInt64) {
        self.node = node
        self.epoch = epoch
    }

    public var description: String { "\(self.node):\(self.epoch)" }
}

/// Where a realm sends what crosses to other nodes for RPC, and claims single registrations.
///
/// Called on the realm's loop; implementations queue and return (they never block). Every
/// message concerns one invocation, named by the callee's session id (`callee`) and the request
/// id the caller's node gave it (`message.request`): INVOCATION and INTERRUPT go to the callee's
/// node, YIELD (results, progressive or final) and ERROR come back.
public protocol RealmClusterRPCLink: AnyObject, Sendable {
    /// Queues `message` to `node`; `false` when it cannot leave this node now (Redis unreachable),
    /// so the realm fails the call at once instead of letting it wait. `continuation`: an
    /// INVOCATION that continues a progressive call (the callee's node must not start a new one).
    func send(_ message: WAMPMessage, realm: String, callee: UInt64, to node: RemoteNode, continuation: Bool) -> Bool

    /// Claims `procedure` for this node cluster-wide (a single registration); `answer` runs on any
    /// thread with `false` when another node holds it. Without Redis the claim is granted (local
    /// routing never waits for Redis) and made when the node reconnects.
    func claim(realm: String, procedure: String, match: MatchPolicy, answer: @escaping @Sendable (Bool) -> Void)

    /// Gives a claim up (the registration went away on this node).
    func release(realm: String, procedure: String, match: MatchPolicy)
}
