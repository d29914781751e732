import HTTPBridgeCore

/// libFuzzer entry point: the HTTP bridge's own parsing of untrusted request data.
///
/// HTTP is parsed by NIOHTTP1; what is ours is what the bridge reads from a request: the query
/// string (form decoding), the `timestamp`, the `signature` Base64, `require_ip` networks, and
/// the whole validation of a request (headers, signature parameters, nonce replay, UTF-8, JSON
/// body, publisher/caller bodies). The first line of the input is the request target, the
/// second a header value, the rest the body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPBridge(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    let lines = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
    let target = String(lines.first ?? "")
    let header = lines.count > 1 ? String(lines[1]) : ""
    let body = lines.count > 2 ? Array(lines[2].utf8) : []

    let query = BridgeQuery(target: "/p?" + target)
    for value in query.values.values {
        _ = BridgeTimestamp.parse(value)
        _ = FlexibleBase64.decode(value)
        _ = IPNetwork(cidr: value)
        _ = IPNetwork(cidr: value, strict: false).map { $0.contains(address: header) }
    }
    _ = BridgeTimestamp.parse(header)
    if let seconds = BridgeTimestamp.parse(target), seconds.isFinite, abs(seconds) < 1e12 {
        _ = BridgeTimestamp.format(seconds)
    }

    for options in [
        BridgeOptions(),
        BridgeOptions(
            key: "k",
            secret: "s",
            postBodyLimit: 64,
            timestampDeltaLimit: 0,
            requireIP: [],
            requireTLS: false
        ),
    ] {
        for decodesJSON in [true, false] {
            var validator = BridgeRequestValidator(
                options: options,
                decodesJSON: decodesJSON,
                defaultBodyLimit: 1 << 16,
                nonceCapacity: 4
            )
            let request = BridgeRequest(
                method: "POST",
                target: "/p?" + target,
                headers: [("Content-Type", header), ("Content-Length", String(body.count))],
                body: body,
                clientAddress: header,
                isTLS: false
            )
            if case .success(.json(let object)) = validator.validate(request, now: 1_700_000_000) {
                _ = try? PublishRequestBody(object, rules: .loose)
                _ = try? CallRequestBody(object, rules: .strict)
            }
        }
    }
    return 0
}
