/// Where an in-flight flow stands as far as migrations are concerned.
public enum FlowStatus: String, Sendable, CaseIterable, Codable {
    /// The flow runs (or waits for its dispatcher).
    case running
    /// A RETRY taint restarted it: the message has a null state; a dispatcher must start it again.
    case retryRequested = "retry_requested"
    /// A FAIL taint (or a removed flow): the flow must be failed; its last state is kept.
    case failed
}

extension FlowStatus {
    /// The statuses as a message lists them: `'running', 'retry_requested', 'failed'`.
    static var expected: String { allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ") }
}
