/// Why a migration taints a flow: the flow already did something the new configuration does
/// differently, so continuing it may not give what a fresh run would.
public struct Taint: Sendable, Equatable {
    /// What was found.
    public enum Reason: Sendable, Equatable {
        /// The flow already fired an old edge that has no counterpart (`tainted_edges`).
        case firedRemovedEdge(index: Int, edge: TaintedEdge)
        /// Every source of an added edge already finished, so it will not fire
        /// (`tainting_nodes`; `index` is the new edge's).
        case sourcesAlreadyFinished(edgeIndex: Int, nodes: [String])
        /// The migration removed `flow`: workers of the new configuration cannot run it
        /// (Selinon's dispatcher crashes on such a message, defect D-13). Always FAIL. `flow` is
        /// the message's own flow, or a flow its selective run names that was removed and added
        /// back (the edges the run names are of the removed flow).
        case flowRemoved(flow: String)
    }

    /// The migration (version) that found it.
    public var version: Int
    /// What was found: a removed edge fired, an added edge's sources finished, the flow removed.
    public var reason: Reason
    /// The strategy that applies: the file's, or the apply-time policy's.
    public var strategy: TaintedFlowStrategy

    /// A taint found by migration `version` for `reason`, with the `strategy` that applies to it.
    public init(version: Int, reason: Reason, strategy: TaintedFlowStrategy) {
        self.version = version
        self.reason = reason
        self.strategy = strategy
    }
}

/// Which strategy applies to a tainted flow: the one written in each migration file unless an
/// apply-time override names the flow (or `*`). An override is stronger than the files: it
/// replaces their strategy for every taint of that flow, in either direction.
public struct TaintPolicy: Sendable, Equatable {
    /// Per-flow overrides; the key `*` applies to every flow without its own entry.
    public var overrides: [String: TaintedFlowStrategy]

    /// A policy with `overrides` (none: every file's own strategy applies).
    public init(overrides: [String: TaintedFlowStrategy] = [:]) {
        self.overrides = overrides
    }

    /// The strategy for a taint of `flow` found by a migration whose file says `fileStrategy`.
    public func strategy(for flow: String, file fileStrategy: TaintedFlowStrategy) -> TaintedFlowStrategy {
        overrides[flow] ?? overrides["*"] ?? fileStrategy
    }
}
