import ArgumentParser
import Foundation
import JunctionServer

/// `junction reload`: has a running `junction serve` re-read its configuration file, by sending
/// SIGHUP to the process id in its pid file.
struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a running router re-read its configuration file (sends SIGHUP to the pid in its pid file).",
        discussion: """
            With --config, the file is checked first (as 'junction check' does) and nothing is sent \
            if it is invalid; its router.pid_file names the pid file unless --pid-file does. The \
            router itself also refuses an invalid file and keeps its running configuration.
            """)

    @Option(name: .long, help: "The running router's configuration file: checked first, and its router.pid_file used.")
    var config: String?

    @Option(name: .long, help: "The running router's pid file (default: router.pid_file, else \(PIDFile.defaultPath)).")
    var pidFile: String?

    func run() throws {
        var configuredPIDFile: String?
        if let path = self.config {
            configuredPIDFile = try loadConfiguration(path: path).pidFile
        }
        let pidFile = PIDFile(path: self.pidFile ?? configuredPIDFile ?? PIDFile.defaultPath)
        let pid = try pidFile.read()
        guard kill(pid, SIGHUP) == 0 else {
            let reason = String(cString: strerror(errno))
            throw ValidationError("cannot signal process \(pid) from \(pidFile.path): \(reason)")
        }
        print("sent SIGHUP to junction (pid \(pid), from \(pidFile.path))")
    }
}

/// The file in which `junction serve` leaves its process id for `junction reload`.
struct PIDFile {
    /// `junction.pid` in the temporary directory (`$TMPDIR`, else `/tmp`).
    static var defaultPath: String {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return URL(fileURLWithPath: directory).appendingPathComponent("junction.pid").path
    }

    let path: String

    func write() throws {
        try "\(getpid())\n".write(toFile: self.path, atomically: true, encoding: .utf8)
    }

    func read() throws -> pid_t {
        guard let text = try? String(contentsOfFile: self.path, encoding: .utf8) else {
            throw ValidationError("cannot read the pid file \(self.path): is junction serve running (with --pid-file)?")
        }
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else {
            throw ValidationError("\(self.path) does not hold a process id")
        }
        return pid
    }

    /// Removes the file at exit, unless another router has written its own id there since.
    func removeIfOurs() {
        guard (try? self.read()) == getpid() else { return }
        try? FileManager.default.removeItem(atPath: self.path)
    }
}
