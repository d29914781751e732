import Crypto
import WAMPCore

/// WAMP-Cryptosign: sign the router's 32-byte challenge with Ed25519.
///
/// The `AUTHENTICATE` signature is `hex(signature) + hex(challenge)` (96 bytes as 192 hex digits),
/// as autobahn-python's `_sign_challenge` produces. TLS channel binding is not used.
enum Cryptosign {
    static func signature(
        key: Curve25519.Signing.PrivateKey, challenge extra: WAMPDict
    ) throws(WAMPClientError) -> String {
        guard let hex = extra["challenge"]?.stringValue, hex.utf8.count == 64, let challenge = Hex.decode(hex) else {
            throw WAMPClientError(.authentication, "cryptosign challenge must be 64 hex digits")
        }
        guard let signature = try? key.signature(for: challenge) else {
            throw WAMPClientError(.authentication, "cryptosign: signing failed")
        }
        return Hex.encode(Array(signature)) + Hex.encode(challenge)
    }
}

/// Lower-case hex, for keys and signatures.
enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = Self.value(chars[index]), let low = Self.value(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
