import HTTPBridgeCore
import JunctionRouter
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import WAMPCore

/// A Crossbar-compatible HTTP bridge path (`publisher`, `caller` or `webhook`): checks the
/// request (`BridgeRequestValidator`: method, content type, size, signature, replay, client
/// address, TLS, JSON), then publishes or calls through the path's `BridgeSession` and answers
/// as Crossbar does — with its CORS headers on every response.
struct BridgeService: HTTPService {
    enum Kind: Sendable {
        case publisher
        case caller
        case webhook(WebhookPath)
    }

    let kind: Kind
    let session: BridgeSession
    let uriRules: URIRules
    let bodyLimit: Int
    private let validator: NIOLockedValueBox<BridgeRequestValidator>
    /// Seconds since the epoch (injected so tests can sign for any instant).
    private let clock: @Sendable () -> Double

    init(
        kind: Kind,
        path: BridgePath,
        session: BridgeSession,
        uriRules: URIRules,
        defaultBodyLimit: Int,
        clock: @escaping @Sendable () -> Double
    ) {
        self.kind = kind
        self.session = session
        self.uriRules = uriRules
        let decodesJSON: Bool
        if case .webhook = kind { decodesJSON = false } else { decodesJSON = true }
        let validator = BridgeRequestValidator(
            options: path.options,
            decodesJSON: decodesJSON,
            defaultBodyLimit: defaultBodyLimit
        )
        self.bodyLimit = validator.bodyLimit
        self.validator = NIOLockedValueBox(validator)
        self.clock = clock
    }

    var name: String {
        switch self.kind {
        case .publisher: return "publisher"
        case .caller: return "caller"
        case .webhook: return "webhook"
        }
    }

    func retire() async {
        await self.session.leave()
    }

    func tooLarge(request: HTTPRequestHead, length: Int) -> HTTPServiceResponse {
        let rejection = BridgeRequestValidator.tooLarge(length: length, limit: self.bodyLimit)
        var response = self.json(HTTPResponseStatus(statusCode: rejection.status), rejection.body, request: request)
        response.reason = rejection.error
        return response
    }

    func respond(to request: HTTPServiceRequest) async -> HTTPServiceResponse {
        let bridgeRequest = BridgeRequest(
            method: request.head.method.rawValue,
            target: request.head.uri,
            headers: request.head.headers.map { ($0.name, $0.value) },
            body: Array(request.body.readableBytesView),
            clientAddress: request.remoteAddress?.ipAddress,
            isTLS: request.isTLS
        )
        let now = self.clock()
        let validation = self.validator.withLockedValue { $0.validate(bridgeRequest, now: now) }
        switch validation {
        case .failure(let rejection):
            var response = self.json(
                HTTPResponseStatus(statusCode: rejection.status),
                rejection.body,
                request: request.head
            )
            response.reason = rejection.error
            return response
        case .success(.preflight):
            var response = HTTPServiceResponse(status: .ok, headers: self.commonHeaders(request.head))
            response.headers.add(name: "Allow", value: "POST,PUT,OPTIONS")
            response.headers.add(name: "Access-Control-Allow-Methods", value: "POST,PUT,OPTIONS")
            return response
        case .success(.json(let body)):
            do {
                switch self.kind {
                case .publisher:
                    return try await self.publish(PublishRequestBody(body, rules: self.uriRules), request: request.head)
                case .caller:
                    return try await self.call(CallRequestBody(body, rules: self.uriRules), request: request.head)
                case .webhook:
                    return self.json(.internalServerError, .null, request: request.head)
                }
            } catch {
                var response = self.json(
                    HTTPResponseStatus(statusCode: error.status),
                    error.body,
                    request: request.head
                )
                response.reason = "\(error.error) \(error.args)"
                return response
            }
        case .success(.text(let text)):
            guard case .webhook(let webhook) = self.kind else {
                return self.json(.internalServerError, .null, request: request.head)
            }
            return await self.forward(webhook: webhook, body: text, request: request.head)
        }
    }

    private func publish(_ body: PublishRequestBody, request: HTTPRequestHead) async -> HTTPServiceResponse {
        let outcome = await self.withSession { session in
            try await session.publish(
                body.topic,
                args: body.args,
                kwargs: body.kwargs,
                options: body.options,
                acknowledge: true
            )
        }
        switch outcome {
        case .success(let id):
            return self.json(.ok, .dict(["id": .uint(id ?? 0)]), request: request)
        case .failure(let error):
            return self.answer(error, request: request)
        }
    }

