import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing
import WAMPCore

@testable import JunctionRouter
@testable import JunctionStorage

/// The SQLite store on a temporary file: what is written comes back after reopening, epochs
/// survive a clean close and change after a crash, an unusable file is refused by name.
@Suite struct SQLiteStorageTests {
    let logger = Logger(label: "test")

    func temporaryPath(_ name: String = #function) -> String {
        let path = NSTemporaryDirectory() + "junction-storage-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))-\(name.filter(\.isLetter)).sqlite"
        return path
    }

    func event(_ sequence: UInt64, topic: String = "com.t", offset: UInt64, payload: Payload = .init(args: [1]))
        -> StoredEvent
    {
        StoredEvent(
            sequence: sequence, timestamp: 1_700_000_000_000 + Int64(sequence), topic: topic, offset: offset,
            publication: 1000 + sequence, details: ["_offset": .int(Int64(offset))], payload: payload,
            readers: ["eligible_authrole": ["reader"]])
    }

    /// Waits for `whenDurable` of a write.
    func write(_ store: any RealmStore, _ change: RealmChange) async -> Bool {
        await withCheckedContinuation { continuation in
            store.write(change) { continuation.resume(returning: $0) }
        }
    }

    @Test func writesComeBackAfterACleanCloseWithTheSameEpoch() async throws {
        let path = self.temporaryPath()
        defer { removeFiles(path) }
        let first = try await SQLiteStorage.open(path: path, sync: .always, realms: ["realm1"], logger: self.logger)
        let store = first.realmStore(named: "realm1")
        #expect(store.acknowledgesAfterWrite)
        let epoch = store.snapshot.epoch
        for n in 1...5 as ClosedRange<UInt64> {
            #expect(await self.write(store, .event(self.event(n, offset: n), oldestKept: 1)))
        }
        #expect(await self.write(store, .event(self.event(6, topic: "com.u", offset: 1, payload: .transparent([0, 255])), oldestKept: 3)))
        #expect(await self.write(store, .retained(self.event(0, offset: 5))))
        first.put([1, 2, 3], for: "client-a", in: "mqtt.session")
        first.put([9], for: "client-b", in: "mqtt.session")
        first.remove("client-b", in: "mqtt.session")
        await first.close()

        let second = try await SQLiteStorage.open(path: path, realms: ["realm1"], logger: self.logger)
        #expect(second.previousShutdownWasClean)
        let snapshot = second.realmStore(named: "realm1").snapshot
        #expect(snapshot.epoch == epoch)
        #expect(snapshot.events.map(\.sequence) == [3, 4, 5, 6])  // 1 and 2 were trimmed
        #expect(snapshot.events.last?.payload == .transparent([0, 255]))
        #expect(snapshot.events.first == self.event(3, offset: 3))
        #expect(snapshot.offsets == ["com.t": 5, "com.u": 1])
        #expect(snapshot.retained.map(\.topic) == ["com.t"])
        #expect(snapshot.retained.first?.readers == ["eligible_authrole": ["reader"]])
        #expect(second.values(in: "mqtt.session") == ["client-a": [1, 2, 3]])
        await second.close()
    }

    @Test func aCrashKeepsWhatWasCommittedButStartsANewEpoch() async throws {
        let path = self.temporaryPath()
        defer { removeFiles(path) }
        let first = try await SQLiteStorage.open(path: path, sync: .always, realms: ["realm1"], logger: self.logger)
        let store = first.realmStore(named: "realm1")
        #expect(await self.write(store, .event(self.event(1, offset: 1), oldestKept: 1)))
        // No close(): the file still says "not clean", as after kill -9.
        let second = try await SQLiteStorage.open(path: path, realms: ["realm1"], logger: self.logger)
        #expect(!second.previousShutdownWasClean)
        let snapshot = second.realmStore(named: "realm1").snapshot
        #expect(snapshot.epoch != store.snapshot.epoch)
        #expect(snapshot.events.map(\.offset) == [1])
        await second.close()
        await first.close()
    }

