import FlowConfig
import FlowMigration

/// Builds a ``ReviewedMigration`` from a migration file and whatever is known of the
/// configurations on either side.
///
/// Either side's edges may be missing: an old edge list follows from the new one and the
/// migration (an old edge the file does not mention kept its index; a renumbered one moved; a
/// removed one is recorded in `tainted_edges`), and the new list from the old one, except the
/// destinations of added edges. With neither, the review shows what the file itself records and
/// says what it cannot show.
public enum MigrationReviewer {
    /// The edges of every flow, by flow name.
    public typealias FlowEdges = [String: [ReviewedEdge]]

    /// The edges of every flow of `configuration`.
    public static func edges(of configuration: Configuration) -> FlowEdges {
        configuration.flows.mapValues { $0.edges.map(ReviewedEdge.init) }
    }

    /// The review of migration `version`. `old` and `new` are the configurations before and
    /// after it, when known; `limitations` are notes of the caller (why a side is missing).
    /// A side that was derived through migrations (``oldEdges(from:through:)``,
    /// ``newEdges(from:through:)``) carries the conditions of the configuration it was derived
    /// from, so with `derived` set for it no edge is marked changed. `oldConfiguration`, the
    /// configuration `old` was taken from (when it was loaded, not derived), lets the review leave
    /// out what flows started under it cannot meet: an added edge from a node it did not track
    /// (`nowait`), an added edge that cannot start a removed edge's destinations instead; with
    /// `newConfiguration` (the one `new` was taken from) too, an added edge from a node that only
    /// new starting edges lead to, which none of those flows runs.
    public static func review(version: Int, migration: Migration, old: FlowEdges?, new: FlowEdges?,
                              derived: (old: Bool, new: Bool) = (false, false), oldConfiguration: Configuration? = nil,
                              newConfiguration: Configuration? = nil, limitations: [String] = []) -> ReviewedMigration {
        let meta = MigrationMetadataFacts(migration.metadata)
        var notes = limitations
        if old == nil && new == nil {
            notes.append("no configuration was available: destinations of added edges and edges that kept their place cannot be named")
        }
        let comparesConditions = old != nil && new != nil && !derived.old && !derived.new
        let derivedSides = [old != nil && derived.old ? "before" : nil, new != nil && derived.new ? "after" : nil].compactMap { $0 }
        if !derivedSides.isEmpty {
            let both = derivedSides.count == 2
            notes.append("the configuration\(both ? "s" : "") \(derivedSides.joined(separator: " and ")) the migration \(both ? "were" : "was") "
                + "derived from another one through the migrations: \(both ? "their" : "its") conditions, foreach and selective are not "
                + "known (shown from the other side, or as ?), and a change to them is not shown (the warnings name those the migration records)")
        }
        // A derived side's edges carry the conditions of the configuration they were derived
        // from, which may not be the ones at this migration: unknown rather than shown wrong.
        let old = derived.old ? old.map(Self.withUnknownConditions) : old
        let new = derived.new ? new.map(Self.withUnknownConditions) : new
        if meta.edgeCounts == nil {
            notes.append("the file records no edge counts (_meta): a new starting edge reads as an edge that kept its place, "
                + "and flows it removed, if any, are not shown")
        }
        // Entries that change nothing (Selinon's generator writes them for unchanged flows) are
        // flows without changes: left out, and said so.
        let changedFlows = migration.changedFlows
        let emptyEntries = migration.flows.keys.filter { changedFlows[$0] == nil }.sorted()
        if !emptyEntries.isEmpty {
            notes.append("the file has entries that change nothing for \(emptyEntries.count == 1 ? "flow" : "flows") "
                + "\(emptyEntries.joined(separator: ", ")) (Selinon's generator writes them for flows it did not change): not shown")
        }
        /// What the old flow's fallbacks that start a removed flow do to its in-flight flows.
        func removedFallbacks(_ name: String) -> [Consequence] {
            Self.removedFallbacks(of: oldConfiguration?.flows[name], removedFlows: Set(meta.removedFlows))
        }
        var flows: [FlowReview] = []
        for name in changedFlows.keys.sorted() {
            // The old flow's facts only for the edges they were taken from.
            let newFlow = newConfiguration?.flows[name].flatMap { flow in new?[name] == flow.edges.map(ReviewedEdge.init) ? flow : nil }
            let oldFlow = oldConfiguration?.flows[name].flatMap { flow in
                old?[name] == flow.edges.map(ReviewedEdge.init) ? OldFlowFacts(flow, new: newFlow) : nil
            }
            flows.append(flowReview(name, changedFlows[name]!, strategy: migration.strategy, counts: meta.edgeCounts?[name],
                                    old: old?[name], new: new?[name], oldFlow: oldFlow, comparesConditions: comparesConditions,
                                    removedFlows: Set(meta.removedFlows), fallbacks: removedFallbacks(name), notes: &notes))
        }
        // A flow the file leaves out kept its edges where they were; a condition, foreach or
        // selective run may still have changed, which in-flight flows meet on their next run.
        // (New starting edges appended need no migration either: they may come with such a change.)
        if comparesConditions, let old, let new {
            for name in Set(old.keys).intersection(new.keys).sorted() where changedFlows[name] == nil {
                guard let before = old[name], let after = new[name], before.count <= after.count,
                      after[before.count...].allSatisfy({ $0.from.isEmpty }),
                      zip(before, after).contains(where: { !$0.isSameEdge(as: $1) && !$0.hasOtherEnds(than: $1) }) else { continue }
                var rows = zip(before, after).enumerated().map { index, pair in
                    EdgeRow(change: pair.0.isSameEdge(as: pair.1) ? .kept : .changed, oldIndex: index, newIndex: index, old: pair.0, new: pair.1)
                }
                var consequences = [Consequence(kind: .changedInPlace, edge: nil, strategy: nil,
                                                text: "No edge moves and no flow is tainted: in-flight flows "
                                                    + meetingChangedEdges(rows.filter { $0.change == .changed }))]
                for (index, edge) in after.enumerated().dropFirst(before.count) {
                    rows.append(EdgeRow(change: .added, oldIndex: nil, newIndex: index, old: nil, new: edge))
                    consequences.append(newStartingEdge(edge, index: index))
                }
                flows.append(FlowReview(flow: name, isRemoved: false, rows: rows, consequences: consequences + removedFallbacks(name),
                                        reachableStates: nil))
            }
        }
        // A flow the file leaves out, whose fallback starts a removed flow: its flows running that fallback fail.
        for name in (oldConfiguration?.flows.keys.sorted() ?? []) where changedFlows[name] == nil && !meta.removedFlows.contains(name)
            && !flows.contains(where: { $0.flow == name }) {
            let fallbacks = removedFallbacks(name)
            guard !fallbacks.isEmpty else { continue }
            let rows = (old?[name] ?? []).enumerated().map { EdgeRow(change: .kept, oldIndex: $0.offset, newIndex: $0.offset, old: $0.element, new: $0.element) }
            flows.append(FlowReview(flow: name, isRemoved: false, rows: rows, consequences: fallbacks, reachableStates: nil))
        }
        for name in meta.removedFlows where changedFlows[name] == nil {
            let rows = (old?[name] ?? []).enumerated().map { EdgeRow(change: .removed, oldIndex: $0.offset, newIndex: nil, old: $0.element, new: nil) }
            flows.append(FlowReview(flow: name, isRemoved: true, rows: rows, consequences: [Consequence(
                kind: .flowRemoved, edge: nil, strategy: .fail,
                text: "Flow \(MarkdownText.codeSpan(name)) is removed: every in-flight \(MarkdownText.codeSpan(name)) flow FAILS on the new workers, "
                    + "whatever the strategy.")],
                reachableStates: nil))
        }
        flows.sort { $0.flow < $1.flow }
        return ReviewedMigration(version: version, strategy: migration.strategy, oldSource: meta.oldSource, newSource: meta.newSource,
                               flows: flows, warnings: meta.warnings, limitations: notes)
    }

