/// Brings dispatcher messages up to the newest migration of a chain.
///
/// Pure: touches no files or stores; the caller persists the outcome. Works on a copy, so a
/// message is never left half-migrated (Selinon mutates in place, defect D-14). Version rules
/// (one rule where Selinon has two, D-18): a message newer than the chain is
/// ``MigrationOutcome/skew(version:latest:)``, with or without a state; otherwise a message
/// without a state adopts the latest version, and a state without a version is version 0.
/// Taints of every migration in the chain are collected, and the most severe strategy among
/// them decides — FAIL over RETRY over IGNORE (Selinon acts on the first non-IGNORE taint, D-2).
public struct Migrator: Sendable {
    /// The migrations, compiled: states are brought up to its latest version.
    public let chain: MigrationChain
    /// Per-flow strategies that take the place of the files' (`apply --policy`).
    public var policy: TaintPolicy

    /// A migrator up to the chain's latest version; `policy` overrides the files' strategies per flow.
    public init(chain: MigrationChain, policy: TaintPolicy = TaintPolicy()) {
        self.chain = chain
        self.policy = policy
    }

    private static func negativeEdge(_ key: String, _ position: Int, _ index: Int) -> StateError {
        StateError(.edgeIndexOutOfRange, "state.\(key)[\(position)] is \(index); edge indices are not negative")
    }

    /// Migrates one message.
    /// - Throws: ``StateError`` when the state does not fit its flow (an edge index beyond the
    ///   flow's edges at the state's version, or a flow that configuration did not have, when
    ///   the migration files record edge counts).
    public func migrate(_ message: DispatcherMessage) throws(StateError) -> MigrationOutcome {
        let latest = chain.latestVersion
        let version = message.migrationVersion ?? 0
        // What the JSON reader refuses, for a message built in code.
        guard version >= 0 else { throw StateError(.wrongType, "migration_version must be a non-negative integer or null, found \(version)") }
        if let state = message.state {
            if let position = state.waitingEdges.firstIndex(where: { $0 < 0 }) {
                throw Self.negativeEdge("waiting_edges", position, state.waitingEdges[position])
            }
            if let position = state.triggeredEdges.firstIndex(where: { $0 < 0 }) {
                throw Self.negativeEdge("triggered_edges", position, state.triggeredEdges[position])
            }
        }
        // Newer than these migrations, with or without a state: a newer deployment's message is
        // left to it. (Selinon gives a state-less one this worker's older version, so old and new
        // workers of a rolling deploy would flip it back and forth.)
        if version > latest { return .skew(version: version, latest: latest) }
        // A flow not started yet, of a flow a migration removed: new workers cannot start it.
        if message.state == nil, let removal = chain.removalBlockingNewRun(of: message.flowName, after: version) {
            return .fail(fromVersion: version, toVersion: latest, taints: [Taint(version: removal, reason: .flowRemoved(flow: message.flowName), strategy: .fail)])
        }
        // A new run (no state, version 0) is of a flow of the newest configuration; anything else, of its version's.
        if let unknown = chain.unknownFlowError(message.flowName, atVersion: message.state == nil && version == 0 ? latest : version) {
            throw unknown
        }
        let subsetIndices = (message.selectiveSubsets ?? [:]).mapValues { $0.keys.sorted() }
        guard let state = message.state else {
            guard version != latest else { return .upToDate }
            var adopted = message
            adopted.migrationVersion = latest
            guard !subsetIndices.isEmpty else { return .migrated(adopted, fromVersion: version, toVersion: latest, taints: []) }
            // A new run (version 0) is written for the newest configuration; a restarted one names
            // its selective run's edges as its version numbers them, and is translated like a state.
            if let error = chain.edgeIndexError(flow: message.flowName, waiting: [], triggered: [], selectiveSubsets: subsetIndices,
                                                atVersion: version > 0 ? version : latest) {
                throw error
            }
            guard version > 0 else { return .migrated(adopted, fromVersion: version, toVersion: latest, taints: []) }
            let (subsets, originals) = Self.tagged(message.selectiveSubsets ?? [:])
            let result = MigrationCore.run(MigrationCore.Input(flowName: message.flowName, version: version, waiting: [], triggered: [],
                                                               activeNames: [], finishedNames: [], selectiveSubsets: subsets),
                                           chain: chain, policy: policy)
            if let conflict = result.conflict { throw conflict }
            // With nothing run yet, the only taint is a removal its subset cannot outlive.
            if !result.taints.isEmpty { return .fail(fromVersion: version, toVersion: latest, taints: result.taints) }
            if result.selectiveChanged { adopted.replaceSelectiveSubsets(Self.subsets(result.selectiveSubsets, originals)) }
            return .migrated(adopted, fromVersion: version, toVersion: latest, taints: [])
        }
        if let error = chain.edgeIndexError(flow: message.flowName, waiting: state.waitingEdges, triggered: state.triggeredEdges,
                                            selectiveSubsets: subsetIndices, atVersion: version) {
            throw error
        }
        if version == latest { return .upToDate }

        let (subsets, originals) = Self.tagged(message.selectiveSubsets ?? [:])
        let input = MigrationCore.Input(
            flowName: message.flowName, version: version, waiting: state.waitingEdges, triggered: state.triggeredEdges,
            activeNames: state.activeNodes.map(\.name), finishedNames: Array(state.finishedNodes.keys),
            selectiveSubsets: subsets)
        let result = MigrationCore.run(input, chain: chain, policy: policy)
        if let conflict = result.conflict { throw conflict }
        let strongest = result.taints.map(\.strategy).max() ?? .ignore
        switch strongest {
        case .fail:
            return .fail(fromVersion: version, toVersion: latest, taints: result.taints)
        case .retry:
            // The restart runs on the latest configuration: a selective run's edges are
            // translated to it as well (Selinon keeps the old indices, D-8).
            var restarted = message
            restarted.state = nil
            restarted.migrationVersion = latest
            if restarted.otherKeys["retry"] != nil { restarted.otherKeys["retry"] = .null }
            if result.selectiveChanged { restarted.replaceSelectiveSubsets(Self.subsets(result.selectiveSubsets, originals)) }
            return .retry(restarted, fromVersion: version, toVersion: latest, taints: result.taints)
        case .ignore:
            var migrated = message
            migrated.migrationVersion = latest
            migrated.state?.waitingEdges = result.waiting
            migrated.state?.triggeredEdges = result.triggered
            if result.selectiveChanged { migrated.replaceSelectiveSubsets(Self.subsets(result.selectiveSubsets, originals)) }
            return .migrated(migrated, fromVersion: version, toVersion: latest, taints: result.taints)
        }
    }

