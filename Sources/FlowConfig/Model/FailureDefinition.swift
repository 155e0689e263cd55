/// One entry of a flow's `failures`: what to start when the given nodes failed.
public struct FailureDefinition: Sendable, Equatable {
    /// `nodes`: the failed nodes this entry handles (exactly this set).
    public var nodes: [String]
    /// `fallback`: nodes to start, or `true` (the failure is handled, nothing starts).
    public var fallback: Fallback
    /// The optional condition, evaluated on the flow arguments only.
    public var condition: Condition?
    /// The condition as loaded from YAML, when present.
    public var conditionValue: ConfigValue?
    /// `propagate_failure` (parsed by Selinon, with no runtime effect in 1.4).
    public var propagateFailure: Bool
    /// Where the entry's mapping starts.
    public var location: FileLocation

    /// An entry that starts `fallback` when exactly `nodes` failed (and `condition`, if any, holds).
    public init(nodes: [String], fallback: Fallback, condition: Condition? = nil, conditionValue: ConfigValue? = nil,
                propagateFailure: Bool = false, location: FileLocation) {
        self.nodes = nodes
        self.fallback = fallback
        self.condition = condition
        self.conditionValue = conditionValue
        self.propagateFailure = propagateFailure
        self.location = location
    }
}

/// A failure's `fallback`.
public enum Fallback: Sendable, Hashable {
    /// `fallback: true` — consider the failure handled and start nothing.
    case handled
    /// Start these nodes (possibly none: `fallback: []`).
    case nodes([String])

    /// The nodes started, empty for ``handled``.
    public var nodes: [String] {
        if case .nodes(let names) = self { return names }
        return []
    }
}
