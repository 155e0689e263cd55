/// One migration file (`N.json`): for every changed flow, how old edge indices map to new ones,
/// which old edges taint a flow that already fired them, and which nodes taint a flow that
/// already ran them — plus the strategy for tainted flows.
///
/// The same structure Selinon 1.4 reads (`migration` → flow → `translation`, `tainted_edges`,
/// `tainting_nodes`; `tainted_flow_strategy`; `_meta`). Read and write it with
/// ``init(selinonJSON:file:)`` and ``selinonJSON()``.
public struct Migration: Sendable, Equatable {
    /// Per-flow changes, by flow name. A flow without changes has no entry.
    public var flows: [String: EdgeMigration]
    /// What happens to a flow this migration taints.
    public var strategy: TaintedFlowStrategy
    /// `_meta`: provenance (tool, revisions, digests, warnings); ignored at runtime.
    public var metadata: JSONValue?

    /// A migration with the changes of `flows` (by flow name), the `strategy` for tainted flows and
    /// the `_meta` object `metadata`.
    public init(flows: [String: EdgeMigration], strategy: TaintedFlowStrategy, metadata: JSONValue? = nil) {
        self.flows = flows
        self.strategy = strategy
        self.metadata = metadata
    }

    /// Edges a flow may have in a migration file: an index (or edge count) from this many on is
    /// refused as damage. Far beyond any real flow (a flow file of a million edges is tens of
    /// megabytes of YAML), and it bounds the lookup tables the runtime builds from the indices.
    public static let edgeLimit = 1_000_000

    /// Whether two migrations change in-flight states the same way (metadata aside). An entry
    /// that changes nothing — Selinon's generator writes one for every flow after the first
    /// changed one (defect D-3) — counts as no entry, and the condition a removed edge is
    /// described with does not count (``EdgeMigration/hasSameEffect(as:)``).
    public func hasSameEffect(as other: Migration) -> Bool {
        if flows == other.flows { return true }
        // Compared in place: history checks compare a file with many derived migrations.
        return flows.allSatisfy { name, entry in
            entry.isEmpty ? (other.flows[name]?.isEmpty ?? true) : other.flows[name].map(entry.hasSameEffect(as:)) ?? false
        } && other.flows.allSatisfy { name, entry in entry.isEmpty || flows[name] != nil }
    }

    /// The entries of flows whose states the migration changes: ``flows`` without empty entries.
    public var changedFlows: [String: EdgeMigration] {
        flows.filter { !$0.value.isEmpty }
    }

    /// Whether this migration repeats `previous`: the same effect, and the same flows removed and
    /// added as `_meta.edge_counts` says (a removal and the return of that flow both have no
    /// entries, and are not a repeat).
    public func repeats(_ previous: Migration) -> Bool {
        let none: (removed: Set<String>, added: Set<String>) = ([], [])
        return hasSameEffect(as: previous) && (recordedPresenceChanges ?? none) == (previous.recordedPresenceChanges ?? none)
    }
}

/// How one flow's edges changed between two configurations.
public struct EdgeMigration: Sendable, Equatable {
    /// Old edge index → new edge index, or `nil` when the old edge has no counterpart. Indices
    /// that keep their number are absent.
    public var translation: [Int: Int?]
    /// Old edges without a counterpart, by old index: a flow that already fired one is tainted.
    public var taintedEdges: [Int: TaintedEdge]
    /// New edges without a counterpart, by new index, with their source nodes: a flow in which
    /// all of them already finished is tainted (the new edge will not fire for it).
    public var taintingNodes: [Int: [String]]

    /// An entry with the given maps; by default empty (it changes nothing).
    public init(translation: [Int: Int?] = [:], taintedEdges: [Int: TaintedEdge] = [:], taintingNodes: [Int: [String]] = [:]) {
        self.translation = translation
        self.taintedEdges = taintedEdges
        self.taintingNodes = taintingNodes
    }

    /// Whether the entry changes nothing (Selinon writes such entries; see defect D-3).
    public var isEmpty: Bool { translation.isEmpty && taintedEdges.isEmpty && taintingNodes.isEmpty }

    /// Whether the two entries change states the same way: equal but for the conditions their
    /// removed edges are described with (`condition_str`, for traces). A condition changed
    /// after a migration was generated — a change that needs no migration of its own, made on
    /// another branch — leaves the migration right for flows started with either condition.
    public func hasSameEffect(as other: EdgeMigration) -> Bool {
        translation == other.translation && taintingNodes == other.taintingNodes
            && taintedEdges.count == other.taintedEdges.count
            && taintedEdges.allSatisfy { index, edge in
                other.taintedEdges[index].map { $0.from == edge.from && $0.to == edge.to } ?? false
            }
    }
}

/// An old edge recorded in `tainted_edges`: what it was, for reports and tracing.
public struct TaintedEdge: Sendable, Equatable {
    /// Source node names (sorted).
    public var from: [String]
    /// Destination node names (sorted).
    public var to: [String]
    /// The edge's condition as configured (`condition_str` in the file; a JSON object).
    public var condition: JSONValue

    /// An old edge from nodes `from` to nodes `to`, with its configured `condition`.
    public init(from: [String], to: [String], condition: JSONValue) {
        self.from = from
        self.to = to
        self.condition = condition
    }
}

/// What a dispatcher does with a flow that a migration taints.
public enum TaintedFlowStrategy: String, Sendable, CaseIterable, Comparable {
    /// Continue with the migrated state.
    case ignore = "IGNORE"
    /// Restart the flow from scratch.
    case retry = "RETRY"
    /// Fail the flow.
    case fail = "FAIL"

    /// Parses a strategy name case-insensitively, as Selinon does.
    public init?(name: String) {
        guard let strategy = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = strategy
    }

    /// Severity order: ignore < retry < fail.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        let order: [Self] = [.ignore, .retry, .fail]
        return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }
}
