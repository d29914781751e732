import WAMPCore

/// The messages the codec benchmarks encode and decode: what a router handles on every routed
/// call (CALL in, RESULT out) and every publication (EVENT out), with a realistic small payload.
enum SampleMessages {
    static let payload: WAMPList = [
        .string(String(repeating: "x", count: 64)), .uint(1_234_567), .double(3.25), .bool(true),
    ]

    static let call = WAMPMessage.call(
        .init(
            request: 7_336_233, options: ["receive_progress": false], procedure: "com.example.inventory.lookup",
            payload: .init(args: Self.payload, kwargs: ["warehouse": "north", "limit": 20])))

    static let event = WAMPMessage.event(
        .init(
            subscription: 5_512_315_355, publication: 4_429_313_566, details: ["topic": "com.example.prices.eurusd"],
            payload: .init(args: Self.payload)))

    static let result = WAMPMessage.result(
        .init(request: 7_336_233, details: [:], payload: .init(args: Self.payload, kwargs: ["cached": true])))

    static let all: [(name: String, message: WAMPMessage)] = [
        ("CALL", Self.call), ("EVENT", Self.event), ("RESULT", Self.result),
    ]
}
