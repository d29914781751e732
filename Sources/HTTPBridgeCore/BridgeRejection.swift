import WAMPCore

/// Why a bridge request is refused before it reaches the realm: an HTTP status and the JSON body
/// Crossbar answers with, `{"error": <error>, "args": [], "kwargs": {}}`. `error` is Crossbar's
/// sentence for the same refusal, or a WAMP URI (`wamp.error.invalid_uri`).
public struct BridgeRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    public var error: String
    public var args: WAMPList

    public init(status: Int, error: String, args: WAMPList = []) {
        self.status = status
        self.error = error
        self.args = args
    }

    /// The response body.
    public var body: WAMPValue {
        .dict(["error": .string(self.error), "args": .list(self.args), "kwargs": .dict([:])])
    }

    public var description: String { "\(self.status) \(self.error)" }

    static func badRequest(_ error: String) -> BridgeRejection { .init(status: 400, error: error) }
    static func unauthorized(_ error: String) -> BridgeRejection { .init(status: 401, error: error) }
}
