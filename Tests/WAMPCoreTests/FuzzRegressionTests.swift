import Testing

@testable import WAMPCore

/// Inputs libFuzzer found (`scripts/fuzz.sh`, see docs/hardening.md), kept as regression tests.
/// Each must decode to an error, never crash or read past the input.
@Suite struct FuzzRegressionTests {
    /// FuzzCBOR: an indefinite byte string (`5f`) whose chunk header `58 02` claims 2 bytes with
    /// only 1 left. The chunk length was checked against a copy of the cursor taken before the
    /// length byte was read, so one byte past the end was copied (ASan heap-buffer-overflow).
    @Test func cborIndefiniteByteStringChunkPastTheEnd() throws {
        #expect(throws: DecodingError.self) { try CBORSerializer().decode([0x5F, 0x58, 0x02, 0x6A]) }
        #expect(throws: DecodingError.self) { try CBORSerializer().decode([0x5F, 0x59, 0x00, 0x03, 0x01, 0x02]) }
        #expect(throws: DecodingError.self) { try CBORSerializer().decode([0x5F, 0x42, 0x01]) }
        #expect(try CBORSerializer().decode([0x5F, 0x58, 0x01, 0x6A, 0xFF]) == .binary([0x6A]))
    }
}
