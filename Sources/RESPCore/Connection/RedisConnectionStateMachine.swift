import NIOCore

/// The client side of one Redis connection as a pure state machine: the handshake (HELLO 3 with
/// fallback to RESP2, AUTH, SELECT), replies matched in order to the commands that asked for
/// them, and pub/sub. Every event returns the `Action` the channel handler must run; no I/O here.
///
/// `Request` is whatever the caller needs to answer a command (a promise, a test's number).
/// Redis answers commands strictly in order, so a FIFO is the whole matching logic, except that
/// subscription commands get one confirmation per channel, and pub/sub messages arrive between
/// replies: as RESP3 pushes, or in RESP2 as arrays that only a subscribed connection receives.
public struct RedisConnectionStateMachine<Request: Sendable>: Sendable {
    public typealias ProtocolVersion = RedisHandshakeConfiguration.ProtocolVersion

    public enum Action: Sendable {
        case none
        /// Write and flush this command.
        case write(RESPCommand)
        /// The handshake finished: commands may flow. `hello` is the server's HELLO reply, if any.
        case ready(ProtocolVersion, hello: RESPValue?)
        /// Answer this command.
        case succeed(Request, RESPValue)
        /// Fail this command; the connection stays usable.
        case fail(Request, RedisError)
        /// Hand a pub/sub message to whoever subscribed to its channel or pattern.
        case deliver(RedisPubSubMessage)
        /// Close the connection (if still open) and fail these commands, in order, with `error`.
        /// A failed handshake also ends here, with no commands.
        case closeAndFail([Request], RedisError)
    }

    private enum HandshakeStep: Sendable {
        case hello, auth, select
    }

    private enum State: Sendable {
        case idle
        case handshaking(HandshakeStep, ProtocolVersion, hello: RESPValue?)
        case ready(ProtocolVersion)
        case closed
    }

    /// A command written and not yet fully answered.
    private struct Pending: Sendable {
        var request: Request
        var kind: RedisCommandKind
        /// Confirmations still expected for a subscription command.
        var remaining: Int
    }

    public let configuration: RedisHandshakeConfiguration
    private var state: State = .idle
    private var pending = CircularBuffer<Pending>(initialCapacity: 16)
    /// Channels and patterns as of the commands written so far (not as of the confirmations), so
    /// a command written after SUBSCRIBE is judged as the server will judge it.
    private var channels = Set<ByteBuffer>()
    private var patterns = Set<ByteBuffer>()

    public init(configuration: RedisHandshakeConfiguration = RedisHandshakeConfiguration()) {
        self.configuration = configuration
    }

    /// The negotiated protocol, once the handshake has finished.
    public var protocolVersion: ProtocolVersion? {
        if case .ready(let version) = self.state { return version }
        return nil
    }

    /// Whether the connection has channel or pattern subscriptions (or has asked for some).
    public var isSubscribed: Bool {
        !self.channels.isEmpty || !self.patterns.isEmpty
    }

    /// Commands written and not yet answered.
    public var pendingCount: Int { self.pending.count }

    // MARK: - Events

    /// The socket is open: start the handshake.
    public mutating func connected() -> Action {
        guard case .idle = self.state else {
            return .none
        }
        switch self.configuration.preferredProtocol {
        case .resp3:
            var arguments = ["3"]
            if let password = self.configuration.password {
                arguments += ["AUTH", self.configuration.username ?? "default", password]
            }
            self.state = .handshaking(.hello, .resp3, hello: nil)
            return .write(RESPCommand("HELLO", arguments: arguments))
        case .resp2:
            return self.afterHello(.resp2, hello: nil)
        }
    }

