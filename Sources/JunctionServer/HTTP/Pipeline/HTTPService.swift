import NIOCore
import NIOHTTP1

/// One path's service on an HTTP listener: gets a whole request (head and body), answers with a
/// whole response. Runs in a task of its own, so it may wait on the router.
protocol HTTPService: Sendable {
    /// The `service` label of `junction_http_requests_total` (the configuration's type name).
    var name: String { get }
    /// The largest body this service reads; a request announcing or sending more is answered
    /// with `tooLarge(length:)` and the connection closed.
    var bodyLimit: Int { get }
    func respond(to request: HTTPServiceRequest) async -> HTTPServiceResponse
    /// The answer to a body over `bodyLimit`.
    func tooLarge(request: HTTPRequestHead, length: Int) -> HTTPServiceResponse
    /// Releases what the service holds in the router (its session) once a reload replaced it.
    func retire() async
}

extension HTTPService {
    func retire() async {}

    /// Services that answer GET take no body, but a small one is read and ignored, so a POST gets
    /// its 405 rather than a 413.
    var bodyLimit: Int { 16 * 1024 }

    func tooLarge(request: HTTPRequestHead, length: Int) -> HTTPServiceResponse {
        .text(.payloadTooLarge, "Request body too large (\(length) bytes, at most \(self.bodyLimit))")
    }
}

/// A request as a service sees it.
struct HTTPServiceRequest: Sendable {
    var head: HTTPRequestHead
    /// The request path below the service's own path (`/a/b.html` for `/files/a/b.html` when
    /// the service is mounted at `/files`); `/` for the service's own path.
    var subpath: Substring
    var body: ByteBuffer
    var remoteAddress: SocketAddress?
    var isTLS: Bool
}

/// A whole response: status, headers and body (omitted on the wire for HEAD).
struct HTTPServiceResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: ByteBuffer
    /// Why a request was refused, for the log (not sent).
    var reason: String?

    init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func text(_ status: HTTPResponseStatus, _ text: String, headers: HTTPHeaders = [:]) -> HTTPServiceResponse {
        var response = HTTPServiceResponse(status: status, headers: headers, body: ByteBuffer(string: text + "\n"))
        response.headers.replaceOrAdd(name: "Content-Type", value: "text/plain; charset=utf-8")
        response.reason = text
        return response
    }

    static func methodNotAllowed(allowed: String) -> HTTPServiceResponse {
        .text(.methodNotAllowed, "Method not allowed; use \(allowed)", headers: ["Allow": allowed])
    }
}
