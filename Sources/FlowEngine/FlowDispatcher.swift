import FlowConfig
import FlowMigration
import Foundation

/// Selinon's dispatcher for one flow, as a pure function from a state and what happened to its
/// nodes to the next state (spec §3.3–§3.5): start runs fire the starting edges and arm the
/// edges of the nodes they start; continuing runs arm the edges of finished nodes, fire each
/// armed edge once per new combination of source instances, hand failures to fallbacks (largest
/// failed combination first, every alternative whose condition holds, once per failed instance)
/// once nothing runs, and fail the flow on eager failures or
/// unhandled failures. `nowait` nodes are started but never tracked. A sub-flow is a node like
/// a task (its own state lives in its own dispatcher).
///
/// States are `DispatcherState` values, so everything the engine produces can be migrated,
/// stored and applied. Conditions, `foreach` fan-out and ids come from ``FlowDecisions``.
public struct FlowDispatcher: Sendable {
    /// How a run left the flow.
    public enum Status: String, Sendable, Equatable {
        /// Nodes still run (or failures wait for them to finish).
        case running
        /// Nothing runs and nothing failed: the flow finished.
        case succeeded
        /// An eager failure, or failures no fallback handles.
        case failed
    }

    /// The outcome of one dispatcher run.
    public struct Run: Sendable, Equatable {
        public var state: DispatcherState
        public var status: Status
        /// Instances scheduled in this run (tracked or `nowait`), in order.
        public var started: [DispatcherState.ActiveNode]
        /// The edges that fired in this run, once per firing (an edge fires once per new
        /// combination of source instances).
        public var fired: [Int] = []
        /// Why each instance of `started` was scheduled, in the same order.
        public var origins: [Origin] = []
        /// The first node of a flow with `node_args_from_first` whose result no storage keeps:
        /// Selinon's dispatcher cannot read the flow's arguments from it and fails the flow
        /// (`status` is `failed`).
        public var unreadFirstResult: String?
    }

    /// Why an instance was scheduled.
    public enum Origin: Sendable, Equatable {
        /// Edge `edge` fired; `item` is the position of the `foreach` item it was started for
        /// (`nil` for an edge without `foreach`).
        case edge(Int, item: Int?)
        /// A failure entry's fallback.
        case fallback
    }

    public let flow: FlowDefinition
    private let nowait: Set<String>
    private let eager: Set<String>
    /// Node name → indices of the edges whose `from` contains it, ascending.
    private let edgesFrom: [String: [Int]]
    /// Per edge, and per failure entry: the condition's value when no run can change it.
    private let settledEdgeConditions: [Bool?]
    private let settledFailureConditions: [Bool?]
    /// The tasks whose results a storage keeps (not read-only): what `node_args_from_first`
    /// can read.
    private let storedTasks: Set<String>

    /// The engine for flow `name` of `configuration`.
    /// - Throws: ``FlowEngineError`` when the flow does not exist.
    public init(configuration: Configuration, flow name: String) throws(FlowEngineError) {
        guard let flow = configuration.flows[name] else { throw FlowEngineError(message: "there is no flow '\(name)'") }
        self.init(flow: flow, of: configuration)
    }

    /// The engine for `flow` of `configuration`, which tells whether its predicates are
    /// Selinon's built-in ones (only then `alwaysTrue` and `alwaysFalse` are known to be
    /// constant) and which tasks' results a storage keeps.
    public init(flow: FlowDefinition, of configuration: Configuration) {
        self.flow = flow
        storedTasks = Set(configuration.tasks.filter { $0.storage != nil && !$0.storageReadOnly }.map(\.name))
        let builtin = configuration.global.usesBuiltinPredicates
        settledEdgeConditions = flow.edges.map { SelinonPredicates.settledValue(of: $0.condition, builtinPredicates: builtin) }
        settledFailureConditions = flow.failures.map { SelinonPredicates.settledValue(of: $0.condition, builtinPredicates: builtin) }
        nowait = Set(flow.nowait)
        eager = Set(flow.eagerFailures)
        var edgesFrom: [String: [Int]] = [:]
        for (index, edge) in flow.edges.enumerated() {
            for source in Set(edge.from) { edgesFrom[source, default: []].append(index) }
        }
        self.edgesFrom = edgesFrom
    }

    /// The first run of a flow: starting edges fire (in index order, when their condition holds),
    /// then the edges of every node started are armed.
    /// Whether no start of the flow leaves a node running, whatever is decided: every starting
    /// edge has a condition that never holds (`alwaysFalse` among Selinon's built-in predicates)
    /// or starts `nowait` nodes only — the flow ends as it starts, and is never in flight.
    public var neverRuns: Bool {
        flow.edges.indices.allSatisfy { index in
            let edge = flow.edges[index]
            return !edge.from.isEmpty || settledEdgeConditions[index] == false || edge.to.allSatisfy(nowait.contains)
        }
    }

