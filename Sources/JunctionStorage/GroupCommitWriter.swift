import JunctionRouter
import Logging
import NIOConcurrencyHelpers
import NIOCore
import SQLiteNIO

/// Queues writes from any thread (realms call it on their loops) and commits them in batches on
/// the storage's own thread: one transaction per batch, so one fsync covers every write that
/// arrived while the previous batch was being committed (group commit).
///
/// `sync: always` starts the next batch as soon as the previous one is committed; `sync:
/// interval` waits `interval` after a batch's first write, so a crash loses at most that window.
/// Callbacks run once their batch is committed, in queue order.
final class GroupCommitWriter: Sendable {
    enum Operation: Sendable {
        case realm(String, RealmChange)
        case put(namespace: String, key: String, value: [UInt8])
        case remove(namespace: String, key: String)
        /// Writes nothing: its callback says when everything before it is committed.
        case sync
    }

    private struct Queued: Sendable {
        var operation: Operation
        var whenDurable: (@Sendable (Bool) -> Void)?
    }

    private let pending = NIOLockedValueBox<(queue: [Queued], closed: Bool)>(([], false))
    private let wakeups: AsyncStream<Void>.Continuation
    private let worker: NIOLockedValueBox<Task<Void, Never>?> = NIOLockedValueBox(nil)
    private let connection: SQLiteConnection
    private let logger: Logger

    init(connection: SQLiteConnection, interval: Duration?, logger: Logger) {
        self.connection = connection
        self.logger = logger
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.wakeups = continuation
        let task = Task { [self] in
            for await _ in stream {
                if let interval { try? await Task.sleep(for: interval) }
                await self.commitPending()
            }
            // Closed: whatever is still queued goes out before `close` returns.
            await self.commitPending()
        }
        self.worker.withLockedValue { $0 = task }
    }

    /// Queues `operation`; `whenDurable` is called with whether its batch was committed. After
    /// `close`, the operation is refused (`false`).
    func enqueue(_ operation: Operation, whenDurable: (@Sendable (Bool) -> Void)?) {
        let accepted = self.pending.withLockedValue { state -> Bool in
            guard !state.closed else { return false }
            state.queue.append(Queued(operation: operation, whenDurable: whenDurable))
            return true
        }
        if accepted {
            self.wakeups.yield()
        } else {
            self.logger.warning("storage write after close dropped")
            whenDurable?(false)
        }
    }

    /// Commits what is queued and stops the worker.
    func close() async {
        self.pending.withLockedValue { $0.closed = true }
        self.wakeups.finish()
        await self.worker.withLockedValue { $0 }?.value
    }

    private func commitPending() async {
        let batch = self.pending.withLockedValue { state -> [Queued] in
            defer { state.queue.removeAll(keepingCapacity: true) }
            return state.queue
        }
        guard !batch.isEmpty else { return }
        var committed = true
        do {
            try await self.commit(batch.map(\.operation))
        } catch {
            committed = false
            self.logger.error(
                "storage batch not committed: \(error)", metadata: ["writes": "\(batch.count)"])
            _ = try? await self.connection.query("ROLLBACK")
        }
        for queued in batch { queued.whenDurable?(committed) }
    }

    /// One transaction: events in multi-row inserts, each stream's last offset once, trimmed
    /// history deleted once per realm, retained events and key/values in queue order.
    private func commit(_ operations: [Operation]) async throws {
        var events: [(realm: String, event: StoredEvent)] = []
        var offsets: [SQLiteStorage.TopicKey: UInt64] = [:]
        var oldestKept: [String: UInt64] = [:]
        var ordered: [(sql: String, binds: [SQLiteData])] = []
        for operation in operations {
            switch operation {
            case .realm(let realm, .event(let event, let oldest)):
                events.append((realm, event))
                let key = SQLiteStorage.TopicKey(realm: realm, topic: event.topic)
                offsets[key] = max(offsets[key] ?? 0, event.offset)
                oldestKept[realm] = max(oldestKept[realm] ?? 0, oldest)
            case .realm(let realm, .retained(let event)):
                ordered.append(
                    (
                        "INSERT OR REPLACE INTO retained (realm, topic, timestamp, stream_offset, publication, body) "
                            + "VALUES (?, ?, ?, ?, ?, ?)",
                        [
                            .text(realm), .text(event.topic), .integer(Int(event.timestamp)),
                            .integer(Int(truncatingIfNeeded: event.offset)),
                            .integer(Int(truncatingIfNeeded: event.publication)),
                            .blob(ByteBuffer(bytes: StoredEventCodec.encode(event))),
                        ]
                    ))
            case .put(let namespace, let key, let value):
                ordered.append(
                    (
                        "INSERT OR REPLACE INTO kv (namespace, key, value) VALUES (?, ?, ?)",
                        [.text(namespace), .text(key), .blob(ByteBuffer(bytes: value))]
                    ))
            case .remove(let namespace, let key):
                ordered.append(("DELETE FROM kv WHERE namespace = ? AND key = ?", [.text(namespace), .text(key)]))
            case .sync:
                break
            }
        }
        try await self.connection.query("BEGIN IMMEDIATE")
        var start = 0
        while start < events.count {
            let chunk = events[start..<min(start + 100, events.count)]
            start += chunk.count
            var binds: [SQLiteData] = []
            binds.reserveCapacity(chunk.count * 7)
            for (realm, event) in chunk {
                binds += [
                    .text(realm), .integer(Int(truncatingIfNeeded: event.sequence)), .integer(Int(event.timestamp)),
                    .text(event.topic), .integer(Int(truncatingIfNeeded: event.offset)),
                    .integer(Int(truncatingIfNeeded: event.publication)),
                    .blob(ByteBuffer(bytes: StoredEventCodec.encode(event))),
                ]
            }
            let rows = Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            try await self.connection.query(
                "INSERT OR REPLACE INTO events (realm, sequence, timestamp, topic, stream_offset, publication, body) "
                    + "VALUES \(rows)", binds)
        }
        for (key, offset) in offsets {
            try await self.connection.query(
                "INSERT INTO stream_offsets (realm, topic, stream_offset) VALUES (?, ?, ?) "
                    + "ON CONFLICT (realm, topic) DO UPDATE SET stream_offset = max(stream_offset, excluded.stream_offset)",
                [.text(key.realm), .text(key.topic), .integer(Int(truncatingIfNeeded: offset))])
        }
        for (realm, oldest) in oldestKept {
            try await self.connection.query(
                "DELETE FROM events WHERE realm = ? AND sequence < ?",
                [.text(realm), .integer(Int(truncatingIfNeeded: oldest))])
        }
        for (sql, binds) in ordered {
            try await self.connection.query(sql, binds)
        }
        try await self.connection.query("COMMIT")
    }
}
