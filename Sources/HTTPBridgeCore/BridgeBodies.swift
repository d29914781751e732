import WAMPCore

/// A publisher request's body, `{"topic", "args", "kwargs", "options"}`, as a PUBLISH.
public struct PublishRequestBody: Sendable, Hashable {
    /// The `PUBLISH.Options` the bridge passes on (the rest are ignored, as by Crossbar).
    public static let forwardedOptions: Set<String> = [
        "retain", "exclude_me", "exclude_authid", "exclude_authrole", "exclude", "eligible_authid",
        "eligible_authrole", "eligible",
    ]

    public var topic: String
    public var args: WAMPList
    public var kwargs: WAMPDict
    public var options: WAMPDict

    /// Reads the body. Missing `topic` is Crossbar's 400; a `topic` that is not a valid URI under
    /// `rules` is 400 `wamp.error.invalid_uri` (Crossbar answers 500); `args`, `kwargs` or
    /// `options` of the wrong type are 400.
    public init(_ body: WAMPDict, rules: URIRules) throws(BridgeRejection) {
        guard let topic = body["topic"] else {
            throw .badRequest("Request body was valid JSON, but not well formed (missing key 'topic').")
        }
        self.topic = try BridgeURI.validated(topic, rules: rules, name: "topic")
        (self.args, self.kwargs) = try BridgeArguments.read(body)
        var options: WAMPDict = [:]
        if let given = body["options"], !BridgeArguments.isFalsy(given) {
            guard case .dict(let dict) = given else { throw .badRequest("'options' must be an object") }
            for (name, value) in dict where Self.forwardedOptions.contains(name) && !value.isNull {
                options[name] = value
            }
        }
        self.options = options
    }
}

/// A caller request's body, `{"procedure", "args", "kwargs"}`, plus the optional
/// `options.timeout` (milliseconds, `CALL.Options.timeout`) Crossbar does not have.
public struct CallRequestBody: Sendable, Hashable {
    public var procedure: String
    public var args: WAMPList
    public var kwargs: WAMPDict
    /// `CALL.Options`: only `timeout`, when given.
    public var options: WAMPDict

    public init(_ body: WAMPDict, rules: URIRules) throws(BridgeRejection) {
        guard let procedure = body["procedure"] else {
            throw .badRequest("Request body was valid JSON, but not well formed (missing key 'procedure').")
        }
        self.procedure = try BridgeURI.validated(procedure, rules: rules, name: "procedure")
        (self.args, self.kwargs) = try BridgeArguments.read(body)
        var options: WAMPDict = [:]
        if let given = body["options"], !BridgeArguments.isFalsy(given) {
            guard case .dict(let dict) = given else { throw .badRequest("'options' must be an object") }
            if let timeout = dict["timeout"], !timeout.isNull {
                guard let milliseconds = timeout.unsignedInteger else {
                    throw .badRequest("'options.timeout' must be a non-negative integer (milliseconds)")
                }
                if milliseconds > 0 { options["timeout"] = .uint(milliseconds) }
            }
        }
        self.options = options
    }
}

/// What the caller answers for a RESULT, as Crossbar does through autobahn: one positional
/// result and no keywords is `{"args": [value]}`, no result at all is `{"args": [null]}`, else
/// `args` and `kwargs` each when not empty.
public enum CallResultBody {
    public static func body(args: WAMPList, kwargs: WAMPDict) -> WAMPValue {
        if kwargs.isEmpty {
            if args.isEmpty { return .dict(["args": .list([.null])]) }
            return .dict(["args": .list(args)])
        }
        var result: WAMPDict = ["kwargs": .dict(kwargs)]
        if !args.isEmpty { result["args"] = .list(args) }
        return .dict(result)
    }

    /// A WAMP ERROR (the callee's, or the router's such as `wamp.error.not_authorized`):
    /// `{"error", "args", "kwargs"}`, answered with 200 like Crossbar.
    public static func error(uri: String, args: WAMPList, kwargs: WAMPDict) -> WAMPValue {
        .dict(["error": .string(uri), "args": .list(args), "kwargs": .dict(kwargs)])
    }
}

enum BridgeArguments {
    /// Python truthiness, which Crossbar uses for `args`, `kwargs` and `options` (`null`, `[]`,
    /// `{}`, `0`, `""`, `false` all mean "none").
    static func isFalsy(_ value: WAMPValue) -> Bool {
        switch value {
        case .null: return true
        case .bool(let flag): return !flag
        case .int(let number): return number == 0
        case .uint(let number): return number == 0
        case .double(let number): return number == 0
        case .string(let text): return text.isEmpty
        case .binary(let bytes): return bytes.isEmpty
        case .list(let list): return list.isEmpty
        case .dict(let dict): return dict.isEmpty
        }
    }

    static func read(_ body: WAMPDict) throws(BridgeRejection) -> (WAMPList, WAMPDict) {
        var args: WAMPList = []
        var kwargs: WAMPDict = [:]
        if let value = body["args"], !self.isFalsy(value) {
            guard case .list(let list) = value else { throw .badRequest("'args' must be a list") }
            args = list
        }
        if let value = body["kwargs"], !self.isFalsy(value) {
            guard case .dict(let dict) = value else { throw .badRequest("'kwargs' must be an object") }
            kwargs = dict
        }
        return (args, kwargs)
    }
}

enum BridgeURI {
    static func validated(_ value: WAMPValue, rules: URIRules, name: String) throws(BridgeRejection) -> String {
        guard case .string(let uri) = value, URIValidation.isValid(uri, rules: rules) else {
            throw BridgeRejection(
                status: 400,
                error: WAMPErrorURI.invalidURI,
                args: [.string("invalid \(name) URI '\(value.stringValue ?? "\(value)")'")]
            )
        }
        return uri
    }
}
