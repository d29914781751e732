#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A compact-serialised JWS split at its two dots. The verifier parses the header and payload
/// itself (rather than through jwt-kit's `JWTKeyCollection.verify`) so that it alone decides
/// which key may check which `alg`/`kid`, and so that time checks use the caller's `now`.
struct JWTCompactToken {
    /// Tokens longer than this are refused before any decoding: real tokens are a few KiB, and
    /// the ticket arrives from an unauthenticated peer.
    static let maximumLength = 64 * 1024

    let header: [String: JWTJSONValue]
    let signingInput: ArraySlice<UInt8>
    let encodedPayload: ArraySlice<UInt8>
    let encodedSignature: ArraySlice<UInt8>

    /// Splits `token` and decodes its header; nil unless there are exactly three segments, the
    /// header is a JSON object and every segment is canonical base64url.
    init?(_ token: String) {
        let bytes = Array(token.utf8)
        guard bytes.count <= Self.maximumLength,
            let first = bytes.firstIndex(of: UInt8(ascii: ".")),
            let second = bytes[(first + 1)...].firstIndex(of: UInt8(ascii: ".")),
            !bytes[(second + 1)...].contains(UInt8(ascii: ".")),
            let headerBytes = JWTBase64URL.decode(bytes[..<first]),
            case .object(let header)? = JWTJSONValue.parse(headerBytes)
        else { return nil }
        self.header = header
        self.signingInput = bytes[..<second]
        self.encodedPayload = bytes[(first + 1)..<second]
        self.encodedSignature = bytes[(second + 1)...]
    }
}

/// base64url without padding (RFC 7515 §2), strict: any other character, an impossible length
/// or non-zero trailing bits fail. Strictness matters for signatures — a lenient decoder maps
/// several encodings to the same bytes, so an edited signature would still verify.
enum JWTBase64URL {
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        Self.decode(Array(text.utf8)[...])
    }

    static func decode(_ input: ArraySlice<UInt8>) -> [UInt8]? {
        guard input.count % 4 != 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for character in input {
            guard let value = Self.value(character) else { return nil }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
                buffer &= (1 << UInt32(bits)) - 1
            }
        }
        guard buffer == 0 else { return nil }
        return output
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}

/// Just enough JSON to read JOSE headers and claims with their types intact, so a numeric `sub`
/// or a boolean `exp` is seen as such instead of being coerced.
enum JWTJSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JWTJSONValue])
    case object([String: JWTJSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JWTJSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JWTJSONValue].self))
        }
    }

    static func parse(_ bytes: [UInt8]) -> JWTJSONValue? {
        try? JSONDecoder().decode(JWTJSONValue.self, from: Data(bytes))
    }

    var string: String? {
        if case .string(let value) = self { value } else { nil }
    }

    var number: Double? {
        if case .number(let value) = self { value } else { nil }
    }
}