    @Test func aFileThatIsNotADatabaseIsRefusedByName() async throws {
        let path = self.temporaryPath()
        defer { removeFiles(path) }
        try writeFile(path, Array(repeating: UInt8(ascii: "x"), count: 4096))
        await #expect {
            try await SQLiteStorage.open(path: path, realms: ["realm1"], logger: self.logger)
        } throws: { error in
            guard let error = error as? StorageError else { return false }
            return error.path == path && error.description.contains(path)
        }
    }

    @Test func aCorruptDatabaseIsRefused() async throws {
        let path = self.temporaryPath()
        defer { removeFiles(path) }
        let storage = try await SQLiteStorage.open(path: path, sync: .always, realms: ["realm1"], logger: self.logger)
        let store = storage.realmStore(named: "realm1")
        for n in 1...200 as ClosedRange<UInt64> {
            _ = await self.write(store, .event(self.event(n, offset: n, payload: .init(args: [.string(String(repeating: "p", count: 500))])), oldestKept: 1))
        }
        await storage.close()
        // Overwrite the middle of the file (past the header page) with garbage.
        var bytes = try readFile(path)
        #expect(bytes.count > 8192)
        for index in 4096..<(bytes.count - 1024) { bytes[index] = 0xA5 }
        try writeFile(path, bytes)
        await #expect(throws: StorageError.self) {
            try await SQLiteStorage.open(path: path, realms: ["realm1"], logger: self.logger)
        }
    }

    @Test func aMissingDirectoryIsAnErrorNamingTheFile() async throws {
        let path = "/nonexistent-dir-\(UInt32.random(in: 0...UInt32.max))/store.sqlite"
        await #expect {
            try await SQLiteStorage.open(path: path, realms: [], logger: self.logger)
        } throws: { error in
            (error as? StorageError)?.path == path
        }
    }

    @Test func intervalSyncCommitsWithinTheWindowAndDoesNotWaitPublishers() async throws {
        let path = self.temporaryPath()
        defer { removeFiles(path) }
        let storage = try await SQLiteStorage.open(
            path: path, sync: .interval, intervalMilliseconds: 20, realms: ["realm1"], logger: self.logger)
        let store = storage.realmStore(named: "realm1")
        #expect(!store.acknowledgesAfterWrite)
        #expect(await self.write(store, .event(self.event(1, offset: 1), oldestKept: 1)))
        await storage.close()
    }

    @Test func writesAfterCloseAreRefusedNotLost() async throws {
        let path = self.temporaryPath()
        defer { removeFiles(path) }
        let storage = try await SQLiteStorage.open(path: path, sync: .always, realms: ["realm1"], logger: self.logger)
        let store = storage.realmStore(named: "realm1")
        await storage.close()
        await storage.close()  // twice is fine
        #expect(await self.write(store, .event(self.event(1, offset: 1), oldestKept: 1)) == false)
        let durable = await withCheckedContinuation { continuation in
            storage.put([1], for: "k", in: "mqtt.session") { continuation.resume(returning: $0) }
        }
        #expect(durable == false)
    }

    @Test func keyValueNamespacesAreSeparateAndDurableCallbacksFire() async throws {
        let path = self.temporaryPath()
        defer { removeFiles(path) }
        let storage = try await SQLiteStorage.open(path: path, sync: .interval, intervalMilliseconds: 5, realms: [], logger: self.logger)
        let durable = await withCheckedContinuation { continuation in
            storage.put([7, 7], for: "client-a", in: "mqtt.session")
            storage.put([1], for: "client-a", in: "mqtt.retained")
            storage.put([8], for: "client-a", in: "mqtt.session") { continuation.resume(returning: $0) }
        }
        #expect(durable)
        await storage.close()
        let reopened = try await SQLiteStorage.open(path: path, realms: [], logger: self.logger)
        #expect(reopened.values(in: "mqtt.session") == ["client-a": [8]])
        #expect(reopened.values(in: "mqtt.retained") == ["client-a": [1]])
        #expect(reopened.values(in: "other").isEmpty)
        await reopened.close()

        let memory = MemoryKeyValueStore()
        memory.put([1], for: "a", in: "n")
        memory.put([2], for: "b", in: "n")
        memory.remove("a", in: "n")
        #expect(memory.values(in: "n") == ["b": [2]])
    }

    @Test func theCodecRoundTripsEveryPayloadShape() {
        for payload in [Payload.empty, .init(args: [1, "a"]), .init(args: [], kwargs: ["k": [1.5, nil]]), .transparent([1, 2])] {
            let event = self.event(1, offset: 1, payload: payload)
            let decoded = StoredEventCodec.decode(StoredEventCodec.encode(event))
            #expect(decoded?.payload == payload)
            #expect(decoded?.details == event.details)
        }
        #expect(StoredEventCodec.decode([0xC1]) == nil)
    }
}

func removeFiles(_ path: String) {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func readFile(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}
