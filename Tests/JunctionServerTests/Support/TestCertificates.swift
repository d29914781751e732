import Crypto
import Foundation
import NIOSSL
import X509

/// Certificates generated for the TLS tests (P-256, ECDSA-SHA256), written as PEM files to a
/// fresh temporary directory once per test process:
/// - a CA (`ca.pem`),
/// - a server certificate for `127.0.0.1`, `::1` and `localhost` signed by the CA
///   (`server.pem`, `server-key.pem`),
/// - a client certificate with CN `client-one` signed by the CA (`client.pem`, `client-key.pem`),
/// - a client certificate with CN `stranger` signed by a second CA the router does not trust
///   (`stranger.pem`, `stranger-key.pem`).
struct TestCertificates: Sendable {
    let directory: String
    var caPath: String { self.directory + "/ca.pem" }
    var serverCertificatePath: String { self.directory + "/server.pem" }
    var serverKeyPath: String { self.directory + "/server-key.pem" }
    var clientCertificatePath: String { self.directory + "/client.pem" }
    var clientKeyPath: String { self.directory + "/client-key.pem" }
    var strangerCertificatePath: String { self.directory + "/stranger.pem" }
    var strangerKeyPath: String { self.directory + "/stranger-key.pem" }

    /// Generated on first use, shared by every test of the process.
    static let shared: TestCertificates = {
        do {
            return try TestCertificates.generate()
        } catch {
            fatalError("cannot generate test certificates: \(error)")
        }
    }()

    private static func generate() throws -> TestCertificates {
        let directory = NSTemporaryDirectory() + "junction-tls-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)

        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("Junction Test CA") }
        let ca = try Self.certificateAuthority(name: caName, key: caKey)
        try Self.write(ca.serializeAsPEM().pemString, to: certificates.caPath)

        let serverKey = P256.Signing.PrivateKey()
        let server = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(serverKey.publicKey),
            notValidBefore: Date() - 3600, notValidAfter: Date() + 86400 * 30,
            issuer: caName, subject: try DistinguishedName { CommonName("localhost") },
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([
                    .dnsName("localhost"),
                    .ipAddress(.init(contentBytes: [127, 0, 0, 1])),
                    .ipAddress(.init(contentBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
                ])
            },
            issuerPrivateKey: .init(caKey))
        try Self.write(server.serializeAsPEM().pemString, to: certificates.serverCertificatePath)
        try Self.write(serverKey.pemRepresentation, to: certificates.serverKeyPath)

        let clientKey = P256.Signing.PrivateKey()
        let client = try Self.clientCertificate(commonName: "client-one", key: clientKey, issuer: caName, issuerKey: caKey)
        try Self.write(client.serializeAsPEM().pemString, to: certificates.clientCertificatePath)
        try Self.write(clientKey.pemRepresentation, to: certificates.clientKeyPath)

        // A client certificate from a CA the router does not know.
        let otherCAKey = P256.Signing.PrivateKey()
        let otherCAName = try DistinguishedName { CommonName("Some Other CA") }
        let strangerKey = P256.Signing.PrivateKey()
        let stranger = try Self.clientCertificate(
            commonName: "stranger", key: strangerKey, issuer: otherCAName, issuerKey: otherCAKey)
        try Self.write(stranger.serializeAsPEM().pemString, to: certificates.strangerCertificatePath)
        try Self.write(strangerKey.pemRepresentation, to: certificates.strangerKeyPath)
        return certificates
    }

    private static func certificateAuthority(name: DistinguishedName, key: P256.Signing.PrivateKey) throws -> Certificate {
        try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date() - 3600, notValidAfter: Date() + 86400 * 30,
            issuer: name, subject: name,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key))
    }

    private static func clientCertificate(
        commonName: String, key: P256.Signing.PrivateKey, issuer: DistinguishedName, issuerKey: P256.Signing.PrivateKey
    ) throws -> Certificate {
        try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date() - 3600, notValidAfter: Date() + 86400 * 30,
            issuer: issuer, subject: try DistinguishedName { CommonName(commonName) },
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
            },
            issuerPrivateKey: .init(issuerKey))
    }

    private static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    // MARK: - Helpers for clients and expectations

    /// A client TLS configuration trusting the test CA, optionally presenting a certificate.
    func clientTLS(certificatePath: String? = nil, keyPath: String? = nil) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(self.caPath))
        if let certificatePath, let keyPath {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
        }
        return tls
    }

    /// The client certificate `client-one` with its key.
    func clientOneTLS() throws -> TLSConfiguration {
        try self.clientTLS(certificatePath: self.clientCertificatePath, keyPath: self.clientKeyPath)
    }

    /// Lowercase hex SHA-256 of the DER form of the first certificate in `path`, computed
    /// independently of the router's code (NIOSSL for DER, Foundation for hex).
    func sha256Fingerprint(ofCertificateAt path: String) throws -> String {
        let der = try NIOSSLCertificate.fromPEMFile(path)[0].toDERBytes()
        return SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
    }
}
