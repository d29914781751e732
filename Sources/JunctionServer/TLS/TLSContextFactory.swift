import NIOSSL

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Turns a listener's `TLSListenerConfiguration` into the one `NIOSSLContext` all of its
/// connections share, and checks the PEM files when the configuration is loaded.
///
/// Client certificates:
/// - `.none`: the server never sends a CertificateRequest (`CertificateVerification.none`).
/// - `.optional`: `CertificateVerification.optionalVerification` (swift-nio-ssl ≥ 2.30): the
///   server requests a certificate; a client may send none, but a certificate it does send must
///   chain to `ca_certificates` or the handshake fails. No custom verification callback needed.
/// - `.required`: `.noHostnameVerification`: a certificate chaining to `ca_certificates` is
///   mandatory (a client has no host name to check).
///
/// Problems are described by path and kind only; key material never appears in an error.
enum TLSContextFactory {
    /// The server context for one listener. Reads the files; call once per listener, at bind time.
    static func makeContext(_ configuration: TLSListenerConfiguration) throws -> NIOSSLContext {
        try NIOSSLContext(configuration: try self.makeTLSConfiguration(configuration))
    }

    static func makeTLSConfiguration(_ configuration: TLSListenerConfiguration) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(configuration.certificatePath)
        guard !chain.isEmpty else { throw NIOSSLError.failedToLoadCertificate }
        let key = try NIOSSLPrivateKey(file: configuration.keyPath, format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        if let caPath = configuration.caCertificatesPath {
            let roots = try NIOSSLCertificate.fromPEMFile(caPath)
            guard !roots.isEmpty else { throw NIOSSLError.failedToLoadCertificate }
            tls.trustRoots = .certificates(roots)
            // Tell clients which CAs are acceptable, so they pick the right certificate.
            tls.sendCANameList = configuration.clientCertificate != .none
        }
        switch configuration.clientCertificate {
        case .none: tls.certificateVerification = .none
        case .optional: tls.certificateVerification = .optionalVerification
        case .required: tls.certificateVerification = .noHostnameVerification
        }
        return tls
    }

    /// Why the PEM certificate file at `path` cannot be used, or `nil` if it holds at least one
    /// certificate.
    static func certificateProblem(at path: String) -> String? {
        if let problem = self.fileProblem(at: path) { return problem }
        guard let certificates = try? NIOSSLCertificate.fromPEMFile(path) else {
            return "'\(path)' is not a PEM certificate file"
        }
        return certificates.isEmpty ? "'\(path)' holds no PEM certificate" : nil
    }

    /// Why the PEM private key file at `path` cannot be used, or `nil` if it parses.
    static func privateKeyProblem(at path: String) -> String? {
        if let problem = self.fileProblem(at: path) { return problem }
        guard (try? NIOSSLPrivateKey(file: path, format: .pem)) != nil else {
            return "'\(path)' is not an unencrypted PEM private key"
        }
        return nil
    }

    /// Why the files, each usable alone, do not make a TLS context (for example a key that does
    /// not belong to the certificate), or `nil`.
    static func contextProblem(_ configuration: TLSListenerConfiguration) -> String? {
        do {
            _ = try self.makeContext(configuration)
            return nil
        } catch {
            return "cannot set up TLS with certificate '\(configuration.certificatePath)' and key "
                + "'\(configuration.keyPath)' (does the key belong to the certificate?): \(error)"
        }
    }

    private static func fileProblem(at path: String) -> String? {
        guard !path.isEmpty else { return "empty path" }
        guard access(path, R_OK) == 0 else {
            return "cannot read '\(path)': \(String(cString: strerror(errno)))"
        }
        return nil
    }
}
