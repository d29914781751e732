/// How a shared registration picks the callee for a call (`REGISTER.Options.invoke`).
public enum InvocationPolicy: String, Sendable, Hashable, CaseIterable {
    /// One callee only: a second REGISTER for the procedure is refused.
    case single
    case roundrobin
    case random
    /// The callee that registered first.
    case first
    /// The callee that registered last.
    case last
}

/// How a call is canceled (`CANCEL.Options.mode`).
public enum CancelMode: String, Sendable, Hashable {
    /// ERROR to the caller now; no INTERRUPT; the callee's answer is dropped.
    case skip
    /// INTERRUPT to the callee; the caller gets the callee's answer (RESULT or ERROR).
    case kill
    /// ERROR to the caller now and INTERRUPT to the callee; the callee's answer is dropped.
    case killnowait
}
