import Crypto

/// The signed-request scheme of Crossbar's HTTP bridge: `signature` is the Base64 of
/// HMAC-SHA256(secret, key ‖ timestamp ‖ seq ‖ nonce ‖ body), over the query parameters' text
/// as sent and the raw body.
///
/// Crossbar compares the signature as text against the URL-safe, padded encoding, so a client
/// that sends standard Base64 or drops the padding is refused (its issues #1705, #241). Here the
/// signature is decoded — URL-safe or standard alphabet, padded or not, `+` turned into a space
/// by form decoding accepted too — and the 32-byte digests are compared in constant time.
public enum BridgeSignature {
    /// The digest a request with these parts must be signed with.
    public static func digest(
        secret: String,
        key: String,
        timestamp: String,
        seq: String,
        nonce: String,
        body: some Sequence<UInt8>
    ) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8)))
        hmac.update(data: Array(key.utf8))
        hmac.update(data: Array(timestamp.utf8))
        hmac.update(data: Array(seq.utf8))
        hmac.update(data: Array(nonce.utf8))
        hmac.update(data: Array(body))
        return Array(hmac.finalize())
    }

    /// The signature as Crossbar's clients send it: URL-safe Base64, padded.
    public static func sign(
        secret: String,
        key: String,
        timestamp: String,
        seq: String,
        nonce: String,
        body: some Sequence<UInt8>
    ) -> String {
        FlexibleBase64.encodeURLSafe(
            self.digest(secret: secret, key: key, timestamp: timestamp, seq: seq, nonce: nonce, body: body)
        )
    }

    /// Whether `signature` is the correct signature (in any Base64 flavour) of these parts.
    public static func isValid(
        _ signature: String,
        secret: String,
        key: String,
        timestamp: String,
        seq: String,
        nonce: String,
        body: some Sequence<UInt8>
    ) -> Bool {
        var message = Array(key.utf8) + Array(timestamp.utf8) + Array(seq.utf8) + Array(nonce.utf8)
        message.append(contentsOf: body)
        // An undecodable signature is checked as 32 zero bytes, so every refusal takes as long.
        let presented = FlexibleBase64.decode(signature) ?? []
        let candidate = presented.count == 32 ? presented : [UInt8](repeating: 0, count: 32)
        // swift-crypto compares authentication codes in constant time.
        let valid = HMAC<SHA256>.isValidAuthenticationCode(
            candidate,
            authenticating: message,
            using: SymmetricKey(data: Array(secret.utf8))
        )
        return valid && presented.count == 32
    }
}

/// Base64 in both alphabets (RFC 4648 sections 4 and 5), padding optional.
public enum FlexibleBase64 {
    private static let urlSafe = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encodeURLSafe(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            output.append(self.urlSafe[Int(b0 >> 2)])
            output.append(self.urlSafe[Int((b0 & 0x03) << 4 | b1 >> 4)])
            output.append(index + 1 < bytes.count ? self.urlSafe[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            output.append(index + 2 < bytes.count ? self.urlSafe[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The decoded bytes, or `nil` if `text` is not Base64. `+` and ` ` (a `+` after form
    /// decoding) and `-` all mean 62, `/` and `_` mean 63; trailing `=` are optional but, when
    /// present, must complete the last group.
    public static func decode(_ text: String) -> [UInt8]? {
        var characters = Array(text.utf8)
        var padding = 0
        while characters.last == UInt8(ascii: "=") {
            characters.removeLast()
            padding += 1
        }
        guard padding <= 2, characters.count % 4 != 1 else { return nil }
        if padding > 0, (characters.count + padding) % 4 != 0 { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(characters.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for character in characters {
            guard let value = self.value(of: character) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // Leftover bits must be zero (a canonical encoding).
        guard accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return output
    }

    private static func value(of character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: " "): return 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): return 63
        default: return nil
        }
    }
}
