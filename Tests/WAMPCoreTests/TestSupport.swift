import Foundation
import Testing

@testable import WAMPCore

/// The three serializers under test, with a name for failure messages.
let allSerializers: [(name: String, serializer: any WAMPSerializer)] = [
    ("json", JSONSerializer()),
    ("msgpack", MessagePackSerializer()),
    ("cbor", CBORSerializer()),
]

/// Bytes from a hex string such as `"9510ce..."`; whitespace is ignored.
func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.utf8.filter { !($0 == 0x20 || $0 == 0x0A) })
    precondition(digits.count % 2 == 0, "odd hex length")
    func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: preconditionFailure("invalid hex digit")
        }
    }
    return stride(from: 0, to: digits.count, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
}

func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// `<repo>/../shared`, located from this source file so tests run from any working directory.
let sharedDirectory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // .../Tests/WAMPCoreTests
    .deletingLastPathComponent()  // .../Tests
    .deletingLastPathComponent()  // the repository root
    .deletingLastPathComponent()  // its parent, which holds `shared`
    .appendingPathComponent("shared")

/// Converts a Foundation JSON object into a `WAMPValue` independently of our own parser, so the
/// vector tests do not grade the JSON serializer with itself.
func wampValue(fromFoundation object: Any) -> WAMPValue {
    switch object {
    case is NSNull:
        return .null
    case let string as String:
        return .string(string)
    case let number as NSNumber:
        switch String(cString: number.objCType) {
        case "c", "B": return .bool(number.boolValue)
        case "d", "f": return .double(number.doubleValue)
        case "Q": return .uint(number.uint64Value)
        default: return .int(number.int64Value)
        }
    case let list as [Any]:
        return .list(list.map(wampValue(fromFoundation:)))
    case let dict as [String: Any]:
        return .dict(dict.mapValues(wampValue(fromFoundation:)))
    default:
        preconditionFailure("unexpected JSON object \(type(of: object))")
    }
}

/// Reads a JSON file with Foundation (test-only) and converts it to a `WAMPValue`.
func loadJSONFile(_ url: URL) throws -> WAMPValue {
    let data = try Data(contentsOf: url)
    return wampValue(fromFoundation: try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
}

/// A small deterministic generator (SplitMix64) so property tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Decodes with `serializer`, returning the error instead of throwing (for table-driven checks).
func decodeResult(_ serializer: any WAMPSerializer, _ input: [UInt8]) -> Result<WAMPValue, WAMPCore.DecodingError> {
    do {
        return .success(try serializer.decode(input))
    } catch {
        return .failure(error)
    }
}

/// Expects `input` to be rejected with a `DecodingError` (and, by running at all, not to crash).
func expectRejected(
    _ serializer: any WAMPSerializer, _ input: [UInt8], _ comment: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    if case .success(let value) = decodeResult(serializer, input) {
        Issue.record(
            "\(serializer.kind) accepted \(comment.isEmpty ? hexString(input) : comment) as \(value)",
            sourceLocation: sourceLocation)
    }
}

/// Decodes `input`, recording an issue (and returning nil) when it throws.
func expectDecodes(
    _ serializer: any WAMPSerializer, _ input: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) -> WAMPValue? {
    switch decodeResult(serializer, input) {
    case .success(let value):
        return value
    case .failure(let error):
        Issue.record("\(serializer.kind) rejected \(hexString(input)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