    /// `edges` with their conditions, `foreach` and `selective` unknown.
    private static func withUnknownConditions(_ edges: FlowEdges) -> FlowEdges {
        edges.mapValues { $0.map { ReviewedEdge(from: $0.from, to: $0.to, condition: nil) } }
    }

    /// What in-flight flows do with the changed edges of `rows`, after "in-flight flows ". A
    /// starting edge is judged once, when a flow starts: no in-flight flow meets it again.
    private static func meetingChangedEdges(_ rows: [EdgeRow]) -> String {
        func named(_ indices: [Int]) -> String { indices.map { "edge \($0)" }.joined(separator: ", ") }
        let starting = rows.filter { $0.new?.from.isEmpty == true }.compactMap(\.newIndex)
        let others = rows.filter { $0.new?.from.isEmpty != true }.compactMap(\.newIndex)
        var text = ""
        if !others.isEmpty {
            let one = others.count == 1
            text = "meet the changed \(named(others)) as \(one ? "it is" : "they are") now when "
                + "\(one ? "its" : "their") sources finish; a flow in which they finished already judged \(one ? "it" : "them") by the old "
                + "\(one ? "edge" : "edges") (fired, or a condition was false) and does not judge \(one ? "it" : "them") again."
        }
        if !starting.isEmpty {
            let one = starting.count == 1
            let judged = "judged the changed starting \(named(starting)) by the old \(one ? "edge" : "edges") when they started and do not "
                + "meet \(one ? "it" : "them") again: only flows started after the deploy (or restarted by RETRY) judge \(one ? "it" : "them") anew."
            text += others.isEmpty ? judged : " They " + judged
        }
        return text
    }

