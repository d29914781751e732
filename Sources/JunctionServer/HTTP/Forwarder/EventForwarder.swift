import AsyncHTTPClient
import JunctionMetrics
import JunctionRouter
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Prometheus
import ServiceLifecycle
import WAMPCore

/// Forwards the events of one topic to a URL (`forwarders[]` in the configuration): an
/// in-process session subscribes, each event is queued (`ForwarderQueue`, bounded) and POSTed in
/// order by one worker with async-http-client, retried with exponential backoff
/// (`ForwarderRetryPolicy`), and dropped and counted when retries run out or the queue is full.
///
/// Counts every event in `junction_forwarder_events_total{result}`: `delivered`, `failed` (no
/// retry left), `queue_full`.
public struct EventForwarder: Service, CustomStringConvertible {
    public let configuration: EventForwarderConfiguration
    let runtime: JunctionRuntime
    /// Waits between retries (injected so tests need not wait).
    let sleep: @Sendable (Duration) async throws -> Void

    public init(configuration: EventForwarderConfiguration, runtime: JunctionRuntime) {
        self.init(configuration: configuration, runtime: runtime) { try await Task.sleep(for: $0) }
    }

    init(
        configuration: EventForwarderConfiguration,
        runtime: JunctionRuntime,
        sleep: @escaping @Sendable (Duration) async throws -> Void
    ) {
        self.configuration = configuration
        self.runtime = runtime
        self.sleep = sleep
    }

    public var description: String { "EventForwarder(\(self.configuration.topic) -> \(self.configuration.url))" }

    public func run() async throws {
        let configuration = self.configuration
        let logger = self.runtime.logger
        guard let realm = self.runtime.router.realm(named: configuration.realm) else {
            throw LocalSessionError(
                WAMPErrorURI.noSuchRealm,
                args: [.string("forwarder realm '\(configuration.realm)'")]
            )
        }
        let session = try await LocalSession.join(
            realm,
            authid: "forwarder:\(configuration.topic)",
            authrole: configuration.role,
            authmethod: "forwarder"
        )
        let queue = NIOLockedValueBox(ForwarderQueue<Forwarded>(capacity: configuration.queueSize))
        let (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let counters = ForwarderCounters(metrics: self.runtime.metrics)
        var options: WAMPDict = [:]
        if configuration.match != .exact { options["match"] = .string(configuration.match.rawValue) }
        try await session.subscribe(configuration.topic, options: options) { event in
            let item = Forwarded(
                topic: event.topic ?? configuration.topic,
                publication: event.publication,
                args: event.args,
                kwargs: event.kwargs
            )
            if queue.withLockedValue({ $0.offer(item) }) {
                wake.yield()
            } else {
                counters.record("queue_full")
            }
        }
        logger.info("forwarding events", metadata: ["topic": "\(configuration.topic)", "url": "\(configuration.url)"])
        let client = HTTPClient(eventLoopGroupProvider: .shared(self.runtime.eventLoopGroup))
        // At shutdown the POST in flight (or its backoff) is cancelled and queued events are dropped.
        try? await cancelWhenGracefulShutdown {
            for await _ in wakeups {
                while let item = queue.withLockedValue({ $0.next() }) {
                    let delivered = await self.deliver(item, client: client, logger: logger)
                    if Task.isCancelled { return }
                    counters.record(delivered ? "delivered" : "failed")
                }
            }
        }
        wake.finish()
        await session.leave()
        try? await client.shutdown()
    }

    /// POSTs `item`, retrying as the policy allows; whether it was accepted (2xx).
    private func deliver(_ item: Forwarded, client: HTTPClient, logger: Logger) async -> Bool {
        var request = HTTPClientRequest(url: self.configuration.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in self.configuration.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: JSONSerializer().encode(item.body)))
        var retry = 0
        while true {
            var problem: String
            do {
                let response = try await client.execute(
                    request,
                    timeout: .seconds(Int64(self.configuration.timeoutSeconds))
                )
                _ = try? await response.body.collect(upTo: 1 << 20)
                if (200..<300).contains(response.status.code) { return true }
                problem = "status \(response.status.code)"
            } catch {
                problem = "\(error)"
            }
            retry += 1
            guard let backoff = self.configuration.retry.backoff(beforeRetry: retry) else {
                logger.warning(
                    "forwarded event dropped after retries",
                    metadata: ["url": "\(self.configuration.url)", "problem": "\(problem)"]
                )
                return false
            }
            do {
                try await self.sleep(backoff)
            } catch {
                return false
            }
        }
    }
}

/// One event on its way to the URL.
struct Forwarded: Sendable {
    var topic: String
    var publication: UInt64
    var args: WAMPList
    var kwargs: WAMPDict

    var body: WAMPValue {
        .dict([
            "args": .list(self.args), "kwargs": .dict(self.kwargs), "topic": .string(self.topic),
            "publication": .uint(self.publication),
        ])
    }
}

/// `junction_forwarder_events_total{result}`, in the registry directly so it has HELP text.
final class ForwarderCounters: Sendable {
    private let counters: [String: Prometheus.Counter]

    init(metrics: JunctionMetrics) {
        var counters: [String: Prometheus.Counter] = [:]
        for result in ["delivered", "failed", "queue_full"] {
            counters[result] = metrics.registry.makeCounter(
                name: "junction_forwarder_events_total",
                labels: [("result", result)],
                help: "Events the forwarders POSTed (delivered), gave up on (failed) or dropped (queue_full)"
            )
        }
        self.counters = counters
    }

    func record(_ result: String) {
        self.counters[result]?.increment()
    }
}
