import Crypto

/// Comparisons whose running time does not depend on where the inputs differ, so a peer cannot
/// learn a secret byte by byte from response times.
public enum ConstantTime {
    /// Whether `a` and `b` are equal; only their lengths may leak.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count {
            difference |= a[index] ^ b[index]
        }
        return difference == 0
    }

    /// Whether two secrets (tickets, signatures) are equal. Both are hashed first, so not even the
    /// length of the expected secret leaks.
    public static func equals(_ a: String, _ b: String) -> Bool {
        Self.equals(Array(SHA256.hash(data: Array(a.utf8))), Array(SHA256.hash(data: Array(b.utf8))))
    }
}
