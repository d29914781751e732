import JunctionRouter
import NIOCore
import RESPCore
import Testing
import WAMPCore

@testable import JunctionCluster

/// The replies of XRANGE (a source's stream) and HGETALL (retained events, stream offsets), as a
/// node reads them back from Redis.
@Suite struct ClusterRepliesTests {
    static func bulk(_ text: String) -> RESPValue { .bulkString(ByteBuffer(string: text)) }

    static func frame(_ sequence: UInt64, topic: String = "com.s.a") -> [UInt8] {
        ClusterPublication(
            sequence: sequence, realm: "realm1", topic: topic, publication: 70 + sequence, payload: .init(args: [1]),
            options: [:], details: [:], publisher: RemotePublisher(session: 5, authid: "a", authrole: "r")
        ).encoded()
    }

    @Test func streamEntriesDecodeInOrderAndMalformedOnesAreCounted() {
        let reply = RESPValue.array([
            .array([Self.bulk("4-0"), .array([Self.bulk("f"), .bulkString(ByteBuffer(bytes: Self.frame(4)))])]),
            .array([Self.bulk("5-0"), .array([Self.bulk("f"), .bulkString(ByteBuffer(bytes: [0x93, 1]))])]),
            .array([Self.bulk("6-0"), .array([Self.bulk("f")])]),
            .integer(3),
            .array([Self.bulk("7-0"), .array([Self.bulk("f"), .bulkString(ByteBuffer(bytes: Self.frame(7)))])]),
        ])
        let (publications, rejected) = ClusterReplies.streamPublications(reply)
        #expect(publications.map(\.sequence) == [4, 7])
        #expect(rejected == 3)
        let error = ClusterReplies.streamPublications(.simpleError(ByteBuffer(string: "ERR")))
        #expect(error.publications.isEmpty && error.rejected == 0)
    }

    @Test func retainedEventsKeepTheirStampAndBadValuesAreCounted() {
        let stamped = StreamStamp.encode(StreamPosition(offset: 3, epoch: "E")) + Self.frame(2, topic: "com.s.b")
        let reply = RESPValue.array([
            Self.bulk("com.s.b"), .bulkString(ByteBuffer(bytes: stamped)),
            Self.bulk("com.s.c"), Self.bulk("not a frame"),
            Self.bulk("com.s.d"),
        ])
        let (publications, rejected) = ClusterReplies.retainedPublications(reply)
        #expect(publications.map(\.topic) == ["com.s.b"])
        #expect(publications.first?.position == StreamPosition(offset: 3, epoch: "E"))
        #expect(rejected == 1)
    }

    /// Offsets Redis cannot have counted are skipped: the merge seeds `offset + 1` from them.
    @Test func streamOffsetsSkipWhatIsNotAnOffset() {
        let reply = RESPValue.array([
            Self.bulk("com.s.a"), Self.bulk("12"), Self.bulk("com.s.b"), Self.bulk("x"),
            Self.bulk("com.s.c"), Self.bulk("\(UInt64.max)"), Self.bulk("com.s.d"), Self.bulk("\(Int64.max)"),
            Self.bulk("com.s.e"),
        ])
        #expect(ClusterReplies.streamOffsets(reply) == ["com.s.a": 12, "com.s.d": UInt64(Int64.max)])
    }
}
