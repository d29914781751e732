import NIOCore
import WAMPCore

/// How a call the router made itself ended.
public enum InternalCallOutcome: Sendable {
    case result(Payload)
    case error(String)
    /// No callee, the callee left, no answer within the timeout, or the realm shut down.
    case unavailable(String)
}

/// Calls the router makes itself (dynamic authenticators and authorizers): a CALL of the realm's
/// own session (see `routerSession()`), routed and authorized like any other.
extension Realm {
    /// Calls `procedure` and reports how it went on this realm's event loop. Fails closed:
    /// every path ends in `completion`, at the latest after `timeoutMilliseconds` (the dealer's
    /// call timeout, which also interrupts the callee).
    public func callInternal(
        procedure: String,
        args: [WAMPValue],
        kwargs: WAMPDict? = nil,
        timeoutMilliseconds: Int,
        completion: @escaping @Sendable (InternalCallOutcome) -> Void
    ) {
        self.eventLoop.preconditionInEventLoop()
        guard let session = self.routerSession() else {
            completion(.unavailable("the router is shutting down"))
            return
        }
        let options: WAMPDict = ["timeout": .uint(UInt64(max(1, timeoutMilliseconds)))]
        session.call(procedure, payload: .init(args: args, kwargs: kwargs), options: options) { result in
            switch result {
            case .success(let result):
                completion(.result(result.payload))
            case .failure(let error):
                completion(
                    Self.internalOutcome(of: error, procedure: procedure, timeoutMilliseconds: timeoutMilliseconds)
                )
            }
        }
    }

    /// The errors the router itself answers (no callee, callee gone, timeout, session ended)
    /// make a call unavailable; any other ERROR is the callee's answer.
    private static func internalOutcome(
        of error: LocalSessionError,
        procedure: String,
        timeoutMilliseconds: Int
    ) -> InternalCallOutcome {
        switch error.uri {
        case WAMPErrorURI.noSuchProcedure: return .unavailable("no callee registered for '\(procedure)'")
        case WAMPErrorURI.canceled: return .unavailable("the callee left")
        case WAMPErrorURI.timeout: return .unavailable("no answer within \(timeoutMilliseconds) ms")
        case let uri where uri.hasPrefix("wamp.close."): return .unavailable("the router's session ended (\(uri))")
        default: return .error(error.uri)
        }
    }
}
