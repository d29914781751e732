import Crypto
import WAMPCore

/// The checks every bridge request passes before it is published or called, in Crossbar's
/// order and with its answers: method (405; OPTIONS is a CORS preflight), content type and
/// charset (400), repeated `Content-Length` (400), body size (413), the signature's parameters
/// (400 missing or malformed, 401 unknown key or wrong signature), `require_ip` and
/// `require_tls` (400), UTF-8 and JSON (400).
///
/// Beyond Crossbar: the signature is compared as a decoded digest in constant time (any Base64
/// flavour) and a nonce already accepted within the timestamp window is refused (401).
///
/// A pure value: the clock reading comes with each request; the nonces it remembers are its state.
public struct BridgeRequestValidator: Sendable {
    /// What a request passing every check carries.
    public enum Accepted: Sendable, Equatable {
        /// An OPTIONS request: answer 200 with the allowed methods, nothing else.
        case preflight
        /// A publisher or caller request: the body's JSON object.
        case json(WAMPDict)
        /// A webhook request: the body as text.
        case text(String)
    }

    public let options: BridgeOptions
    /// Whether the body must be a JSON object (publisher, caller) or any UTF-8 text (webhook).
    public let decodesJSON: Bool
    /// The body limit when `options.postBodyLimit` is 0.
    public let defaultBodyLimit: Int
    private var nonces: NonceReplayGuard

    public init(options: BridgeOptions, decodesJSON: Bool, defaultBodyLimit: Int, nonceCapacity: Int = 1_000_000) {
        self.options = options
        self.decodesJSON = decodesJSON
        self.defaultBodyLimit = defaultBodyLimit
        self.nonces = NonceReplayGuard(capacity: nonceCapacity)
    }

    /// The largest body accepted (413 above).
    public var bodyLimit: Int {
        self.options.postBodyLimit > 0 ? min(self.options.postBodyLimit, self.defaultBodyLimit) : self.defaultBodyLimit
    }

    /// The methods the bridge answers.
    public static let allowedMethods = ["POST", "PUT", "OPTIONS"]

    /// Checks `request` at `now` (seconds since the epoch).
    public mutating func validate(_ request: BridgeRequest, now: Double) -> Result<Accepted, BridgeRejection> {
        guard Self.allowedMethods.contains(request.method) else {
            return .failure(
                .init(
                    status: 405,
                    error: "Method not accepted by the REST bridge. (\(request.method) not allowed, only POST, PUT)"
                )
            )
        }
        if request.method == "OPTIONS" {
            return .success(.preflight)
        }
        if let rejection = self.checkHeaders(request) {
            return .failure(rejection)
        }
        let query = BridgeQuery(target: request.target)
        switch self.checkSignature(request, query: query, now: now) {
        case .failure(let rejection): return .failure(rejection)
        case .success: break
        }
        if !self.options.requireIP.isEmpty {
            let allowed = request.clientAddress.map { address in
                self.options.requireIP.contains { $0.contains(address: address) }
            }
            guard allowed == true else { return .failure(.badRequest("Request denied based on IP address.")) }
        }
        if self.options.requireTLS && !request.isTLS {
            return .failure(.badRequest("request denied because not using TLS"))
        }
        guard let text = String(validating: request.body, as: UTF8.self) else {
            return .failure(.badRequest("Non-decodable request body, was not UTF-8."))
        }
        guard self.decodesJSON else { return .success(.text(text)) }
        let value: WAMPValue
        do {
            value = try JSONSerializer().decode(request.body)
        } catch {
            return .failure(.badRequest("Request body was invalid JSON."))
        }
        guard case .dict(let object) = value else {
            return .failure(.badRequest("Request body was valid JSON, but not well formed (must be a dict)."))
        }
        return .success(.json(object))
    }

    private func checkHeaders(_ request: BridgeRequest) -> BridgeRejection? {
        let contentType = request.headerValues("content-type").first.map { header in
            header.split(separator: ";").map { $0.trimmingSpaces().lowercased() }
        }
        if self.decodesJSON, let mediaType = contentType?.first, mediaType != "application/json" {
            return .badRequest(
                "Non-accepted content type. (must be one of '[b'application/json']', not '\(mediaType)')"
            )
        }
        var parameters: [String: String] = [:]
        for item in (contentType ?? []).dropFirst() where item.contains("=") {
            let parts = item.split(separator: "=", omittingEmptySubsequences: false)
            let name = parts[0].trimmingSpaces().lowercased()
            guard parts.count == 2, parameters[name] == nil else {
                return .badRequest("Non-accepted request encoding, must be UTF-8.")
            }
            parameters[name] = parts[1].trimmingSpaces().lowercased()
        }
        if let charset = parameters["charset"], charset != "utf-8", charset != "utf8" {
            return .badRequest("Non-accepted request encoding, must be UTF-8.")
        }
        if request.headerValues("content-length").count > 1 {
            return .badRequest("Multiple versions of the same header is not allowed.")
        }
        if request.body.count > self.bodyLimit {
            return Self.tooLarge(length: request.body.count, limit: self.bodyLimit)
        }
        return nil
    }

