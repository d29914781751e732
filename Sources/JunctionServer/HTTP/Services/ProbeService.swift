import NIOCore
import NIOHTTP1

/// `health` and `ready`, for load balancers and Kubernetes probes (GET and HEAD).
///
/// `health` answers 200 whenever the process serves HTTP at all. `ready` answers 200 once every
/// configured listener is bound (and, on a cluster node, Redis is reachable and the node joined)
/// and 503 before that and from the start of shutdown, so traffic is sent only to a router that
/// takes it.
struct ProbeService: HTTPService {
    enum Kind: Sendable {
        case health
        /// `clusterJoined`: `nil` on a single node.
        case ready(ListenerReadiness, clusterJoined: (@Sendable () -> Bool)?)
    }

    let kind: Kind

    var name: String {
        switch self.kind {
        case .health: return "health"
        case .ready: return "ready"
        }
    }

    func respond(to request: HTTPServiceRequest) async -> HTTPServiceResponse {
        guard request.head.method == .GET || request.head.method == .HEAD else {
            return .methodNotAllowed(allowed: "GET, HEAD")
        }
        switch self.kind {
        case .health:
            return Self.json(.ok, #"{"status":"ok"}"#)
        case .ready(let readiness, let clusterJoined):
            let state = readiness.state
            if state.isReady, let clusterJoined, !clusterJoined() {
                return Self.json(.serviceUnavailable, #"{"status":"cluster_unavailable"}"#)
            }
            if state.isReady {
                return Self.json(.ok, #"{"status":"ready","listeners":\#(state.listeners)}"#)
            }
            let status = state.stopping ? "stopping" : "starting"
            return Self.json(.serviceUnavailable, #"{"status":"\#(status)"}"#)
        }
    }

    private static func json(_ status: HTTPResponseStatus, _ text: String) -> HTTPServiceResponse {
        HTTPServiceResponse(
            status: status,
            headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
            body: ByteBuffer(string: text)
        )
    }
}
