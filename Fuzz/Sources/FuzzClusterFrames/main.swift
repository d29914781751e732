import FuzzSupport
import NIOCore
import RESPCore
import WAMPCore

@testable import JunctionCluster
@testable import JunctionRouter

/// libFuzzer entry point: everything a cluster node decodes from what other nodes (or anything
/// else) wrote to Redis. Byte 0 picks the decoder, the rest is its input. Each decoder must
/// decode or throw, never trap or hang; what decodes must encode to bytes that decode to the same
/// value (NaN aside, which never equals itself).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClusterFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else {
        return 0
    }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 10 {
    case 0: fuzzPublication(bytes)
    case 1: fuzzRPCFrame(bytes)
    case 2: fuzzTestaments(bytes)
    case 3: fuzzDirectory(bytes)
    case 4: fuzzKillRequest(bytes)
    case 5: fuzzStreamStamp(bytes)
    case 6: fuzzHeartbeat(bytes)
    case 7: fuzzInterests(bytes)
    case 8: fuzzRegistrations(bytes)
    default: fuzzReplies(bytes)
    }
    return 0
}

/// Traps unless `again` (decoded from `frame`, the encoding of `decoded`) equals `decoded`.
private func expectRoundTrip<T: Equatable>(_ what: String, _ decoded: T, _ again: T?, frame: [UInt8]) {
    guard again != decoded else {
        return
    }
    if (try? MessagePackSerializer().decode(frame))?.containsNaN == true {
        return
    }
    fatalError("\(what) does not round-trip: \(decoded) became \(String(describing: again))")
}

private func fuzzPublication(_ bytes: [UInt8]) {
    guard let publication = try? ClusterPublication(bytes: bytes) else {
        return
    }
    let frame = publication.encoded()
    let stamped = (publication.position.map(StreamStamp.encode) ?? []) + frame
    expectRoundTrip("publication", publication, try? ClusterPublication(bytes: stamped), frame: frame)
}

private func fuzzRPCFrame(_ bytes: [UInt8]) {
    guard let rpc = try? ClusterRPCFrame(bytes: bytes) else {
        return
    }
    let frame = rpc.encoded()
    expectRoundTrip("RPC frame", rpc, try? ClusterRPCFrame(bytes: frame), frame: frame)
}

private func fuzzTestaments(_ bytes: [UInt8]) {
    guard let stored = try? StoredTestaments(bytes: bytes) else {
        return
    }
    let frame = stored.encoded()
    expectRoundTrip("testaments", stored, try? StoredTestaments(bytes: frame), frame: frame)
}

private func fuzzDirectory(_ bytes: [UInt8]) {
    guard let directory = try? NodeDirectory(bytes: bytes) else {
        return
    }
    let frame = directory.encoded()
    expectRoundTrip("node directory", directory, try? NodeDirectory(bytes: frame), frame: frame)
    // What a realm's meta API does with it: index it, look entries up, replace it.
    var remote = RemoteDirectory()
    for (_, realm) in directory.realms {
        remote.set(node: directory.node, realm)
        for session in realm.sessions { _ = remote.session(session.id) }
        for subscription in realm.subscriptions {
            _ = remote.subscription(subscription.id)
            _ = remote.subscriptionIDs(matching: subscription.topic)
        }
    }
    remote.set(node: directory.node, nil)
}

/// A node's request channel: kills (also through their own decoder) and subscriber/callee removals.
private func fuzzKillRequest(_ bytes: [UInt8]) {
    if let kill = try? ClusterKillRequest(bytes: bytes) {
        let frame = kill.encoded()
        expectRoundTrip("kill request", kill, try? ClusterKillRequest(bytes: frame), frame: frame)
    }
    guard let request = try? ClusterMetaRequest(bytes: bytes) else {
        return
    }
    let frame = request.encoded()
    expectRoundTrip("meta request", request, try? ClusterMetaRequest(bytes: frame), frame: frame)
}

