import Benchmark
import JunctionRouter
import Logging
import NIOCore
import NIOEmbedded
import WAMPCore

/// The realm's hot paths through its public API, on an `EmbeddedEventLoop` (no sockets):
/// topic and procedure matching with 10 000 entries of each kind mix, and one EVENT fanned out to
/// 100 sessions encoded once. One measured sample is 1 000 operations (`scalingFactor: .kilo`).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 10_000,
        thresholds: [
            // Allocations per operation are nearly deterministic (a dictionary in the dealer
            // occasionally regrows, 19.005 per call): 1 % tolerance, so a real change still shows.
            .mallocCountTotal: .init(relative: [.p90: 1])
        ]
    )

    // 10 000 subscriptions: 4 000 exact, 3 000 prefix, 3 000 wildcard. The published topic matches
    // one of each, so every publish walks all three indexes and delivers three EVENTs.
    Benchmark("Publish.match-10k-subscriptions") { benchmark in
        let bench = RealmBench()
        let (subscriber, _) = bench.join()
        var request: UInt64 = 0
        func subscribe(_ topic: String, _ match: String) {
            request += 1
            bench.realm.receive(
                .subscribe(.init(request: request, options: ["match": .string(match)], topic: topic)), from: subscriber)
        }
        for n in 0..<4000 { subscribe("com.t.\(n).x", "exact") }
        for n in 0..<3000 { subscribe("com.t.\(n).", "prefix") }
        for n in 0..<3000 { subscribe("com..\(n).x", "wildcard") }
        let (publisher, _) = bench.join()
        let publish = WAMPMessage.publish(.init(request: 1, topic: "com.t.17.x", payload: .init(args: ["hello"])))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            bench.realm.receive(publish, from: publisher)
        }
    }

    // 10 000 registrations: 4 000 exact, 3 000 prefix, 3 000 wildcard; each CALL is matched,
    // invoked, and answered with YIELD (so no call stays pending).
    Benchmark("Call.match-10k-registrations") { benchmark in
        let bench = RealmBench()
        let (callee, calleePeer) = bench.join()
        var request: UInt64 = 0
        func register(_ procedure: String, _ match: String) {
            request += 1
            bench.realm.receive(
                .register(.init(request: request, options: ["match": .string(match)], procedure: procedure)), from: callee)
        }
        for n in 0..<4000 { register("com.p.\(n).x", "exact") }
        for n in 0..<3000 { register("com.p.\(n).", "prefix") }
        for n in 0..<3000 { register("com..\(n).x", "wildcard") }
        let (caller, _) = bench.join()
        var callRequest: UInt64 = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            callRequest += 1
            bench.realm.receive(.call(.init(request: callRequest, procedure: "com.p.17.y", payload: .init(args: [1]))), from: caller)
            bench.realm.receive(.yield(.init(request: calleePeer.lastInvocation, payload: .init(args: [2]))), from: callee)
        }
    }

    // One publication to 100 subscribers of one topic: encoded once (the first receiver encodes,
    // the others get the same buffer), as the server's session handlers do.
    for kind in SerializerKind.allCases {
        Benchmark("FanOut.EVENT-to-100.\(kind)") { benchmark in
            let bench = RealmBench()
            for _ in 0..<100 {
                let (subscriber, _) = bench.join(serializer: kind)
                bench.realm.receive(.subscribe(.init(request: 1, topic: "com.fanout")), from: subscriber)
            }
            let (publisher, _) = bench.join(serializer: kind)
            let publish = WAMPMessage.publish(
                .init(request: 1, topic: "com.fanout", payload: .init(args: [.string(String(repeating: "x", count: 128))])))
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                bench.realm.receive(publish, from: publisher)
            }
        }
    }
}

/// A realm on an embedded loop with generous per-session limits.
final class RealmBench {
    let loop = EmbeddedEventLoop()
    let realm: Realm

    init() {
        var configuration = RealmConfiguration.openRealm(named: "realm1")
        configuration.sessionLimits.maxSubscriptions = 100_000
        configuration.sessionLimits.maxRegistrations = 100_000
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        self.realm = Realm(configuration: configuration, eventLoop: self.loop, logger: logger)
    }

    func join(serializer: SerializerKind = .json) -> (UInt64, EncodingPeer) {
        let peer = EncodingPeer(serializer: serializer)
        let hello = WAMPMessage.Hello(
            realm: "realm1", details: ["roles": ["caller": [:], "callee": [:], "publisher": [:], "subscriber": [:]]])
        guard case .welcome(let id, _) = self.realm.join(hello: hello, peer: peer, transport: "bench") else {
            fatalError("join refused")
        }
        return (id, peer)
    }
}

/// Does what a connection does with what the realm hands it, minus the socket: shared messages
/// are fetched in its serializer (encoded by the first receiver only), its own messages encoded.
final class EncodingPeer: PeerConnection, @unchecked Sendable {
    let serializer: SerializerKind
    let allocator = ByteBufferAllocator()
    var lastInvocation: UInt64 = 0

    init(serializer: SerializerKind) {
        self.serializer = serializer
    }

    func send(_ message: WAMPMessage) {
        if case .invocation(let invocation) = message { self.lastInvocation = invocation.request }
        blackHole(self.serializer.serializer.encode(message.wireValue))
    }

    func send(_ message: SharedMessage) {
        blackHole(message.buffer(for: self.serializer, allocator: self.allocator))
    }

    func goodbye(reason: String, message: String?) {}
    func abort(_ abort: WAMPMessage.Abort) {}
}