    /// Why `edges` cannot be the configuration `migration` leads to, judged by what the file
    /// itself records (for a file without `_meta` digests): a flow it changes that `edges` lacks,
    /// an edge index beyond the flow's edges, an added edge whose sources differ from its
    /// `tainting_nodes`, or an edge that can only be an added one (its index was given up by an
    /// old edge and taken by none) with sources but no `tainting_nodes` entry. `nil` when nothing
    /// contradicts it.
    public static func misfit(_ edges: FlowEdges, after migration: Migration) -> String? {
        for name in migration.flows.keys.sorted() {
            let entry = migration.flows[name]!
            guard let flow = edges[name] else { return "it has no flow '\(name)', which the migration changes" }
            if let beyond = (entry.translation.values.compactMap { $0 } + Array(entry.taintingNodes.keys)).filter({ $0 >= flow.count }).min() {
                return "flow '\(name)' has \(flow.count) edges, and the migration names edge \(beyond)"
            }
            for (index, nodes) in entry.taintingNodes.sorted(by: { $0.key < $1.key }) where Set(flow[index].from) != Set(nodes) {
                return "edge \(index) of flow '\(name)' starts from \(flow[index].from.joined(separator: ", ")), "
                    + "and the migration records an added edge from \(nodes.joined(separator: ", ")) there"
            }
            let targets = Set(entry.translation.values.compactMap { $0 })
            for index in entry.translation.keys.sorted() where index < flow.count && !targets.contains(index)
                && entry.taintingNodes[index] == nil && !flow[index].from.isEmpty {
                return "edge \(index) of flow '\(name)' (\(flow[index].display)) would be an added edge with sources, "
                    + "which the migration does not record"
            }
        }
        return nil
    }

    /// The edges after `migration`, from the edges before it (destinations of added edges unknown).
    public static func newEdges(from old: FlowEdges, through migration: Migration) -> FlowEdges {
        let counts = MigrationMetadataFacts(migration.metadata).edgeCounts
        var result = old
        for (name, entry) in migration.flows {
            guard let edges = old[name] else { continue }
            guard claimedEdges(entry, counts: counts?[name]) <= maximumEdgesPerFlow else {
                result[name] = nil  // unknown: see flowReview
                continue
            }
            let shape = EdgeShape(entry, oldCount: edges.count, newCount: counts?[name]?.new)
            result[name] = (0..<shape.newCount).map { newIndex in
                if let oldIndex = shape.oldIndexForNew[newIndex] { return edges[oldIndex] }
                return ReviewedEdge(from: entry.taintingNodes[newIndex] ?? [], to: nil, condition: nil)
            }
        }
        for name in MigrationMetadataFacts(migration.metadata).removedFlows { result[name] = nil }
        return result
    }

    /// The edges before `migration`, from the edges after it (conditions of edges whose condition
    /// changed are the new ones).
    public static func oldEdges(from new: FlowEdges, through migration: Migration) -> FlowEdges {
        let counts = MigrationMetadataFacts(migration.metadata).edgeCounts
        var result = new
        for (name, entry) in migration.flows {
            guard let edges = new[name] else { continue }
            guard claimedEdges(entry, counts: counts?[name]) <= maximumEdgesPerFlow else {
                result[name] = nil  // unknown: see flowReview
                continue
            }
            let shape = EdgeShape(entry, oldCount: counts?[name]?.old, newCount: edges.count)
            result[name] = (0..<shape.oldCount).map { oldIndex in
                if let newIndex = shape.newIndexForOld[oldIndex], newIndex < edges.count { return edges[newIndex] }
                if let tainted = entry.taintedEdges[oldIndex] { return ReviewedEdge(tainted) }
                return ReviewedEdge(from: [], to: nil, condition: nil)
            }
        }
        return result
    }

    // MARK: - One flow

    /// The most edges a review shows for one flow. A file edited to claim millions of edges
    /// (in `_meta.edge_counts`, or an index in its entries) would otherwise have a review build a
    /// row for each; real flows have hundreds, the largest thousands.
    public static let maximumEdgesPerFlow = 100_000

    /// The most edges `entry` and `counts` say the flow has, before or after.
    /// (An index of `Int.max`, which a hand edit can write, claims `Int.max` edges.)
    static func claimedEdges(_ entry: EdgeMigration, counts: (old: Int?, new: Int?)?) -> Int {
        let highestIndex = [entry.translation.keys.max(), entry.translation.values.compactMap { $0 }.max(),
                            entry.taintingNodes.keys.max(), entry.taintedEdges.keys.max()].compactMap { $0 }.max()
        let indexed = highestIndex.map { $0 == .max ? .max : $0 + 1 } ?? 0
        return max(counts?.old ?? 0, counts?.new ?? 0, indexed)
    }

