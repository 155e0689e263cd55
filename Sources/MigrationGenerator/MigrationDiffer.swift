import FlowConfig
import FlowMigration

/// Computes the migration between two configurations: for every flow in both, how old edge
/// indices map to new ones, which old edges taint a flow that fired them and which nodes taint
/// a flow that already ran them — plus warnings for changes no migration can capture.
///
/// Pure: reads two `Configuration` values, writes nothing. Flows are processed by name, so
/// the result does not depend on file order (Selinon's does, defect D-20).
///
/// ```swift
/// let plan = MigrationDiffer().plan(from: old, to: new, strategy: .retry)
/// if plan.isNeeded { print(String(decoding: plan.migration.selinonJSON(), as: UTF8.self)) }
/// ```
public struct MigrationDiffer: Sendable {
    public init() {}

    /// The migration from `old` to `new` (without metadata).
    public func plan(from old: Configuration, to new: Configuration, strategy: TaintedFlowStrategy) -> MigrationPlan {
        var flows: [String: EdgeMigration] = [:]
        var changes: [FlowChange] = []
        var warnings: [MigrationWarning] = []

        let oldNames = Set(old.flows.keys), newNames = Set(new.flows.keys)
        // Names that are a task on one side and a flow on the other.
        let oldNodes = Set(old.tasks.map(\.name)).union(oldNames), newNodes = Set(new.tasks.map(\.name)).union(newNames)
        let kindChanged = oldNodes.intersection(newNodes).filter { oldNames.contains($0) != newNames.contains($0) }
        // Flows are independent: diff them on every core, then collect them in name order.
        let common = oldNames.intersection(newNames).sorted()
        let diffs = common.concurrentMap { name in
            diff(flow: name, old: old.flows[name]!, new: new.flows[name]!, kindChanged: kindChanged)
        }
        for (name, (entry, change, flowWarnings)) in zip(common, diffs) {
            if !entry.isEmpty {
                flows[name] = entry
                changes.append(change)
            }
            warnings += flowWarnings
        }

        let removed = oldNames.subtracting(newNames).sorted()
        let added = newNames.subtracting(oldNames).sorted()
        // Added flows by their edges (the first name in order for equal ones), to recognise renames.
        var addedByEdges: [[NormalizedEdge.Full]: String] = [:]
        for name in added.reversed() { addedByEdges[Self.keys(of: new.flows[name]!)] = name }
        for name in removed {
            if let renamed = addedByEdges[Self.keys(of: old.flows[name]!)] {
                warnings.append(MigrationWarning(
                    kind: .flowRenamed, flow: name,
                    message: "flow '\(name)' seems renamed to '\(renamed)' (same edges); in-flight '\(name)' flows cannot be migrated to it",
                    hint: "let running '\(name)' flows finish on the old deployment before removing it"))
            } else {
                warnings.append(MigrationWarning(
                    kind: .flowRemoved, flow: name,
                    message: "flow '\(name)' is removed; dispatchers of in-flight '\(name)' flows will fail on new workers",
                    hint: "let running '\(name)' flows finish (or stop them) before deploying"))
            }
        }
        return MigrationPlan(migration: Migration(flows: flows, strategy: strategy), flowChanges: changes,
                             warnings: warnings, addedFlows: added, removedFlows: removed)
    }

    /// A flow's edges as keys that compare like the first matching pass.
    private static func keys(of flow: FlowDefinition) -> [NormalizedEdge.Full] {
        NormalizedEdge.edges(of: flow).map(\.full)
    }

