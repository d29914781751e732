import Logging
import MQTTCore
import NIOCore
import NIOPosix
import Testing

@testable import JunctionServer

/// MQTT over TLS (`mqtts`), and a client certificate as the MQTT client's identity.
@Suite(.serialized) struct MQTTTLSTests {
    let certificates = TestCertificates.shared

    var yaml: String {
        """
        realms:
          - name: realm1
            anonymous_role: ""
            roles:
              - name: device
                permissions: [{uri: "", match: prefix, allow: [publish, subscribe]}]
            authentication:
              tls:
                principals: [{authid: device-one, common_name: client-one, role: device}]
        transports:
          - type: mqtt
            realm: realm1
            port: 0
            tls:
              certificate: \(self.certificates.serverCertificatePath)
              key: \(self.certificates.serverKeyPath)
              ca_certificates: \(self.certificates.caPath)
              client_certificate: optional
        """
    }

    @Test func clientCertificateIdentifiesTheClient() async throws {
        let configuration = try ConfigurationLoader.load(yaml: self.yaml)
        var logger = Logger(label: "mqtt-tls-test")
        logger.logLevel = .critical
        let server = try await JunctionServer.start(configuration: configuration, logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let address = server.boundAddresses[0]
            let (device, accepted) = try await MQTTTestClient.connect(
                to: address,
                group: group,
                clientID: "c1",
                tls: try self.certificates.clientOneTLS()
            )
            #expect(accepted.reasonCode == .success)
            _ = try await device.subscribe("loop")
            try await device.publish("loop", [1])
            #expect(try await device.receivePublish().payload == [1])
            try await device.disconnect()
            // Without a certificate: no identity, and the realm admits no anonymous clients.
            let (stranger, refused) = try await MQTTTestClient.connect(
                to: address,
                group: group,
                clientID: "c2",
                tls: try self.certificates.clientTLS()
            )
            #expect(refused.reasonCode == .notAuthorized)
            try await stranger.waitUntilClosed()
        } catch {
            await server.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
        await server.shutdown()
        try? await group.shutdownGracefully()
    }
}