    private static func flowReview(_ name: String, _ entry: EdgeMigration, strategy: TaintedFlowStrategy,
                                   counts: (old: Int?, new: Int?)?, old givenOld: [ReviewedEdge]?, new givenNew: [ReviewedEdge]?,
                                   oldFlow givenOldFlow: OldFlowFacts?, comparesConditions: Bool, removedFlows: Set<String>,
                                   fallbacks: [Consequence], notes: inout [String]) -> FlowReview {
        let claimed = claimedEdges(entry, counts: counts)
        guard claimed <= maximumEdgesPerFlow else {
            notes.append("flow '\(name)': the migration names \(claimed) edges (in _meta.edge_counts or its entries), more than "
                + "a review shows (\(maximumEdgesPerFlow)): its edges are not shown; check the file (verify --git compares it with its change)")
            return FlowReview(flow: name, isRemoved: false, rows: [], consequences: [], reachableStates: nil, edgesNotShown: claimed)
        }
        var old = givenOld, new = givenNew
        // A configuration whose edge count differs from the file's is not the one it was generated from.
        var oldFlow = givenOldFlow
        if let count = counts?.old, let edges = old, edges.count != count {
            notes.append("flow '\(name)' has \(edges.count) edges in the old configuration given, the migration says \(count): not used")
            old = nil
            oldFlow = nil
        }
        if let count = counts?.new, let edges = new, edges.count != count {
            notes.append("flow '\(name)' has \(edges.count) edges in the new configuration given, the migration says \(count): not used")
            new = nil
        }
        let shape = EdgeShape(entry, oldCount: counts?.old ?? old?.count, newCount: counts?.new ?? new?.count)
        var rows: [EdgeRow] = []
        var otherEdges: [Consequence] = []
        for newIndex in 0..<shape.newCount {
            let newEdge = new.flatMap { newIndex < $0.count ? $0[newIndex] : nil }
            if let oldIndex = shape.oldIndexForNew[newIndex] {
                let oldEdge = old.flatMap { oldIndex < $0.count ? $0[oldIndex] : nil }
                var change: EdgeRow.Change = oldIndex == newIndex ? .kept : .renumbered
                // Paired edges have the same sources and destinations: what else differs is a change.
                if comparesConditions, let oldEdge, let newEdge, !oldEdge.isSameEdge(as: newEdge) {
                    change = .changed
                }
                if let oldEdge, let newEdge, oldEdge.hasOtherEnds(than: newEdge) {
                    let was = MarkdownText.codeSpan(oldEdge.display), now = MarkdownText.codeSpan(newEdge.display)
                    otherEdges.append(Consequence(
                        kind: .translatedToOtherEdge, edge: oldIndex, strategy: nil,
                        text: "Old edge \(oldIndex) \(was) is translated to new edge \(newIndex) \(now), an edge with other sources or "
                            + "destinations: a flow that ran or waits for \(was) is taken to have run or to wait for \(now). "
                            + "`generate` pairs only edges with the same sources and destinations: regenerate the migration, "
                            + "or check the hand edit."))
                }
                rows.append(EdgeRow(change: change, oldIndex: oldIndex, newIndex: newIndex, old: oldEdge ?? newEdge, new: newEdge ?? oldEdge))
            } else {
                let added = newEdge ?? ReviewedEdge(from: entry.taintingNodes[newIndex] ?? [], to: nil, condition: nil)
                rows.append(EdgeRow(change: .added, oldIndex: nil, newIndex: newIndex, old: nil, new: added))
            }
        }
        for oldIndex in 0..<shape.oldCount where shape.newIndexForOld[oldIndex] == nil {
            // (The file's record of a removed edge names its condition where the old edges do not know it.)
            let recorded = entry.taintedEdges[oldIndex].map(ReviewedEdge.init)
            let known = old.flatMap { oldIndex < $0.count ? $0[oldIndex] : nil }
            let oldEdge = known?.condition != nil ? known : recorded ?? known
            rows.append(EdgeRow(change: .removed, oldIndex: oldIndex, newIndex: nil, old: oldEdge, new: nil))
        }
        return FlowReview(flow: name, isRemoved: false, rows: rows,
                          consequences: otherEdges + consequences(entry, rows: rows, strategy: strategy, removedFlows: removedFlows,
                                                                  oldFlow: oldFlow, fallbacks: fallbacks),
                          reachableStates: nil)
    }

    /// Old → new edge indices for people: a run of three or more consecutive edges that move
    /// together as one range (`1–299 → 2–300`, an edge inserted above them), the rest one by one.
    static func renumberingText(_ moves: [(old: Int, new: Int)]) -> String {
        let sorted = moves.sorted { $0.old < $1.old }
        var parts: [String] = []
        var start = 0
        while start < sorted.count {
            var end = start
            while end + 1 < sorted.count, sorted[end + 1].old == sorted[end].old + 1, sorted[end + 1].new == sorted[end].new + 1 { end += 1 }
            if end - start >= 2 {
                parts.append("\(sorted[start].old)–\(sorted[end].old) → \(sorted[start].new)–\(sorted[end].new)")
            } else {
                parts += sorted[start...end].map { "\($0.old) → \($0.new)" }
            }
            start = end + 1
        }
        return parts.joined(separator: ", ")
    }

