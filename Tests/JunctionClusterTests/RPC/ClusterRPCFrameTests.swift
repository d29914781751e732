import JunctionCluster
import JunctionRouter
import Testing
import WAMPCore

@Suite struct ClusterRPCFrameTests {
    static let source = RemoteNode(node: "node-a", epoch: 42)

    @Test(arguments: [
        WAMPMessage.invocation(
            .init(request: 3, registration: 9, details: ["caller": 5, "progress": true], payload: .init(args: [1], kwargs: ["k": "v"]))),
        .interrupt(.init(request: 3, options: ["mode": "kill", "reason": "wamp.error.canceled"])),
        .yield(.init(request: 3, options: ["progress": true], payload: .init(args: [.binary([0, 255])]))),
        .yield(.init(request: 3, options: ["ppt_scheme": "x_test"], payload: .transparent([1, 2, 3, 0xFF]))),
        .error(.init(requestType: .invocation, request: 3, error: "com.app.failed", payload: .init(args: ["no"]))),
    ])
    func framesRoundTripWithTheirEnvelopeAndPayloadBytes(_ message: WAMPMessage) throws {
        let frame = ClusterRPCFrame(realm: "realm1", source: Self.source, callee: 77, continuation: true, message: message)
        let decoded = try ClusterRPCFrame(bytes: frame.encoded())
        #expect(decoded == frame)
    }

    @Test func badFramesAreRejectedNotRouted() {
        #expect(throws: ClusterFrameError.self) { try ClusterRPCFrame(bytes: [0x93, 0x01]) }
        #expect(throws: ClusterFrameError.self) { try ClusterRPCFrame(bytes: []) }
        // A well-formed WAMP message of another type, or one without the envelope.
        let call = WAMPMessage.call(.init(request: 1, procedure: "p")).encoded(with: MessagePackSerializer())
        #expect(throws: ClusterFrameError.self) { try ClusterRPCFrame(bytes: call) }
        let bare = WAMPMessage.yield(.init(request: 1)).encoded(with: MessagePackSerializer())
        #expect(throws: ClusterFrameError.self) { try ClusterRPCFrame(bytes: bare) }
        let badNode = WAMPMessage.yield(
            .init(request: 1, options: ["_jc": ["r": "realm1", "n": "bad node", "e": 1, "c": 2]])
        ).encoded(with: MessagePackSerializer())
        #expect(throws: ClusterFrameError.self) { try ClusterRPCFrame(bytes: badNode) }
    }

    @Test func randomBytesNeverCrashTheDecoder() {
        var generator = SystemRandomNumberGenerator()
        let valid = ClusterRPCFrame(
            realm: "realm1", source: Self.source, callee: 1, continuation: false,
            message: .yield(.init(request: 1, payload: .init(args: [1, "x"])))
        ).encoded()
        for _ in 0..<2000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &generator)) }
            _ = try? ClusterRPCFrame(bytes: bytes)
        }
    }
}

@Suite struct ClusterRegistrationListTests {
    @Test func listsRoundTripAndMalformedLinesAreCounted() {
        let registration = RemoteRegistration(
            registration: 12, procedure: "com.app..x", match: .wildcard, invoke: .roundrobin, callee: 99, features: 0x2F,
            discloseCaller: true)
        let list = ClusterRegistrationList(epoch: 5, entries: [.init(realm: "realm1", registration: registration)])
        let decoded = ClusterRegistrationList.decode(list.encoded)
        #expect(decoded.list == list)
        #expect(decoded.rejected == 0)
        let (damaged, rejected) = ClusterRegistrationList.decode(list.encoded + "\nrealm1\tx\texact\n\t\t\t\t\t\t\t")
        #expect(damaged == list)
        #expect(rejected == 2)
        #expect(ClusterRegistrationList.decode("not an epoch").list == nil)
        #expect(ClusterRegistrationList.decode("5").list == ClusterRegistrationList(epoch: 5, entries: []))
    }

    /// Lines split on the LF scalar: a procedure ending in CR used to swallow the next line break.
    @Test func aProcedureEndingInCarriageReturnKeepsTheNextLine() {
        let entries = ["a\r", "b"].enumerated().map { index, procedure in
            ClusterRegistrationList.Entry(
                realm: "realm1",
                registration: RemoteRegistration(
                    registration: UInt64(index + 1), procedure: procedure, match: .exact, invoke: .single, callee: 7,
                    features: 0, discloseCaller: false))
        }
        let decoded = ClusterRegistrationList.decode(ClusterRegistrationList(epoch: 3, entries: entries).encoded)
        #expect(decoded.rejected == 0)
        #expect(decoded.list.map { Set($0.entries) } == Set(entries))
    }
}
