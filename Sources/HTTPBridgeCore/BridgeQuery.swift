/// The query string of a bridge request, decoded like a form (`application/x-www-form-urlencoded`:
/// `%XX` escapes, `+` for a space), as Crossbar's web server does before it checks a signature.
public struct BridgeQuery: Sendable, Hashable {
    /// The first value of each name, as Crossbar uses.
    public private(set) var values: [String: String] = [:]

    /// Decodes the part of a request target after `?` (or the whole target, whose path is
    /// skipped). Malformed escapes are kept as they are, invalid UTF-8 is replaced.
    public init(target: String) {
        guard let start = target.firstIndex(of: "?") else { return }
        let query = target[target.index(after: start)...]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let (name, value): (Substring, Substring)
            if let equals = pair.firstIndex(of: "=") {
                (name, value) = (pair[..<equals], pair[pair.index(after: equals)...])
            } else {
                (name, value) = (pair[...], "")
            }
            let decodedName = Self.decode(name)
            if self.values[decodedName] == nil {
                self.values[decodedName] = Self.decode(value)
            }
        }
    }

    public subscript(name: String) -> String? { self.values[name] }

    /// `%XX` → byte, `+` → space.
    public static func decode(_ text: some StringProtocol) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                if iterator.count >= 2, let high = Self.hex(iterator[iterator.startIndex]),
                    let low = Self.hex(iterator[iterator.startIndex + 1])
                {
                    bytes.append(high << 4 | low)
                    iterator = iterator.dropFirst(2)
                } else {
                    bytes.append(byte)
                }
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
