import Foundation

/// The result of one scenario run: a table on stdout and, with `--json FILE`, this structure
/// as JSON (what `bench/compare.sh` aggregates).
struct BenchReport: Codable, Sendable {
    var tool = "junction-bench"
    var scenario: String
    var label: String?
    var commandLine: String
    var date: String
    var machine: MachineInfo
    var parameters: [String: String]
    /// The headline figure's key in `metrics` (e.g. `calls_per_s`).
    var primaryMetric: String
    var metrics: [String: Double]
    /// Latency percentiles in microseconds (p50, p90, p99, p999, max).
    var latencyMicroseconds: LatencySummary?

    init(
        scenario: String, label: String?, parameters: [String: String], primaryMetric: String,
        metrics: [String: Double], latency: LatencySummary?
    ) {
        self.scenario = scenario
        self.label = label
        self.commandLine = CommandLine.arguments.map(Self.shellQuoted).joined(separator: " ")
        self.date = ISO8601DateFormatter().string(from: Date())
        self.machine = MachineInfo.current()
        self.parameters = parameters
        self.primaryMetric = primaryMetric
        self.metrics = metrics
        self.latencyMicroseconds = latency
    }

    /// A human-readable table.
    func table() -> String {
        var lines: [String] = []
        let title = "\(self.scenario)" + (self.label.map { " [\($0)]" } ?? "")
        lines.append("== junction-bench \(title)")
        let parameters = self.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        lines.append("   " + parameters.joined(separator: " "))
        let width = max(24, (self.metrics.keys.map(\.count).max() ?? 0) + 2)
        for (key, value) in self.metrics.sorted(by: { $0.key < $1.key }) {
            let marker = key == self.primaryMetric ? " *" : ""
            lines.append("   " + key.padding(toLength: width, withPad: " ", startingAt: 0) + Self.format(value) + marker)
        }
        if let latency = self.latencyMicroseconds {
            lines.append(
                "   latency µs (n=\(latency.count)): p50 \(Self.format(latency.p50))  p90 \(Self.format(latency.p90))"
                    + "  p99 \(Self.format(latency.p99))  p99.9 \(Self.format(latency.p999))"
                    + "  max \(Self.format(latency.max))")
        }
        return lines.joined(separator: "\n")
    }

    /// Prints the table and writes the JSON file if asked.
    func emit(jsonPath: String?) throws {
        print(self.table())
        guard let jsonPath else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(self).write(to: URL(fileURLWithPath: jsonPath))
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        if abs(value) >= 100 { return String(format: "%.0f", value) }
        return String(format: "%.2f", value)
    }

    private static func shellQuoted(_ argument: String) -> String {
        let safe = argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=,+@".contains($0) }
        return safe ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
