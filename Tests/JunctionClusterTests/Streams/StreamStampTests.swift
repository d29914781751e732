import Testing
import WAMPCore

@testable import JunctionCluster

/// The publish script's `S<offset> <epoch>\n` stamp in front of a frame.
@Suite struct StreamStampTests {
    @Test func aStampedFrameSplitsIntoPositionAndFrame() throws {
        let frame: [UInt8] = [0x95, 1, 2, 3]
        let stamped = StreamStamp.encode(StreamPosition(offset: 42, epoch: "k3j9x0a1b2c3d4e5")) + frame
        let (position, rest) = try StreamStamp.split(stamped)
        #expect(position == StreamPosition(offset: 42, epoch: "k3j9x0a1b2c3d4e5"))
        #expect(Array(rest) == frame)
        let plain = try StreamStamp.split(frame)
        #expect(plain.position == nil && Array(plain.frame) == frame)
    }

    @Test func malformedStampsAreRejected() {
        for bad in ["S", "S12", "S12 ", "S12 abc", "S 12 e\n", "S0 e\n", "Sx e\n", "S99999999999999999999999 e\n",
            "S1 a b\n", "S1 \n", "S1 \u{1}\n"]
        {
            #expect(throws: ClusterFrameError.self, "\(bad)") { try StreamStamp.split(Array(bad.utf8)) }
        }
        let long = "S1 " + String(repeating: "e", count: StreamStamp.maxEpochLength + 1) + "\n"
        #expect(throws: ClusterFrameError.self) { try StreamStamp.split(Array(long.utf8)) }
    }

    /// Redis counts offsets in an Int64: a larger one (which parses as a UInt64) is refused, so the
    /// merge's next offset (`offset + 1`) cannot overflow and trap on a frame from Redis.
    @Test func offsetsBeyondWhatRedisCountsAreRejected() throws {
        let largest = "S\(Int64.max) e\n"
        #expect(try StreamStamp.split(Array(largest.utf8)).position == StreamPosition(offset: UInt64(Int64.max), epoch: "e"))
        for bad in ["S\(UInt64(Int64.max) + 1) e\n", "S\(UInt64.max) e\n"] {
            #expect(throws: ClusterFrameError.self, "\(bad)") { try StreamStamp.split(Array(bad.utf8)) }
        }
    }

    /// Stands in for a fuzz target: random bytes behind the marker never crash, they parse or throw.
    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let length = Int.random(in: 0..<24, using: &generator)
            var bytes = [StreamStamp.marker]
            for _ in 0..<length {
                bytes.append(Bool.random() ? UInt8.random(in: 0x30...0x39) : UInt8.random(in: 0...255))
            }
            _ = try? StreamStamp.split(bytes)
            _ = try? ClusterPublication(bytes: bytes)
        }
    }
}