    /// Selective subsets for ``MigrationCore``: each edge tagged with its position in
    /// `originals`, where its value (the node names) is found again after translation.
    private static func tagged(_ given: [String: [Int: JSONValue]])
        -> (subsets: [String: [MigrationCore.SelectiveEdge]], originals: [String: [JSONValue]]) {
        var subsets: [String: [MigrationCore.SelectiveEdge]] = [:]
        var originals: [String: [JSONValue]] = [:]
        for (flow, edges) in given {
            let indices = edges.keys.sorted()
            subsets[flow] = indices.enumerated().map { MigrationCore.SelectiveEdge(index: $0.element, tag: $0.offset) }
            originals[flow] = indices.map { edges[$0]! }
        }
        return (subsets, originals)
    }

    /// The translated `waiting_edges_subset`: each edge with the value it had.
    private static func subsets(_ translated: [String: [MigrationCore.SelectiveEdge]], _ originals: [String: [JSONValue]]) -> [String: JSONValue] {
        var rewritten: [String: JSONValue] = [:]
        for (flow, edges) in translated {
            let values = originals[flow] ?? []
            rewritten[flow] = .object(Dictionary(edges.map { (String($0.index), values[$0.tag]) }, uniquingKeysWith: { first, _ in first }))
        }
        return rewritten
    }

}

extension DispatcherMessage {
    /// Replaces `selective.waiting_edges_subset` (flow → edge index → node names).
    mutating func replaceSelectiveSubsets(_ subsets: [String: JSONValue]) {
        guard case .object(var selective)? = otherKeys["selective"] else { return }
        selective["waiting_edges_subset"] = .object(subsets)
        otherKeys["selective"] = .object(selective)
    }
}
