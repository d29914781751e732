import Foundation

/// Resident memory of other processes, read from `/proc/PID/status` (Linux only).
enum ProcessMemory {
    /// VmRSS of `pid` in KiB, or nil if the process or the field is not there.
    static func residentKiB(pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let digits = line.dropFirst("VmRSS:".count).filter(\.isNumber)
            return Int(digits)
        }
        return nil
    }

    /// The summed VmRSS of `pids` (a router may be several processes), nil if any is missing.
    static func residentKiB(pids: [Int32]) -> Int? {
        var total = 0
        for pid in pids {
            guard let value = Self.residentKiB(pid: pid) else { return nil }
            total += value
        }
        return total
    }
}
