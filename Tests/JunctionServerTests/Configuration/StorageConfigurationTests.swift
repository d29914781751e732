import JunctionStorage
import Testing

@testable import JunctionServer

/// The `storage` section: memory by default, sqlite with its sync modes, every mistake named.
@Suite struct StorageConfigurationTests {
    static let transports = """
        realms:
          - {name: realm1, roles: [{name: anonymous, permissions: []}]}
        transports:
          - {type: rawsocket, port: 0}
        """

    func load(_ storage: String) throws -> StorageConfiguration {
        try ConfigurationLoader.load(yaml: "storage: \(storage)\n" + Self.transports).storage
    }

    @Test func memoryIsTheDefaultAndSqliteReadsItsKeys() throws {
        #expect(try ConfigurationLoader.load(yaml: Self.transports).storage == .memory)
        #expect(try self.load("memory") == .memory)
        #expect(try self.load("{type: memory}") == .memory)
        #expect(try self.load("{type: sqlite, path: /var/lib/j.sqlite}") == StorageConfiguration(backend: .sqlite(path: "/var/lib/j.sqlite")))
        #expect(
            try self.load("{type: sqlite, path: j.sqlite, sync: always}")
                == StorageConfiguration(backend: .sqlite(path: "j.sqlite"), sync: .always))
        #expect(
            try self.load("{type: sqlite, path: j.sqlite, sync: interval, interval_ms: 250}")
                == StorageConfiguration(backend: .sqlite(path: "j.sqlite"), sync: .interval, intervalMilliseconds: 250))
    }

    @Test func mistakesAreNamed() {
        let cases: [(String, String)] = [
            ("sqlite", "storage"),
            ("{type: sqlite}", "storage.path"),
            ("{type: sqlite, path: ''}", "storage.path"),
            ("{type: disk, path: x}", "storage.type"),
            ("{type: sqlite, path: x, sync: sometimes}", "storage.sync"),
            ("{type: sqlite, path: x, interval_ms: 0}", "storage.interval_ms"),
            ("{type: sqlite, path: x, sync: always, interval_ms: 10}", "storage.interval_ms"),
            ("{type: memory, path: x}", "storage.path"),
            ("{type: sqlite, path: x, pth: y}", "storage.pth"),
        ]
        for (storage, key) in cases {
            #expect {
                try self.load(storage)
            } throws: { error in
                (error as? ConfigurationError)?.key == key
            }
        }
    }

    @Test func theDefaultFileDocumentsStorageAndStillLoadsToTheDefault() throws {
        #expect(DefaultConfigurationFile.text.contains("# storage:"))
        #expect(try ConfigurationLoader.load(yaml: DefaultConfigurationFile.text).storage == .memory)
    }
}
