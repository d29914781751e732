import JunctionRouter

/// One outgoing event forwarder (`forwarders[]`): the events of `topic` (with `match`) on
/// `realm`, received by an in-process session in `role`, are POSTed to `url` as
/// `{"args", "kwargs", "topic", "publication"}` — the body of Crossbar's `MessageForwarder` plus
/// the topic and publication id.
public struct EventForwarderConfiguration: Sendable, Hashable {
    public var realm: String
    public var role: String
    public var topic: String
    public var match: MatchPolicy
    /// `http://` or `https://` URL.
    public var url: String
    /// Extra request headers (e.g. `Authorization`).
    public var headers: [String: String]
    /// Seconds one POST may take.
    public var timeoutSeconds: Int
    public var retry: ForwarderRetryPolicy
    /// Events waiting to be posted; events arriving beyond it are dropped and counted.
    public var queueSize: Int

    public init(
        realm: String,
        role: String,
        topic: String,
        match: MatchPolicy = .exact,
        url: String,
        headers: [String: String] = [:],
        timeoutSeconds: Int = 10,
        retry: ForwarderRetryPolicy = ForwarderRetryPolicy(),
        queueSize: Int = 1000
    ) {
        self.realm = realm
        self.role = role
        self.topic = topic
        self.match = match
        self.url = url
        self.headers = headers
        self.timeoutSeconds = timeoutSeconds
        self.retry = retry
        self.queueSize = queueSize
    }
}

/// How often and how late a failed POST (no answer, or a status other than 2xx) is retried:
/// after `initialBackoff`, then twice as long each time up to `maxBackoff`, at most `maxRetries`
/// times; then the event is dropped and counted.
public struct ForwarderRetryPolicy: Sendable, Hashable {
    public var maxRetries: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(maxRetries: Int = 5, initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(30))
    {
        self.maxRetries = maxRetries
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// The wait before retry number `retry` (1 for the first), or `nil` when no retry is left.
    public func backoff(beforeRetry retry: Int) -> Duration? {
        guard retry >= 1, retry <= self.maxRetries else { return nil }
        var delay = self.initialBackoff
        for _ in 1..<retry {
            delay *= 2
            if delay >= self.maxBackoff { return self.maxBackoff }
        }
        return min(delay, self.maxBackoff)
    }
}
