import HTTPBridgeCore
import Testing

/// The signed-request scheme: HMAC-SHA256 over key ‖ timestamp ‖ seq ‖ nonce ‖ body, Base64.
@Suite struct BridgeSignatureTests {
    let parts = (key: "foobar", timestamp: "2011-10-14T16:59:51.123Z", seq: "1", nonce: "22222222")
    let body = Array(#"{"topic":"com.example.hello","args":[1]}"#.utf8)

    /// The digest Python computes: `hmac.new(b"secret", key+ts+seq+nonce+body, hashlib.sha256)`
    /// with `base64.urlsafe_b64encode` (value computed with CPython 3.11).
    @Test func matchesPythonReferenceSignature() {
        let signature = BridgeSignature.sign(
            secret: "kkjH68GiuUZ",
            key: "foobar",
            timestamp: "2011-10-14T16:59:51.123Z",
            seq: "1",
            nonce: "22222222",
            body: Array("{}".utf8)
        )
        #expect(signature == "oXph423TPwCpwVsjEXKwHXHlckIs5gQ51ErPmoOSCjU=")
    }

    @Test func acceptsEveryBase64Flavour() {
        let signature = self.sign()
        let standard = signature.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let unpadded = String(signature.prefix(while: { $0 != "=" }))
        let standardUnpadded = String(standard.prefix(while: { $0 != "=" }))
        // A `+` the client did not percent-encode arrives as a space after form decoding.
        let formDecoded = standard.replacingOccurrences(of: "+", with: " ")
        for variant in [signature, standard, unpadded, standardUnpadded, formDecoded] {
            #expect(self.isValid(variant), "\(variant)")
        }
    }

    @Test func refusesWrongOrMalformedSignatures() {
        let signature = self.sign()
        var flipped = Array(signature)
        flipped[3] = flipped[3] == "A" ? "B" : "A"
        for variant in [String(flipped), "", "not base64!", String(signature.dropLast(4)), signature + "AAAA", "===="] {
            #expect(!self.isValid(variant), "\(variant)")
        }
        #expect(
            !BridgeSignature.isValid(
                signature,
                secret: "other",
                key: self.parts.key,
                timestamp: self.parts.timestamp,
                seq: self.parts.seq,
                nonce: self.parts.nonce,
                body: self.body
            )
        )
        #expect(
            !BridgeSignature.isValid(
                signature,
                secret: "s3cr3t",
                key: self.parts.key,
                timestamp: self.parts.timestamp,
                seq: "2",
                nonce: self.parts.nonce,
                body: self.body
            )
        )
    }

    @Test func base64RoundTripsAndRejectsNonCanonicalInput() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(FlexibleBase64.decode(FlexibleBase64.encodeURLSafe(bytes)) == bytes)
        }
        #expect(FlexibleBase64.decode("QQ==") == [0x41])
        #expect(FlexibleBase64.decode("QQ") == [0x41])
        #expect(FlexibleBase64.decode("QR==") == nil)  // leftover bits set
        #expect(FlexibleBase64.decode("Q===") == nil)
        #expect(FlexibleBase64.decode("QQ=") == nil)  // padding that does not complete the group
    }

    private func sign() -> String {
        BridgeSignature.sign(
            secret: "s3cr3t",
            key: self.parts.key,
            timestamp: self.parts.timestamp,
            seq: self.parts.seq,
            nonce: self.parts.nonce,
            body: self.body
        )
    }

    private func isValid(_ signature: String) -> Bool {
        BridgeSignature.isValid(
            signature,
            secret: "s3cr3t",
            key: self.parts.key,
            timestamp: self.parts.timestamp,
            seq: self.parts.seq,
            nonce: self.parts.nonce,
            body: self.body
        )
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(self.map { $0 == target ? replacement : $0 })
    }
}
