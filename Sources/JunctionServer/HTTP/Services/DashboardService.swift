import NIOCore
import NIOHTTP1

/// `dashboard`: the dashboard page's files, embedded in the binary (`DashboardAssets`, generated
/// by `scripts/embed-dashboard.py` from `Sources/JunctionServer/HTTP/Dashboard/`), so a static
/// build serves it with no files beside it. With `directory`, the `static` service serves that
/// directory instead (for working on the page without rebuilding).
struct DashboardService: HTTPService {
    var name: String { "dashboard" }

    func respond(to request: HTTPServiceRequest) async -> HTTPServiceResponse {
        guard request.head.method == .GET || request.head.method == .HEAD else {
            return .methodNotAllowed(allowed: "GET, HEAD")
        }
        guard var file = StaticPath.relativeFile(request.subpath) else {
            return .text(.badRequest, "Bad path")
        }
        if file.isEmpty { file = "index.html" }
        guard let bytes = DashboardAssets.files[file] else {
            return .text(.notFound, "Not Found")
        }
        return HTTPServiceResponse(
            status: .ok,
            headers: ["Content-Type": MediaTypes.forPath(file), "Cache-Control": "no-cache"],
            body: ByteBuffer(bytes: bytes.utf8)
        )
    }
}
