/// What the router knows about a verified client certificate, for the `tls` authmethod.
///
/// The one description of a client certificate: the TLS layer (JunctionServer) fills it in from
/// the DER bytes, the authenticator matches it against `TLSPrincipal`s, so this target needs no
/// X.509 parser.
public struct ClientCertificate: Sendable, Hashable {
    /// The subject's most specific common name (CN); `nil` if the subject has none.
    public var commonName: String?
    /// Lowercase hex of SHA-256 over the DER certificate, no separators.
    public var sha256Fingerprint: String

    public init(commonName: String?, sha256Fingerprint: String) {
        self.commonName = commonName
        self.sha256Fingerprint = sha256Fingerprint
    }
}