    private func diff(flow name: String, old: FlowDefinition, new: FlowDefinition,
                      kindChanged: Set<String>) -> (EdgeMigration, FlowChange, [MigrationWarning]) {
        let oldEdges = NormalizedEdge.edges(of: old)
        let newEdges = NormalizedEdge.edges(of: new)
        let matching = EdgeMatching(old: oldEdges, new: newEdges)
        var entry = EdgeMigration()
        var change = FlowChange(flow: name)
        var warnings: [MigrationWarning] = []

        // By index: enumerating the edges would copy each one.
        for oldIndex in oldEdges.indices {
            if let newIndex = matching.newIndexForOld[oldIndex] {
                if newIndex != oldIndex {
                    entry.translation[oldIndex] = newIndex
                    change.renumbered.append((oldIndex, newIndex))
                }
                pairWarnings(flow: name, old: old, oldIndex: oldIndex, new: new, newIndex: newIndex, edge: oldEdges[oldIndex],
                             conditionChanged: matching.pairedDespiteCondition[oldIndex],
                             kindChanged: kindChanged, into: &warnings)
            } else {
                let edge = oldEdges[oldIndex]
                entry.translation[oldIndex] = .some(nil)
                entry.taintedEdges[oldIndex] = TaintedEdge(from: edge.from, to: edge.to, condition: edge.condition)
                change.removed.append(oldIndex)
            }
        }
        for newIndex in newEdges.indices where matching.oldIndexForNew[newIndex] == nil {
            let edge = newEdges[newIndex]
            change.added.append(newIndex)
            if edge.from.isEmpty {
                warnings.append(MigrationWarning(
                    kind: .newStartingEdge, flow: name, edge: newIndex,
                    message: "new starting edge \(newIndex) (\(edge.display)) of flow '\(name)' never runs in flows that already started "
                        + "(unless another change restarts them)",
                    hint: "Selinon fires starting edges only when a flow starts; this edge does not taint in-flight flows"))
            } else {
                entry.taintingNodes[newIndex] = edge.from
            }
        }
        // A nowait node is never recorded as finished: in flows that ran it before, edges from it
        // never fire — nor do they taint those flows, as the dispatcher does not know it ran.
        let waitedFor = Set(old.nowait).subtracting(new.nowait)
        for node in waitedFor.sorted() {
            let sourced = newEdges.indices.filter { newEdges[$0].from.contains(node) }
            guard !sourced.isEmpty else { continue }
            warnings.append(MigrationWarning(
                kind: .nowaitChanged, flow: name, edge: sourced.first,
                message: "node '\(node)' of flow '\(name)' is no longer nowait: in-flight flows that already started it never recorded "
                    + "it as finished, so edge\(sourced.count == 1 ? "" : "s") \(sourced.map(String.init).joined(separator: ", ")) from it "
                    + "never run\(sourced.count == 1 ? "s" : "") there, and no taint says so",
                hint: "let flows that started '\(node)' finish before deploying, or restart them"))
        }
        // A fallback is started by a failure, not by an edge: a flow running it fired no edge a
        // migration could find removed. Gone from the flow (renamed?), it arms nothing when it
        // finishes, and no taint says so — which matters where edges followed it (where none did,
        // nothing followed it before either).
        let oldFallbacks = Set(old.failures.flatMap(\.fallback.nodes))
        if !oldFallbacks.isEmpty {
            let stillThere = Set(newEdges.flatMap { $0.from + $0.to } + new.failures.flatMap(\.fallback.nodes))
            for node in oldFallbacks.subtracting(stillThere).sorted() {
                let following = oldEdges.indices.filter { oldEdges[$0].from.contains(node) }
                guard !following.isEmpty else { continue }
                warnings.append(MigrationWarning(
                    kind: .fallbackRemoved, flow: name, edge: nil,
                    message: "fallback node '\(node)' of flow '\(name)' is gone (renamed?): in-flight flows running it as a fallback "
                        + "fired no edge that a migration could find removed, so no taint says that nothing follows it when it finishes "
                        + "(old edge\(following.count == 1 ? "" : "s") \(following.map(String.init).joined(separator: ", ")) from it "
                        + "\(following.count == 1 ? "is" : "are") gone)",
                    hint: "let flows whose '\(node)' fallback is running finish before deploying, or restart them"))
            }
        }
        return (entry, change, warnings)
    }

