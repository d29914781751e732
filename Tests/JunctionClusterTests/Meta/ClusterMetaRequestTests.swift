import JunctionCluster
import JunctionRouter
import Testing
import WAMPCore

/// The requests on a node's request channel: kills keep their wire format, removals round-trip,
/// and truncated, mutated or foreign frames are errors, never crashes.
struct ClusterMetaRequestTests {
    private static let removals: [ClusterMetaRequest] = [
        .remove(
            .init(
                realm: "realm1", removal: .subscriber(subscription: 1 << 43 | 5, session: 1 << 43 | 9),
                reason: "bye")),
        .remove(.init(realm: "realm1", removal: .callee(registration: 77, session: 2 << 43 | 1), reason: "")),
    ]

    @Test func removalsRoundTrip() throws {
        for request in Self.removals {
            #expect(try ClusterMetaRequest(bytes: request.encoded()) == request)
        }
    }

    @Test func aKillKeepsItsWireFormatAndDecodesAsAMetaRequest() throws {
        let kill = ClusterKillRequest(realm: "realm1", sessions: [3, 4], reason: "wamp.close.killed", message: "bye")
        #expect(ClusterMetaRequest.kill(kill).encoded() == kill.encoded())
        #expect(try ClusterMetaRequest(bytes: kill.encoded()) == .kill(kill))
        // A kill with a bad reason is refused through either decoder.
        let bad = ClusterKillRequest(realm: "realm1", sessions: [3], reason: "not a uri!", message: nil)
        #expect(throws: ClusterFrameError.self) { try ClusterMetaRequest(bytes: bad.encoded()) }
    }

    @Test func aRemovalIsNotTakenForAKill() {
        for request in Self.removals {
            #expect(throws: ClusterFrameError.self) { try ClusterKillRequest(bytes: request.encoded()) }
        }
    }

    private static func publish(_ topic: String, _ options: WAMPDict, _ payload: Payload) -> WAMPMessage {
        .publish(.init(request: 1, options: options, topic: topic, payload: payload))
    }

    private static let both: WAMPDict = ["realm": "r", "reason": "x"]
    private static let subscriber = "junction.cluster.remove_subscriber"
    private static let callee = "junction.cluster.remove_callee"

    static let malformed: [WAMPMessage] = [
        // an unknown kind
        publish("junction.cluster.reboot", both, .init(args: [1, 2])),
        // no realm, an empty realm, no reason, a reason that is not a string
        publish(subscriber, ["reason": "x"], .init(args: [1, 2])),
        publish(subscriber, ["realm": "", "reason": "x"], .init(args: [1, 2])),
        publish(callee, ["realm": "r"], .init(args: [1, 2])),
        publish(callee, ["realm": "r", "reason": 7], .init(args: [1, 2])),
        // wrong arguments: too few, too many, negative, a string, none, a transparent payload
        publish(callee, both, .init(args: [1])),
        publish(callee, both, .init(args: [1, 2, 3])),
        publish(callee, both, .init(args: [1, -2])),
        publish(subscriber, both, .init(args: ["1", 2])),
        publish(subscriber, both, .empty),
        publish(subscriber, both, .transparent([1, 2])),
        // not a PUBLISH
        .subscribe(.init(request: 1, options: [:], topic: subscriber)),
    ]

    @Test(arguments: ClusterMetaRequestTests.malformed)
    func malformedRequestsAreErrors(_ message: WAMPMessage) {
        #expect(throws: ClusterFrameError.self) {
            try ClusterMetaRequest(bytes: message.encoded(with: MessagePackSerializer()))
        }
    }

    @Test(arguments: [[UInt8](), [0x93, 0x01, 0x02, 0x03], Array("[16,1,{},\"t\"]".utf8), [0xc1]])
    func garbageIsAnErrorNotACrash(_ bytes: [UInt8]) {
        #expect(throws: ClusterFrameError.self) { try ClusterMetaRequest(bytes: bytes) }
    }

    @Test func everyTruncationIsAnError() {
        for request in Self.removals {
            let bytes = request.encoded()
            for length in 0..<bytes.count {
                #expect(throws: ClusterFrameError.self) { try ClusterMetaRequest(bytes: Array(bytes.prefix(length))) }
            }
        }
    }

    /// Mutated frames decode to something or throw; the decoder never traps. Seeded, so a
    /// failure reproduces.
    @Test func mutatedFramesNeverCrashTheDecoder() {
        var generator = SplitMix64(seed: 0x5EED_17)
        var decoded = 0
        for round in 0..<3000 {
            var bytes = Self.removals[round % Self.removals.count].encoded()
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &generator)) }
            if (try? ClusterMetaRequest(bytes: bytes)) != nil { decoded += 1 }
        }
        // Some mutations only touch ids or strings and still decode; most do not.
        #expect(decoded < 3000)
    }
}

/// A deterministic generator for the mutation test.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { self.state = seed }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
