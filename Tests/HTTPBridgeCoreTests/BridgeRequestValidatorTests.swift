import HTTPBridgeCore
import Testing
import WAMPCore

/// Every check of a bridge request, in Crossbar's order, with its status code.
@Suite struct BridgeRequestValidatorTests {
    let now = 1_700_000_000.0
    let json = [(name: "Content-Type", value: "application/json")]

    func validator(_ options: BridgeOptions = BridgeOptions(), json: Bool = true) -> BridgeRequestValidator {
        BridgeRequestValidator(options: options, decodesJSON: json, defaultBodyLimit: 1 << 20)
    }

    func status(_ result: Result<BridgeRequestValidator.Accepted, BridgeRejection>) -> Int {
        switch result {
        case .success: return 200
        case .failure(let rejection): return rejection.status
        }
    }

    func request(
        _ body: String = #"{"topic":"a.b"}"#,
        method: String = "POST",
        query: String = "",
        headers: [(name: String, value: String)]? = nil,
        client: String? = "127.0.0.1",
        tls: Bool = false
    ) -> BridgeRequest {
        BridgeRequest(
            method: method,
            target: "/publish" + query,
            headers: headers ?? self.json,
            body: Array(body.utf8),
            clientAddress: client,
            isTLS: tls
        )
    }

