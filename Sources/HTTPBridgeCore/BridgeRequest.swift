/// What the bridge checks of an HTTP request, independent of the HTTP library that parsed it.
public struct BridgeRequest: Sendable {
    /// The method as sent (`POST`).
    public var method: String
    /// The request target: path and query (`/publish?key=...`).
    public var target: String
    /// Header names and values as sent; names compare case-insensitively.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The client's IP address as text (`127.0.0.1`, `::1`); `nil` for a Unix socket or unknown.
    public var clientAddress: String?
    public var isTLS: Bool

    public init(
        method: String,
        target: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        clientAddress: String? = nil,
        isTLS: Bool = false
    ) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.clientAddress = clientAddress
        self.isTLS = isTLS
    }

    /// Every value of the header `name` (case-insensitive).
    public func headerValues(_ name: String) -> [String] {
        let lowered = name.lowercased()
        return self.headers.filter { $0.name.lowercased() == lowered }.map(\.value)
    }
}
