import Crypto
import Foundation
import Testing

@testable import JunctionClient
import JunctionAuth

/// Golden values computed with autobahn-python 26.x (`autobahn.wamp.auth`, `CryptosignKey`), the
/// implementation Crossbar.io verifies against.
@Suite struct AuthenticationTests {
    let challenge = #"{"authid":"joe","nonce":"abc"}"#

    @Test func wampcraPlainMatchesAutobahn() throws {
        let auth = Authentication.wampcra(authid: "joe", secret: "secret123")
        let reply = try auth.respond(to: .init(authMethod: "wampcra", extra: ["challenge": .string(self.challenge)]))
        #expect(reply.signature == "rpLUMcctc5i/zqGRvKvpQdyJN5MSrPGNro3vDuz2yFo=")
    }

    @Test func wampcraSaltedMatchesAutobahn() throws {
        #expect(WAMPCRA.deriveKey(secret: "secret123", salt: "salt123", iterations: 100, keylen: 16) == "DpHHRlQ6UNULJlP9J8WkPw==")
        let auth = Authentication.wampcra(authid: "joe", secret: "secret123")
        let reply = try auth.respond(
            to: .init(
                authMethod: "wampcra",
                extra: ["challenge": .string(self.challenge), "salt": "salt123", "iterations": 100, "keylen": 16]))
        #expect(reply.signature == "XNfgcG/x+DCqTD+6rKJpgaHMZnG+L4P5g0G2FINObtM=")
    }

    @Test func cryptosignMatchesAutobahn() throws {
        let seed = (0..<32).map { String(format: "%02x", $0) }.joined()
        let auth = try Authentication.cryptosign(authid: "alice", privateKeyHex: seed)
        #expect(auth.helloDetails["authextra"]?["pubkey"] == "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8")
        let reply = try auth.respond(
            to: .init(authMethod: "cryptosign", extra: ["challenge": .string(String(repeating: "ab", count: 32))]))
        // Ed25519 is deterministic, so the signature equals autobahn's byte for byte.
        #expect(
            reply.signature
                == "bdb6936166026556298a4b3af065fb16dc4b9835f8457d877b59f04bd6d28f087a94078806de5f5ef14f59236069dfec54fdf0240f0c52e89aced8bb0f5f1f0f"
                + String(repeating: "ab", count: 32))
    }

    @Test func ticketAndHelloDetails() throws {
        let auth = Authentication.ticket(authid: "bob", ticket: "s3cr3t")
        #expect(auth.helloDetails["authmethods"] == ["ticket"])
        #expect(auth.helloDetails["authid"] == "bob")
        #expect(try auth.respond(to: .init(authMethod: "ticket", extra: [:])).signature == "s3cr3t")
    }

    @Test func wrongMethodAndMalformedChallengesThrow() throws {
        #expect(throws: WAMPClientError.self) {
            try Authentication.ticket(authid: "a", ticket: "t").respond(to: .init(authMethod: "wampcra", extra: [:]))
        }
        #expect(throws: WAMPClientError.self) {
            try Authentication.wampcra(authid: "a", secret: "s").respond(to: .init(authMethod: "wampcra", extra: [:]))
        }
        #expect(throws: WAMPClientError.self) {
            try Authentication.cryptosign(authid: nil, privateKey: .init())
                .respond(to: .init(authMethod: "cryptosign", extra: ["challenge": "abcd"]))
        }
        #expect(throws: WAMPClientError.self) { try Authentication.cryptosign(authid: nil, privateKeyHex: "xyz") }
    }
}