private func fuzzStreamStamp(_ bytes: [UInt8]) {
    guard let split = try? StreamStamp.split(bytes), let position = split.position else {
        return
    }
    let again = try? StreamStamp.split(StreamStamp.encode(position) + split.frame)
    guard again?.position == position, again.map({ Array($0.frame) }) == Array(split.frame) else {
        fatalError("stream stamp does not round-trip: \(position)")
    }
}

private func fuzzHeartbeat(_ bytes: [UInt8]) {
    guard let heartbeat = NodeHeartbeat(String(decoding: bytes, as: UTF8.self)) else {
        return
    }
    guard NodeHeartbeat(heartbeat.encoded) == heartbeat else {
        fatalError("heartbeat does not round-trip: \(heartbeat)")
    }
}

private func fuzzInterests(_ bytes: [UInt8]) {
    let (interests, _) = InterestIndex.decode(String(decoding: bytes, as: UTF8.self))
    let again = InterestIndex.decode(InterestIndex.encode(interests))
    guard again.interests == interests, again.rejected == 0 else {
        fatalError("interest list does not round-trip: \(interests) became \(again)")
    }
    var index = InterestIndex()
    index.set(node: "n", interests: interests)
    for interest in interests { _ = index.wants(realm: interest.realm, topic: interest.topic) }
}

private func fuzzRegistrations(_ bytes: [UInt8]) {
    guard case (let list?, _) = ClusterRegistrationList.decode(String(decoding: bytes, as: UTF8.self)) else {
        return
    }
    let again = ClusterRegistrationList.decode(list.encoded)
    guard again.rejected == 0, let decoded = again.list, decoded.epoch == list.epoch,
        Set(decoded.entries) == Set(list.entries), decoded.entries.count == list.entries.count
    else {
        fatalError("registration list does not round-trip: \(list) became \(again)")
    }
}

/// Redis replies (RESP, as the parser reads them) to the stream read scripts, XRANGE and HGETALL,
/// and what a node then decides from a stream read.
private func fuzzReplies(_ bytes: [UInt8]) {
    var parser = RESPParser(
        limits: RESPParser.Limits(maxBulkLength: 1 << 13, maxAggregateLength: 512, maxDepth: 8, maxLineLength: 1 << 10))
    var buffer = ByteBuffer(bytes: bytes)
    guard case .result(let reply)? = try? parser.parseStep(&buffer) else {
        return
    }
    // What a node does with its source streams and the retained events: merge them by offset.
    var merge = StreamMerge<Int, UInt64>()
    merge.seed(realm: "realm1", epoch: "0kq8z3x1abcd0001", offsets: ClusterReplies.streamOffsets(reply))
    let publications =
        ClusterReplies.streamPublications(reply).publications + ClusterReplies.retainedPublications(reply).publications
    for (index, publication) in publications.enumerated() {
        let topic = StreamMerge<Int, UInt64>.Topic(realm: publication.realm, topic: publication.topic)
        let stream = publication.position.map { (topic: topic, position: $0) }
        _ = merge.push([.init(frame: publication.sequence, stream: stream)], from: index % 3, now: Int64(index))
    }
    _ = merge.expire(now: Int64(publications.count) + 1, timeout: 0)
    if let read = try? StreamReadReply.parse(reply) {
        let first = read.events.first.map { StreamPosition(offset: $0.offset, epoch: read.epoch) }
        _ = read.recover(after: first ?? StreamPosition(offset: 0, epoch: read.epoch), oldest: nil)
        _ = read.recover(after: StreamPosition(offset: read.current, epoch: read.epoch), oldest: 1)
    }
    if let read = try? StreamReadReply.parsePattern(reply) {
        var positions: [String: StreamPosition] = [:]
        for (topic, stream) in read.topics {
            positions[topic] = StreamPosition(offset: stream.events.first?.offset ?? 0, epoch: read.epoch)
        }
        for match in MatchPolicy.allCases {
            let pattern = read.topics.keys.min() ?? ""
            _ = read.recover(positions, pattern: pattern, match: match, covers: { _ in true }, oldest: { _ in nil })
            _ = read.kept(pattern: pattern, match: match, covers: { !$0.isEmpty }, oldest: { _ in 0 })
        }
    }
}