    /// Appends the warnings about a paired edge (indices into the flows' edges, so that no
    /// `Edge` is copied for the common case of no warning).
    private func pairWarnings(flow: String, old: FlowDefinition, oldIndex: Int, new: FlowDefinition, newIndex: Int,
                              edge: NormalizedEdge, conditionChanged: Bool, kindChanged: Set<String>,
                              into warnings: inout [MigrationWarning]) {
        func label() -> String {
            "edge \(oldIndex) (\(edge.display)\(oldIndex == newIndex ? "" : ", now edge \(newIndex)")) of flow '\(flow)'"
        }
        if conditionChanged {
            // A starting edge is judged once, when a flow starts: no in-flight flow waits for it.
            let meeting = new.edges[newIndex].from.isEmpty
                ? "it is a starting edge, judged when a flow starts: in-flight flows keep what the old one decided, and only flows "
                    + "started after the deploy (or restarted by RETRY) meet the new one"
                : "in-flight flows that already evaluated it keep what the old one decided, those still waiting for the edge meet the new one"
            warnings.append(MigrationWarning(
                kind: .conditionChanged, flow: flow, edge: newIndex, message: "the condition of \(label()) changed; " + meeting,
                hint: "a changed condition needs no migration, but flows that already evaluated it are not re-evaluated"))
        }
        if old.edges[oldIndex].foreach != new.edges[newIndex].foreach {
            warnings.append(MigrationWarning(
                kind: .foreachChanged, flow: flow, edge: newIndex,
                message: "'foreach' of \(label()) changed; nodes it already started in in-flight flows are not affected",
                hint: "no migration can capture how many nodes a fired foreach edge started"))
        }
        // Paired edges have the same destination set: only how often a name is listed can differ.
        let oldTo = old.edges[oldIndex].to, newTo = new.edges[newIndex].to
        if oldTo != newTo && (oldTo.count != newTo.count || oldTo.sorted() != newTo.sorted()) {
            warnings.append(MigrationWarning(
                kind: .destinationRepeatsChanged, flow: flow, edge: newIndex,
                message: "'to' of \(label()) lists a destination another number of times ([\(oldTo.joined(separator: ", "))] ⇒ "
                    + "[\(newTo.joined(separator: ", "))]); Selinon starts a destination once per listing, and nodes "
                    + "in-flight flows already started are not affected",
                hint: "no migration can capture how many nodes a fired edge started"))
        }
        if old.edges[oldIndex].selective?.normalized != new.edges[newIndex].selective?.normalized {
            warnings.append(MigrationWarning(
                kind: .selectiveChanged, flow: flow, edge: newIndex,
                message: "'selective' of \(label()) changed; selective runs already in flight keep the old selection",
                hint: ""))
        }
        for name in edge.to where !kindChanged.isEmpty && kindChanged.contains(name) {
            warnings.append(MigrationWarning(
                kind: .destinationKindChanged, flow: flow, edge: newIndex,
                message: "'\(name)' started by \(label()) changed between task and sub-flow; nodes already started keep the old kind",
                hint: "in-flight flows wait for what the old configuration started"))
        }
    }
}

/// The result of ``MigrationDiffer``: the migration and what changed, for people.
public struct MigrationPlan: Sendable {
    /// The migration, without metadata.
    public var migration: Migration
    /// One entry per flow that appears in the migration, by name.
    public var flowChanges: [FlowChange]
    /// Changes that a migration cannot capture but a reviewer should know about.
    public var warnings: [MigrationWarning]
    /// Flows only in the new configuration (nothing to migrate: fresh flows start at the new version).
    public var addedFlows: [String]
    /// Flows only in the old configuration.
    public var removedFlows: [String]
    /// Added flows that an earlier migration removed and none added back: the differ cannot know
    /// them (it sees two configurations), the caller sets them from the migration directory with
    /// ``markingReaddedFlows(removedBy:)``. Until a migration records them, `apply` fails every
    /// new run of them as a run of the removed flow.
    public var readdedFlows: [String] = []

