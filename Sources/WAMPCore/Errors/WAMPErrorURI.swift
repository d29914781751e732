/// The error and close reason URIs the spec predefines.
public enum WAMPErrorURI {
    // Session close reasons.
    public static let closeNormal = "wamp.close.normal"
    public static let systemShutdown = "wamp.close.system_shutdown"
    public static let closeRealm = "wamp.close.close_realm"
    public static let goodbyeAndOut = "wamp.close.goodbye_and_out"
    public static let killed = "wamp.close.killed"

    // Errors.
    public static let protocolViolation = "wamp.error.protocol_violation"
    public static let invalidURI = "wamp.error.invalid_uri"
    public static let noSuchProcedure = "wamp.error.no_such_procedure"
    public static let procedureAlreadyExists = "wamp.error.procedure_already_exists"
    public static let noSuchRegistration = "wamp.error.no_such_registration"
    public static let noSuchSubscription = "wamp.error.no_such_subscription"
    public static let invalidArgument = "wamp.error.invalid_argument"
    public static let noSuchRealm = "wamp.error.no_such_realm"
    public static let noSuchRole = "wamp.error.no_such_role"
    public static let noSuchSession = "wamp.error.no_such_session"
    public static let notAuthorized = "wamp.error.not_authorized"
    public static let authorizationFailed = "wamp.error.authorization_failed"
    public static let authenticationFailed = "wamp.error.authentication_failed"
    public static let noAuthMethod = "wamp.error.no_auth_method"
    /// None of the HELLO's `authmethods` is accepted (Advanced Profile URIs).
    public static let noMatchingAuthMethod = "wamp.error.no_matching_auth_method"
    public static let canceled = "wamp.error.canceled"
    public static let timeout = "wamp.error.timeout"
    public static let unavailable = "wamp.error.unavailable"
    public static let noAvailableCallee = "wamp.error.no_available_callee"
    public static let featureNotSupported = "wamp.error.feature_not_supported"
    public static let optionNotAllowed = "wamp.error.option_not_allowed"
    public static let runtimeError = "wamp.error.runtime_error"
    public static let payloadSizeExceeded = "wamp.error.payload_size_exceeded"
    /// A CALL with `disclose_me` in a realm that refuses caller disclosure (Caller Identification).
    public static let discloseMeNotAllowed = "wamp.error.disclose_me.not_allowed"
    /// A PUBLISH with `disclose_me` in a realm that refuses publisher disclosure.
    public static let discloseMeDisallowed = "wamp.error.option_disallowed.disclose_me"
    /// Not in the spec: Junction's answer when a per-session limit (pending calls, subscriptions,
    /// registrations) would be exceeded.
    /// A shared REGISTER whose `invoke` policy differs from the registration's (Crossbar's URI).
    public static let procedureExistsWithDifferentInvocationPolicy =
        "wamp.error.procedure_exists_with_different_invocation_policy"
    public static let limitExceeded = "wamp.error.limit_exceeded"
    /// Not in the spec: `SUBSCRIBE.Options._recover` asked for events the router no longer holds
    /// (another epoch, or an offset older than what is kept); no subscription was created.
    public static let recoveryIncomplete = "junction.error.recovery_incomplete"
    /// Not in the spec: an acknowledged publication could not be written to durable storage.
    public static let storageFailed = "junction.error.storage_failed"
}