    @Test func acceptsAPlainJSONObject() {
        var validator = self.validator()
        #expect(validator.validate(self.request(), now: self.now) == .success(.json(["topic": "a.b"])))
        // No content type at all is accepted too (the JSON check catches the rest).
        #expect(self.status(validator.validate(self.request(headers: []), now: self.now)) == 200)
        #expect(
            self.status(
                validator.validate(
                    self.request(headers: [("content-type", "Application/JSON; charset=UTF-8")]),
                    now: self.now
                )
            ) == 200
        )
    }

    @Test func methods() {
        var validator = self.validator()
        #expect(self.status(validator.validate(self.request(method: "GET"), now: self.now)) == 405)
        #expect(self.status(validator.validate(self.request(method: "DELETE"), now: self.now)) == 405)
        #expect(self.status(validator.validate(self.request(method: "PUT"), now: self.now)) == 200)
        #expect(validator.validate(self.request(method: "OPTIONS"), now: self.now) == .success(.preflight))
    }

    @Test func contentTypeCharsetLengthAndSize() {
        var validator = self.validator(BridgeOptions(postBodyLimit: 20))
        #expect(
            self.status(validator.validate(self.request(headers: [("Content-Type", "text/plain")]), now: self.now))
                == 400
        )
        let latin1 = [(name: "Content-Type", value: "application/json; charset=latin-1")]
        #expect(self.status(validator.validate(self.request(headers: latin1), now: self.now)) == 400)
        let twice = self.json + [("Content-Length", "15"), ("Content-Length", "15")]
        #expect(self.status(validator.validate(self.request(headers: twice), now: self.now)) == 400)
        let large = #"{"topic":"a.b","args":[1,2,3,4,5]}"#
        #expect(self.status(validator.validate(self.request(large), now: self.now)) == 413)
        #expect(BridgeRequestValidator.tooLarge(length: 30, limit: 20).status == 413)
    }

    @Test func bodyMustBeUTF8JSONObject() throws {
        var validator = self.validator()
        var invalidUTF8 = self.request()
        invalidUTF8.body = [0x7B, 0xFF, 0x7D]
        #expect(try self.rejection(validator.validate(invalidUTF8, now: self.now)).error.contains("UTF-8"))
        #expect(self.status(validator.validate(self.request("{nope"), now: self.now)) == 400)
        #expect(try self.rejection(validator.validate(self.request("[1]"), now: self.now)).error.contains("dict"))
        // A webhook takes any UTF-8 text, whatever its content type.
        var webhook = self.validator(json: false)
        let text = self.request("hello", headers: [("Content-Type", "text/plain")])
        #expect(webhook.validate(text, now: self.now) == .success(.text("hello")))
    }

    @Test func clientAddressAndTLS() throws {
        let options = BridgeOptions(requireIP: [try #require(IPNetwork(cidr: "10.0.0.0/8"))], requireTLS: true)
        var validator = self.validator(options)
        #expect(self.status(validator.validate(self.request(client: "127.0.0.1", tls: true), now: self.now)) == 400)
        #expect(self.status(validator.validate(self.request(client: nil, tls: true), now: self.now)) == 400)
        #expect(self.status(validator.validate(self.request(client: "10.9.8.7", tls: false), now: self.now)) == 400)
        #expect(self.status(validator.validate(self.request(client: "10.9.8.7", tls: true), now: self.now)) == 200)
    }

    @Test func unsignedRequestsStillHaveTheirParametersChecked() {
        var validator = self.validator()
        #expect(self.status(validator.validate(self.request(query: "?timestamp=yesterday"), now: self.now)) == 400)
        let old = BridgeTimestamp.format(self.now - 301)
        #expect(self.status(validator.validate(self.request(query: "?timestamp=\(old)"), now: self.now)) == 400)
        #expect(self.status(validator.validate(self.request(query: "?seq=x"), now: self.now)) == 400)
        #expect(self.status(validator.validate(self.request(query: "?nonce=1.5"), now: self.now)) == 400)
        #expect(self.status(validator.validate(self.request(query: "?seq=1&nonce=-7"), now: self.now)) == 200)
    }

    @Test func signedRequests() {
        let options = BridgeOptions(key: "k1", secret: "s1", timestampDeltaLimit: 10)
        var validator = self.validator(options)
        let body = #"{"topic":"a.b"}"#
        func signed(
            key: String = "k1",
            secret: String = "s1",
            timestamp: Double? = nil,
            nonce: String = "42",
            drop: String? = nil
        ) -> BridgeRequest {
            let stamp = BridgeTimestamp.format(timestamp ?? self.now)
            let signature = BridgeSignature.sign(
                secret: secret,
                key: key,
                timestamp: stamp,
                seq: "1",
                nonce: nonce,
                body: Array(body.utf8)
            )
            let parameters = [
                ("key", key), ("timestamp", stamp), ("seq", "1"), ("nonce", nonce),
                ("signature", signature.replacingOccurrences(of: "=", with: "%3D")),
            ].filter { $0.0 != drop }
            return self.request(body, query: "?" + parameters.map { "\($0.0)=\($0.1)" }.joined(separator: "&"))
        }
        #expect(self.status(validator.validate(self.request(), now: self.now)) == 400)  // unsigned
        for parameter in ["key", "timestamp", "seq", "nonce", "signature"] {
            #expect(self.status(validator.validate(signed(nonce: "7", drop: parameter), now: self.now)) == 400)
        }
        #expect(self.status(validator.validate(signed(key: "k2", nonce: "8"), now: self.now)) == 401)
        #expect(self.status(validator.validate(signed(secret: "s2", nonce: "9"), now: self.now)) == 401)
        #expect(self.status(validator.validate(signed(timestamp: self.now - 11, nonce: "10"), now: self.now)) == 400)
        #expect(self.status(validator.validate(signed(nonce: "11"), now: self.now)) == 200)
        // The same request again is a replay, even a few seconds later.
        #expect(self.status(validator.validate(signed(nonce: "11"), now: self.now + 2)) == 401)
        #expect(self.status(validator.validate(signed(nonce: "12"), now: self.now + 2)) == 200)
    }

    private func rejection(_ result: Result<BridgeRequestValidator.Accepted, BridgeRejection>) throws -> BridgeRejection
    {
        guard case .failure(let rejection) = result else { throw Unexpected() }
        return rejection
    }

    struct Unexpected: Error {}
}

@Suite struct BridgeBodiesTests {
    @Test func publishBody() throws {
        let body = try PublishRequestBody(
            [
                "topic": "com.example.t", "args": [1, "x"], "kwargs": ["a": 1],
                "options": ["retain": true, "exclude": [1, 2], "acknowledge": false, "eligible": .null],
            ],
            rules: .loose
        )
        #expect(body.topic == "com.example.t")
        #expect(body.args == [1, "x"])
        #expect(body.kwargs == ["a": 1])
        #expect(body.options == ["retain": true, "exclude": [1, 2]])
        // Falsy args/kwargs/options mean none, as in Crossbar.
        let bare = try PublishRequestBody(["topic": "t", "args": .null, "kwargs": [:], "options": 0], rules: .loose)
        #expect(bare.args.isEmpty && bare.kwargs.isEmpty && bare.options.isEmpty)
    }

    @Test func publishBodyErrors() {
        #expect(throws: BridgeRejection.self) { try PublishRequestBody(["args": [1]], rules: .loose) }
        #expect(throws: BridgeRejection.self) { try PublishRequestBody(["topic": "t", "args": "x"], rules: .loose) }
        #expect(throws: BridgeRejection.self) { try PublishRequestBody(["topic": "t", "kwargs": [1]], rules: .loose) }
        for topic: WAMPValue in ["a..b", "", 7, "a b", "A.B"] {
            let rules: URIRules = topic == "A.B" ? .strict : .loose
            do {
                _ = try PublishRequestBody(["topic": topic], rules: rules)
                Issue.record("\(topic) accepted")
            } catch {
                #expect(error.status == 400 && error.error == "wamp.error.invalid_uri")
            }
        }
    }

    @Test func callBodyAndTimeout() throws {
        let body = try CallRequestBody(["procedure": "p.q", "args": [2], "options": ["timeout": 1500]], rules: .loose)
        #expect(body.procedure == "p.q" && body.args == [2] && body.options["timeout"]?.unsignedInteger == 1500)
        #expect(throws: BridgeRejection.self) {
            try CallRequestBody(["procedure": "p", "options": ["timeout": -1]], rules: .loose)
        }
        #expect(throws: BridgeRejection.self) { try CallRequestBody(["args": []], rules: .loose) }
    }

    /// autobahn's CallResult rules, which decide Crossbar's caller answers.
    @Test func callResultShapes() {
        #expect(CallResultBody.body(args: [], kwargs: [:]) == ["args": [.null]])
        #expect(CallResultBody.body(args: [5], kwargs: [:]) == ["args": [5]])
        #expect(CallResultBody.body(args: [1, 2], kwargs: [:]) == ["args": [1, 2]])
        #expect(CallResultBody.body(args: [], kwargs: ["a": 1]) == ["kwargs": ["a": 1]])
        #expect(CallResultBody.body(args: [1], kwargs: ["a": 1]) == ["args": [1], "kwargs": ["a": 1]])
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        self.split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
