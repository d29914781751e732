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

    /// Samples RSS every 0.5 s until two consecutive samples differ by less than 0.5 %
    /// (or `maximumSeconds` pass); returns the last sample and how long it took.
    static func settledResidentKiB(pids: [Int32], maximumSeconds: Double) -> (Int?, Double) {
        guard !pids.isEmpty else { return (nil, 0) }
        let started = MonotonicClock.now()
        var previous = Self.residentKiB(pids: pids)
        var stableSamples = 0
        while true {
            Thread.sleep(forTimeInterval: 0.5)
            let current = Self.residentKiB(pids: pids)
            let elapsed = Double(MonotonicClock.now() - started) / 1e9
            guard let now = current, let last = previous else { return (current, elapsed) }
            stableSamples = abs(now - last) * 200 < max(last, 1) ? stableSamples + 1 : 0
            previous = current
            if stableSamples >= 2 || elapsed >= maximumSeconds { return (current, elapsed) }
        }
    }
}
