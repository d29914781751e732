import NIOCore
import NIOHTTP1
import NIOPosix

/// `static`: the files below a directory, for GET and HEAD. `/` and directories serve their
/// `index.html`. A path with `..`, `.` or an empty segment, a NUL byte or a backslash, after
/// percent-decoding, is refused (400) so nothing outside the directory is reachable by name;
/// symbolic links inside the directory are followed.
struct StaticFileService: HTTPService {
    /// Files larger than this are not served (the service reads a file whole).
    static let maxFileSize = 64 << 20

    let directory: String
    let fileIO: NonBlockingFileIO
    var name: String { "static" }

    func respond(to request: HTTPServiceRequest) async -> HTTPServiceResponse {
        guard request.head.method == .GET || request.head.method == .HEAD else {
            return .methodNotAllowed(allowed: "GET, HEAD")
        }
        guard let relative = StaticPath.relativeFile(request.subpath) else {
            return .text(.badRequest, "Bad path")
        }
        for candidate in [relative, relative + (relative.isEmpty ? "" : "/") + "index.html"] {
            let path = self.directory + "/" + candidate
            guard let body = await self.read(path) else { continue }
            return HTTPServiceResponse(
                status: .ok,
                headers: ["Content-Type": MediaTypes.forPath(path), "Cache-Control": "no-cache"],
                body: body
            )
        }
        return .text(.notFound, "Not Found")
    }

    /// The file's bytes, or `nil` if it does not exist, is not a regular file or is too large.
    private func read(_ path: String) async -> ByteBuffer? {
        do {
            return try await self.fileIO.withFileRegion(path: path) { region in
                guard region.readableBytes <= Self.maxFileSize else { return nil }
                return try await self.fileIO.read(
                    fileHandle: region.fileHandle,
                    byteCount: region.readableBytes,
                    allocator: ByteBufferAllocator()
                )
            }
        } catch {
            return nil
        }
    }
}

/// Request paths of the `static` and `dashboard` services to file names.
enum StaticPath {
    /// The path below the mount point as a relative file name (`""` for the directory itself), or
    /// `nil` if it could name something outside it.
    static func relativeFile(_ subpath: Substring) -> String? {
        var segments: [String] = []
        for raw in subpath.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            guard let segment = self.percentDecoded(raw) else { return nil }
            if segment.isEmpty {
                continue
            }
            guard segment != ".", segment != "..", !segment.contains("\0"), !segment.contains("\\"),
                !segment.contains("/")
            else { return nil }
            segments.append(segment)
        }
        return segments.joined(separator: "/")
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard iterator.count >= 2,
                let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
            iterator = iterator.dropFirst(2)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// Content types by file extension, for the files a dashboard or a small site uses.
enum MediaTypes {
    private static let types: [String: String] = [
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8",
        "js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8", "json": "application/json", "txt": "text/plain; charset=utf-8",
        "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
        "gif": "image/gif", "ico": "image/x-icon", "webp": "image/webp", "wasm": "application/wasm",
        "woff": "font/woff", "woff2": "font/woff2", "map": "application/json", "xml": "application/xml",
        "pdf": "application/pdf",
    ]

    static func forPath(_ path: some StringProtocol) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return "application/octet-stream" }
        return self.types[path[path.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }
}
