import Foundation

/// A migration directory loaded once, validated as a whole and compiled into per-flow lookup
/// tables, so that migrating a state costs no file or JSON work beyond the state itself.
///
/// ```swift
/// let chain = try MigrationChain(directory: MigrationDirectory.load(from: "migrations"))
/// let outcome = try Migrator(chain: chain).migrate(message)
/// ```
public struct MigrationChain: Sendable {
    /// The newest version: states are brought up to it.
    public let latestVersion: Int
    /// `steps[k - 1]` turns a version `k - 1` state into version `k`.
    let steps: [CompiledMigration]
    /// For each flow, the migrations that change it, in version order.
    let stepsByFlow: [String: [FlowStep]]

    /// One migration's entry for one flow.
    struct FlowStep: Sendable {
        let version: Int
        let strategy: TaintedFlowStrategy
        let entry: CompiledFlowMigration
    }

    /// Compiles every migration of a loaded (and so validated) directory, in order.
    public init(directory: MigrationDirectory) {
        self.init(migrations: directory.migrations)
    }

    /// Compiles migrations given in version order (`migrations[0]` is version 1). They must be
    /// what ``MigrationDirectory`` loads: edge indices from 0 to 999,999 (a migration built in
    /// code with others is a programming error, and stops the process with that message; build
    /// with ``init(checking:)`` to have it thrown instead).
    public init(migrations: [Migration]) {
        if let problem = Self.indexOutOfRange(in: migrations) { preconditionFailure(problem.description) }
        steps = migrations.enumerated().map { CompiledMigration($0.element, version: $0.offset + 1) }
        latestVersion = migrations.count
        var byFlow: [String: [FlowStep]] = [:]
        for step in steps {
            for (flow, entry) in step.flows {
                byFlow[flow, default: []].append(FlowStep(version: step.version, strategy: step.strategy, entry: entry))
            }
        }
        stepsByFlow = byFlow
        // Only files that record their configurations' flows (`_meta.edge_counts`) tell: a flow
        // counted before and not after was removed; one counted after and not before, added.
        var changes: [String: [PresenceChange]] = [:]
        for (step, migration) in zip(steps, migrations) {
            guard let presence = migration.recordedPresenceChanges else { continue }
            for flow in presence.removed { changes[flow, default: []].append(PresenceChange(version: step.version, isRemoval: true)) }
            for flow in presence.added { changes[flow, default: []].append(PresenceChange(version: step.version, isRemoval: false)) }
        }
        presenceChanges = changes
    }

    /// Compiles migrations built in code, in version order (`migrations[0]` is version 1), after
    /// checking what ``MigrationDirectory`` checks of a file's indices.
    /// - Throws: ``MigrationChainError`` for an edge index outside 0 to 999,999, naming the
    ///   migration, the flow and the index.
    public init(checking migrations: [Migration]) throws(MigrationChainError) {
        if let problem = Self.indexOutOfRange(in: migrations) { throw problem }
        self.init(migrations: migrations)
    }

    /// The first edge index of `migrations` that no flow can have.
    private static func indexOutOfRange(in migrations: [Migration]) -> MigrationChainError? {
        for (offset, migration) in migrations.enumerated() {
            for (flow, entry) in migration.flows.sorted(by: { $0.key < $1.key }) {
                let indices = Array(entry.translation.keys) + entry.translation.values.compactMap { $0 }
                    + Array(entry.taintedEdges.keys) + Array(entry.taintingNodes.keys)
                if let wrong = indices.first(where: { !(0..<Migration.edgeLimit).contains($0) }) {
                    return MigrationChainError(version: offset + 1, flow: flow,
                                               message: "edge index \(wrong) is outside 0..<\(Migration.edgeLimit)")
                }
            }
        }
        return nil
    }

    /// A migration that removed a flow, or added one (back): known from `_meta.edge_counts`.
    struct PresenceChange: Sendable {
        let version: Int
        let isRemoval: Bool
    }

    /// Per flow, the migrations that removed or added it, in version order.
    let presenceChanges: [String: [PresenceChange]]

    /// The version of the last migration that removed `flow`, if one did (known from `_meta.edge_counts`):
    /// in-flight flows from before it fail.
    public func removalVersion(of flow: String) -> Int? { presenceChanges[flow]?.last(where: \.isRemoval)?.version }

    /// Whether the newest configuration has `flow`, as the newest file that records its
    /// configurations' flows says (a file without `_meta` may add a flow back unrecorded: the
    /// next file that records flows tells); `nil` when no file records them.
    func hasFlowAtLatest(_ flow: String) -> Bool? {
        guard let step = steps.last(where: { !$0.edgeCountsBefore.isEmpty || !$0.edgeCountsAfter.isEmpty }) else { return nil }
        return step.edgeCountsAfter[flow] != nil
    }

