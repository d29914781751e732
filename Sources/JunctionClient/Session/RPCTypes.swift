import WAMPCore

/// The outcome of a call: the callee's `YIELD` payload as the router forwarded it in `RESULT`.
public struct CallResult: Sendable, Hashable {
    public var args: WAMPList
    public var kwargs: WAMPDict
    /// `RESULT.Details|dict`; `progress: true` marks a progressive (intermediate) result.
    public var details: WAMPDict

    public init(args: WAMPList = [], kwargs: WAMPDict = [:], details: WAMPDict = [:]) {
        self.args = args
        self.kwargs = kwargs
        self.details = details
    }

    /// Whether this is an intermediate result of a progressive call.
    public var isProgress: Bool { self.details["progress"]?.boolValue ?? false }
}

/// How to call a procedure.
public struct CallOptions: Sendable, Hashable {
    /// Give up after this long: the client sends CANCEL (if the router supports it) and the call
    /// throws `WAMPError` `wamp.error.timeout`. `nil` waits for ever.
    public var timeout: Duration?
    /// Ask the router to disclose our session to the callee (`disclose_me`).
    public var discloseMe: Bool?
    /// Any further `CALL.Options` entries, sent as given.
    public var extra: WAMPDict

    public init(timeout: Duration? = nil, discloseMe: Bool? = nil, extra: WAMPDict = [:]) {
        self.timeout = timeout
        self.discloseMe = discloseMe
        self.extra = extra
    }

    func wireOptions(receiveProgress: Bool) -> WAMPDict {
        var options = self.extra
        if let discloseMe = self.discloseMe { options["disclose_me"] = .bool(discloseMe) }
        if receiveProgress { options["receive_progress"] = .bool(true) }
        return options
    }
}

/// How URIs of a registration or subscription are matched (Advanced Profile, pattern-based).
public enum MatchPolicy: String, Sendable, Hashable, CaseIterable {
    /// The URI must be equal (the default; not sent on the wire).
    case exact
    /// The URI is a prefix of the called procedure or published topic.
    case prefix
    /// Empty URI components match any component: `com..update`.
    case wildcard
}

/// How to register a procedure.
public struct RegisterOptions: Sendable, Hashable {
    public var match: MatchPolicy
    /// Shared registration policy (`single`, `roundrobin`, `random`, `first`, `last`); `nil` is `single`.
    public var invoke: String?
    /// Any further `REGISTER.Options` entries, sent as given.
    public var extra: WAMPDict

    public init(match: MatchPolicy = .exact, invoke: String? = nil, extra: WAMPDict = [:]) {
        self.match = match
        self.invoke = invoke
        self.extra = extra
    }

    var wireOptions: WAMPDict {
        var options = self.extra
        if self.match != .exact { options["match"] = .string(self.match.rawValue) }
        if let invoke = self.invoke { options["invoke"] = .string(invoke) }
        return options
    }
}

/// A call as the callee sees it.
public struct Invocation: Sendable, Hashable {
    public var args: WAMPList
    public var kwargs: WAMPDict
    /// `INVOCATION.Details|dict`: `procedure` for pattern registrations, `caller` when disclosed.
    public var details: WAMPDict
    /// Where ``progress(_:)`` sends intermediate results; set by the client before the handler runs.
    var progressReporter: ProgressReporter?

    public init(args: WAMPList = [], kwargs: WAMPDict = [:], details: WAMPDict = [:]) {
        self.args = args
        self.kwargs = kwargs
        self.details = details
    }

    /// The procedure actually called (differs from the registered URI for pattern registrations).
    public var procedure: String? { self.details["procedure"]?.stringValue }

    /// Whether the caller asked for progressive results (``progress(_:)`` is a no-op otherwise).
    public var receiveProgress: Bool { self.details["receive_progress"]?.boolValue ?? false }

    /// Sends an intermediate result (`YIELD` with `progress: true`) to a caller that asked for
    /// progressive results; the handler's return value is the final result.
    public func progress(_ result: InvocationResult) {
        guard self.receiveProgress else { return }
        self.progressReporter?.report(result)
    }
}

/// Sends progressive `YIELD`s for one invocation. Compared by invocation only.
struct ProgressReporter: Sendable, Hashable {
    let epoch: UInt64
    let request: UInt64
    let send: @Sendable (InvocationResult) -> Void

    func report(_ result: InvocationResult) { self.send(result) }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.epoch == rhs.epoch && lhs.request == rhs.request }
    func hash(into hasher: inout Hasher) {
        hasher.combine(self.epoch)
        hasher.combine(self.request)
    }
}

/// What a procedure handler returns: the payload of the `YIELD`.
public struct InvocationResult: Sendable, Hashable {
    public var args: WAMPList
    public var kwargs: WAMPDict

    public init(args: WAMPList = [], kwargs: WAMPDict = [:]) {
        self.args = args
        self.kwargs = kwargs
    }

    /// A result with one positional value.
    public init(_ value: WAMPValue) {
        self.init(args: [value])
    }
}

/// An `async throws` procedure implementation. Throw ``WAMPError`` to answer with a specific URI.
public typealias InvocationHandler = @Sendable (Invocation) async throws -> InvocationResult
