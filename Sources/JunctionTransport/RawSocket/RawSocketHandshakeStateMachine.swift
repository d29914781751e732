import NIOCore
import WAMPCore

/// The router side of the RawSocket opening handshake, as a pure state machine.
///
/// The client sends 4 octets:
///
///     0111 1111 LLLL SSSS RRRR RRRR RRRR RRRR
///
/// magic `0x7F`; `LLLL` the largest message it accepts (`2^(9 + L)` bytes); `SSSS` the serializer
/// (1 JSON, 2 MessagePack, 3 CBOR); 16 reserved zero bits. The router answers with the same shape,
/// echoing `SSSS` and putting its own limit in `LLLL`, or with an error reply
/// `0x7F, EEEE 0000, 0x00, 0x00` and closes. A first octet other than `0x7F` is not RawSocket:
/// the connection is failed without a reply.
///
/// Bytes may arrive one at a time; the machine consumes at most 4 bytes, so whatever the client
/// sent after its handshake stays in the buffer for the frame decoder.
public struct RawSocketHandshakeStateMachine: Sendable {
    /// What the router agreed with the client.
    public struct Negotiated: Sendable, Hashable {
        public var serializer: SerializerKind
        /// The client's limit: we must not send messages longer than this.
        public var peerMaxMessageLength: Int
        /// Our limit, as advertised: the client must not send longer messages.
        public var maxMessageLength: Int
    }

    public enum Action: Sendable, Hashable {
        /// Not all 4 octets have arrived yet.
        case needMoreData
        /// Write `reply` (4 octets, big-endian), then switch the pipeline to framing.
        case accept(reply: UInt32, Negotiated)
        /// Write the error `reply`, then close.
        case reject(reply: UInt32, TransportError)
        /// Close without writing anything.
        case close(TransportError)
        /// The handshake is already decided; nothing to do.
        case none
    }

    private enum State: Sendable {
        case awaitingRequest(received: UInt32, count: Int)
        case accepted
        case failed
    }

    /// The magic first octet of every handshake request and reply.
    public static let magic: UInt8 = 0x7F

    private var state: State = .awaitingRequest(received: 0, count: 0)
    private let configuration: RawSocketConfiguration
    private let connectionLimitReached: Bool

    /// - Parameter connectionLimitReached: the server is full; every handshake is refused with
    ///   error 4 ("maximum connection count reached") after the client has sent it.
    public init(configuration: RawSocketConfiguration, connectionLimitReached: Bool = false) {
        self.configuration = configuration
        self.connectionLimitReached = connectionLimitReached
    }

    /// Consumes handshake octets from `buffer` (at most the 4 still missing).
    public mutating func bytesReceived(_ buffer: inout ByteBuffer) -> Action {
        guard case .awaitingRequest(var received, var count) = self.state else {
            return .none
        }
        while count < 4, let byte = buffer.readInteger(as: UInt8.self) {
            if count == 0 && byte != Self.magic {
                self.state = .failed
                return .close(
                    TransportError(
                        code: .notRawSocket,
                        detail: "first octet 0x\(String(byte, radix: 16)) is not the RawSocket magic 0x7f"
                    )
                )
            }
            received = received << 8 | UInt32(byte)
            count += 1
        }
        guard count == 4 else {
            self.state = .awaitingRequest(received: received, count: count)
            return .needMoreData
        }
        return self.decide(request: received)
    }

    /// The handshake timeout fired.
    public mutating func timedOut() -> Action {
        guard case .awaitingRequest = self.state else {
            return .none
        }
        self.state = .failed
        return .close(TransportError(code: .handshakeTimeout, detail: "no RawSocket handshake received in time"))
    }

    private mutating func decide(request: UInt32) -> Action {
        let octet2 = UInt8(truncatingIfNeeded: request >> 16)
        let reserved = UInt16(truncatingIfNeeded: request)
        let lengthExponent = Int(octet2 >> 4)
        let serializerID = octet2 & 0x0F

        if self.connectionLimitReached {
            return self.reject(.maximumConnectionCountReached)
        }
        if reserved != 0 {
            return self.reject(.reservedBitsUsed)
        }
        guard let serializer = SerializerKind(rawValue: serializerID),
            self.configuration.serializers.contains(serializer)
        else {
            return self.reject(.serializerUnsupported, detail: "serializer id \(serializerID)")
        }
        let peerMaxMessageLength = 1 << (9 + lengthExponent)
        guard peerMaxMessageLength >= self.configuration.minimumPeerMaxMessageLength else {
            return self.reject(
                .maximumMessageLengthUnacceptable,
                detail: "client accepts \(peerMaxMessageLength) bytes"
            )
        }

        self.state = .accepted
        let octet2Reply = self.configuration.maxMessageLengthExponent << 4 | serializer.rawValue
        return .accept(
            reply: UInt32(Self.magic) << 24 | UInt32(octet2Reply) << 16,
            Negotiated(
                serializer: serializer,
                peerMaxMessageLength: peerMaxMessageLength,
                maxMessageLength: self.configuration.advertisedMaxMessageLength
            )
        )
    }

    private mutating func reject(_ error: RawSocketHandshakeError, detail: String? = nil) -> Action {
        self.state = .failed
        let description = detail.map { "\(error) (\($0))" } ?? error.description
        return .reject(
            reply: UInt32(Self.magic) << 24 | UInt32(error.rawValue << 4) << 16,
            TransportError(code: .handshakeRejected, detail: "RawSocket handshake refused: \(description)")
        )
    }
}
