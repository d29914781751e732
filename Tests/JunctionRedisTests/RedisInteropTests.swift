import JunctionRedis
import NIOCore
import RESPCore
import RedisTestSupport
import Testing

/// The client against a real `redis-server` started by each test on a free loopback port.
@Suite(.enabled(if: RedisTestServer.isAvailable, Comment(rawValue: RedisTestServer.skipMessage)))
struct RedisInteropTests {
    static let protocols: [RedisHandshakeConfiguration.ProtocolVersion] = [.resp3, .resp2]

    @Test(arguments: Self.protocols)
    func setGetAndIncr(version: RedisHandshakeConfiguration.ProtocolVersion) async throws {
        try await withRedis { server in
            let connection = try await server.connect(RedisHandshakeConfiguration(preferredProtocol: version))
            #expect(connection.protocolVersion == version)
            #expect(try await connection.send("SET", "key", "välue\r\n") == .simpleString("OK"))
            #expect(try await connection.send("GET", "key").string == "välue\r\n")
            let missing = try await connection.send("GET", "missing")
            #expect(missing == (version == .resp3 ? .null : .bulkString(nil)))
            #expect(try await connection.send("INCR", "counter") == .integer(1))
            #expect(try await connection.send("INCRBY", "counter", "41") == .integer(42))
            await connection.close()
        }
    }

    @Test func thousandPipelinedCommandsEachGetTheirOwnReply() async throws {
        try await withRedis { server in
            let connection = try await server.connect()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<1000 {
                    group.addTask {
                        _ = try await connection.send("SET", "key:\(index)", "value:\(index)")
                        let value = try await connection.send("GET", "key:\(index)")
                        #expect(value.string == "value:\(index)")
                        _ = try await connection.send("INCR", "total")
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await connection.send("GET", "total").string == "1000")
            #expect(try await connection.send("DBSIZE") == .integer(1001))
            await connection.close()
        }
    }

    @Test func helloThreeRepliesAreMaps() async throws {
        try await withRedis { server in
            let connection = try await server.connect()
            let hello = try #require(connection.hello)
            guard case .map = hello else {
                Issue.record("HELLO 3 did not answer a map: \(hello)")
                return
            }
            #expect(hello.value(forKey: "server")?.string == "redis")
            #expect(hello.value(forKey: "proto") == .integer(3))
            _ = try await connection.send("HSET", "hash", "a", "1", "b", "2")
            let all = try await connection.send("HGETALL", "hash")
            guard case .map(let pairs) = all else {
                Issue.record("HGETALL in RESP3 is not a map: \(all)")
                return
            }
            #expect(Set(pairs.map { "\($0.key.string!)=\($0.value.string!)" }) == ["a=1", "b=2"])
            _ = try await connection.send("SADD", "set", "x", "y")
            guard case .set(let members) = try await connection.send("SMEMBERS", "set") else {
                Issue.record("SMEMBERS in RESP3 is not a set")
                return
            }
            #expect(Set(members.compactMap(\.string)) == ["x", "y"])

            let resp2 = try await server.connect(RedisHandshakeConfiguration(preferredProtocol: .resp2))
            #expect(resp2.hello == nil)
            let flat = try await resp2.send("HGETALL", "hash")
            #expect(flat.elements?.count == 4)
            #expect(flat.value(forKey: "b")?.string == "2")
            await connection.close()
            await resp2.close()
        }
    }

    @Test(arguments: Self.protocols)
    func pubSubBetweenTwoConnections(version: RedisHandshakeConfiguration.ProtocolVersion) async throws {
        try await withRedis { server in
            let handshake = RedisHandshakeConfiguration(preferredProtocol: version)
            let subscriber = try await server.connect(handshake)
            let publisher = try await server.connect(handshake)
            let news = try await subscriber.subscribe(to: ["news", "other"])
            let patterned = try await subscriber.subscribe(toPatterns: ["new*"])
            #expect(try await publisher.send("PUBLISH", "news", "first") == .integer(2))
            #expect(try await publisher.send("PUBLISH", "news", "second") == .integer(2))

            var messages = news.makeAsyncIterator()
            #expect(
                await messages.next()
                    == RedisPubSubMessage(channel: ByteBuffer(string: "news"), payload: ByteBuffer(string: "first"))
            )
            #expect(await messages.next()?.payload == ByteBuffer(string: "second"))
            var patternMessages = patterned.makeAsyncIterator()
            let matched = await patternMessages.next()
            #expect(matched?.pattern == ByteBuffer(string: "new*") && matched?.channel == ByteBuffer(string: "news"))

            if version == .resp2 {
                await #expect(throws: RedisError.self) { try await subscriber.send("GET", "k") }
                #expect(try await subscriber.send("PING").elements?.first?.string == "pong")
            } else {
                #expect(try await subscriber.send("GET", "k").isNull)
                #expect(try await subscriber.send("PING") == .simpleString("PONG"))
            }
            await subscriber.close()
            #expect(await messages.next() == nil, "the stream finishes when the connection closes")
            await publisher.close()
        }
    }