    private func call(_ body: CallRequestBody, request: HTTPRequestHead) async -> HTTPServiceResponse {
        let outcome = await self.withSession { session in
            try await session.call(body.procedure, args: body.args, kwargs: body.kwargs, options: body.options)
        }
        switch outcome {
        case .success(let result):
            return self.json(.ok, CallResultBody.body(args: result.args, kwargs: result.kwargs), request: request)
        case .failure(let error):
            return self.answer(error, request: request)
        }
    }

    private func forward(webhook: WebhookPath, body: String, request: HTTPRequestHead) async -> HTTPServiceResponse {
        var headers: WAMPDict = [:]
        for (name, value) in request.headers {
            let canonical = WebhookHeaders.canonicalName(name)
            headers[canonical] = .list((headers[canonical]?.listValue ?? []) + [.string(value)])
        }
        let message: WAMPValue = .dict(["headers": .dict(headers), "body": .string(body)])
        let outcome = await self.withSession { session in
            try await session.publish(webhook.topic, args: [message], acknowledge: true)
        }
        var response = HTTPServiceResponse(status: .accepted, headers: self.commonHeaders(request))
        switch outcome {
        case .success:
            response.body = ByteBuffer(string: webhook.successResponse)
        case .failure:
            response.status = .internalServerError
            response.body = ByteBuffer(string: webhook.errorResponse)
        }
        return response
    }

    /// Runs `body` with the path's session; once more with a fresh session if the session ended
    /// under it (killed, or a role removed).
    private func withSession<Value: Sendable>(
        _ body: (LocalSession) async throws -> Value
    ) async -> Result<Value, LocalSessionError> {
        for attempt in 0..<2 {
            do {
                let session = try await self.session.current()
                return .success(try await body(session))
            } catch let error as LocalSessionError {
                if attempt == 0, error.uri.hasPrefix("wamp.close.") { continue }
                return .failure(error)
            } catch {
                return .failure(LocalSessionError(WAMPErrorURI.runtimeError, args: [.string("\(error)")]))
            }
        }
        return .failure(LocalSessionError(WAMPErrorURI.runtimeError))
    }

    /// A WAMP error: 200 `{"error","args","kwargs"}` as Crossbar answers an ApplicationError,
    /// except an invalid URI (400) and a session that could not act at all (500, as Crossbar's
    /// answer to a failure that is no WAMP error).
    private func answer(_ error: LocalSessionError, request: HTTPRequestHead) -> HTTPServiceResponse {
        let body = CallResultBody.error(uri: error.uri, args: error.args, kwargs: error.kwargs)
        switch error.uri {
        case WAMPErrorURI.invalidURI:
            return self.json(.badRequest, body, request: request)
        case WAMPErrorURI.noSuchRealm, WAMPErrorURI.noSuchRole, WAMPErrorURI.runtimeError:
            return self.json(.internalServerError, body, request: request)
        case let uri where uri.hasPrefix("wamp.close."):
            return self.json(.serviceUnavailable, body, request: request)
        default:
            return self.json(.ok, body, request: request)
        }
    }

    private func json(_ status: HTTPResponseStatus, _ value: WAMPValue, request: HTTPRequestHead) -> HTTPServiceResponse
    {
        HTTPServiceResponse(
            status: status,
            headers: self.commonHeaders(request),
            body: ByteBuffer(bytes: JSONSerializer().encode(value))
        )
    }

    /// Crossbar's headers on every bridge response: CORS for any origin (with credentials), no
    /// caching, JSON.
    private func commonHeaders(_ request: HTTPRequestHead) -> HTTPHeaders {
        let origin = request.headers["origin"].first.flatMap { $0 == "null" ? nil : $0 } ?? "*"
        var headers: HTTPHeaders = [
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
            "Cache-Control": "no-store,no-cache,must-revalidate,max-age=0",
            "Content-Type": "application/json; charset=UTF-8",
        ]
        if let requested = request.headers["access-control-request-headers"].first {
            headers.add(name: "Access-Control-Allow-Headers", value: requested)
        }
        return headers
    }
}

/// Header names as Crossbar's web server (Twisted) reports them to a webhook topic.
enum WebhookHeaders {
    private static let special: [String: String] = [
        "content-md5": "Content-MD5", "dnt": "DNT", "etag": "ETag", "p3p": "P3P", "te": "TE",
        "www-authenticate": "WWW-Authenticate", "x-xss-protection": "X-XSS-Protection",
    ]

    static func canonicalName(_ name: String) -> String {
        let lowered = name.lowercased()
        if let special = self.special[lowered] { return special }
        return lowered.split(separator: "-", omittingEmptySubsequences: false)
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }
            .joined(separator: "-")
    }
}
