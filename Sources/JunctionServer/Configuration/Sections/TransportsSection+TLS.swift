/// A transport's `tls` key: certificate, key, client-certificate CAs and policy, each file checked
/// when the configuration is read so a bad path is reported with its line, not at bind time.
extension TransportsSection {
    static func tls(
        _ tlsNode: inout NodeReader,
        of transport: NodeReader
    ) throws(ConfigurationError) -> TLSListenerConfiguration {
        try tlsNode.allowKeys(["certificate", "key", "ca_certificates", "client_certificate"])
        var settings = TLSListenerConfiguration(
            certificatePath: try tlsNode.string("certificate"),
            keyPath: try tlsNode.string("key"),
            caCertificatesPath: try tlsNode.optionalString("ca_certificates")
        )
        let policies = TLSListenerConfiguration.ClientCertificatePolicy.allCases
        let policy = try tlsNode.optionalString("client_certificate", oneOf: Set(policies.map(\.rawValue))) ?? "none"
        settings.clientCertificate = TLSListenerConfiguration.ClientCertificatePolicy(rawValue: policy)!
        if settings.clientCertificate != .none, settings.caCertificatesPath == nil {
            throw tlsNode.error(
                "client_certificate",
                "'\(policy)' needs 'ca_certificates' (the CAs client certificates must chain to)"
            )
        }
        if let problem = TLSContextFactory.certificateProblem(at: settings.certificatePath) {
            throw tlsNode.error("certificate", problem)
        }
        if let problem = TLSContextFactory.privateKeyProblem(at: settings.keyPath) {
            throw tlsNode.error("key", problem)
        }
        if let path = settings.caCertificatesPath, let problem = TLSContextFactory.certificateProblem(at: path) {
            throw tlsNode.error("ca_certificates", problem)
        }
        if let problem = TLSContextFactory.contextProblem(settings) {
            throw transport.error("tls", problem)
        }
        return settings
    }
}
