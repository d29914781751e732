import HTTPBridgeCore
import Testing

@Suite struct BridgeTimestampTests {
    /// Values from CPython's `strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ")`.
    @Test(arguments: [
        ("2011-10-14T16:59:51.123Z", 1318611591.123),
        ("2024-02-29T00:00:00.5Z", 1709164800.5),
        ("1970-01-01T00:00:00.000001Z", 0.000001),
        ("2011-1-4T6:9:5.1Z", 1294121345.1),
    ])
    func parsesCrossbarFormat(text: String, seconds: Double) throws {
        let parsed = try #require(BridgeTimestamp.parse(text))
        #expect(abs(parsed - seconds) < 0.000_001)
    }

    @Test(arguments: [
        "", "2011-10-14T16:59:51Z", "2011-10-14T16:59:51.123", "2011-10-14 16:59:51.123Z",
        "2011-10-14T16:59:51.1234567Z", "2023-02-29T00:00:00.0Z", "2011-13-01T00:00:00.0Z",
        "2011-10-14T24:00:00.0Z", "11-10-14T16:59:51.123Z", "2011-10-14T16:59:51.123Z ", "２011-10-14T16:59:51.1Z",
    ])
    func refusesOtherText(text: String) {
        #expect(BridgeTimestamp.parse(text) == nil)
    }

    @Test func formatRoundTrips() throws {
        for seconds in [0.0, 1318611591.123456, 1709164800.5, 4102444799.999999] {
            let text = BridgeTimestamp.format(seconds)
            let parsed = try #require(BridgeTimestamp.parse(text), "\(text)")
            #expect(abs(parsed - seconds) < 0.000_002, "\(text)")
        }
        #expect(BridgeTimestamp.format(1318611591.123) == "2011-10-14T16:59:51.123000Z")
    }
}

@Suite struct BridgeQueryTests {
    @Test func decodesLikeAForm() {
        let query = BridgeQuery(target: "/publish?key=foo%20bar&seq=1&sig=a+b%2Bc&seq=2&empty&bad=%zz%4")
        #expect(query["key"] == "foo bar")
        #expect(query["seq"] == "1")  // the first value counts
        #expect(query["sig"] == "a b+c")
        #expect(query["empty"] == "")
        #expect(query["bad"] == "%zz%4")
        #expect(BridgeQuery(target: "/publish").values.isEmpty)
    }
}

@Suite struct IPNetworkTests {
    @Test func parsesAndMatches() throws {
        let v4 = try #require(IPNetwork(cidr: "10.1.0.0/16"))
        #expect(v4.contains(address: "10.1.200.3"))
        #expect(!v4.contains(address: "10.2.0.1"))
        #expect(v4.contains(address: "::ffff:10.1.2.3"))
        let host = try #require(IPNetwork(cidr: "127.0.0.1"))
        #expect(host.prefixLength == 32 && host.contains(address: "127.0.0.1") && !host.contains(address: "127.0.0.2"))
        let v6 = try #require(IPNetwork(cidr: "fd00::/8"))
        #expect(v6.contains(address: "fd12:3456::1"))
        #expect(!v6.contains(address: "fe80::1"))
        #expect(!v6.contains(address: "10.0.0.1"))
        #expect(try #require(IPNetwork(cidr: "::1/128")).contains(address: "0:0:0:0:0:0:0:1"))
        #expect(try #require(IPNetwork(cidr: "::/0")).contains(address: "2001:db8::ff00:42:8329"))
    }

    @Test(arguments: [
        "", "10.0.0.0/33", "10.0.0.1/8", "256.0.0.0", "1.2.3", "1.2.3.4.5", "::1::2", "12345::", "1:2:3:4:5:6:7:8:9",
        "10.0.0.0/", "10.0.0.0/x", "fe80::/129", "::ffff:1.2.3.256",
    ])
    func refusesMalformedNetworks(text: String) {
        #expect(IPNetwork(cidr: text) == nil)
    }
}

@Suite struct NonceReplayGuardTests {
    @Test func refusesReplaysWithinTheWindowOnly() {
        var nonces = NonceReplayGuard(capacity: 10)
        #expect(nonces.admit(key: "k", nonce: "1", timestamp: 1000, now: 1000, window: 300) == .accepted)
        #expect(nonces.admit(key: "k", nonce: "1", timestamp: 1000, now: 1200, window: 300) == .replayed)
        #expect(nonces.admit(key: "other", nonce: "1", timestamp: 1000, now: 1200, window: 300) == .accepted)
        // Past the window the timestamp check refuses the request anyway; the nonce is forgotten.
        #expect(nonces.admit(key: "k", nonce: "1", timestamp: 1301, now: 1301, window: 300) == .accepted)
    }

    @Test func staysBoundedAndRefusesWhenFullOfLiveNonces() {
        var nonces = NonceReplayGuard(capacity: 3)
        for nonce in 0..<3 {
            #expect(nonces.admit(key: "k", nonce: "\(nonce)", timestamp: 0, now: 0, window: 10) == .accepted)
        }
        #expect(nonces.admit(key: "k", nonce: "3", timestamp: 5, now: 5, window: 10) == .full)
        // Once the first three expire they are swept and new nonces fit again.
        #expect(nonces.admit(key: "k", nonce: "3", timestamp: 11, now: 11, window: 10) == .accepted)
        #expect(nonces.count == 1)
    }

    /// A sustained rate below capacity / window never fills the table: expired nonces leave as
    /// new ones arrive (the bench generator's 8 000 signed requests/s filled the old table).
    @Test func sustainedRateBelowCapacityPerWindowIsNeverRefused() {
        var nonces = NonceReplayGuard(capacity: 1_000)
        var refused = 0
        for second in 0..<100 {
            for index in 0..<90 {
                let now = Double(second) + Double(index) / 90
                let decision = nonces.admit(
                    key: "k", nonce: "\(second)-\(index)", timestamp: now, now: now, window: 10)
                if decision != .accepted { refused += 1 }
            }
        }
        #expect(refused == 0)
        #expect(nonces.count <= 1_000)
    }

    /// A request stops being acceptable `window` seconds after its timestamp, so its nonce is
    /// forgotten then, not a window after it arrived.
    @Test func aNonceLivesUntilItsTimestampLeavesTheWindow() {
        var nonces = NonceReplayGuard(capacity: 10)
        #expect(nonces.admit(key: "k", nonce: "7", timestamp: 900, now: 1000, window: 300) == .accepted)
        #expect(nonces.admit(key: "k", nonce: "7", timestamp: 900, now: 1199, window: 300) == .replayed)
        #expect(nonces.admit(key: "k", nonce: "8", timestamp: 1200, now: 1200, window: 300) == .accepted)
        #expect(nonces.count == 1)
    }
}