    /// The caller wants `command` sent; `request` will be answered by a `succeed` or `fail` action.
    public mutating func sendCommand(_ command: RESPCommand, request: Request) -> Action {
        guard case .ready(let version) = self.state else {
            if case .closed = self.state {
                return .fail(request, RedisError(.connectionClosed, "the connection is closed"))
            }
            return .fail(request, RedisError(.notReady, "the connection has not finished its handshake"))
        }
        let kind = RedisCommandKind(command)
        if version == .resp2 && self.isSubscribed && kind == .other {
            return .fail(
                request,
                RedisError(
                    .notAllowedInSubscribedMode,
                    "\(command.name) is not allowed on a RESP2 connection in subscribed mode"
                )
            )
        }
        var remaining = 1
        let arguments = command.arguments.dropFirst()
        switch kind {
        case .subscribe:
            self.channels.formUnion(arguments)
            remaining = arguments.count
        case .psubscribe:
            self.patterns.formUnion(arguments)
            remaining = arguments.count
        case .unsubscribe:
            remaining = arguments.isEmpty ? self.channels.count : arguments.count
            if arguments.isEmpty { self.channels.removeAll() } else { self.channels.subtract(arguments) }
        case .punsubscribe:
            remaining = arguments.isEmpty ? self.patterns.count : arguments.count
            if arguments.isEmpty { self.patterns.removeAll() } else { self.patterns.subtract(arguments) }
        case .ping, .other:
            break
        }
        // With nothing to (un)subscribe Redis still answers once (or with one error).
        self.pending.append(Pending(request: request, kind: kind, remaining: max(remaining, 1)))
        return .write(command)
    }

    /// A complete value arrived from the server.
    public mutating func receivedValue(_ value: RESPValue) -> Action {
        switch self.state {
        case .idle:
            return self.protocolViolation("a value arrived before the handshake started")
        case .closed:
            return .none
        case .handshaking(let step, let version, let hello):
            return self.handshakeReply(value, step: step, version: version, hello: hello)
        case .ready(let version):
            if case .push(let elements) = value {
                return self.pubSub(elements)
            }
            if version == .resp2, case .array(.some(let elements)) = value, self.expectsPubSubArrays,
                let action = self.resp2PubSub(elements)
            {
                return action
            }
            return self.reply(value)
        }
    }

    /// The server's bytes are not RESP: nothing more can be read.
    public mutating func parsingFailed(_ error: RESPParsingError) -> Action {
        self.protocolViolation(error.description)
    }

    /// The socket closed (by either side). Every unanswered command fails.
    public mutating func connectionClosed() -> Action {
        if case .closed = self.state {
            return .none
        }
        self.state = .closed
        return .closeAndFail(self.drainPending(), RedisError(.connectionClosed, "the connection closed"))
    }

    // MARK: - Handshake

    private mutating func handshakeReply(
        _ value: RESPValue,
        step: HandshakeStep,
        version: ProtocolVersion,
        hello: RESPValue?
    ) -> Action {
        let error = value.errorMessage
        switch step {
        case .hello:
            guard let error else {
                return self.afterHello(.resp3, hello: value)
            }
            let reply = RedisError.reply(error, as: .authentication)
            if reply.serverCode == "NOAUTH" || reply.serverCode == "WRONGPASS" {
                return self.failHandshake(reply)
            }
            // An older server (unknown command HELLO) or one without protocol 3 (NOPROTO).
            var arguments: [String] = []
            if let password = self.configuration.password {
                arguments = self.configuration.username.map { [$0, password] } ?? [password]
                self.state = .handshaking(.auth, .resp2, hello: nil)
                return .write(RESPCommand("AUTH", arguments: arguments))
            }
            return self.afterHello(.resp2, hello: nil)
        case .auth:
            if let error {
                return self.failHandshake(RedisError.reply(error, as: .authentication))
            }
            return self.afterAuth(version, hello: hello)
        case .select:
            if let error {
                return self.failHandshake(RedisError.reply(error, as: .handshake))
            }
            self.state = .ready(version)
            return .ready(version, hello: hello)
        }
    }

    /// HELLO succeeded (RESP3, authenticated if asked) or was skipped or refused (RESP2).
    private mutating func afterHello(_ version: ProtocolVersion, hello: RESPValue?) -> Action {
        if version == .resp2, hello == nil, let password = self.configuration.password,
            case .idle = self.state
        {
            let arguments = self.configuration.username.map { [$0, password] } ?? [password]
            self.state = .handshaking(.auth, .resp2, hello: nil)
            return .write(RESPCommand("AUTH", arguments: arguments))
        }
        return self.afterAuth(version, hello: hello)
    }