    /// Whether a migration removed `flow` and the newest file that records its configuration's
    /// flows does not have it: a configuration that has it again needs a migration saying so.
    public func leavesRemoved(_ flow: String) -> Bool {
        removalVersion(of: flow) != nil && hasFlowAtLatest(flow) == false
    }

    /// The version of the migration after `version` that removed `flow`, when new workers cannot
    /// start a run of it that has no state yet: the flow was removed after `version` and the
    /// newest configuration does not have it. A flow removed and later added back starts as the
    /// new flow.
    func removalBlockingNewRun(of flow: String, after version: Int) -> Int? {
        guard removal(of: flow, after: version) != nil, hasFlowAtLatest(flow) == false else { return nil }
        return removalVersion(of: flow)
    }

    /// The version of the first migration after `version` that removed `flow`, named in a
    /// selective run's subset, when the newest configuration has the flow again: the subset's
    /// edges of it are the old flow's and would select edges of the new one. (A flow that stays
    /// removed is never started again, so its entries are dead, as in Selinon.)
    func removalOfReaddedFlow(_ flow: String, after version: Int) -> Int? {
        guard let removal = removal(of: flow, after: version), hasFlowAtLatest(flow) == true else { return nil }
        return removal
    }

    /// The version of the first migration after `version` that removed `flow`, if one did
    /// (known from `_meta.edge_counts`): its in-flight flows from before then fail.
    public func removal(of flow: String, after version: Int) -> Int? {
        presenceChanges[flow]?.first { $0.isRemoval && $0.version > version }?.version
    }

    /// What the migrations after `version` do to `indices` (edges of `flow` as numbered at
    /// `version`), following each through the whole chain (an edge moved and moved back stays):
    /// whether any ends at another index (`moved`), and whether any is gone (`dropped`) — what
    /// tells a renumbered state from one that only lost an edge, whose lists only look the same,
    /// or that only gained an armed edge.
    public func edgeChanges(of flow: String, _ indices: [Int], after version: Int) -> (moved: Bool, dropped: Bool) {
        let current = translated(of: flow, indices, after: version)
        let moved = zip(current, indices).contains { $0.0 != nil && $0.0 != $0.1 }
        return (moved, current.contains(nil))
    }

    /// Where the migrations after `version` take `indices` (edges of `flow` as numbered at
    /// `version`): each one's index at the newest version, `nil` for one a migration removed.
    public func translated(of flow: String, _ indices: [Int], after version: Int) -> [Int?] {
        var current: [Int?] = indices
        for step in steps(of: flow, after: version) {
            current = current.map { $0.flatMap(step.entry.translate) }
        }
        return current
    }

    /// The migrations after `version` that change `flow`.
    func steps(of flow: String, after version: Int) -> ArraySlice<FlowStep> {
        guard let all = stepsByFlow[flow] else { return [] }
        let first = all.firstIndex { $0.version > version } ?? all.endIndex
        return all[first...]
    }

    /// Why a message of `flow` at `version` cannot be of a flow of that configuration, when the
    /// migration files record every flow of it (`_meta.edge_counts`, written by
    /// selinon-migrate) and `flow` is not among them; `nil` when it is, or when nothing is recorded.
    ///
    /// Only a version below the newest is judged, by the configuration the next file was
    /// generated from: the last one of that version. The configuration of the newest version may
    /// have gained flows since its file was written (a new flow needs no migration).
    public func unknownFlowError(_ flow: String, atVersion version: Int) -> StateError? {
        guard version < steps.count, !steps[version].edgeCountsBefore.isEmpty else { return nil }
        let recorded = steps[version].edgeCountsBefore
        guard recorded[flow] == nil else { return nil }
        let names = recorded.keys.sorted()
        let listed = names.prefix(10).joined(separator: ", ") + (names.count > 10 ? ", … (\(names.count) in all)" : "")
        return StateError(.unknownFlow, "flow '\(PrintableText.escaped(flow))' is not in the configuration of version \(version) "
            + "(the migration files list its flows: \(listed))")
    }

