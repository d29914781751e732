import Testing

@testable import junction_bench

@Suite struct MQTTBenchTargetTests {
    @Test func acceptsLoopbackOnly() throws {
        #expect(try MQTTBenchTarget("mqtt://127.0.0.1:1883").address.port == 1883)
        #expect(try MQTTBenchTarget("mqtt://[::1]:1884").address.port == 1884)
        #expect(throws: BenchTargetError.self) { try MQTTBenchTarget("mqtt://10.1.2.3:1883") }
        #expect(throws: BenchTargetError.self) { try MQTTBenchTarget("ws://127.0.0.1:1883") }
        #expect(throws: BenchTargetError.self) { try MQTTBenchTarget("mqtt://127.0.0.1") }
    }
}
