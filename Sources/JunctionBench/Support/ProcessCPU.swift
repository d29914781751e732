import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// CPU time consumed by this process and by the router, so every report says whether the router
/// was saturated (≈ 100 % of its core in closed loop) and whether the generator was not.
enum ProcessCPU {
    /// User + system CPU seconds of this process.
    static func ownSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// User + system CPU seconds of `pid` (all threads), from `/proc/PID/stat`; nil if unreadable.
    static func seconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Summed CPU seconds of `pids`; nil if any is unreadable or the list is empty.
    static func seconds(pids: [Int32]) -> Double? {
        guard !pids.isEmpty else { return nil }
        var total = 0.0
        for pid in pids {
            guard let value = Self.seconds(pid: pid) else { return nil }
            total += value
        }
        return total
    }
}

/// CPU use of generator and router over the measurement window, in percent of one core.
struct CPUUsage: Sendable {
    var generatorPercent: Double
    var routerPercent: Double?

    /// Starts measuring; `finish()` returns the usage since.
    struct Probe {
        let routerPIDs: [Int32]
        let started = MonotonicClock.now()
        let own = ProcessCPU.ownSeconds()
        let router: Double?

        init(routerPIDs: [Int32]) {
            self.routerPIDs = routerPIDs
            self.router = ProcessCPU.seconds(pids: routerPIDs)
        }

        func finish() -> CPUUsage {
            let elapsed = max(Double(MonotonicClock.now() - self.started) / 1e9, 1e-9)
            let routerNow = ProcessCPU.seconds(pids: self.routerPIDs)
            var routerPercent: Double?
            if let before = self.router, let after = routerNow { routerPercent = (after - before) / elapsed * 100 }
            return CPUUsage(
                generatorPercent: (ProcessCPU.ownSeconds() - self.own) / elapsed * 100, routerPercent: routerPercent)
        }
    }

    /// Adds `generator_cpu_pct` and `router_cpu_pct` to a report's metrics.
    func add(to metrics: inout [String: Double]) {
        metrics["generator_cpu_pct"] = self.generatorPercent
        if let router = self.routerPercent { metrics["router_cpu_pct"] = router }
    }
}
