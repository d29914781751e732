import Foundation
import JunctionClient
import JunctionTestSupport
import Testing

/// `junction call|publish|subscribe|register`, run as real subprocesses against an in-process router.
@Suite struct ClientCommandTests {
    @Test func callPrintsTheResultAndMapsErrors() async throws {
        try await withJunction { router in
            let callee = try await TestClient.connect(router.url(.webSocket))
            let add = TestClient.uri("cli.add")
            try await callee.register(add) { invocation in
                if invocation.args.first == "fail" {
                    throw WAMPError("com.test.error.refused", args: ["nope"], kwargs: ["code": 7])
                }
                if !invocation.kwargs.isEmpty { return InvocationResult(args: invocation.args, kwargs: invocation.kwargs) }
                return InvocationResult(.int(invocation.args.compactMap(\.signedInteger).reduce(0, +)))
            }
            let sum = try await CommandRunner.run(["call", add, "2", "3", "--url", router.url(.webSocket)])
            #expect(sum.status == 0)
            #expect(sum.stdout == "5\n")

            let kw = try await CommandRunner.run(
                ["call", add, "text", "--kw", "n=1", "--kw", "s=hello", "--url", router.url(.rawSocket), "--serializer", "cbor"])
            #expect(kw.status == 0)
            #expect(WAMPJSON.parse(kw.stdout) == ["args": ["text"], "kwargs": ["n": 1, "s": "hello"]])

            let failed = try await CommandRunner.run(["call", add, "fail", "--url", router.url(.unix)])
            #expect(failed.status == 1)
            #expect(failed.stderr.contains("com.test.error.refused"))
            #expect(failed.stderr.contains(#"["nope"]"#))

            let missing = try await CommandRunner.run(
                ["call", TestClient.uri("missing"), "--url", router.url(.webSocket)])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("wamp.error.no_such_procedure"))
            await callee.leave()
        }
    }

    @Test func publishSendsParsedArguments() async throws {
        try await withJunction { router in
            let subscriber = try await TestClient.connect(router.url(.webSocket))
            let topic = TestClient.uri("cli.news")
            let subscription = try await subscriber.subscribe(topic)
            let result = try await CommandRunner.run(
                ["publish", topic, "hello", #"{"a":[1,2]}"#, "--kw", "flag=true", "--url", router.url(.rawSocket), "--serializer", "msgpack"])
            #expect(result.status == 0, "\(result.stderr)")
            var events = subscription.makeAsyncIterator()
            let event = await events.next()
            #expect(event?.args == ["hello", ["a": [1, 2]]])
            #expect(event?.kwargs == ["flag": true])
            await subscriber.leave()
        }
    }

    @Test func subscribePrintsOneJSONLinePerEvent() async throws {
        try await withJunction { router in
            let topic = TestClient.uri("cli.feed")
            let runner = try CommandRunner(["subscribe", topic, "--count", "2", "--url", router.url(.webSocket)])
            try await runner.waitFor { $0.stderr.contains("subscribed") }
            let publisher = try await TestClient.connect(router.url(.rawSocket))
            try await publisher.publish(topic, args: [1], options: PublishOptions(acknowledge: true))
            try await publisher.publish(topic, args: ["two"], kwargs: ["k": "v"], options: PublishOptions(acknowledge: true))
            #expect(try await runner.finish() == 0)
            let lines = runner.stdout.split(separator: "\n").map { WAMPJSON.parse(String($0)) }
            #expect(lines.count == 2)
            #expect(lines.first??["args"] == [1])
            #expect(lines.last??["kwargs"] == ["k": "v"])
            #expect(lines.last??["topic"] == .string(topic))
            await publisher.leave()
        }
    }

    @Test func registerRunsTheCommandPerInvocation() async throws {
        try await withJunction { router in
            let procedure = TestClient.uri("cli.exec")
            let runner = try CommandRunner(
                ["register", procedure, "--exec", #"read line; echo "$line""#, "--count", "1", "--url", router.url(.webSocket)])
            try await runner.waitFor { $0.stderr.contains("registered") }
            let caller = try await TestClient.connect(router.url(.webSocket))
            let result = try await caller.call(procedure, args: [1, "a"], kwargs: ["k": true])
            #expect(result.args == [["args": [1, "a"], "kwargs": ["k": true]]])
            #expect(try await runner.finish() == 0)

            let failing = TestClient.uri("cli.fail")
            let failingRunner = try CommandRunner(
                ["register", failing, "--exec", "echo broken >&2; exit 3", "--count", "1", "--url", router.url(.rawSocket)])
            try await failingRunner.waitFor { $0.stderr.contains("registered") }
            do {
                _ = try await caller.call(failing)
                Issue.record("the call should fail")
            } catch let error as WAMPError {
                #expect(error.uri == "junction.error.command_failed")
                #expect(error.args == ["broken"])
                #expect(error.kwargs["exit_code"] == 3)
            }
            #expect(try await failingRunner.finish() == 0)
            await caller.leave()
        }
    }

    @Test func badOptionsAreRejected() async throws {
        let result = try await CommandRunner.run(["call", "com.x", "--url", "ftp://nowhere"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("unknown scheme"))
        let refused = try await CommandRunner.run(["call", "com.x", "--url", "rs://127.0.0.1:1"])
        #expect(refused.status == 2)
    }
}
