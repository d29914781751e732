import JunctionRouter
import NIOCore
import RESPCore
import Testing
import WAMPCore

@testable import JunctionCluster

/// The read script's reply, as Redis sends it, into a `ClusterStreamRead`.
@Suite struct StreamReadReplyTests {
    static func bulk(_ text: String) -> RESPValue { .bulkString(ByteBuffer(string: text)) }

    static func entry(_ offset: UInt64, frame: [UInt8]) -> RESPValue {
        .array([Self.bulk("\(offset)-0"), .array([Self.bulk("t"), Self.bulk("1700"), Self.bulk("f"), .bulkString(ByteBuffer(bytes: frame))])])
    }

    @Test func entriesDecodeIntoEvents() throws {
        let publisher = RemotePublisher(session: 5, authid: "alice", authrole: "user")
        let frame = ClusterPublication(
            sequence: 9, realm: "realm1", topic: "com.s.a", publication: 77, payload: .init(args: [1]),
            options: ["acknowledge": true], details: ["publisher": 5], publisher: publisher
        ).encoded()
        let reply = RESPValue.array([Self.bulk("E"), Self.bulk("12"), .array([Self.entry(11, frame: frame), Self.entry(12, frame: frame)])])
        let read = try StreamReadReply.parse(reply)
        #expect(read.epoch == "E" && read.current == 12)
        #expect(read.events.map(\.offset) == [11, 12])
        #expect(read.events.first?.timestamp == 1700)
        #expect(read.events.first?.publication == 77)
        #expect(read.events.first?.publisher == publisher)
        #expect(read.events.first?.details == ["publisher": 5])
    }

    @Test func anythingElseThrows() {
        let replies: [RESPValue] = [
            .simpleError(ByteBuffer(string: "NOSCRIPT")), .array([]), .array([Self.bulk("E"), Self.bulk("x"), .array([])]),
            .array([Self.bulk("E"), Self.bulk("1"), .array([.array([Self.bulk("1-0"), .array([Self.bulk("t")])])])]),
            .array([Self.bulk("E"), Self.bulk("1"), .array([Self.entry(1, frame: [1, 2, 3])])]),
        ]
        for reply in replies {
            #expect(throws: ClusterFrameError.self) { try StreamReadReply.parse(reply) }
        }
    }

    @Test func aPatternReadDecodesEveryTopicWithItsOrder() throws {
        let frame = ClusterPublication(
            sequence: 9, realm: "realm1", topic: "com.s.a", publication: 77, payload: .init(args: [1]),
            options: [:], details: [:], publisher: RemotePublisher(session: 5, authid: "a", authrole: "r")
        ).encoded()
        let ordered = RESPValue.array([
            Self.bulk("3-0"),
            .array([Self.bulk("t"), Self.bulk("1700"), Self.bulk("n"), Self.bulk("42"), Self.bulk("f"),
                .bulkString(ByteBuffer(bytes: frame))]),
        ])
        let reply = RESPValue.array([
            Self.bulk("E"),
            .array([
                Self.bulk("com.s.a"), Self.bulk("3"), .array([ordered]),
                Self.bulk("com.s.b"), Self.bulk("0"), .array([]),
            ]),
        ])
        let read = try StreamReadReply.parsePattern(reply)
        #expect(read.epoch == "E")
        #expect(read.topics["com.s.a"]?.current == 3)
        #expect(read.topics["com.s.a"]?.events.first?.order == 42)
        #expect(read.topics["com.s.b"]?.events.isEmpty == true)
        let malformed: [RESPValue] = [
            .simpleError(ByteBuffer(string: "NOSCRIPT")), .array([Self.bulk("E")]),
            .array([Self.bulk("E"), .array([Self.bulk("com.s.a"), Self.bulk("3")])]),
            .array([Self.bulk("E"), .array([Self.bulk("com.s.a"), Self.bulk("x"), .array([])])]),
            .array([
                Self.bulk("E"), .array([Self.bulk("com.s.a"), Self.bulk("1"), .array([Self.entry(1, frame: [9])])]),
            ]),
        ]
        for reply in malformed {
            #expect(throws: ClusterFrameError.self) { try StreamReadReply.parsePattern(reply) }
        }
    }

    /// An offset Redis cannot have counted (above Int64.max) is refused rather than trusted: the
    /// recovery's `current + 1` would trap on `UInt64.max`.
    @Test func offsetsBeyondWhatRedisCountsThrow() throws {
        let frame = ClusterPublication(
            sequence: 9, realm: "realm1", topic: "com.s.a", publication: 77, payload: .init(args: [1]),
            options: [:], details: [:], publisher: RemotePublisher(session: 5, authid: "a", authrole: "r")
        ).encoded()
        let huge = "\(UInt64.max)"
        let largest = try StreamReadReply.parse(.array([Self.bulk("E"), Self.bulk("\(Int64.max)"), .array([])]))
        #expect(largest.current == UInt64(Int64.max))
        let replies: [RESPValue] = [
            .array([Self.bulk("E"), Self.bulk(huge), .array([])]),
            .array([Self.bulk("E"), Self.bulk("1"), .array([Self.entry(UInt64.max, frame: frame)])]),
        ]
        for reply in replies {
            #expect(throws: ClusterFrameError.self) { try StreamReadReply.parse(reply) }
        }
        let pattern = RESPValue.array([Self.bulk("E"), .array([Self.bulk("com.s.a"), Self.bulk(huge), .array([])])])
        #expect(throws: ClusterFrameError.self) { try StreamReadReply.parsePattern(pattern) }
    }

    /// Stands in for a fuzz target: random reply shapes (what a foreign writer or another version
    /// could leave in Redis) never crash either parser; they parse or throw.
    @Test func randomRepliesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        func value(depth: Int) -> RESPValue {
            let leaves: [RESPValue] = [
                Self.bulk("E"), Self.bulk("3"), Self.bulk("x"), Self.bulk("3-0"), Self.bulk("t"), Self.bulk("n"),
                Self.bulk("f"), .integer(-1), .integer(7), .bulkString(nil), .bulkString(ByteBuffer(bytes: [0x93, 1])),
            ]
            guard depth < 4, Int.random(in: 0..<3, using: &generator) > 0 else {
                return leaves[Int.random(in: 0..<leaves.count, using: &generator)]
            }
            return .array((0..<Int.random(in: 0..<7, using: &generator)).map { _ in value(depth: depth + 1) })
        }
        for _ in 0..<5_000 {
            let reply = value(depth: 0)
            _ = try? StreamReadReply.parse(reply)
            _ = try? StreamReadReply.parsePattern(reply)
        }
    }
}