    private static func consequences(_ entry: EdgeMigration, rows: [EdgeRow], strategy: TaintedFlowStrategy,
                                     removedFlows: Set<String>, oldFlow: OldFlowFacts?, fallbacks: [Consequence]) -> [Consequence] {
        var result: [Consequence] = []
        // Computed once, and only when a sentence needs it.
        var finishedBeforeStart: [String: Set<String>]?
        var runningOnce: Set<String>?
        /// Whether every run of `later` starts after `nodes` finished, and they do not run again.
        func alwaysFinished(_ nodes: [String], _ later: [String]) -> Bool {
            guard let oldFlow, !later.isEmpty else { return false }
            if finishedBeforeStart == nil { finishedBeforeStart = oldFlow.finishedBeforeStart() }
            if runningOnce == nil { runningOnce = oldFlow.runningOnce() }
            return nodes.allSatisfy { runningOnce?.contains($0) == true }
                && later.allSatisfy { node in finishedBeforeStart?[node].map { Set(nodes).isSubset(of: $0) } ?? false }
        }
        /// Whether a node of `nodes` that the old flow runs may run again after it finished (a
        /// cycle, a second edge to it).
        func mayRunAgain(_ nodes: [String]) -> Bool {
            guard let oldFlow else { return false }
            if runningOnce == nil { runningOnce = oldFlow.runningOnce() }
            return nodes.contains { oldFlow.started.contains($0) && runningOnce?.contains($0) != true }
        }
        /// The added edges that alone start `node` — new to the flow, no fallback of the new flow —
        /// when each has sources that always finish before `removed`'s start: in a flow waiting
        /// for `removed` they taint instead of firing, so nothing starts `node` there. `nil` when
        /// something else may start it.
        func startedOnlyByTaintingEdges(_ node: String, before removed: ReviewedEdge) -> [ReviewedEdge]? {
            var visiting: Set<String> = []
            func neverStarted(_ node: String) -> [ReviewedEdge]? {
                guard let oldFlow, !oldFlow.started.contains(node), oldFlow.newFallbacks?.contains(node) == false,
                      visiting.insert(node).inserted else { return nil }
                defer { visiting.remove(node) }
                let ways = rows.filter { $0.change == .added }.compactMap(\.new).filter { $0.to?.contains(node) == true && !$0.from.isEmpty }
                // Each way taints these flows rather than fires, or starts from a node nothing starts in them.
                return !ways.isEmpty && ways.allSatisfy({ way in
                    alwaysFinished(way.from, removed.from)
                        || way.from.contains { oldFlow.untracked.contains($0) || neverStarted($0) != nil }
                }) ? ways : nil
            }
            return neverStarted(node)
        }
        let renumbered = rows.filter { $0.oldIndex != nil && $0.newIndex != nil && $0.oldIndex != $0.newIndex }
        if !renumbered.isEmpty {
            let pairs = Self.renumberingText(renumbered.map { ($0.oldIndex!, $0.newIndex!) })
            // "Nothing else" only when no edge was removed, added or changed (what those do follows).
            let onlyRenumbered = entry.taintedEdges.isEmpty && fallbacks.isEmpty && !rows.contains { [.added, .removed, .changed].contains($0.change) }
            result.append(Consequence(kind: .renumbered, edge: nil, strategy: nil,
                                      text: "In-flight states are renumbered (\(pairs))" + (onlyRenumbered ? "; the migration does nothing else to them." : ".")))
        }
        let changed = rows.filter { $0.change == .changed }
        if !renumbered.isEmpty && !changed.isEmpty {
            // (Without renumbering, the flow's section says this on its own.)
            result.append(Consequence(kind: .changedInPlace, edge: nil, strategy: nil,
                                      text: "In-flight flows " + meetingChangedEdges(changed)))
        }
        for row in rows where row.change == .removed {
            let index = row.oldIndex!
            let shown = row.old.map { MarkdownText.codeSpan($0.display) } ?? "old edge \(index)"
            if entry.taintedEdges[index] != nil {
                result.append(Consequence(kind: .firedRemovedEdge, edge: index, strategy: strategy,
                                          text: "A flow that already ran \(shown) (old edge \(index)) is tainted \(outcome(strategy, continuing: "the edge is gone"))."))
            } else {
                result.append(Consequence(kind: .firedRemovedEdge, edge: index, strategy: nil,
                                          text: "A flow that already ran \(shown) (old edge \(index)) is not tainted: the file does not taint flows that ran it."))
            }
            // Waiting (some sources finished, not all: a starting edge never waits): dropped untainted.
            if let old = row.old, !old.from.isEmpty {
                let destinations = old.to.map { $0.map(MarkdownText.codeSpan).joined(separator: ", ") } ?? "its destinations"
                // (An edge whose condition was false when its sources finished stays waiting too.)
                let conditional = old.condition.map { $0 != .object(["name": .string("alwaysTrue")]) } ?? true
                let why = (old.from.count == 1 ? "its source has not finished yet" : "not all of its sources have finished yet")
                    + (conditional ? ", or its condition was false when \(old.from.count == 1 ? "it" : "they") did" : "")
                let waiting = "A flow waiting for \(shown) (old edge \(index): \(why)) stops waiting for it, untainted"
                // A duplicate of the edge that stays: the destinations are still started, once.
                let twin = old.to.flatMap { to in rows.first { row in
                    row.change != .added && row.change != .removed
                        && row.old.map { Set($0.from) == Set(old.from) && $0.to.map(Set.init) == Set(to) } == true
                } }
                let fate: String
                // (One that stays with no condition starts them wherever its source finished, whatever the removed one's was.)
                if let twin, let kept = twin.new, let condition = old.condition,
                   kept.condition == Edge.alwaysTrueCondition.jsonValue || (twin.old?.condition == condition && kept.condition == condition) {
                    fate = "the same edge \(MarkdownText.codeSpan(kept.display)) stays as new edge \(twin.newIndex!) (old edge "
                        + "\(twin.oldIndex!)) and still starts \(destinations), once where the two edges started "
                        + "\(old.to?.count == 1 ? "it" : "them") twice"
                } else if let twin, let kept = twin.new {
                    // Between the same nodes, but not the same condition (or one not known here): it starts
                    // the destinations where its own condition holds, which need not be where this one's did.
                    let keptCondition = kept.conditionText.map { $0.isEmpty ? "none" : MarkdownText.codeSpan($0) } ?? "not known here"
                    fate = "\(MarkdownText.codeSpan(kept.display)) stays as new edge \(twin.newIndex!) (old edge \(twin.oldIndex!)) with "
                        + "its own condition (\(keptCondition)) and starts \(destinations) only where that holds: a flow in which only "
                        + "this edge's condition would have held loses \(destinations), untainted"
                } else {
                    // An added edge to the same nodes (else to them and others: `A → B` split off
                    // into `A → B, C`) may start them instead.
                    // (Each of them: one may start them where another cannot.)
                    let replacements: [EdgeRow] = old.to.map { to in
                        let exact = rows.filter { $0.change == .added && $0.new?.to.map(Set.init) == Set(to) }
                        return exact.isEmpty ? rows.filter { $0.change == .added && $0.new?.to.map { Set($0).isSuperset(of: to) } == true } : exact
                    } ?? []
                    fate = "\(destinations) will not be started by it" + replacements.compactMap { row in
                        row.new.map { replacementClause($0, index: row.newIndex!, destinations: destinations, removed: old,
                                                        neverRun: oldFlow?.neverRun ?? [], untracked: oldFlow?.untracked ?? [],
                                                        alwaysFinished: alwaysFinished,
                                                        startedOnlyByTaintingEdges: { startedOnlyByTaintingEdges($0, before: old) }) }
                    }.joined()
                }
                result.append(Consequence(kind: .waitingEdgeDropped, edge: index, strategy: nil, text: waiting + ": " + fate + "."))
            }
            // A sub-flow this edge started, removed too: where it still runs, it fails, and the flow with it.
            for subflow in (row.old?.to ?? []).filter(removedFlows.contains) {
                let name = MarkdownText.codeSpan(subflow)
                // A `nowait` sub-flow is never among the flow's active nodes: none is seen running.
                if oldFlow?.untracked.contains(subflow) == true {
                    result.append(Consequence(kind: .subflowRemoved, edge: index, strategy: nil,
                                              text: "Sub-flow \(name) (started by old edge \(index)) was `nowait` in the old flow, so no "
                                                + "flow tracks a running one: it taints none; it is removed, and a running one fails on "
                                                + "the new workers on its own."))
                    continue
                }
                let fate = switch strategy {
                case .fail: "is tainted and will be FAILED"
                case .retry: "is tainted and will be RETRIED (restarted from the beginning): the running \(name) is left behind, "
                    + "and fails on the new workers"
                case .ignore: "is tainted (IGNORE) and goes on, but \(name) is removed, so it fails on the new workers, and this "
                    + "flow FAILS with it (the new configuration can have no failure entry for a flow it no longer has)"
                }
                // (IGNORE: what happens next, as analyze counts it.)
                result.append(Consequence(kind: .subflowRemoved, edge: index, strategy: strategy == .retry ? .retry : .fail,
                                          text: "A flow in which sub-flow \(name) (started by old edge \(index)) is still running \(fate)."))
            }
        }
        for row in rows where row.change == .added {
            let index = row.newIndex!
            guard let nodes = entry.taintingNodes[index], !nodes.isEmpty else {
                // Selinon records no tainting nodes for a new starting edge (generate warns about it).
                if row.new?.from.isEmpty == true, let edge = row.new { result.append(newStartingEdge(edge, index: index)) }
                continue
            }
            let sources = nodes.map(MarkdownText.codeSpan).joined(separator: ", ")
            // `the new edge `A → B` (new edge 3)`, or only its number where the new configuration is not at hand.
            let edge = row.new.map { "the new edge \(MarkdownText.codeSpan($0.display)) (new edge \(index))" } ?? "new edge \(index)"
            // A source the old flow did not track (nowait) is never running or finished in its states.
            if let oldFlow, case let untracked = nodes.filter(oldFlow.untracked.contains), !untracked.isEmpty {
                let names = untracked.map(MarkdownText.codeSpan).joined(separator: ", ")
                result.append(Consequence(kind: .untrackedSource, edge: index, strategy: nil,
                                          text: "A flow that started \(names) before the deploy never runs \(edge), and nothing "
                                            + "taints it: \(names) \(untracked.count == 1 ? "was" : "were") `nowait` in "
                                            + "the old flow, so its dispatcher does not know when \(untracked.count == 1 ? "it finishes" : "they finish"). "
                                            + "Flows that start \(names) after the deploy run the edge."))
                continue
            }
            // A source only new starting edges lead to: no flow started before runs it, so none runs the edge.
            if let oldFlow, case let idle = nodes.filter(oldFlow.neverRun.contains), !idle.isEmpty {
                let names = idle.map(MarkdownText.codeSpan).joined(separator: ", ")
                result.append(Consequence(kind: .sourceNeverRuns, edge: index, strategy: nil,
                                          text: "No flow started before the migration runs \(names) (only a new starting edge leads there), so "
                                            + "none runs \(edge), and it taints none."))
                continue
            }
            let all = nodes.count > 1 ? "all of " : ""
            result.append(Consequence(kind: .sourcesFinished, edge: index, strategy: strategy,
                                      text: "A flow in which \(all)\(sources) already finished will not run \(edge); it is tainted "
                                        + outcome(strategy, continuing: mayRunAgain(nodes)
                                            ? "it continues without it — unless \(nodes.count > 1 ? "they run" : "it runs") again, and the "
                                                + "edge, armed then, fires when \(nodes.count > 1 ? "they finish" : "it finishes")"
                                            : "it continues without it") + ".",
                                      unreached: "(No state the old configuration reaches has \(all)\(sources) finished, and not "
                                        + "running again: only a flow carried over from an earlier configuration can be in one.)"))
            // An edge known to have no condition always runs; one with a condition (or unknown) only if it holds.
            let alwaysRuns = row.new?.to != nil && row.new?.condition == Edge.alwaysTrueCondition.jsonValue
            result.append(Consequence(kind: .edgeArmed, edge: index, strategy: nil,
                                      text: "A flow in which \(all)\(sources) \(nodes.count > 1 ? "are" : "is") running gets \(edge) armed: it runs when \(nodes.count > 1 ? "they finish" : "it finishes")"
                                        + (alwaysRuns ? "" : ", if its condition holds")
                                        + (mayRunAgain(nodes) ? " (one that finished before, too, is also tainted, as above)." : "."),
                                      unreached: "(No state the old configuration reaches has \(all)\(sources) running"
                                        + "\(nodes.count > 1 ? " together" : ""): only a flow carried over from an earlier configuration can be in one.)"))
        }
        return result + fallbacks
    }

