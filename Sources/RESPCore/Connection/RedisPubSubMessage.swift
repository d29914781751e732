import NIOCore

/// A message published to a channel this connection subscribed to, directly (`SUBSCRIBE`) or
/// through a pattern (`PSUBSCRIBE`, then `pattern` is the matching pattern).
///
/// RESP3: a push `>3 message <channel> <payload>` or `>4 pmessage <pattern> <channel> <payload>`;
/// RESP2: the same elements as an array, recognised only while the connection is subscribed.
public struct RedisPubSubMessage: Sendable, Hashable {
    public var channel: ByteBuffer
    public var pattern: ByteBuffer?
    public var payload: ByteBuffer

    public init(channel: ByteBuffer, pattern: ByteBuffer? = nil, payload: ByteBuffer) {
        self.channel = channel
        self.pattern = pattern
        self.payload = payload
    }
}
