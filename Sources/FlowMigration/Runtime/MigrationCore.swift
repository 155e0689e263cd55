/// The migration algorithm on the parts of a state it needs — shared by the typed
/// ``Migrator`` and the byte-level stream migrator, so both behave identically.
struct MigrationCore {
    /// What migration reads from a state.
    struct Input {
        var flowName: String
        var version: Int
        var waiting: [Int]
        var triggered: [Int]
        /// Names of running nodes (repeats allowed; a few names, so a list beats a set).
        var activeNames: [String]
        /// Names of finished nodes.
        var finishedNames: [String]
        /// Selective-run subsets by flow (`selective.waiting_edges_subset`).
        var selectiveSubsets: [String: [SelectiveEdge]]
    }

    /// An edge of a selective-run subset: its index, and a tag by which the caller finds the
    /// value stored for it (the node names), which migration does not touch.
    struct SelectiveEdge: Equatable {
        var index: Int
        var tag: Int
    }

    /// What changes.
    struct Result {
        var waiting: [Int]
        var triggered: [Int]
        var selectiveSubsets: [String: [SelectiveEdge]]
        var taints: [Taint]
        /// Whether the selective subsets changed (only then they are rewritten).
        var selectiveChanged: Bool
        /// Set when a migration would list an edge twice; the state must then be left as it was.
        var conflict: StateError?
    }

    /// Applies versions `input.version + 1 … chain.latestVersion`.
    ///
    /// Per migration: a triggered edge listed in `tainted_edges` taints; waiting and triggered
    /// edges are translated and removed edges dropped (Selinon crashes on triggered edges,
    /// defect D-1); selective subsets are translated for every flow they name (D-8); an added
    /// edge taints when all its sources finished (as in Selinon, also when one runs again), and
    /// is armed when all its sources are running.
    static func run(_ input: Input, chain: MigrationChain, policy: TaintPolicy) -> Result {
        var result = Result(waiting: input.waiting, triggered: input.triggered, selectiveSubsets: input.selectiveSubsets,
                            taints: [], selectiveChanged: false)
        guard input.version < chain.latestVersion else { return result }
        for flow in input.selectiveSubsets.keys.sorted() {  // in order: the first conflict is reported
            let subset = input.selectiveSubsets[flow]!
            var edges = subset
            for step in chain.steps(of: flow, after: input.version) {
                edges = edges.compactMap { item in step.entry.translate(item.index).map { SelectiveEdge(index: $0, tag: item.tag) } }
                if step.entry.mayRepeat, let index = Self.firstRepeat(edges.map(\.index)) {
                    result.conflict = Self.conflict(step.version, key: "selective.waiting_edges_subset.\(flow)", index: index, flow: flow)
                    return result
                }
            }
            if edges != subset {
                result.selectiveSubsets[flow] = edges
                result.selectiveChanged = true
            }
        }
        // The flow removed since (even if added back), or one its selective run names removed and
        // added back: new workers cannot go on with it.
        var removal = chain.removal(of: input.flowName, after: input.version).map { (version: $0, flow: input.flowName) }
        for flow in input.selectiveSubsets.keys.sorted() {
            if let other = chain.removalOfReaddedFlow(flow, after: input.version), other < removal?.version ?? Int.max {
                removal = (other, flow)
            }
        }
        if let removal {
            result.taints.append(Taint(version: removal.version, reason: .flowRemoved(flow: removal.flow), strategy: .fail))
        }
        for step in chain.steps(of: input.flowName, after: input.version) {
            // As Selinon: nothing armed or fired yet leaves the state alone.
            if result.waiting.isEmpty && result.triggered.isEmpty { continue }
            let entry = step.entry
            let strategy = policy.strategy(for: input.flowName, file: step.strategy)
            if !entry.taintedEdges.isEmpty {
                for index in result.triggered {
                    if let edge = entry.taintedEdges[index] {
                        result.taints.append(Taint(version: step.version, reason: .firedRemovedEdge(index: index, edge: edge),
                                                   strategy: strategy))
                    }
                }
            }
            translate(&result.triggered, entry)
            translate(&result.waiting, entry)
            // The lists were sets before (checked on reading), so a repeat comes from this migration.
            if entry.mayRepeat {
                for (key, edges) in [("state.waiting_edges", result.waiting), ("state.triggered_edges", result.triggered)] {
                    if let index = Self.firstRepeat(edges) {
                        result.conflict = Self.conflict(step.version, key: key, index: index, flow: input.flowName)
                        return result
                    }
                }
            }
            // The waiting edges as a set once an added edge is to be armed (a flow may add thousands).
            var waitingIndices: Set<Int>?
            for added in entry.taintingNodes {
                // Taints even when a source also runs again (a cycle, or several instances): its
                // finished instances will never fire the new edge, so the flow cannot end as a
                // fresh run would (the oracle tests find such flows; see the README on D-9).
                if added.sources.allSatisfy(input.finishedNames.contains) {
                    result.taints.append(Taint(version: step.version,
                                               reason: .sourcesAlreadyFinished(edgeIndex: added.index, nodes: added.sources),
                                               strategy: strategy))
                }
                if added.sources.allSatisfy(input.activeNames.contains) {
                    if waitingIndices == nil { waitingIndices = Set(result.waiting) }
                    if waitingIndices!.insert(added.index).inserted { result.waiting.append(added.index) }
                }
            }
        }
        return result
    }

    /// The first index that appears a second time. Most lists hold a few edges, scanned without
    /// allocating; a long one (a fan-out flow's thousands of waiting edges) goes through a set,
    /// so the check stays linear.
    private static func firstRepeat(_ edges: [Int]) -> Int? {
        guard edges.count > 16 else {
            return edges.enumerated().first { offset, index in edges[..<offset].contains(index) }?.element
        }
        var seen = Set<Int>(minimumCapacity: edges.count)
        return edges.first { !seen.insert($0).inserted }
    }

    private static func conflict(_ version: Int, key: String, index: Int, flow: String) -> StateError {
        StateError(.inconsistentMigration, "migration \(version) gives \(key) edge \(index) twice: its file moves an edge of flow "
            + "'\(flow)' to \(index) while another keeps that index (an edited file?); the state is left as it was: regenerate the migration")
    }

    /// Translates edge indices in place, dropping removed edges.
    private static func translate(_ edges: inout [Int], _ entry: CompiledFlowMigration) {
        var kept = 0
        for position in edges.indices {
            if let new = entry.translate(edges[position]) {
                edges[kept] = new
                kept += 1
            }
        }
        edges.removeLast(edges.count - kept)
    }
}
