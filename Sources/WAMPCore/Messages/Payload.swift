/// The application payload of PUBLISH, EVENT, CALL, INVOCATION, YIELD, RESULT and ERROR.
///
/// Kept exactly as the peer sent it (an absent `args` differs from an empty one) so the router
/// forwards what it received. A transparent payload (payload passthru mode, end-to-end encryption)
/// is opaque bytes in the Arguments position that the router must never inspect.
public enum Payload: Sendable, Hashable {
    case values(args: WAMPList?, kwargs: WAMPDict?)
    case transparent([UInt8])

    public static let empty = Payload.values(args: nil, kwargs: nil)

    public init(args: WAMPList? = nil, kwargs: WAMPDict? = nil) {
        self = .values(args: args, kwargs: kwargs)
    }

    public var args: WAMPList? {
        if case .values(let args, _) = self { return args }
        return nil
    }

    public var kwargs: WAMPDict? {
        if case .values(_, let kwargs) = self { return kwargs }
        return nil
    }

    /// Appends the trailing `Arguments|list, ArgumentsKw|dict` elements, omitting empty tails as the
    /// spec allows (kwargs present forces an args list, possibly empty).
    func append(to elements: inout [WAMPValue]) {
        switch self {
        case .transparent(let bytes):
            elements.append(.binary(bytes))
        case .values(let args, let kwargs):
            if let kwargs {
                elements.append(.list(args ?? []))
                elements.append(.dict(kwargs))
            } else if let args {
                elements.append(.list(args))
            }
        }
    }
}
