import WAMPCore

/// The client's handle for one request or one durable registration/subscription. Allocated by the
/// client (not the router), so it survives reconnects while router IDs change.
typealias LocalID = UInt64

/// Why a request failed: the router said so (`ERROR`), or the client could not get an answer.
enum RequestFailure: Sendable, Hashable {
    case wamp(WAMPError)
    case client(WAMPClientError)

    var error: any Error {
        switch self {
        case .wamp(let error): return error
        case .client(let error): return error
        }
    }
}

/// What a successful request produced.
enum RequestSuccess: Sendable, Hashable {
    case result(CallResult)
    case published(UInt64?)
    case registered
    case unregistered
    case subscribed
    case unsubscribed
}

/// A callee's answer to an invocation, ready to become `YIELD` or `ERROR`.
enum InvocationOutcome: Sendable, Hashable {
    case result(InvocationResult)
    case error(WAMPError)
}

/// What the client runtime must do after feeding an event to `ClientSessionStateMachine`.
enum ClientAction: Sendable, Hashable {
    /// Write this message to the current transport.
    case send(WAMPMessage)
    /// The session is established: resume whoever waits for the join.
    case joined(SessionDetails)
    /// Joining failed (ABORT, authentication or protocol error); the transport is being closed.
    case joinFailed(RequestFailure)
    /// A request completed.
    case succeed(LocalID, RequestSuccess)
    /// A request failed, or a registration/subscription could not be restored after reconnecting.
    case fail(LocalID, RequestFailure)
    /// An intermediate result of a progressive call.
    case progress(LocalID, CallResult)
    /// An event for these subscriptions (several local subscriptions can share one router subscription).
    case deliver([LocalID], Event)
    /// Run the handler of registration `registration` for invocation `request` of session `epoch`.
    case invoke(epoch: UInt64, request: UInt64, registration: LocalID, Invocation)
    /// Cancel the running handler of invocation `request` of session `epoch`.
    case interrupt(epoch: UInt64, request: UInt64)
    /// Our GOODBYE was answered: the session ended cleanly.
    case left
    /// Close the transport (after writing whatever `send` actions came before).
    case closeTransport
}
