import Foundation
import Testing

@testable import JunctionServer

/// `/metrics` as Prometheus reads it: `promtool check metrics` (Debian's `prometheus` package,
/// which scripts/test.sh installs) parses and lints a real scrape.
@Suite struct MetricsScrapeTests {
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test(.enabled(if: Self.promtool != nil, "promtool is not installed (apt-get install prometheus)"))
    func scrapePassesPromtool() async throws {
        try await withHTTPTestServer { server in
            _ = try await server.request("/publish", body: #"{"topic":"com.example.a"}"#)
            _ = try await server.request("/publish", method: .GET)
            _ = try await server.request("/health", method: .GET)
            let scrape = try await server.request("/metrics", method: .GET)
            #expect(scrape.status == .ok)
            #expect(scrape.text.contains("junction_http_requests_total"))
            // Parse errors, bad names, counters without `_total` and series without HELP text
            // (promtool's linter) all fail the test.
            let (status, output) = try Self.check(scrape.body)
            #expect(status == 0, "promtool exit \(status): \(output)")
        }
    }

    @Test(.enabled(if: Self.promtool != nil, "promtool is not installed (apt-get install prometheus)"))
    func promtoolCatchesABrokenScrape() throws {
        let (status, _) = try Self.check(Array("junction_requests_total{status=\"200} 1\n".utf8))
        #expect(status == 1)
    }

    /// Runs `promtool check metrics` on `scrape`; its exit status and combined output.
    static func check(_ scrape: [UInt8]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.promtool!)
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(scrape))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
