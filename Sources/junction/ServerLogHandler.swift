#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Synchronization

/// The server's log handler: the lines swift-log's `StreamLogHandler.standardError` writes
/// (`<timestamp> <level> <label>: <key=value ...> [<source>] <message>`, metadata sorted by key,
/// the same levels and metadata), for less work per line.
///
/// `StreamLogHandler` calls `localtime` (which re-checks the time zone with a `stat` of
/// /etc/localtime) and `strftime` for every line, merges and sorts the metadata into several
/// intermediate strings and writes through the locked, unbuffered `stderr` `FILE`. This one
/// formats the timestamp once per second, builds the line in one byte buffer and writes it with
/// one `write(2)` (a line still reaches the file before `log` returns: nothing is buffered).
struct ServerLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadataProvider: Logger.MetadataProvider?
    var metadata: Logger.Metadata = [:]
    private let fileDescriptor: Int32

    init(label: String, level: Logger.Level, fileDescriptor: Int32 = 2, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.fileDescriptor = fileDescriptor
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = Self.format(
            event, label: self.label, base: self.metadata, provided: self.metadataProvider?.get() ?? [:],
            timestamp: Self.timestamp())
        line.withUnsafeMutableBufferPointer { Self.writeAll($0, to: self.fileDescriptor) }
    }

    /// One log line, as `StreamLogHandler` writes it.
    static func format(
        _ event: LogEvent, label: String, base: Logger.Metadata, provided: Logger.Metadata, timestamp: String
    ) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line.append(contentsOf: timestamp.utf8)
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: event.level.rawValue.utf8)
        if !label.isEmpty {
            line.append(UInt8(ascii: " "))
            line.append(contentsOf: label.utf8)
        }
        line.append(UInt8(ascii: ":"))
        let explicit = event.metadata ?? [:]
        if explicit.isEmpty && provided.isEmpty && event.error == nil {
            Self.append(base, to: &line)
        } else {
            var merged = base
            if !provided.isEmpty { merged.merge(provided, uniquingKeysWith: { _, provided in provided }) }
            if !explicit.isEmpty { merged.merge(explicit, uniquingKeysWith: { _, explicit in explicit }) }
            if let error = event.error {
                merged["error.message"] = "\(error)"
                merged["error.type"] = "\(String(reflecting: type(of: error)))"
            }
            Self.append(merged, to: &line)
        }
        line.append(contentsOf: " [".utf8)
        line.append(contentsOf: event.source.utf8)
        line.append(contentsOf: "] ".utf8)
        line.append(contentsOf: event.message.description.utf8)
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// ` key=value key=value`, sorted by key (nothing when there is no metadata).
    private static func append(_ metadata: Logger.Metadata, to line: inout [UInt8]) {
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line.append(UInt8(ascii: " "))
            line.append(contentsOf: key.utf8)
            line.append(UInt8(ascii: "="))
            switch value {
            case .string(let string): line.append(contentsOf: string.utf8)
            default: line.append(contentsOf: value.description.utf8)
            }
        }
    }

    private static func writeAll(_ bytes: UnsafeMutableBufferPointer<UInt8>, to fileDescriptor: Int32) {
        guard var pointer = UnsafeRawPointer(bytes.baseAddress) else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = write(fileDescriptor, pointer, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            pointer += written
            remaining -= written
        }
    }

    /// The last formatted second.
    private static let lastTimestamp = Mutex<(second: Int, text: String)>((-1, ""))

    /// `%Y-%m-%dT%H:%M:%S%z` in local time, formatted once per second.
    static func timestamp() -> String {
        let now = time(nil)
        return Self.lastTimestamp.withLock { last in
            if last.second == now { return last.text }
            var seconds = now
            var local = tm()
            guard localtime_r(&seconds, &local) != nil else { return "<unknown>" }
            var buffer = [CChar](repeating: 0, count: 64)
            strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
            let text = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            last = (now, text)
            return text
        }
    }
}