    /// Whether in-flight flows need a migration: a flow's edges changed, or a flow was removed
    /// (its file then records the removal in `_meta.edge_counts`, so that `apply` fails the
    /// removed flow's in-flight states; Selinon writes no file for a removal, defect D-13), or a
    /// removed flow came back (its file records that, so that new runs of it start).
    public var isNeeded: Bool { !migration.flows.isEmpty || !removedFlows.isEmpty || !readdedFlows.isEmpty }

    /// Whether the migration holds no flow entry: it only records flows removed or added back.
    public var recordsPresenceOnly: Bool { migration.flows.isEmpty && isNeeded }

    /// The flows that make the migration needed: those of ``flowChanges``, then the removed ones,
    /// then the ones added back.
    public var changedFlowNames: [String] { flowChanges.map(\.flow) + removedFlows + readdedFlows }

    /// One line per flow of ``changedFlowNames``, for messages: "ingest: 1 removed, 1 added",
    /// "legacy: removed (its in-flight flows fail)".
    public var changeSummaries: [String] {
        flowChanges.map(\.summary) + removedFlows.map { "\($0): removed (its in-flight flows fail)" }
            + readdedFlows.map { "\($0): added back after a migration removed it (its new runs start)" }
    }

    /// This plan with ``readdedFlows`` set: the added flows `chain` (the migrations so far)
    /// leaves removed.
    public func markingReaddedFlows(removedBy chain: MigrationChain) -> MigrationPlan {
        var plan = self
        plan.readdedFlows = addedFlows.filter(chain.leavesRemoved)
        return plan
    }
}

extension MigrationPlan {
    /// How the flows `migrations` remove and add (as their `_meta.edge_counts` say, applied in
    /// order) differ from the ones this plan removes and adds, in words; `nil` when they agree, or
    /// when a file records no counts. A file generated from another configuration than the
    /// plan's old one can remove a flow this change keeps, or add one that was already there
    /// (in-flight flows of it would then be unknown to the file).
    public func presenceMismatch(with migrations: [Migration]) -> String? {
        var removed = Set<String>(), added = Set<String>()
        for migration in migrations {
            guard let presence = migration.recordedPresenceChanges else { return nil }
            for flow in presence.removed where added.remove(flow) == nil { removed.insert(flow) }
            for flow in presence.added where removed.remove(flow) == nil { added.insert(flow) }
        }
        func named(_ flows: some Sequence<String>) -> String { flows.sorted().map { "'\($0)'" }.joined(separator: ", ") }
        var differences: [String] = []
        let extraRemovals = removed.subtracting(removedFlows)
        if !extraRemovals.isEmpty { differences.append("it removes \(named(extraRemovals)), which this change does not remove") }
        let missedRemovals = Set(removedFlows).subtracting(removed)
        if !missedRemovals.isEmpty { differences.append("it does not record the removal of \(named(missedRemovals))") }
        let extraAdditions = added.subtracting(addedFlows)
        if !extraAdditions.isEmpty { differences.append("it adds \(named(extraAdditions)), which this change does not add") }
        return differences.isEmpty ? nil : differences.joined(separator: "; ")
    }

    /// Whether `migrations`, applied in order to flows of `old` (this plan's old configuration,
    /// called `oldName` in words), migrate them as this plan's migration does: the same composed
    /// effect, the same flows removed and added (``presenceMismatch(with:)``), and — as the first
    /// file's `_meta.edge_counts` say — starting from `old`'s edges: a file generated from a
    /// configuration with other edges (a branch behind its base) does not fit. `mismatch` says
    /// what differs besides the effect, in words.
    public func coverage(by migrations: [Migration], from old: Configuration, oldName: String) -> (matches: Bool, mismatch: String?) {
        let composed = Migration.composedEffect(of: migrations, edgeCounts: old.flows.mapValues(\.edges.count))
        let startCounts = migrations.first?.recordedEdgeCounts?.before ?? [:]
        let otherStart = old.flows.keys.sorted().first { flow in startCounts[flow].map { $0 != old.flows[flow]!.edges.count } ?? false }
            .map { "it starts from \(startCounts[$0]!) edges of '\($0)', which has \(old.flows[$0]!.edges.count) in \(oldName)" }
        let differences = [presenceMismatch(with: migrations), otherStart].compactMap { $0 }
        let mismatch = differences.isEmpty ? nil : differences.joined(separator: "; ")
        return (Migration(flows: composed, strategy: .ignore).hasSameEffect(as: migration) && mismatch == nil, mismatch)
    }
}