    /// What a new starting edge (new edge `index`) does to flows already started: nothing.
    private static func newStartingEdge(_ edge: ReviewedEdge, index: Int) -> Consequence {
        Consequence(kind: .newStartingEdge, edge: index, strategy: nil,
                    text: "A flow that already started will never run the new starting edge \(MarkdownText.codeSpan(edge.display)) "
                        + "(new edge \(index)); the edge taints no flow, so a flow no other change taints continues without it. "
                        + "Restarted flows (RETRY) and flows started after the deploy run it.")
    }

    /// For each fallback of `flow` (the old definition) that starts a flow in `removedFlows`: a
    /// flow in which it is still running fails with it, whatever the strategy — the new
    /// configuration can have no failure entry for a flow it no longer has. (A `nowait` one is
    /// never seen running.)
    private static func removedFallbacks(of flow: FlowDefinition?, removedFlows: Set<String>) -> [Consequence] {
        guard let flow, !removedFlows.isEmpty else { return [] }
        return flow.failures.flatMap { failure in
            failure.fallback.nodes.filter { removedFlows.contains($0) && !flow.nowait.contains($0) }.map { name in
                let failed = failure.nodes.map(MarkdownText.codeSpan).joined(separator: ", ")
                return Consequence(kind: .fallbackRemoved, edge: nil, strategy: .fail,
                                   text: "A flow in which fallback \(MarkdownText.codeSpan(name)) (started when \(failed) failed) is still "
                                    + "running FAILS — unless another change of this migration taints it under RETRY, which restarts it and "
                                    + "leaves the fallback behind: \(MarkdownText.codeSpan(name)) is removed, so it fails on the new workers, "
                                    + "and this flow with it (the new configuration can have no failure entry for a flow it no longer has); "
                                    + "the fallback itself taints nothing.")
            }
        }
    }

