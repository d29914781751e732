import Testing

@testable import WAMPCore

/// The in-house validator must agree with the standard library's on every input.
@Suite struct UTF8ValidationTests {
    func agrees(_ input: [UInt8]) -> Bool {
        input.withUnsafeBufferPointer { buffer in
            isValidUTF8(buffer) == (String(validating: buffer, as: UTF8.self) != nil)
        }
    }

    @Test func agreesWithTheStandardLibraryOnAllTwoByteInputs() {
        var disagreements: [[UInt8]] = []
        for first in UInt8.min...UInt8.max {
            for second in UInt8.min...UInt8.max where !self.agrees([first, second]) {
                disagreements.append([first, second])
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }

    @Test func agreesWithTheStandardLibraryOnRandomInputs() {
        var generator = SeededGenerator(seed: 8)
        let interesting: [UInt8] = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        var disagreements = 0
        for _ in 0..<200_000 {
            let prefix = [UInt8](repeating: 0x61, count: Int.random(in: 0...9, using: &generator))
            let tail = (0..<Int.random(in: 1...5, using: &generator)).map { _ in interesting.randomElement(using: &generator)! }
            if !self.agrees(prefix + tail) { disagreements += 1 }
        }
        #expect(disagreements == 0)
        #expect(self.agrees(Array("plain ascii that is longer than eight bytes".utf8)))
        #expect(self.agrees(Array("mixed é 水 😀 and ascii runs of more than eight".utf8)))
        #expect(isValidUTF8(UnsafeBufferPointer(start: nil, count: 0)))
    }
}
