import WAMPCore

/// An error as WAMP carries it: a URI plus optional arguments.
///
/// A call that fails with ERROR throws this; a session refused with ABORT throws it with the
/// ABORT reason. Throw it from a procedure handler to answer the call with exactly this URI and
/// payload; any other error thrown by a handler becomes `wamp.error.runtime_error`.
public struct WAMPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The error URI, for example `wamp.error.no_such_procedure` or `com.example.error.invalid_input`.
    public var uri: String
    public var args: WAMPList
    public var kwargs: WAMPDict
    /// `Details|dict` of the ERROR (or ABORT) message.
    public var details: WAMPDict

    public init(_ uri: String, args: WAMPList = [], kwargs: WAMPDict = [:], details: WAMPDict = [:]) {
        self.uri = uri
        self.args = args
        self.kwargs = kwargs
        self.details = details
    }

    public var description: String {
        var text = self.uri
        if !self.args.isEmpty { text += " \(WAMPJSON.string(.list(self.args)))" }
        if !self.kwargs.isEmpty { text += " \(WAMPJSON.string(.dict(self.kwargs)))" }
        return text
    }
}
