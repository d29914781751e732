import Foundation

/// The machine a run happened on, recorded with every result so numbers are never compared
/// across machines by accident.
struct MachineInfo: Codable, Sendable {
    var uname: String
    var cpuModel: String
    var cores: Int
    /// CPUs this process may run on (reflects `taskset`).
    var allowedCPUs: String
    /// `/proc/loadavg` when the report was written: a busy machine makes every figure suspect.
    var loadAverage: String

    static func current() -> MachineInfo {
        MachineInfo(
            uname: Self.run("/bin/uname", ["-a"]) ?? "unknown", cpuModel: Self.cpuModel(),
            cores: ProcessInfo.processInfo.activeProcessorCount, allowedCPUs: Self.allowedCPUs(),
            loadAverage: (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown")
    }

    private static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown"
    }

    private static func allowedCPUs() -> String {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("Cpus_allowed_list:") {
            return line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)
        }
        return "unknown"
    }

    private static func run(_ executable: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
