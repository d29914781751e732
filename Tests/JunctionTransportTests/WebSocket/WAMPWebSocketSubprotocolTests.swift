import Testing
import WAMPCore

@testable import JunctionTransport

@Suite struct WAMPWebSocketSubprotocolTests {
    private let all = Set(SerializerKind.allCases)

    @Test func picksTheFirstTheClientListsNotOurFavourite() {
        let chosen = WAMPWebSocketSubprotocol.negotiate(
            offered: ["wamp.2.cbor, wamp.2.json"],
            serializers: self.all,
            batchedAllowed: true
        )
        #expect(chosen == WAMPWebSocketSubprotocol(serializer: .cbor))
    }

    @Test func readsSeveralHeadersInOrderAndSkipsUnknownTokens() {
        let chosen = WAMPWebSocketSubprotocol.negotiate(
            offered: ["chat, superchat", " wamp.1.json ,\twamp.2.msgpack.batched", "wamp.2.json"],
            serializers: self.all,
            batchedAllowed: true
        )
        #expect(chosen == WAMPWebSocketSubprotocol(serializer: .msgpack, batched: true))
        #expect(chosen?.name == "wamp.2.msgpack.batched")
    }

    @Test func batchedIsSkippedWhenNotAllowed() {
        let chosen = WAMPWebSocketSubprotocol.negotiate(
            offered: ["wamp.2.json.batched,wamp.2.json"],
            serializers: self.all,
            batchedAllowed: false
        )
        #expect(chosen == WAMPWebSocketSubprotocol(serializer: .json))
    }

    @Test func serializersAreRestrictedByConfiguration() {
        let chosen = WAMPWebSocketSubprotocol.negotiate(
            offered: ["wamp.2.msgpack", "wamp.2.cbor.batched", "wamp.2.cbor"],
            serializers: [.cbor],
            batchedAllowed: false
        )
        #expect(chosen == WAMPWebSocketSubprotocol(serializer: .cbor))
    }

    @Test(arguments: [[String](), [""], ["chat"], ["WAMP.2.JSON"], ["wamp.2.json.batched"], ["wamp.2.ubjson"]])
    func unsupportedOffersGiveNil(offered: [String]) {
        #expect(
            WAMPWebSocketSubprotocol.negotiate(offered: offered, serializers: [.json, .cbor], batchedAllowed: false)
                == nil
        )
    }

    @Test func namesRoundTrip() {
        for serializer in SerializerKind.allCases {
            for batched in [false, true] {
                let subprotocol = WAMPWebSocketSubprotocol(serializer: serializer, batched: batched)
                #expect(WAMPWebSocketSubprotocol(name: subprotocol.name) == subprotocol)
            }
        }
        #expect(WAMPWebSocketSubprotocol(name: "wamp.2.json.batched.batched") == nil)
    }
}