    /// What an added edge to a removed edge's destinations does for flows waiting for the removed
    /// one: starts them instead where one of its sources is yet to finish (Selinon arms an edge
    /// when one of its sources finishes) — unless its sources always finish before the removed
    /// edge's start, or it is a starting edge, which flows already started never run.
    private static func replacementClause(_ edge: ReviewedEdge, index: Int, destinations: String, removed: ReviewedEdge,
                                          neverRun: Set<String>, untracked: Set<String>, alwaysFinished: ([String], [String]) -> Bool,
                                          startedOnlyByTaintingEdges: (String) -> [ReviewedEdge]?) -> String {
        let shown = "the new edge \(MarkdownText.codeSpan(edge.display)) (new edge \(index))"
        if edge.from.isEmpty {
            return "; \(shown) is a starting edge, which flows already started never run"
        }
        // A source the old flow did not track (`nowait`): its dispatcher never sees it finish.
        if case let quiet = edge.from.filter(untracked.contains), !quiet.isEmpty {
            return "; \(shown) starts \(destinations) in none of these flows: \(quiet.map(MarkdownText.codeSpan).joined(separator: ", ")) "
                + "\(quiet.count == 1 ? "was" : "were") `nowait` in the old flow, so its dispatcher does not know when "
                + "\(quiet.count == 1 ? "it finishes" : "they finish")"
        }
        if case let idle = edge.from.filter(neverRun.contains), !idle.isEmpty {
            return "; \(shown) starts \(destinations) in none of these flows: no flow started before the migration runs "
                + idle.map(MarkdownText.codeSpan).joined(separator: ", ")
        }
        guard !alwaysFinished(edge.from, removed.from) else {
            let sources = edge.from.map(MarkdownText.codeSpan).joined(separator: ", ")
            let later = removed.from.map(MarkdownText.codeSpan).joined(separator: ", ")
            let finish = edge.from.count == 1 ? "finishes" : "finish", start = removed.from.count == 1 ? "starts" : "start"
            return "; \(shown) starts \(destinations) in none of these flows: \(sources) always \(finish) before \(later) \(start), "
                + "so the new edge taints them instead (below)"
        }
        // A source only new edges start, from nodes that always finished before: they taint instead of firing.
        if let (source, ways) = edge.from.compactMap({ source in startedOnlyByTaintingEdges(source).map { (source, $0) } }).first {
            let by = ways.map { MarkdownText.codeSpan($0.display) }.joined(separator: ", ")
            let start = "\(removed.from.map(MarkdownText.codeSpan).joined(separator: ", ")) \(removed.from.count == 1 ? "starts" : "start")"
            if ways.allSatisfy({ alwaysFinished($0.from, removed.from) }) {
                return "; \(shown) starts \(destinations) in none of these flows: only \(by) \(ways.count == 1 ? "starts" : "start") "
                    + "\(MarkdownText.codeSpan(source)), and \(ways.count == 1 ? "its sources have" : "their sources have") always finished "
                    + "before \(start), so \(ways.count == 1 ? "it taints" : "they taint") these flows instead (below)"
            }
            return "; \(shown) starts \(destinations) in none of these flows: only \(by) \(ways.count == 1 ? "starts" : "start") "
                + "\(MarkdownText.codeSpan(source)), which is new to the flow, and none of the added edges on the way to it fires in them "
                + "(their sources always finished before \(start), so they taint instead, were `nowait` in the old flow, or are started "
                + "by nothing there)"
        }
        return "; \(shown) starts \(destinations) instead once all of its sources have finished, in flows where one of them is yet "
            + "to finish (an edge is armed when one of its sources finishes)"
    }