/// How one flow's edges changed.
public struct FlowChange: Sendable, Equatable {
    public var flow: String
    /// Paired edges whose index changed: (old, new).
    public var renumbered: [(old: Int, new: Int)] = []
    /// Old edges without a counterpart.
    public var removed: [Int] = []
    /// New edges without a counterpart.
    public var added: [Int] = []

    public init(flow: String) {
        self.flow = flow
    }

    /// "ingest: 2 edges renumbered, 1 removed, 1 added".
    public var summary: String {
        var parts: [String] = []
        if !renumbered.isEmpty { parts.append("\(renumbered.count) edge\(renumbered.count == 1 ? "" : "s") renumbered") }
        if !removed.isEmpty { parts.append("\(removed.count) removed") }
        if !added.isEmpty { parts.append("\(added.count) added") }
        return "\(flow): " + (parts.isEmpty ? "no edge changes" : parts.joined(separator: ", "))
    }

    public static func == (lhs: FlowChange, rhs: FlowChange) -> Bool {
        lhs.flow == rhs.flow && lhs.removed == rhs.removed && lhs.added == rhs.added
            && lhs.renumbered.map(\.old) == rhs.renumbered.map(\.old) && lhs.renumbered.map(\.new) == rhs.renumbered.map(\.new)
    }
}

/// A change between two configurations that migrations do not capture.
public struct MigrationWarning: Sendable, Equatable, CustomStringConvertible {
    /// The kinds of change, for tools and tests.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case conditionChanged = "condition-changed"
        case foreachChanged = "foreach-changed"
        case destinationRepeatsChanged = "destination-repeats-changed"
        case nowaitChanged = "nowait-changed"
        case fallbackRemoved = "fallback-removed"
        case selectiveChanged = "selective-changed"
        case destinationKindChanged = "destination-kind-changed"
        case newStartingEdge = "new-starting-edge"
        case flowRemoved = "flow-removed"
        case flowRenamed = "flow-renamed"
    }

    public var kind: Kind
    public var flow: String
    /// The (new) edge index concerned, if any.
    public var edge: Int?
    public var message: String
    public var hint: String

    public init(kind: Kind, flow: String, edge: Int? = nil, message: String, hint: String) {
        self.kind = kind
        self.flow = flow
        self.edge = edge
        self.message = message
        self.hint = hint
    }

    public var description: String {
        "warning: \(message)" + (hint.isEmpty ? "" : "\n  hint: \(hint)")
    }

    /// Warnings for a terminal: grouped by kind (in the order of ``Kind``), and a hint shared by
    /// consecutive warnings printed once after them, so that an edit that changes a hundred
    /// conditions prints a hundred lines and one hint, not two hundred lines.
    public static func describing(_ warnings: [MigrationWarning]) -> String {
        let kindOrder = Dictionary(uniqueKeysWithValues: Kind.allCases.enumerated().map { ($1, $0) })
        let ordered = warnings.enumerated()
            .sorted { (kindOrder[$0.element.kind]!, $0.offset) < (kindOrder[$1.element.kind]!, $1.offset) }
            .map(\.element)
        var lines: [String] = []
        var groupStart = 0
        for (position, warning) in ordered.enumerated() {
            lines.append("warning: \(warning.message)")
            let groupEnds = position + 1 == ordered.count || ordered[position + 1].hint != warning.hint
            guard groupEnds else { continue }
            let groupSize = position + 1 - groupStart
            groupStart = position + 1
            guard !warning.hint.isEmpty else { continue }
            lines.append(groupSize == 1 ? "  hint: \(warning.hint)" : "  hint (for the \(groupSize) warnings above): \(warning.hint)")
        }
        return lines.joined(separator: "\n")
    }
}