    private mutating func afterAuth(_ version: ProtocolVersion, hello: RESPValue?) -> Action {
        if let database = self.configuration.database {
            self.state = .handshaking(.select, version, hello: hello)
            return .write(RESPCommand("SELECT", String(database)))
        }
        self.state = .ready(version)
        return .ready(version, hello: hello)
    }

    private mutating func failHandshake(_ error: RedisError) -> Action {
        self.state = .closed
        return .closeAndFail(self.drainPending(), error)
    }

    // MARK: - Replies

    private mutating func reply(_ value: RESPValue) -> Action {
        guard let head = self.pending.popFirst() else {
            return self.protocolViolation("a reply arrived with no command waiting for it")
        }
        if let error = value.errorMessage {
            return .fail(head.request, RedisError.reply(error))
        }
        return .succeed(head.request, value)
    }

    /// In RESP2, arrays are pub/sub traffic only while subscribed or while a subscription command
    /// is being answered (its last UNSUBSCRIBE confirmation arrives after the sets are empty).
    private var expectsPubSubArrays: Bool {
        self.isSubscribed || (self.pending.first?.kind.isSubscription ?? false)
    }

    /// A RESP2 array on a subscribed connection: a message, a confirmation, or (`pong`) a reply.
    private mutating func resp2PubSub(_ elements: [RESPValue]) -> Action? {
        guard case .bulkString(.some(let kind)) = elements.first else {
            return nil
        }
        if RedisCommandKind.equalsIgnoringCase(kind, "PONG") {
            return nil
        }
        return self.pubSub(elements)
    }

    /// A pub/sub message or confirmation (RESP3 push or RESP2 array).
    private mutating func pubSub(_ elements: [RESPValue]) -> Action {
        guard let kind = Self.bytes(elements.first) else {
            return .none
        }
        if RedisCommandKind.equalsIgnoringCase(kind, "MESSAGE") {
            guard elements.count == 3, let channel = Self.bytes(elements[1]), let payload = Self.bytes(elements[2])
            else {
                return self.protocolViolation("malformed message push")
            }
            return .deliver(RedisPubSubMessage(channel: channel, payload: payload))
        }
        if RedisCommandKind.equalsIgnoringCase(kind, "PMESSAGE") {
            guard elements.count == 4, let pattern = Self.bytes(elements[1]), let channel = Self.bytes(elements[2]),
                let payload = Self.bytes(elements[3])
            else {
                return self.protocolViolation("malformed pmessage push")
            }
            return .deliver(RedisPubSubMessage(channel: channel, pattern: pattern, payload: payload))
        }
        guard let confirmation = RedisCommandKind(confirmation: kind) else {
            // Other pushes (client-side caching invalidations, sharded pub/sub) are not used here.
            return .none
        }
        guard var head = self.pending.first, head.kind == confirmation else {
            // Unrequested, e.g. the server dropping a subscription: nothing waits for it.
            return .none
        }
        head.remaining -= 1
        guard head.remaining == 0 else {
            self.pending[self.pending.startIndex] = head
            return .none
        }
        self.pending.removeFirst()
        return .succeed(head.request, .push(elements))
    }

    private static func bytes(_ value: RESPValue?) -> ByteBuffer? {
        switch value {
        case .bulkString(.some(let bytes)), .simpleString(let bytes): return bytes
        default: return nil
        }
    }

    private mutating func protocolViolation(_ detail: String) -> Action {
        self.state = .closed
        return .closeAndFail(self.drainPending(), RedisError(.protocolViolation, detail))
    }

    private mutating func drainPending() -> [Request] {
        let requests = self.pending.map(\.request)
        self.pending.removeAll()
        self.channels.removeAll()
        self.patterns.removeAll()
        return requests
    }
}

extension RedisConnectionStateMachine.Action: Equatable where Request: Equatable {}