    /// `and will be RETRIED (restarted from the beginning)`, `and will be FAILED`, `(IGNORE: …)`.
    private static func outcome(_ strategy: TaintedFlowStrategy, continuing: String) -> String {
        switch strategy {
        case .retry: return "and will be RETRIED (restarted from the beginning)"
        case .fail: return "and will be FAILED"
        case .ignore: return "(IGNORE: \(continuing))"
        }
    }
}

/// How one flow's old and new edge indices correspond under a migration entry.
struct EdgeShape {
    var oldCount: Int
    var newCount: Int
    var newIndexForOld: [Int: Int] = [:]
    var oldIndexForNew: [Int: Int] = [:]

    /// Counts not given are derived: an old edge the entry does not mention kept its index, a
    /// new index below the highest the entry names that no old edge moved to and no
    /// `tainting_nodes` names is such an edge (without counts an added starting edge cannot be
    /// told from it), and every added edge is taken to have sources (`tainting_nodes`).
    init(_ entry: EdgeMigration, oldCount givenOld: Int?, newCount givenNew: Int?) {
        let removed = entry.translation.values.filter { $0 == nil }.count
        let added = entry.taintingNodes.count
        let targets = Set(entry.translation.values.compactMap { $0 })
        let highestNew = max((targets.max() ?? -1) + 1, (entry.taintingNodes.keys.max() ?? -1) + 1)
        let lastUnmentioned = (0..<highestNew).last { index in
            entry.translation.index(forKey: index) == nil && !targets.contains(index) && entry.taintingNodes[index] == nil
        }
        let highestOld = max((entry.translation.keys.max() ?? -1) + 1, (lastUnmentioned ?? -1) + 1)
        oldCount = givenOld ?? givenNew.map { max($0 - added + removed, highestOld) } ?? highestOld
        newCount = givenNew ?? max(oldCount - removed + added, highestNew)
        for oldIndex in 0..<oldCount {
            let target: Int?
            if let translated = entry.translation[oldIndex] { target = translated } else { target = oldIndex }
            if let target, target < newCount {
                newIndexForOld[oldIndex] = target
                oldIndexForNew[target] = oldIndex
            }
        }
    }
}

/// What a review reads from `_meta`.
struct MigrationMetadataFacts {
    var oldSource: String?
    var newSource: String?
    var warnings: [String] = []
    var edgeCounts: [String: (old: Int?, new: Int?)]?

    init(_ metadata: JSONValue?) {
        oldSource = metadata?["old"]?.stringValue
        newSource = metadata?["new"]?.stringValue
        if case .array(let items)? = metadata?["warnings"] { warnings = items.compactMap(\.stringValue) }
        if case .object(let counts)? = metadata?["edge_counts"] {
            edgeCounts = counts.mapValues { ($0["old"]?.intValue, $0["new"]?.intValue) }
        }
    }

    /// Flows the migration removed (an old edge count without a new one), by name.
    var removedFlows: [String] {
        (edgeCounts ?? [:]).filter { $0.value.old != nil && $0.value.new == nil }.keys.sorted()
    }
}
