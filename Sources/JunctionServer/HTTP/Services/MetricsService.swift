import JunctionMetrics
import NIOCore
import NIOHTTP1

/// `metrics`: the router's Prometheus registry in the text exposition format, for GET and HEAD.
struct MetricsService: HTTPService {
    let metrics: JunctionMetrics
    var name: String { "metrics" }

    func respond(to request: HTTPServiceRequest) async -> HTTPServiceResponse {
        guard request.head.method == .GET || request.head.method == .HEAD else {
            return .methodNotAllowed(allowed: "GET, HEAD")
        }
        return HTTPServiceResponse(
            status: .ok,
            headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store"],
            body: ByteBuffer(bytes: self.metrics.exposition())
        )
    }
}