    @Test func droppingAStreamUnsubscribes() async throws {
        try await withRedis { server in
            let subscriber = try await server.connect()
            let observer = try await server.connect()
            var stream: AsyncStream<RedisPubSubMessage>? = try await subscriber.subscribe(to: ["gone"])
            #expect(try await observer.send("PUBSUB", "NUMSUB", "gone").elements?.last == .integer(1))
            _ = stream
            stream = nil
            // The UNSUBSCRIBE travels on another connection than the observer's: poll, bounded.
            var count: RESPValue? = .integer(1)
            for _ in 0..<100 where count != .integer(0) {
                try await Task.sleep(for: .milliseconds(20))
                count = try await observer.send("PUBSUB", "NUMSUB", "gone").elements?.last
            }
            #expect(count == .integer(0))
            #expect(try await subscriber.send("GET", "k").isNull, "the connection is usable after unsubscribing")
            await subscriber.close()
            await observer.close()
        }
    }

    @Test func errorRepliesFailOnlyTheirCommand() async throws {
        try await withRedis { server in
            let connection = try await server.connect()
            _ = try await connection.send("SET", "text", "abc")
            let error = await #expect(throws: RedisError.self) { try await connection.send("INCR", "text") }
            #expect(error?.code == .server && error?.serverCode == "ERR")
            let unknown = await #expect(throws: RedisError.self) { try await connection.send("NOSUCHCOMMAND") }
            #expect(unknown?.message.contains("unknown command") == true)
            _ = try await connection.send("LPUSH", "list", "x")
            let wrongType = await #expect(throws: RedisError.self) { try await connection.send("GET", "list") }
            #expect(wrongType?.serverCode == "WRONGTYPE")
            #expect(try await connection.send("GET", "text").string == "abc")
            await connection.close()
        }
    }

    @Test func authenticationAndDatabaseSelection() async throws {
        try await withRedis { server in
            let admin = try await server.connect()
            _ = try await admin.send("ACL", "SETUSER", "alice", "on", ">secret", "~*", "&*", "+@all")
            for version in Self.protocols {
                let alice = try await server.connect(
                    RedisHandshakeConfiguration(
                        preferredProtocol: version,
                        username: "alice",
                        password: "secret",
                        database: 3
                    )
                )
                #expect(try await alice.send("ACL", "WHOAMI").string == "alice")
                _ = try await alice.send("SET", "where", "db3")
                await alice.close()
                let error = await #expect(throws: RedisError.self) {
                    _ = try await server.connect(
                        RedisHandshakeConfiguration(preferredProtocol: version, username: "alice", password: "wrong")
                    )
                }
                #expect(error?.code == .authentication && error?.serverCode == "WRONGPASS")
            }
            #expect(try await admin.send("GET", "where").isNull, "database 0 is untouched")
            _ = try await admin.send("SELECT", "3")
            #expect(try await admin.send("GET", "where").string == "db3")
            await admin.close()
        }
    }

    @Test func killingTheServerFailsPendingCommands() async throws {
        let server = try await RedisTestServer.start()
        defer { server.stop() }
        let connection = try await server.connect()
        let observer = try await server.connect()
        // BLPOP blocks the connection; the commands sent behind it wait for it. (Sent only once the
        // server reports the client blocked: tasks started together run in no particular order.)
        var pending = [Task { try await connection.send(RESPCommand("BLPOP", "queue", "0")) }]
        var blocked = false
        for _ in 0..<250 where !blocked {
            blocked = try await observer.send("INFO", "clients").string?.contains("blocked_clients:1") == true
            if !blocked { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(blocked)
        pending += (0..<4).map { _ in Task { try await connection.send(RESPCommand("GET", "k")) } }
        // The GETs are written (they queue behind the BLPOP on the server) before the kill.
        try await Task.sleep(for: .milliseconds(100))
        server.kill()
        for task in pending {
            let error = await #expect(throws: RedisError.self) { try await task.value }
            #expect(error?.code == .connectionClosed)
        }
        try await connection.closeFuture.get()
        let after = await #expect(throws: RedisError.self) { try await connection.send("PING") }
        #expect(after?.code == .connectionClosed)
        await #expect(throws: (any Error).self) { _ = try await server.connect() }
    }
}
