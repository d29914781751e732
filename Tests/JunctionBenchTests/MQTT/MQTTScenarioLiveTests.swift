import Foundation
import MQTTCore
import Testing

@testable import junction_bench

/// The MQTT scenarios end to end against a real mosquitto: they connect, load, measure and
/// report without losing, duplicating or reordering a message.
///
/// A scenario blocks its thread for its whole run (it is the load generator's synchronous code),
/// so each runs on a thread of its own, one at a time: on a 2-core machine two blocked
/// cooperative threads would stall every other test of the process.
@Suite(.enabled(if: MosquittoTestServer.isAvailable, Comment(rawValue: MosquittoTestServer.skipMessage)), .serialized)
struct MQTTScenarioLiveTests {
    func options(
        _ server: MosquittoTestServer, version: String = "5", extra: [String] = []
    ) throws -> MQTTBenchOptions {
        try MQTTBenchOptions.parse(
            ["--url", server.url, "--mqtt-version", version, "--duration", "0.5", "--warmup", "0.2"] + extra)
    }

    @Test(arguments: ["3.1.1", "5"], [MQTTQoS.atMostOnce, .atLeastOnce])
    func pubSubDeliversEverythingOnce(version: String, qos: MQTTQoS) async throws {
        let report = try await onOwnThread {
            try withMosquitto { server in
                try MQTTPubSubScenario(
                    options: try self.options(server, version: version), publishers: 2, subscribers: 3, window: 16,
                    payload: 64, qos: qos
                ).run()
            }
        }
        do {
            let metrics = report.metrics
            #expect(report.scenario == "mqtt-pubsub")
            #expect(metrics["deliveries_per_s", default: 0] > 0)
            #expect(metrics["published_total", default: 0] > 0)
            #expect(metrics["delivered_total"] == metrics["published_total"].map { $0 * 3 })
            #expect(metrics["lost"] == 0)
            #expect(metrics["duplicated"] == 0)
            #expect(metrics["out_of_order"] == 0)
            #expect(metrics["errors"] == 0)
            #expect((report.latencyMicroseconds?.count ?? 0) > 0)
            #expect((metrics["acknowledged_per_s"] != nil) == (qos == .atLeastOnce))
        }
    }

    @Test func openLoopPublishesAtTheRate() async throws {
        let report = try await onOwnThread {
            try withMosquitto { server in
                try MQTTPubSubScenario(
                    options: try self.options(server, extra: ["--rate", "2000/s"]), publishers: 1, subscribers: 1,
                    window: 64, payload: 20, qos: .atLeastOnce
                ).run()
            }
        }
        do {
            let rate = report.metrics["publishes_per_s", default: 0]
            #expect(rate > 1000 && rate < 3000, "published \(rate)/s at 2000/s")
            #expect(report.metrics["lost"] == 0)
        }
    }

    @Test func connectStormCountsConnections() async throws {
        let report = try await onOwnThread {
            try withMosquitto { server in
                try MQTTConnectScenario(options: try self.options(server), concurrency: 4).run()
            }
        }
        do {
            #expect(report.metrics["connections_total", default: 0] > 0)
            #expect(report.metrics["errors"] == 0)
            #expect((report.latencyMicroseconds?.count ?? 0) > 0)
        }
    }

    @Test func idleReportsMemoryPerConnection() async throws {
        let report = try await onOwnThread {
            try withMosquitto { server in
                try MQTTIdleScenario(
                    options: try self.options(server, extra: ["--router-pid", "\(server.pid)"]), connections: 50,
                    concurrency: 10, maximumSettleSeconds: 3
                ).run()
            }
        }
        do {
            #expect(report.metrics["connections"] == 50)
            #expect(report.metrics["kib_per_connection"] != nil)
            #expect(report.primaryMetric == "kib_per_connection")
        }
    }
}

/// Runs `body` on a new thread and resumes with its result, keeping the cooperative pool free.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
