import Foundation
import Testing

@testable import JunctionServer

/// The `tls:` key of a transport: parsing, defaults, and load-time checks of the PEM files.
@Suite struct TLSConfigurationTests {
    let certificates = TestCertificates.shared

    /// A one-realm configuration with one transport whose extra lines are `transport`.
    private func yaml(_ transport: String) -> String {
        "realms:\n  - name: realm1\ntransports:\n  - " + transport
    }

    private func expectError(_ yaml: String, key: String, sourceLocation: SourceLocation = #_sourceLocation)
        -> ConfigurationError?
    {
        do {
            _ = try ConfigurationLoader.load(yaml: yaml)
            Issue.record("expected a configuration error for \(key)", sourceLocation: sourceLocation)
            return nil
        } catch {
            #expect(error.key == key, "\(error)", sourceLocation: sourceLocation)
            return error
        }
    }

    @Test func webSocketAndRawSocketTLSAreParsed() throws {
        let c = self.certificates
        let configuration = try ConfigurationLoader.load(
            yaml: """
                realms:
                  - name: realm1
                transports:
                  - type: websocket
                    port: 8443
                    tls:
                      certificate: \(c.serverCertificatePath)
                      key: \(c.serverKeyPath)
                  - type: rawsocket
                    port: 8444
                    tls:
                      certificate: \(c.serverCertificatePath)
                      key: \(c.serverKeyPath)
                      ca_certificates: \(c.caPath)
                      client_certificate: required
                  - type: rawsocket
                    port: 8445
                    tls:
                      certificate: \(c.serverCertificatePath)
                      key: \(c.serverKeyPath)
                      ca_certificates: \(c.caPath)
                      client_certificate: optional
                  - type: websocket
                    port: 8080
                """)
        guard case .webSocket(let ws) = configuration.transports[0], case .rawSocket(let rs) = configuration.transports[1],
            case .rawSocket(let optional) = configuration.transports[2], case .webSocket(let plain) = configuration.transports[3]
        else {
            Issue.record("unexpected transports \(configuration.transports)")
            return
        }
        #expect(
            ws.tls
                == TLSListenerConfiguration(certificatePath: c.serverCertificatePath, keyPath: c.serverKeyPath))
        #expect(ws.tls?.clientCertificate == TLSListenerConfiguration.ClientCertificatePolicy.none)
        #expect(
            rs.tls
                == TLSListenerConfiguration(
                    certificatePath: c.serverCertificatePath, keyPath: c.serverKeyPath, caCertificatesPath: c.caPath,
                    clientCertificate: .required))
        #expect(optional.tls?.clientCertificate == .optional)
        #expect(plain.tls == nil)
    }

    @Test(arguments: ["optional", "required"])
    func clientCertificatesNeedCACertificates(policy: String) {
        let c = self.certificates
        let error = self.expectError(
            self.yaml(
                "type: websocket\n    port: 1\n    tls:\n      certificate: \(c.serverCertificatePath)\n"
                    + "      key: \(c.serverKeyPath)\n      client_certificate: \(policy)"),
            key: "transports[0].tls.client_certificate")
        #expect(error?.description.contains("ca_certificates") == true)
    }

    @Test func unknownClientCertificatePolicyIsAnError() {
        let c = self.certificates
        _ = self.expectError(
            self.yaml(
                "type: websocket\n    port: 1\n    tls:\n      certificate: \(c.serverCertificatePath)\n"
                    + "      key: \(c.serverKeyPath)\n      ca_certificates: \(c.caPath)\n      client_certificate: maybe"),
            key: "transports[0].tls.client_certificate")
    }

    @Test func unknownAndMissingTLSKeysAreErrors() {
        let c = self.certificates
        _ = self.expectError(
            self.yaml(
                "type: websocket\n    port: 1\n    tls:\n      certificate: \(c.serverCertificatePath)\n"
                    + "      key: \(c.serverKeyPath)\n      password: hunter2"),
            key: "transports[0].tls.password")
        _ = self.expectError(
            self.yaml("type: rawsocket\n    port: 1\n    tls:\n      certificate: \(c.serverCertificatePath)"),
            key: "transports[0].tls.key")
        _ = self.expectError(self.yaml("type: rawsocket\n    port: 1\n    tls: yes"), key: "transports[0].tls")
    }

    @Test func missingFilesNameTheKeyAndThePath() {
        let c = self.certificates
        let missing = c.directory + "/does-not-exist.pem"
        let certificateError = self.expectError(
            self.yaml("type: websocket\n    port: 1\n    tls:\n      certificate: \(missing)\n      key: \(c.serverKeyPath)"),
            key: "transports[0].tls.certificate")
        #expect(certificateError?.description.contains(missing) == true)
        #expect(certificateError?.line != nil)
        let keyError = self.expectError(
            self.yaml(
                "type: websocket\n    port: 1\n    tls:\n      certificate: \(c.serverCertificatePath)\n      key: \(missing)"),
            key: "transports[0].tls.key")
        #expect(keyError?.description.contains(missing) == true)
        let caError = self.expectError(
            self.yaml(
                "type: rawsocket\n    port: 1\n    tls:\n      certificate: \(c.serverCertificatePath)\n"
                    + "      key: \(c.serverKeyPath)\n      ca_certificates: \(missing)\n      client_certificate: required"),
            key: "transports[0].tls.ca_certificates")
        #expect(caError?.description.contains(missing) == true)
    }

    @Test func filesThatDoNotParseAreErrorsWithoutTheirContents() throws {
        let c = self.certificates
        let keyText = try String(contentsOfFile: c.serverKeyPath, encoding: .utf8)
        let keyBody = keyText.split(separator: "\n").dropFirst().first.map(String.init) ?? "?"
        // The key file where the certificate belongs: named, but its contents never appear.
        let swapped = self.expectError(
            self.yaml(
                "type: websocket\n    port: 1\n    tls:\n      certificate: \(c.serverKeyPath)\n      key: \(c.serverKeyPath)"),
            key: "transports[0].tls.certificate")
        #expect(swapped?.description.contains(c.serverKeyPath) == true)
        #expect(swapped?.description.contains(keyBody) == false)
        #expect(swapped?.description.contains("PRIVATE KEY") == false)
        // A certificate where the key belongs.
        let notAKey = self.expectError(
            self.yaml(
                "type: websocket\n    port: 1\n    tls:\n      certificate: \(c.serverCertificatePath)\n"
                    + "      key: \(c.serverCertificatePath)"),
            key: "transports[0].tls.key")
        #expect(notAKey?.description.contains(c.serverCertificatePath) == true)
    }

    @Test func keyOfAnotherCertificateIsAnError() {
        let c = self.certificates
        let error = self.expectError(
            self.yaml(
                "type: websocket\n    port: 1\n    tls:\n      certificate: \(c.serverCertificatePath)\n"
                    + "      key: \(c.clientKeyPath)"),
            key: "transports[0].tls")
        #expect(error?.description.contains(c.clientKeyPath) == true)
    }

    @Test func unixRawSocketWithTLSIsAnError() {
        let c = self.certificates
        _ = self.expectError(
            self.yaml(
                "type: rawsocket\n    unix: /tmp/junction-tls.sock\n    tls:\n      certificate: \(c.serverCertificatePath)\n"
                    + "      key: \(c.serverKeyPath)"),
            key: "transports[0].tls")
    }
}