    /// The 413 answer, also given before a body is read when its `Content-Length` is too large.
    public static func tooLarge(length: Int, limit: Int) -> BridgeRejection {
        .init(status: 413, error: "Request too long. (\(length) is longer than accepted \(limit))")
    }

    private mutating func checkSignature(
        _ request: BridgeRequest,
        query: BridgeQuery,
        now: Double
    ) -> Result<Void, BridgeRejection> {
        let signed = self.options.requiresSignature
        func missing(_ reason: String) -> Result<Void, BridgeRejection> {
            .failure(.badRequest("REST bridge signature was invalid (missing mandatory field - \(reason))."))
        }
        func invalid(_ reason: String) -> Result<Void, BridgeRejection> {
            .failure(.badRequest("REST bridge signature was invalid (\(reason))."))
        }
        let key = query["key"]
        if key == nil && signed { return missing("'key' field missing") }
        var timestampSeconds: Double?
        if let timestamp = query["timestamp"] {
            guard let seconds = BridgeTimestamp.parse(timestamp) else {
                return invalid(
                    "invalid timestamp '\(timestamp)' (must be UTC/ISO-8601, e.g. '2011-10-14T16:59:51.123Z')"
                )
            }
            let limit = Double(self.options.timestampDeltaLimit)
            if limit > 0 && abs(seconds - now) > limit {
                return .failure(.badRequest("Request expired, too old timestamp."))
            }
            timestampSeconds = seconds
        } else if signed {
            return missing("signed request required, but mandatory 'timestamp' field missing")
        }
        if let seq = query["seq"] {
            guard Self.isPythonInteger(seq) else {
                return invalid("invalid sequence number '\(seq)' (must be an integer)")
            }
        } else if signed {
            return missing("'seq' field missing")
        }
        if let nonce = query["nonce"] {
            guard Self.isPythonInteger(nonce) else { return invalid("invalid nonce '\(nonce)' (must be an integer)") }
        } else if signed {
            return missing("'nonce' field missing")
        }
        if query["signature"] == nil && signed { return missing("'signature' field missing") }
        guard signed, let secret = self.options.secret, let key else { return .success(()) }
        guard let expectedKey = self.options.key, Self.sameSecret(key, expectedKey) else {
            return .failure(.unauthorized("REST bridge signature key not valid."))
        }
        let (timestamp, seq, nonce, signature) = (
            query["timestamp"]!, query["seq"]!, query["nonce"]!, query["signature"]!
        )
        guard
            BridgeSignature.isValid(
                signature,
                secret: secret,
                key: key,
                timestamp: timestamp,
                seq: seq,
                nonce: nonce,
                body: request.body
            )
        else {
            return .failure(.unauthorized("REST bridge signature secret not valid."))
        }
        switch self.nonces.admit(
            key: key,
            nonce: nonce,
            // With a delta limit, a request is acceptable until `timestamp + limit`; without one
            // any timestamp is, and the nonce is remembered for the default window from now.
            timestamp: self.options.timestampDeltaLimit > 0 ? (timestampSeconds ?? now) : now,
            now: now,
            window: self.options.replayWindowSeconds
        ) {
        case .accepted: return .success(())
        case .replayed: return .failure(.unauthorized("REST bridge request replayed (nonce already used)."))
        case .full: return .failure(.init(status: 503, error: "REST bridge nonce store full; retry later."))
        }
    }

    /// Whether two keys are equal, in time independent of where they differ: their SHA-256
    /// digests are compared (swift-crypto's digest comparison is constant-time).
    static func sameSecret(_ a: String, _ b: String) -> Bool {
        SHA256.hash(data: Array(a.utf8)) == SHA256.hash(data: Array(b.utf8))
    }

    /// What Python's `int()` accepts: optional spaces, sign, digits (and `_` between digits).
    static func isPythonInteger(_ text: String) -> Bool {
        var body = text.trimmingSpaces()[...]
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        guard let first = body.first, let last = body.last, first.isASCII, first.isNumber, last.isASCII,
            last.isNumber
        else { return false }
        var previousUnderscore = false
        for character in body {
            if character == "_" {
                if previousUnderscore { return false }
                previousUnderscore = true
            } else if character.isASCII && character.isNumber {
                previousUnderscore = false
            } else {
                return false
            }
        }
        return true
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = self.firstIndex(where: { !isSpace($0) }), let end = self.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[start...end])
    }
}
