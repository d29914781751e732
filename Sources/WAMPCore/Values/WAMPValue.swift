/// A value as WAMP carries it, independent of the serializer that put it on the wire.
///
/// WAMP itself only needs integers, strings, booleans, lists and dicts; application payloads may
/// carry anything the serializers share. Signed and unsigned integers are kept apart so that a
/// `uint64` sent by a MessagePack or CBOR peer survives a round trip unchanged.
public enum WAMPValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case binary([UInt8])
    case list([WAMPValue])
    case dict([String: WAMPValue])
}

public typealias WAMPList = [WAMPValue]
public typealias WAMPDict = [String: WAMPValue]

extension WAMPValue {
    /// The value as a non-negative integer, accepting any integral number representation.
    ///
    /// Real clients send IDs as signed or unsigned integers and, in JSON, sometimes as integral
    /// floats (`1.0`); all of them mean the same ID.
    public var unsignedInteger: UInt64? {
        switch self {
        case .int(let value): return value >= 0 ? UInt64(value) : nil
        case .uint(let value): return value
        case .double(let value):
            guard value >= 0, value <= 18_446_744_073_709_549_568, value.rounded(.towardZero) == value else {
                return nil
            }
            return UInt64(value)
        default: return nil
        }
    }

    /// The value as a signed integer, accepting integral floats.
    public var signedInteger: Int64? {
        switch self {
        case .int(let value): return value
        case .uint(let value): return value <= UInt64(Int64.max) ? Int64(value) : nil
        case .double(let value):
            guard value >= -9_223_372_036_854_775_808, value < 9_223_372_036_854_775_808,
                value.rounded(.towardZero) == value
            else { return nil }
            return Int64(value)
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var listValue: [WAMPValue]? {
        if case .list(let value) = self { return value }
        return nil
    }

    public var dictValue: [String: WAMPValue]? {
        if case .dict(let value) = self { return value }
        return nil
    }

    public var binaryValue: [UInt8]? {
        if case .binary(let value) = self { return value }
        return nil
    }

    public var doubleValue: Double? {
        switch self {
        case .double(let value): return value
        case .int(let value): return Double(value)
        case .uint(let value): return Double(value)
        default: return nil
        }
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Member access for dicts; `nil` for missing keys and for non-dict values.
    public subscript(key: String) -> WAMPValue? {
        if case .dict(let dict) = self { return dict[key] }
        return nil
    }
}

extension WAMPValue {
    /// Compares numbers by value across representations (`.int(1)`, `.uint(1)` and `.double(1)` are
    /// the same number), which is what a receiver of another serializer's bytes observes.
    public func isNumericallyEqual(to other: WAMPValue) -> Bool {
        switch (self, other) {
        case (.list(let a), .list(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isNumericallyEqual(to: $1) }
        case (.dict(let a), .dict(let b)):
            return a.count == b.count
                && a.allSatisfy { key, value in b[key].map { value.isNumericallyEqual(to: $0) } ?? false }
        case (.int, _), (.uint, _), (.double, _):
            if let x = self.signedInteger, let y = other.signedInteger { return x == y }
            if let x = self.unsignedInteger, let y = other.unsignedInteger { return x == y }
            if let x = self.doubleValue, let y = other.doubleValue { return x == y }
            return false
        default:
            return self == other
        }
    }
}

extension WAMPValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: WAMPValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, WAMPValue)...) {
        self = .dict(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension WAMPValue {
    /// An ID or count as WAMP puts it on the wire: unsigned, so that every serializer picks its
    /// smallest integer encoding.
    @inlinable
    public static func id(_ value: UInt64) -> WAMPValue { .uint(value) }
}
