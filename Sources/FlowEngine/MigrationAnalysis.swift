import FlowConfig
import FlowMigration
import Synchronization

/// What a migration chain does to every state a flow can be in: the flow's reachable states
/// (``ReachableStates``) under the configuration the states were written against, each migrated,
/// counted per outcome, with the smallest example of each.
public struct MigrationAnalysis: Sendable {
    /// How a reachable state comes out of the migration.
    public enum Outcome: String, Sendable, CaseIterable, Comparable {
        /// Migrated; its edge lists did not change.
        case unchanged
        /// Migrated; edge indices were translated to other places (and maybe an edge dropped or a
        /// new edge armed too).
        case renumbered
        /// Migrated; no index moved, but an edge the state waited for is gone (the migration
        /// removed it: the flow stops waiting for it), and maybe a new edge armed too.
        case dropped = "waiting-edge-dropped"
        /// Migrated; its indices stand, and a new edge whose sources run now waits too.
        case armed
        /// Migrated with IGNORE taints: it continues, but not as a fresh run would.
        case ignored = "tainted-ignore"
        /// Restarted (RETRY).
        case retry
        /// Failed (FAIL, or the flow was removed), or bound to fail: it goes on (no RETRY restarts
        /// it) running a sub-flow that was removed, so that sub-flow's dispatcher fails, and the
        /// new configuration has no failure entry for it.
        case fail
        /// The state does not fit the migration (should not happen for reachable states).
        case invalid

        public static func < (lhs: Outcome, rhs: Outcome) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// One flow's result.
    public struct FlowResult: Sendable {
        public var flow: String
        public var reachable: Int
        /// The bound the search stopped at (there are more states than counted), `nil` when it
        /// covered every state.
        public var bound: ReachableStates.Bound?
        /// The search stopped at a bound.
        public var isBounded: Bool { bound != nil }
        public var counts: [Outcome: Int]
        /// The smallest state of each outcome.
        public var examples: [Outcome: DispatcherState]
        /// The added edges (indices at the newest version) that tainted a state because all their
        /// sources had finished (`tainting_nodes`), and those armed in a state because its
        /// sources were running: an added edge in neither did nothing to any state counted.
        public var taintingEdges: Set<Int> = []
        public var armedEdges: Set<Int> = []

        /// The most severe outcome found.
        public var worst: Outcome? { counts.keys.max() }
    }

    /// How far an analysis is, as ``init(configuration:flows:chain:version:options:progress:)``
    /// reports it.
    public struct Progress: Sendable, Equatable {
        /// Flows whose analysis is complete, of ``flows``.
        public var flowsDone: Int
        /// Flows to analyse.
        public var flows: Int
        /// States found and migrated so far, in all flows.
        public var statesFound: Int

        public init(flowsDone: Int, flows: Int, statesFound: Int) {
            self.flowsDone = flowsDone
            self.flows = flows
            self.statesFound = statesFound
        }
    }

    public private(set) var flows: [FlowResult] = []

