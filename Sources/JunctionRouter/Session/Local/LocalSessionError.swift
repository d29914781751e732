import WAMPCore

/// A WAMP error as an in-process session sees it: the URI plus the ERROR's payload and details.
///
/// A refused join throws it with the ABORT reason (`wamp.error.no_such_role`), a failed request
/// with the ERROR's URI (`wamp.error.not_authorized`, `wamp.error.no_such_procedure`, or the
/// callee's own URI), a request cut short by the session's end with the close reason
/// (`wamp.close.system_shutdown`, `wamp.close.killed`, `wamp.close.normal`). Throw it from a
/// procedure handler to answer the caller with exactly this URI and payload.
public struct LocalSessionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var uri: String
    public var args: WAMPList
    public var kwargs: WAMPDict
    /// `Details|dict` of the ERROR.
    public var details: WAMPDict

    public init(_ uri: String, args: WAMPList = [], kwargs: WAMPDict = [:], details: WAMPDict = [:]) {
        self.uri = uri
        self.args = args
        self.kwargs = kwargs
        self.details = details
    }

    init(_ error: WAMPMessage.Error) {
        self.init(
            error.error,
            args: error.payload.args ?? [],
            kwargs: error.payload.kwargs ?? [:],
            details: error.details
        )
    }

    /// What a handler's thrown error becomes on the wire: this error as is, a cancelled handler as
    /// `wamp.error.canceled`, anything else as `wamp.error.runtime_error` with its description.
    init(answering error: any Error) {
        switch error {
        case let error as LocalSessionError: self = error
        case is CancellationError: self.init(WAMPErrorURI.canceled, args: ["the invocation was interrupted"])
        default: self.init(WAMPErrorURI.runtimeError, args: [.string(String(describing: error))])
        }
    }

    var payload: Payload {
        .compact(args: self.args, kwargs: self.kwargs)
    }

    public var description: String {
        var text = self.uri
        if !self.args.isEmpty { text += " \(self.args)" }
        if !self.kwargs.isEmpty { text += " \(self.kwargs)" }
        return text
    }
}
