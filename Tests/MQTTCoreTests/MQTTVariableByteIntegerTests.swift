import Testing

@testable import MQTTCore

/// §1.5.5: at most four bytes, minimal encoding, 0...268,435,455.
@Suite struct MQTTVariableByteIntegerTests {
    static let boundaries: [(Int, String)] = [
        (0, "00"), (127, "7f"), (128, "8001"), (16_383, "ff7f"), (16_384, "808001"),
        (2_097_151, "ffff7f"), (2_097_152, "80808001"), (268_435_455, "ffffff7f"),
    ]

    @Test func boundaryValues() {
        for (value, hex) in Self.boundaries {
            var encoded: [UInt8] = []
            MQTTVariableByteInteger.encode(value, into: &encoded)
            #expect(hexString(encoded) == hex)
            #expect(MQTTVariableByteInteger.encodedLength(value) == encoded.count)
            var inserted: [UInt8] = [0xAA, 0xBB]
            MQTTVariableByteInteger.insert(value, into: &inserted, at: 1)
            #expect(inserted == [0xAA] + encoded + [0xBB])
            let decoded = encoded.withUnsafeBytes { MQTTVariableByteInteger.decode($0) }
            guard case .value(let result, let length) = decoded else {
                Issue.record("\(hex) did not decode")
                continue
            }
            #expect(result == value && length == encoded.count)
        }
    }

    @Test func invalidEncodings() {
        for hex in ["8000", "ff8000", "ffff8000", "808080800", "ffffffff7f", "8080808001"] where hex.count % 2 == 0 {
            let decoded = bytes(hex: hex).withUnsafeBytes { MQTTVariableByteInteger.decode($0) }
            guard case .invalid(let error) = decoded else {
                Issue.record("\(hex) was accepted")
                continue
            }
            #expect(error.reasonCode == .malformedPacket)
        }
        for hex in ["", "80", "ffff", "ffffff"] {
            let decoded = bytes(hex: hex).withUnsafeBytes { MQTTVariableByteInteger.decode($0) }
            guard case .needMoreBytes = decoded else {
                Issue.record("\(hex) is not incomplete")
                continue
            }
        }
    }

    /// The Remaining Length is checked as such: a fifth byte or a non-minimal form is malformed.
    @Test func remainingLength() {
        expectRejected(bytes(hex: "30 ffffffff7f"), version: .v5, .malformedPacket)
        expectRejected(bytes(hex: "c0 8000"), version: .v5, .malformedPacket)
        expectRejected(bytes(hex: "30 ff8000"), version: .v3_1_1, .malformedPacket)
    }
}
