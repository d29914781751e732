/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `::1/128`, or a single address), for
/// the bridge's `require_ip` option.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The network address: 4 bytes (IPv4) or 16 (IPv6), host bits cleared.
    public let address: [UInt8]
    public let prefixLength: Int

    /// Parses `address[/prefix]`; `nil` for anything else. With `strict` (the default, as
    /// Python's `ip_network` that Crossbar uses) an address with host bits set is refused;
    /// otherwise they are cleared.
    public init?(cidr text: String, strict: Bool = true) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let address = IPAddressText.parse(parts[0]) else { return nil }
        let bits = address.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...bits).contains(value), parts[1].allSatisfy(\.isASCII) else {
                return nil
            }
            prefix = value
        }
        let masked = Self.mask(address, prefix: prefix)
        if strict && masked != address { return nil }
        self.address = masked
        self.prefixLength = prefix
    }

    /// Whether `address` (4 or 16 bytes) is in this network. An IPv4-mapped IPv6 address
    /// (`::ffff:a.b.c.d`) counts as its IPv4 address.
    public func contains(_ address: [UInt8]) -> Bool {
        var candidate = address
        if candidate.count == 16, self.address.count == 4, candidate[0..<10].allSatisfy({ $0 == 0 }),
            candidate[10] == 0xFF, candidate[11] == 0xFF
        {
            candidate = Array(candidate[12..<16])
        }
        guard candidate.count == self.address.count else { return false }
        return Self.mask(candidate, prefix: self.prefixLength) == self.address
    }

    /// Whether the textual address `text` is in this network.
    public func contains(address text: String) -> Bool {
        IPAddressText.parse(text[...]).map(self.contains) ?? false
    }

    public var description: String {
        let text =
            self.address.count == 4
            ? self.address.map(String.init).joined(separator: ".")
            : stride(from: 0, to: 16, by: 2).map {
                String(UInt16(self.address[$0]) << 8 | UInt16(self.address[$0 + 1]), radix: 16)
            }.joined(separator: ":")
        return "\(text)/\(self.prefixLength)"
    }

    private static func mask(_ address: [UInt8], prefix: Int) -> [UInt8] {
        var result = address
        for index in result.indices {
            let keep = max(0, min(8, prefix - index * 8))
            result[index] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
        }
        return result
    }
}

/// Textual IP addresses to bytes, without the C library (pure, fuzzable).
enum IPAddressText {
    static func parse(_ text: Substring) -> [UInt8]? {
        text.contains(":") ? self.parseV6(text) : self.parseV4(text)
    }

    static func parseV4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    static func parseV6(_ text: Substring) -> [UInt8]? {
        // An embedded IPv4 tail (`::ffff:1.2.3.4`) is parsed as two zero groups, then filled in.
        var text = String(text)
        var tail: [UInt8]?
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = self.parseV4(text[text.index(after: lastColon)...]) else { return nil }
            tail = v4
            text = text[...lastColon] + "0:0"
        }
        guard let halves = text[...].components(separatedByDoubleColon: ()) else { return nil }
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), group.allSatisfy(\.isHexDigit),
                    let value = UInt16(group, radix: 16)
                else { return nil }
                result.append(value)
            }
            return result
        }
        var all: [UInt16]
        if halves.count == 2 {
            guard let head = groups(halves[0]), let rest = groups(halves[1]) else { return nil }
            let missing = 8 - head.count - rest.count
            guard missing >= 1 else { return nil }
            all = head + [UInt16](repeating: 0, count: missing) + rest
        } else {
            guard let only = groups(halves[0]), only.count == 8 else { return nil }
            all = only
        }
        var bytes: [UInt8] = []
        for group in all { bytes += [UInt8(group >> 8), UInt8(group & 0xFF)] }
        if let tail { bytes.replaceSubrange(12..<16, with: tail) }
        return bytes
    }
}

extension Substring {
    /// Splits at the single `::` of an IPv6 address: one part without it, two with it, `nil` if
    /// it occurs twice.
    fileprivate func components(separatedByDoubleColon: ()) -> [Substring]? {
        guard let range = self.firstRange(of: "::") else { return [self] }
        let after = self[range.upperBound...]
        if after.firstRange(of: "::") != nil { return nil }
        return [self[..<range.lowerBound], after]
    }
}