    /// Why a state's edge lists or a selective run's subsets (flow → edge indices) do not fit
    /// the configuration of `version` — the first index beyond its flow's edges — when the
    /// migration files record edge counts; `nil` when they fit or nothing is recorded.
    func edgeIndexError(flow: String, waiting: [Int], triggered: [Int], selectiveSubsets: [String: [Int]],
                        atVersion version: Int) -> StateError? {
        func beyond(_ count: Int, _ flow: String) -> String { "flow '\(PrintableText.escaped(flow))' has \(count) edge\(count == 1 ? "" : "s") at version \(version)" }
        if let count = edgeCount(of: flow, atVersion: version) {
            for (key, edges) in [("waiting_edges", waiting), ("triggered_edges", triggered)] {
                if let index = edges.first(where: { $0 >= count }) {
                    return StateError(.edgeIndexOutOfRange, "state.\(key) holds edge \(index), but " + beyond(count, flow))
                }
            }
        }
        for subsetFlow in selectiveSubsets.keys.sorted() {
            guard let count = edgeCount(of: subsetFlow, atVersion: version),
                  let index = selectiveSubsets[subsetFlow]!.first(where: { $0 >= count }) else { continue }
            return StateError(.edgeIndexOutOfRange, "selective.waiting_edges_subset.\(subsetFlow) names edge \(index), but " + beyond(count, subsetFlow))
        }
        return nil
    }

    /// The number of edges `flow` has at most at `version`, when the migration files record it
    /// (`_meta.edge_counts`, written by selinon-migrate); `nil` when unknown — always for the
    /// newest version, whose flows may have gained starting edges at their end since its file was
    /// written (they need no migration). For an older version: the count in the configuration the
    /// next file was generated from, the last one of that version.
    public func edgeCount(of flow: String, atVersion version: Int) -> Int? {
        guard version < steps.count else { return nil }
        return steps[version].edgeCountsBefore[flow]
    }
}

/// One migration file, compiled.
struct CompiledMigration: Sendable {
    let version: Int
    let strategy: TaintedFlowStrategy
    let flows: [String: CompiledFlowMigration]
    let edgeCountsBefore: [String: Int]
    let edgeCountsAfter: [String: Int]

    init(_ migration: Migration, version: Int) {
        self.version = version
        strategy = migration.strategy
        flows = migration.flows.mapValues(CompiledFlowMigration.init)
        edgeCountsBefore = migration.recordedEdgeCounts?.before ?? [:]
        edgeCountsAfter = migration.recordedEdgeCounts?.after ?? [:]
    }
}

/// One flow's entry of a migration, as dense tables indexed by old edge index.
struct CompiledFlowMigration: Sendable {
    /// For each old index: the new index, `removed`, or `unchanged`.
    private let translation: [Int]
    /// Old indices listed in `tainted_edges`, with their records.
    let taintedEdges: [Int: TaintedEdge]
    /// Added edges (new index, sources), with their keys sorted as text ("11" before "2"): the
    /// order of the files Selinon and selinon-migrate write (sorted keys), in which Selinon
    /// appends the edges it arms to `waiting_edges`. (A hand-edited file in another order is
    /// read in this one; Selinon would follow the file.)
    let taintingNodes: [(index: Int, sources: [String])]

    /// Whether translating can give two edges one index: an edge is moved to an index that no
    /// entry moves away — one an old edge keeps (an edited file), or one beyond the old edges,
    /// which a state only holds when it did not fit its flow (a step without edge counts lets
    /// such a state through).
    let mayRepeat: Bool

    static let removed = -1
    static let unchanged = -2

    init(_ entry: EdgeMigration) {
        let size = (entry.translation.keys.max() ?? -1) + 1
        var table = [Int](repeating: Self.unchanged, count: size)
        for (old, new) in entry.translation { table[old] = new ?? Self.removed }
        translation = table
        mayRepeat = entry.translation.values.contains { target in target.map { entry.translation[$0] == nil } ?? false }
        taintedEdges = entry.taintedEdges
        taintingNodes = entry.taintingNodes.keys.sorted { String($0) < String($1) }.map { ($0, entry.taintingNodes[$0]!) }
    }

    /// The new index of old edge `index`, or `nil` when the edge was removed.
    func translate(_ index: Int) -> Int? {
        guard index < translation.count else { return index }
        switch translation[index] {
        case Self.unchanged: return index
        case Self.removed: return nil
        case let new: return new
        }
    }
}

/// A migration built in code that no chain can hold (``MigrationChain/init(checking:)``).
public struct MigrationChainError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The migration's version (its position in the list, from 1).
    public let version: Int
    /// The flow whose entry is wrong.
    public let flow: String
    /// What is wrong with it.
    public let message: String

    /// "migration N, flow 'F': …".
    public var description: String { "migration \(version), flow '\(flow)': \(message)" }
    /// The same words as ``description``, for loggers that print `localizedDescription`.
    public var errorDescription: String? { description }
}
