import JunctionCluster
import JunctionRouter
import Testing
import WAMPCore

struct ClusterPublicationTests {
    @Test func roundTripsValuesAndTransparentPayloads() throws {
        let publisher = RemotePublisher(session: 77, authid: "alice", authrole: "user")
        for payload in [Payload(args: [1, "x"], kwargs: ["k": true]), .transparent([0, 1, 2, 255]), .empty] {
            let publication = ClusterPublication(
                sequence: 12, realm: "realm1", topic: "com.example.t", publication: 4_000_000_001, payload: payload,
                options: ["exclude": [5], "eligible_authrole": ["user"]], details: ["publisher": 77],
                publisher: publisher)
            #expect(try ClusterPublication(bytes: publication.encoded()) == publication)
        }
    }

    @Test(arguments: [[UInt8](), [0x93, 0x01, 0x02, 0x03], Array("[16,1,{},\"t\"]".utf8), [0xc1]])
    func garbageIsAnErrorNotACrash(_ bytes: [UInt8]) {
        #expect(throws: ClusterFrameError.self) { try ClusterPublication(bytes: bytes) }
    }

    @Test func aPublishWithoutTheEnvelopeIsRefused() {
        let plain = WAMPMessage.publish(.init(request: 1, options: [:], topic: "t")).encoded(with: MessagePackSerializer())
        #expect(throws: ClusterFrameError.self) { try ClusterPublication(bytes: plain) }
    }
}
