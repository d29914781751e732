import NIOCore
import NIOHTTP1
import WAMPCore

@testable import JunctionTransport

/// libFuzzer entry point: our part of the WebSocket upgrade, on arbitrary request heads.
///
/// HTTP itself is parsed by NIOHTTP1 (llhttp), which is not ours; what is ours is the decision
/// made on the parsed head (`WebSocketUpgradeDecision`: path, method, headers, subprotocol
/// negotiation) and the batched-message splitter. The input is read as a request head, one
/// `name: value` header per line after a `METHOD URI` line, and the whole input is also split as
/// a batch for every serializer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebSocketUpgrade(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: bytes, as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).makeIterator()
    let requestLine = lines.next().map { $0.split(separator: " ", maxSplits: 1) } ?? []
    let method = HTTPMethod(rawValue: requestLine.first.map(String.init) ?? "GET")
    let uri = requestLine.count > 1 ? String(requestLine[1]) : "/ws"
    var headers = HTTPHeaders()
    while let line = lines.next() {
        let parts = line.split(separator: ":", maxSplits: 1)
        let name = String(parts.first ?? "")
        // NIO's HTTP parser only produces ASCII header names (`HTTPHeaders.add` traps otherwise).
        guard name.utf8.allSatisfy({ $0 < 0x80 }) else {
            continue
        }
        headers.add(name: name, value: parts.count > 1 ? String(parts[1]) : "")
    }
    let head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
    let configuration = WebSocketConfiguration(serializers: [.json, .cbor], batchedAllowed: size % 2 == 0)
    switch WebSocketUpgradeDecision(request: head, configuration: configuration) {
    case .upgrade(let subprotocol):
        precondition(configuration.serializers.contains(subprotocol.serializer), "negotiated a disabled serializer")
        precondition(configuration.batchedAllowed || !subprotocol.batched, "negotiated a disabled batched mode")
    case .reject(let rejection):
        precondition(rejection.status.code >= 400, "rejection with a success status")
    }
    let buffer = ByteBuffer(bytes: bytes)
    for kind in SerializerKind.allCases {
        if case .success(let parts) = WebSocketBatchFraming.split(buffer, serializer: kind) {
            precondition(parts.reduce(0) { $0 + $1.readableBytes } <= size, "split invented bytes")
        }
    }
    return 0
}
