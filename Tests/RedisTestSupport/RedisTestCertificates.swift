import Crypto
import Foundation
import JunctionRedis
import X509

/// A CA, a server certificate for `127.0.0.1`/`localhost` and a client certificate, generated once
/// per test process (P-256) as PEM files in a fresh temporary directory, for TLS between the Redis
/// client and a `redis-server` started with `--tls-port`.
public struct RedisTestCertificates: Sendable {
    public let directory: String
    public var caPath: String { self.directory + "/ca.pem" }
    public var serverCertificatePath: String { self.directory + "/server.pem" }
    public var serverKeyPath: String { self.directory + "/server-key.pem" }
    /// A server certificate naming only `localhost` (no IP address), for tests of `server_name`.
    public var namedServerCertificatePath: String { self.directory + "/named-server.pem" }
    public var namedServerKeyPath: String { self.directory + "/named-server-key.pem" }
    public var clientCertificatePath: String { self.directory + "/client.pem" }
    public var clientKeyPath: String { self.directory + "/client-key.pem" }
    /// A CA that signed nothing here: trusting only it must fail verification.
    public var otherCAPath: String { self.directory + "/other-ca.pem" }

    public static let shared: RedisTestCertificates = {
        do {
            return try RedisTestCertificates.generate()
        } catch {
            fatalError("cannot generate the Redis test certificates: \(error)")
        }
    }()

    /// Client settings trusting the test CA, presenting the client certificate.
    public func clientConfiguration(
        verification: RedisTLSConfiguration.Verification = .full, serverName: String? = nil
    ) -> RedisTLSConfiguration {
        RedisTLSConfiguration(
            caCertificatesPath: self.caPath, certificatePath: self.clientCertificatePath,
            keyPath: self.clientKeyPath, serverName: serverName, verification: verification)
    }

    private static func generate() throws -> RedisTestCertificates {
        let directory = NSTemporaryDirectory() + "junction-redis-tls-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificates = RedisTestCertificates(directory: directory)

        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("Junction Redis Test CA") }
        try Self.write(try Self.authority(name: caName, key: caKey).serializeAsPEM().pemString, to: certificates.caPath)
        let otherKey = P256.Signing.PrivateKey()
        let otherName = try DistinguishedName { CommonName("Some Other CA") }
        try Self.write(
            try Self.authority(name: otherName, key: otherKey).serializeAsPEM().pemString, to: certificates.otherCAPath)

        try Self.server(
            names: [.dnsName("localhost"), .ipAddress(.init(contentBytes: [127, 0, 0, 1]))], issuer: caName,
            issuerKey: caKey, certificatePath: certificates.serverCertificatePath, keyPath: certificates.serverKeyPath)
        try Self.server(
            names: [.dnsName("localhost")], issuer: caName, issuerKey: caKey,
            certificatePath: certificates.namedServerCertificatePath, keyPath: certificates.namedServerKeyPath)

        let clientKey = P256.Signing.PrivateKey()
        let client = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(clientKey.publicKey),
            notValidBefore: Date() - 3600, notValidAfter: Date() + 86400 * 30,
            issuer: caName, subject: try DistinguishedName { CommonName("junction-node") },
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
            },
            issuerPrivateKey: .init(caKey))
        try Self.write(client.serializeAsPEM().pemString, to: certificates.clientCertificatePath)
        try Self.write(clientKey.pemRepresentation, to: certificates.clientKeyPath)
        return certificates
    }

    private static func server(
        names: [GeneralName], issuer: DistinguishedName, issuerKey: P256.Signing.PrivateKey, certificatePath: String,
        keyPath: String
    ) throws {
        let key = P256.Signing.PrivateKey()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date() - 3600, notValidAfter: Date() + 86400 * 30,
            issuer: issuer, subject: try DistinguishedName { CommonName("localhost") },
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                // Redis uses the same certificate as a client towards its master (replication).
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(issuerKey))
        try Self.write(certificate.serializeAsPEM().pemString, to: certificatePath)
        try Self.write(key.pemRepresentation, to: keyPath)
    }

    private static func authority(name: DistinguishedName, key: P256.Signing.PrivateKey) throws -> Certificate {
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

    private static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
