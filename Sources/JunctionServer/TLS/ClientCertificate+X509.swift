import Crypto
import JunctionRouter
import NIOCore
import NIOSSL
import X509

extension ClientCertificate {
    /// The certificate described by its DER encoding; `nil` if it does not parse.
    init?(derEncoded der: [UInt8]) {
        guard let certificate = try? Certificate(derEncoded: der) else { return nil }
        self.init(
            commonName: Self.commonName(of: certificate.subject), sha256Fingerprint: Self.hex(SHA256.hash(data: der)))
    }

    /// The most specific (last) CN of `name`, as RFC 6125 recommends.
    private static func commonName(of name: DistinguishedName) -> String? {
        var result: String?
        for rdn in name {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                if let value = String(attribute.value) { result = value }
            }
        }
        return result
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(SHA256.Digest.byteCount * 2)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Channel {
    /// The verified client certificate; `nil` without TLS or without a client certificate. Call on
    /// the channel's event loop, after the TLS handshake (i.e. when a WAMP message has arrived).
    ///
    /// Only listeners with `client_certificate` `optional` or `required` ask for a certificate, and
    /// there a certificate that does not chain to `ca_certificates` fails the handshake, so any
    /// certificate seen here has been verified.
    func tlsClientCertificate() -> ClientCertificate? {
        self.eventLoop.preconditionInEventLoop()
        guard let handler = try? self.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
            let certificate = handler.peerCertificate,
            let der = try? certificate.toDERBytes()
        else { return nil }
        return ClientCertificate(derEncoded: der)
    }

    /// Whether the connection is TLS-protected.
    func isTLSProtected() -> Bool {
        self.eventLoop.preconditionInEventLoop()
        return (try? self.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)) != nil
    }
}
