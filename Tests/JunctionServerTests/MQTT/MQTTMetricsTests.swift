import MQTTCore
import Testing

@testable import JunctionServer

/// MQTT control packets are counted by type and direction in the router's `/metrics` registry.
@Suite struct MQTTMetricsTests {
    @Test func packetsAreCountedByTypeAndDirection() async throws {
        try await withMQTTServer { server in
            let (device, _) = try await MQTTTestClient.connect(to: server.mqtt, group: server.group, clientID: "counted")
            try await device.publish("metrics/test", Array("x".utf8), qos: .atLeastOnce)
            try await device.disconnect()
            let exposition = String(decoding: server.server.runtime.metrics.exposition(), as: UTF8.self)
            for sample in [
                #"junction_mqtt_packets_total{direction="in",type="connect"} 1"#,
                #"junction_mqtt_packets_total{direction="out",type="connack"} 1"#,
                #"junction_mqtt_packets_total{direction="in",type="publish"} 1"#,
                #"junction_mqtt_packets_total{direction="out",type="puback"} 1"#,
            ] {
                #expect(exposition.contains(sample), "\(sample)")
            }
        }
    }
}