    public func start(_ decisions: inout some FlowDecisions) -> Run {
        var work = Working(state: DispatcherState())
        for (index, edge) in flow.edges.enumerated()
        where edge.from.isEmpty && decisions.edgeCondition(edge, combination: [:], settled: settledEdgeConditions[index]) {
            fire(index, work: &work, decisions: &decisions)
        }
        for node in work.started where !nowait.contains(node.name) {
            arm(node.name, work: &work)
        }
        return work.run(status: status(of: work.state))
    }

    /// A continuing run after the instances `finished` succeeded and `failed` failed (ids of
    /// active nodes; others are ignored), processed in the order of `active_nodes`.
    public func advance(_ state: consuming DispatcherState, finished: Set<String>, failed: Set<String>,
                        _ decisions: inout some FlowDecisions) -> Run {
        let done = state.activeNodes.filter { finished.contains($0.id) }
        let broken = state.activeNodes.filter { failed.contains($0.id) && !finished.contains($0.id) }
        guard !done.isEmpty || !broken.isEmpty else { return Run(state: state, status: status(of: state), started: []) }
        var work = Working(state: state)
        // An eager failure stops the run where Selinon meets it, going through the active nodes in
        // order: the failures before it and it recorded, only it taken out of the active nodes —
        // the others stay there, failed ones before it too (Selinon replaces the active nodes
        // after the pass) and finished ones (recorded after it).
        if let stop = broken.firstIndex(where: { eager.contains($0.name) }) {
            for node in broken[...stop] { work.state.failedNodes[node.name, default: []].append(node.id) }
            work.state.activeNodes.removeAll { $0.id == broken[stop].id }
            return Run(state: work.state, status: .failed, started: [])
        }
        work.state.activeNodes.removeAll { finished.contains($0.id) || failed.contains($0.id) }
        for node in broken { work.state.failedNodes[node.name, default: []].append(node.id) }
        for node in done { arm(node.name, work: &work) }
        if flow.nodeArgsFromFirst && done.count == 1 && work.state.activeNodes.isEmpty && work.state.finishedNodes.isEmpty {
            guard storedTasks.contains(done[0].name) else {
                // Selinon's StoragePool.retrieve raises: the dispatcher fails the flow at once.
                var failed = work.run(status: .failed)
                failed.unreadFirstResult = done[0].name
                return failed
            }
            decisions.nodeArgumentsFromFirst(done[0])
        }
        // The edges each finished node may fire, in the order they wait (arming is over, so the
        // order is fixed): a node's own edges looked up, not every waiting edge scanned.
        let waitingPosition = Dictionary(work.state.waitingEdges.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        for node in done {
            let waitingEdges = (edgesFrom[node.name] ?? [])
                .compactMap { index in waitingPosition[index].map { (position: $0, index: index) } }
                .sorted { $0.position < $1.position }
            for (_, index) in waitingEdges {
                let edge = flow.edges[index]
                let candidates = edge.from.map { source in source == node.name ? [node.id] : work.state.finishedNodes[source] ?? [] }
                Self.forEachCombination(candidates) { combination in
                    let chosen = Dictionary(zip(edge.from, combination), uniquingKeysWith: { first, _ in first })
                    if decisions.edgeCondition(edge, combination: chosen, settled: settledEdgeConditions[index]) {
                        fire(index, work: &work, decisions: &decisions)
                    }
                    return !decisions.stopsJudging
                }
            }
            work.state.finishedNodes[node.name, default: []].append(node.id)
        }
        if work.state.activeNodes.isEmpty && !work.state.failedNodes.isEmpty {
            if !handleFailures(&work, decisions: &decisions) && !work.state.failedNodes.isEmpty {
                return work.run(status: .failed)
            }
        }
        return work.run(status: status(of: work.state))
    }

    // MARK: - Steps

    private struct Working {
        var state: DispatcherState
        var started: [DispatcherState.ActiveNode] = []
        var fired: [Int] = []
        var origins: [Origin] = []
        /// The state's waiting and triggered edges as sets, so that adding one costs no scan.
        var waiting: Set<Int>
        var triggered: Set<Int>

        init(state: DispatcherState) {
            self.state = state
            waiting = Set(state.waitingEdges)
            triggered = Set(state.triggeredEdges)
        }

        func run(status: Status) -> Run {
            Run(state: state, status: status, started: started, fired: fired, origins: origins)
        }
    }

    private func status(of state: DispatcherState) -> Status {
        if !state.activeNodes.isEmpty { return .running }
        return state.failedNodes.isEmpty ? .succeeded : .failed
    }

    private func arm(_ node: String, work: inout Working) {
        for index in edgesFrom[node] ?? [] where work.waiting.insert(index).inserted {
            work.state.waitingEdges.append(index)
        }
    }

    private func fire(_ index: Int, work: inout Working, decisions: inout some FlowDecisions) {
        let edge = flow.edges[index]
        if work.triggered.insert(index).inserted { work.state.triggeredEdges.append(index) }
        work.fired.append(index)
        guard edge.foreach != nil else {
            for destination in edge.to { schedule(destination, .edge(index, item: nil), work: &work, decisions: &decisions) }
            return
        }
        // Item by item, every destination for each (Selinon's `_fire_edge`).
        for item in 0..<decisions.foreachCount(edge) {
            for destination in edge.to { schedule(destination, .edge(index, item: item), work: &work, decisions: &decisions) }
        }
    }

    private func schedule(_ node: String, _ origin: Origin, work: inout Working, decisions: inout some FlowDecisions) {
        let instance = DispatcherState.ActiveNode(name: node, id: decisions.newID(for: node))
        work.started.append(instance)
        work.origins.append(origin)
        if !nowait.contains(node) { work.state.activeNodes.append(instance) }
    }

    /// Selinon's fallback search (`_compute_and_run_fallback`): failed names sorted; combinations
    /// from the largest down, in lexicographic order. The entries covering exactly a combination
    /// are alternatives: every one whose condition holds starts its fallback, then the first
    /// failed id of each covered name is consumed — and this repeats while every covered name
    /// still has a failed id, so two failed instances of one node start its fallback twice in
    /// one run. A `nowait` fallback ends the search. Returns whether a tracked node started.
    private func handleFailures(_ work: inout Working, decisions: inout some FlowDecisions) -> Bool {
        var startedTracked = false
        // Only the combinations some entry covers can start anything: those, in Selinon's order
        // (the largest first, then lexicographic), rather than all 2^n (a wide flow whose tasks
        // all failed would take hours).
        let failed = Set(work.state.failedNodes.keys)
        var alternativesByCombination: [[String]: [Int]] = [:]
        for (index, failure) in flow.failures.enumerated() {
            let covered = Set(failure.nodes).sorted()
            guard !covered.isEmpty, covered.allSatisfy(failed.contains) else { continue }
            alternativesByCombination[covered, default: []].append(index)
        }
        let combinations = alternativesByCombination.keys.sorted {
            $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1)
        }
        for combination in combinations {
            let alternatives = alternativesByCombination[combination]!
            while combination.allSatisfy({ work.state.failedNodes[$0] != nil }) {
                var handled = false, stop = false
                for entry in alternatives where decisions.failureCondition(flow.failures[entry], settled: settledFailureConditions[entry]) {
                    let failure = flow.failures[entry]
                    handled = true
                    for node in failure.fallback.nodes {
                        schedule(node, .fallback, work: &work, decisions: &decisions)
                        if nowait.contains(node) { stop = true } else { startedTracked = true }
                    }
                }
                guard handled else { break }
                for name in combination {
                    work.state.failedNodes[name]?.removeFirst()
                    if work.state.failedNodes[name]?.isEmpty == true { work.state.failedNodes[name] = nil }
                }
                if stop { return startedTracked }
            }
        }
        return startedTracked
    }

