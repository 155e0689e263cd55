/// What migrating one dispatcher message gives.
public enum MigrationOutcome: Sendable, Equatable {
    /// The message already conforms to the latest version.
    case upToDate
    /// Brought to `version`; `taints` holds IGNORE taints, if any (the flow continues).
    case migrated(DispatcherMessage, fromVersion: Int, toVersion: Int, taints: [Taint])
    /// A RETRY taint: the flow restarts from scratch — the message has a null state and the
    /// latest version; the retry count is unchanged, as in Selinon.
    case retry(DispatcherMessage, fromVersion: Int, toVersion: Int, taints: [Taint])
    /// A FAIL taint: the flow must be failed. The message is returned unchanged (the last
    /// state, before migration).
    case fail(fromVersion: Int, toVersion: Int, taints: [Taint])
    /// The state is newer than the migrations known here (a newer deployment wrote it); it is
    /// left untouched, version included, for a newer worker.
    case skew(version: Int, latest: Int)

    /// The outcome's name in reports: `up_to_date`, `migrated`, `retry`, `fail`, `skew`.
    public var name: String {
        switch self {
        case .upToDate: return "up_to_date"
        case .migrated: return "migrated"
        case .retry: return "retry"
        case .fail: return "fail"
        case .skew: return "skew"
        }
    }

    /// Every taint found, whatever the strategy.
    public var taints: [Taint] {
        switch self {
        case .migrated(_, _, _, let taints), .retry(_, _, _, let taints), .fail(_, _, let taints): return taints
        case .upToDate, .skew: return []
        }
    }
}
