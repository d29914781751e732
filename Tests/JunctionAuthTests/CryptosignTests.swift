import Crypto
import JunctionAuth
import Testing
import WAMPCore

@Suite struct CryptosignTests {
    let key = Curve25519.Signing.PrivateKey()

    var publicKeyHex: String { Hex.encode(Array(self.key.publicKey.rawRepresentation)) }

    @Test func acceptsAutobahnStyleSignatureWithChallengeAppended() {
        let challenge = Cryptosign.newChallenge()
        let signature = Cryptosign.signature(key: self.key, challengeHex: Hex.encode(challenge))!
        #expect(signature.utf8.count == 192)
        #expect(Cryptosign.verify(signatureHex: signature, challenge: challenge, publicKeyHex: self.publicKeyHex))
    }

    @Test func acceptsBareSignature() {
        let challenge = Cryptosign.newChallenge()
        let signature = Cryptosign.signature(key: self.key, challengeHex: Hex.encode(challenge))!
        let bare = String(signature.prefix(128))
        #expect(Cryptosign.verify(signatureHex: bare, challenge: challenge, publicKeyHex: self.publicKeyHex))
    }

    @Test func refusesSignatureOfAnotherChallenge() {
        let challenge = Cryptosign.newChallenge()
        let other = Cryptosign.newChallenge()
        let signature = Cryptosign.signature(key: self.key, challengeHex: Hex.encode(other))!
        #expect(!Cryptosign.verify(signatureHex: signature, challenge: challenge, publicKeyHex: self.publicKeyHex))
        // The right signature with a different challenge appended is refused too.
        let right = Cryptosign.signature(key: self.key, challengeHex: Hex.encode(challenge))!
        let spliced = String(right.prefix(128)) + Hex.encode(other)
        #expect(!Cryptosign.verify(signatureHex: spliced, challenge: challenge, publicKeyHex: self.publicKeyHex))
    }

    @Test func refusesAnotherKeyAndGarbage() {
        let challenge = Cryptosign.newChallenge()
        let otherKey = Curve25519.Signing.PrivateKey()
        let signature = Cryptosign.signature(key: otherKey, challengeHex: Hex.encode(challenge))!
        #expect(!Cryptosign.verify(signatureHex: signature, challenge: challenge, publicKeyHex: self.publicKeyHex))
        #expect(!Cryptosign.verify(signatureHex: "zz", challenge: challenge, publicKeyHex: self.publicKeyHex))
        #expect(!Cryptosign.verify(signatureHex: "", challenge: challenge, publicKeyHex: self.publicKeyHex))
        #expect(!Cryptosign.verify(signatureHex: signature, challenge: challenge, publicKeyHex: "abcd"))
    }
}

@Suite struct WAMPCRATests {
    @Test func verifiesPlainAndSaltedSignatures() {
        let challenge = WAMPCRA.challenge(
            authid: "peter", authrole: "user", authprovider: "static", session: 42, nonce: WAMPCRA.nonce(),
            timestamp: "2026-11-22T06:00:00.000Z")
        let plain = WAMPCRA.signature(secret: "s3cret", salt: nil, challenge: challenge)
        #expect(WAMPCRA.verify(signature: plain, secret: "s3cret", salt: nil, challenge: challenge))
        #expect(!WAMPCRA.verify(signature: plain, secret: "s3cret!", salt: nil, challenge: challenge))
        let salt = WAMPCRA.Salt(salt: "salt123", iterations: 100, keylen: 16)
        let salted = WAMPCRA.signature(secret: "s3cret", salt: salt, challenge: challenge)
        #expect(salted != plain)
        #expect(WAMPCRA.verify(signature: salted, secret: "s3cret", salt: salt, challenge: challenge))
        #expect(!WAMPCRA.verify(signature: plain, secret: "s3cret", salt: salt, challenge: challenge))
    }

    @Test func challengeIsJSONWithEscapedStrings() throws {
        let challenge = WAMPCRA.challenge(
            authid: "a\"b\\c", authrole: "r", authprovider: "static", session: 7, nonce: "n", timestamp: "t")
        #expect(challenge.contains(#""authid":"a\"b\\c""#))
        #expect(challenge.contains(#""session":7"#))
        let parsed = try SerializerKind.json.serializer.decode(Array(challenge.utf8))
        #expect(parsed["authid"] == "a\"b\\c")
        #expect(parsed["session"] == 7)
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equals("ticket", "ticket"))
        #expect(!ConstantTime.equals("ticket", "ticket2"))
        #expect(!ConstantTime.equals("", "x"))
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
    }
}
