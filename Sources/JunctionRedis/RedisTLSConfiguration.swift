import NIOCore
import NIOSSL

/// TLS to Redis (`rediss://`), as files: what the configuration names and what a reconnect reads
/// again, so a renewed certificate is picked up without a restart.
public struct RedisTLSConfiguration: Sendable, Hashable {
    /// How much of the server's certificate is checked.
    public enum Verification: String, Sendable, Hashable, CaseIterable {
        /// Chain to a trusted CA and name (host name or IP address) matching what was dialled.
        case full
        /// Chain only: for servers reached by an address their certificate does not name.
        case noHostname = "no_hostname"
        /// Nothing: encryption without authentication. For tests only.
        case none
    }

    /// PEM file of the CAs the server's certificate must chain to; `nil` uses the system's roots.
    public var caCertificatesPath: String?
    /// PEM certificate (chain) this client presents, for servers with `tls-auth-clients yes`.
    public var certificatePath: String?
    /// PEM private key of `certificatePath`.
    public var keyPath: String?
    /// Name to verify and send as SNI instead of the host dialled (an IP address is never sent as
    /// SNI, as TLS forbids it; it is matched against the certificate's IP addresses instead).
    public var serverName: String?
    public var verification: Verification

    public init(
        caCertificatesPath: String? = nil, certificatePath: String? = nil, keyPath: String? = nil,
        serverName: String? = nil, verification: Verification = .full
    ) {
        self.caCertificatesPath = caCertificatesPath
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.serverName = serverName
        self.verification = verification
    }

    /// Reads the files into an SSL context (on every connect: the files may have been renewed).
    func makeContext() throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let path = self.caCertificatesPath {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
        }
        if let certificatePath = self.certificatePath {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) }
        }
        if let keyPath = self.keyPath {
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
        }
        switch self.verification {
        case .full: tls.certificateVerification = .fullVerification
        case .noHostname: tls.certificateVerification = .noHostnameVerification
        case .none: tls.certificateVerification = .none
        }
        return try NIOSSLContext(configuration: tls)
    }

    /// The SNI name for a connection to `host`: `nil` for IP addresses, which NIOSSL then verifies
    /// against the certificate's IP address entries.
    func sniName(dialling host: String) -> String? {
        let name = self.serverName ?? host
        return (try? SocketAddress(ipAddress: name, port: 0)) == nil ? name : nil
    }
}