    /// Analyses `flows` of `configuration` (the configuration of version `version`) against the
    /// migrations after `version` in `chain`. `progress`, when given, is told how far the
    /// analysis is (from any thread) as each flow is done and every ``progressInterval`` states
    /// analysed: a flow of thousands of edges takes many seconds on its own.
    public init(configuration: Configuration, flows names: [String], chain: MigrationChain, version: Int,
                options: ReachableStates.Options = ReachableStates.Options(),
                progress: (@Sendable (Progress) -> Void)? = nil) {
        let migrator = Migrator(chain: chain)
        // Flows are independent: analyse them on every core, in name order.
        let definitions = names.sorted().compactMap { configuration.flows[$0] }
        let finished = Atomic<Int>(0)
        let analysed = Atomic<Int>(0)
        @Sendable func report(flowsDone: Int) {
            progress?(Progress(flowsDone: flowsDone, flows: definitions.count, statesFound: analysed.load(ordering: .relaxed)))
        }
        flows = definitions.concurrentMap { flow in
            defer {
                if progress != nil { report(flowsDone: finished.add(1, ordering: .relaxed).newValue) }
            }
            var counts: [Outcome: Int] = [:]
            var examples: [Outcome: DispatcherState] = [:]
            var taintingEdges: Set<Int> = [], armedEdges: Set<Int> = []
            // Each state is migrated as the search finds it, so that progress counts what is done.
            let reachable = ReachableStates(engine: FlowDispatcher(flow: flow, of: configuration), options: options) { state in
                let migrated = Self.migrate(state, flow: flow.name, version: version, migrator: migrator)
                taintingEdges.formUnion(migrated.taintingEdges)
                armedEdges.formUnion(migrated.armedEdges)
                var outcome = migrated.outcome
                // A state that goes on (not restarted by RETRY, which leaves the sub-flow behind).
                if outcome < .retry, Self.runsRemovedSubflow(state, version: version, chain: chain) {
                    outcome = .fail
                }
                counts[outcome, default: 0] += 1
                // States come fewest events first: the first of each outcome is the smallest.
                if examples[outcome] == nil { examples[outcome] = state }
                if progress != nil, analysed.add(1, ordering: .relaxed).newValue % Self.progressInterval == 0 {
                    report(flowsDone: finished.load(ordering: .relaxed))
                }
            }
            return FlowResult(flow: flow.name, reachable: reachable.states.count, bound: reachable.bound,
                              counts: counts, examples: examples, taintingEdges: taintingEdges, armedEdges: armedEdges)
        }
    }

    /// How many states are analysed between two progress reports.
    public static let progressInterval = 64

    /// Whether `state` runs a sub-flow that the chain removes after `version` — its own dispatcher
    /// then fails on new workers, and so does the flow when that failure reaches it: the failure
    /// entries the new workers read are the new configuration's, which cannot name a flow it no
    /// longer has (the old configuration's fallback for it is gone with it).
    static func runsRemovedSubflow(_ state: DispatcherState, version: Int, chain: MigrationChain) -> Bool {
        state.activeNodes.contains { node in chain.removal(of: node.name, after: version) != nil }
    }

    /// What migrating `state` gives: its outcome, the added edges whose finished sources tainted
    /// it, and the added edges armed in it (new waiting edges no old waiting edge became; for a
    /// flow the strategy restarts or fails, those it would arm going on).
    static func migrate(_ state: DispatcherState, flow: String, version: Int,
                        migrator: Migrator) -> (outcome: Outcome, taintingEdges: [Int], armedEdges: [Int]) {
        let message = DispatcherMessage(flowName: flow, migrationVersion: version, state: state)
        let result: MigrationOutcome
        do {
            result = try migrator.migrate(message)
        } catch {
            return (.invalid, [], [])
        }
        func tainting(_ taints: [Taint]) -> [Int] {
            taints.compactMap { if case .sourcesAlreadyFinished(let edge, _) = $0.reason { edge } else { nil } }
        }
        func armed(in migrated: DispatcherState?) -> [Int] {
            let kept = Set(migrator.chain.translated(of: flow, state.waitingEdges, after: version).compactMap { $0 })
            return (migrated?.waitingEdges ?? []).filter { !kept.contains($0) }
        }
        /// The added edges the migration arms in the state had the flow gone on, where the
        /// strategy restarts or fails it instead: the state reaches them all the same.
        func armedGoingOn() -> [Int] {
            let goingOn = Migrator(chain: migrator.chain, policy: TaintPolicy(overrides: ["*": .ignore]))
            guard case .migrated(let migrated, _, _, _)? = try? goingOn.migrate(message) else { return [] }
            return armed(in: migrated.state)
        }
        switch result {
        case .upToDate: return (.unchanged, [], [])
        case .migrated(let migrated, _, _, let taints):
            let armed = armed(in: migrated.state)
            if !taints.isEmpty { return (.ignored, tainting(taints), armed) }
            let changes = migrator.chain.edgeChanges(of: flow, state.waitingEdges + state.triggeredEdges, after: version)
            if changes.moved { return (.renumbered, [], armed) }
            if changes.dropped { return (.dropped, [], armed) }
            return (armed.isEmpty ? .unchanged : .armed, [], armed)
        case .retry(_, _, _, let taints): return (.retry, tainting(taints), armedGoingOn())
        case .fail(_, _, let taints): return (.fail, tainting(taints), armedGoingOn())
        case .skew: return (.invalid, [], [])
        }
    }
}