    /// Calls `body` with each combination of one item per list, in order (the first list's
    /// items outermost), until it returns false — one at a time: a join of instances that
    /// multiply has more combinations than fit in memory.
    static func forEachCombination(_ lists: [[String]], _ body: ([String]) -> Bool) {
        guard lists.allSatisfy({ !$0.isEmpty }) else { return }
        var positions = [Int](repeating: 0, count: lists.count)
        while true {
            guard body(zip(lists, positions).map { $0[$1] }) else { return }
            var list = lists.count - 1
            while list >= 0 {
                positions[list] += 1
                if positions[list] < lists[list].count { break }
                positions[list] = 0
                list -= 1
            }
            if list < 0 { return }
        }
    }

}

/// The engine cannot run what was asked.
public struct FlowEngineError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// For an execution that stopped (a flow that does not end, a condition it cannot decide):
    /// what ran until then, which shows the loop or the path taken.
    public var stoppedExecution: FlowExecution.Report?

    public init(message: String, stoppedExecution: FlowExecution.Report? = nil) {
        self.message = message
        self.stoppedExecution = stoppedExecution
    }

    public var description: String { message }
}

/// Foundation's `localizedDescription` (what loggers and frameworks print) gives the same text as `description`.
extension FlowEngineError: LocalizedError {
    public var errorDescription: String? { description }
}
