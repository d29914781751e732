import JunctionClient
import JunctionTestSupport
import Testing

// The code of README.md's "Client library" section, kept here so it compiles and runs.
// Keep the two in sync.

struct Order: Codable, Sendable {
    var item: String
    var quantity: Int
}

struct Receipt: Codable, Sendable {
    var item: String
    var total: Double
}

func readmeExample(url: String) async throws {
    var configuration = try ClientConfiguration(url: url, realm: "realm1", serializer: .msgpack)
    // configuration.authentication = .wampcra(authid: "peter", secret: "secret")
    configuration.reconnect = ReconnectPolicy(initialDelay: .milliseconds(200), maxDelay: .seconds(10))
    let client = try await WAMPClient.connect(configuration)
    Task {
        for await state in client.connectionStates() { print("connection:", state) }
    }

    // Routed RPC with WAMP values...
    try await client.register("com.example.add") { invocation in
        let a = try invocation.argument(0, as: Int.self)
        let b = try invocation.argument(1, as: Int.self)
        return InvocationResult(.int(Int64(a + b)))
    }
    let sum = try await client.call("com.example.add", args: [2, 3])
    print(sum.args)  // [.int(5)]

    // ...or with your own Codable types; a thrown WAMPError reaches the caller as is.
    try await client.register("com.example.order", decoding: Order.self) { order -> Receipt in
        guard order.quantity > 0 else {
            throw WAMPError("com.example.error.invalid_quantity", args: [.int(Int64(order.quantity))])
        }
        return Receipt(item: order.item, total: Double(order.quantity) * 2.5)
    }
    let receipt = try await client.call(
        "com.example.order", with: Order(item: "tea", quantity: 2), returning: Receipt.self)
    print(receipt.total)  // 5.0
    do {
        _ = try await client.call("com.example.order", with: Order(item: "tea", quantity: 0), returning: Receipt.self)
    } catch let error as WAMPError {
        print(error.uri)  // com.example.error.invalid_quantity
    }

    // Progressive results, with a timeout.
    try await client.register("com.example.countdown") { invocation in
        for i in [3, 2, 1] { invocation.progress(InvocationResult(.int(Int64(i)))) }
        return InvocationResult("liftoff")
    }
    for try await result in client.callProgressive("com.example.countdown", options: CallOptions(timeout: .seconds(5))) {
        print(result.isProgress ? "progress" : "final", result.args)
    }

    // Cancelling the calling task sends CANCEL.
    let slowCall = Task { try await client.call("com.example.slow") }
    slowCall.cancel()

    // Publish and subscribe.
    let news = try await client.subscribe("com.example.news")
    try await client.publish("com.example.news", args: ["hello"], options: PublishOptions(acknowledge: true, excludeMe: false))
    for await event in news {
        print(event.args)  // [.string("hello")]
        break
    }
    try await news.unsubscribe()
    await client.leave()
}

@Suite struct ReadmeExampleTests {
    @Test func readmeExampleRunsAgainstJunction() async throws {
        try await withJunction { router in try await readmeExample(url: router.url(.webSocket)) }
    }
}
