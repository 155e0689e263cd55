import FlowConfig
import FlowMigration

/// Every dispatcher state a flow can reach while it runs, found breadth-first: from the start
/// run, one node finishing (or failing) per run, every condition both ways, `foreach` starting
/// 0…`maxForeach` nodes. States that differ only in instance ids count once. Cycles and
/// fan-out can make the set infinite, and one dispatcher run can have exponentially many
/// outcomes (a condition is decided per combination of source instances): the search stops at
/// `maxStates` distinct states, once they hold ``Options/maxNodes`` node instances, or after
/// ``Options/runsPerState`` times as many dispatcher runs, and says so (``isBounded``).
///
/// One node per run is enough to reach every state Selinon reaches when several finish in the
/// same run, except that such a run decides their failures together (fallbacks run only when
/// nothing is active): failures are explored one at a time.
public struct ReachableStates: Sendable {
    /// Bounds of the search.
    public struct Options: Sendable, Equatable {
        /// Stop after this many distinct in-flight states.
        public var maxStates: Int
        /// The most nodes one `foreach` firing starts.
        public var maxForeach: Int
        /// Also explore nodes failing.
        public var includeFailures: Bool

        /// The search also stops after `maxStates` times this many dispatcher runs, most of which
        /// lead to states seen before — so that its time and memory stay bounded when a run has
        /// exponentially many outcomes.
        public var runsPerState: Int

        /// Stop once the states found hold this many node instances in all (running, finished
        /// and failed): a flow that fans out to thousands of nodes would fill memory long before
        /// `maxStates` states (about a hundred bytes each).
        public var maxNodes: Int

        public init(maxStates: Int = 10_000, maxForeach: Int = 2, includeFailures: Bool = true, runsPerState: Int = 50,
                    maxNodes: Int = 2_000_000) {
            self.maxStates = maxStates
            self.maxForeach = maxForeach
            self.includeFailures = includeFailures
            self.runsPerState = runsPerState
            self.maxNodes = maxNodes
        }
    }

    /// In-flight states, fewest events first.
    public private(set) var states: [DispatcherState] = []
    /// Which bound stopped the search before it exhausted the flow.
    public enum Bound: String, Sendable, Equatable {
        /// ``Options/maxStates`` states.
        case states
        /// ``Options/maxNodes`` node instances held by the states.
        case nodes
        /// ``Options/runsPerState`` dispatcher runs per allowed state.
        case runs
    }

    /// The bound that stopped the search, `nil` when it covered every state.
    public private(set) var bound: Bound?
    /// Whether the search stopped at a bound before exhausting the flow.
    public var isBounded: Bool { bound != nil }

    /// Searches `engine`'s flow within `options`' bounds; `found`, when given, gets each state
    /// as it is found, in the order of ``states`` (to work on the states while the search goes
    /// on: a flow of thousands of edges takes milliseconds per state).
    public init(engine: FlowDispatcher, options: Options = Options(), found: ((DispatcherState) -> Void)? = nil) {
        var seen = Set<StateKey>()
        var queue: [(state: DispatcherState, ids: SequentialIDs)] = []
        var head = 0
        let (product, overflow) = options.maxStates.multipliedReportingOverflow(by: options.runsPerState)
        let maxRuns = overflow ? Int.max : product
        var runs = 0
        var nodes = 0
        func visit(_ run: FlowDispatcher.Run, _ ids: SequentialIDs) -> Bool {
            runs += 1
            guard runs <= maxRuns else {
                bound = .runs
                return false
            }
            guard run.status == .running, seen.insert(Self.key(of: run.state)).inserted else { return true }
            nodes += run.state.activeNodes.count + run.state.finishedNodes.values.reduce(0) { $0 + $1.count }
                + run.state.failedNodes.values.reduce(0) { $0 + $1.count }
            if states.count == options.maxStates || nodes > options.maxNodes {
                bound = states.count == options.maxStates ? .states : .nodes
                return false
            }
            states.append(run.state)
            found?(run.state)
            queue.append((run.state, ids))
            return true
        }
        guard Self.everyChoice(ids: SequentialIDs(), maxForeach: options.maxForeach, { engine.start(&$0) }, visit: visit) else { return }
        while head < queue.count {
            let (state, ids) = queue[head]
            head += 1
            var names = Set<String>()
            for node in state.activeNodes where names.insert(node.name).inserted {
                for fails in options.includeFailures ? [false, true] : [false] {
                    let completed = Self.everyChoice(ids: ids, maxForeach: options.maxForeach, { decisions in
                        engine.advance(state, finished: fails ? [] : [node.id], failed: fails ? [node.id] : [], &decisions)
                    }, visit: visit)
                    guard completed else { return }
                }
            }
        }
    }

    /// Runs `body` once for every sequence of decisions it can meet, handing each run to `visit`
    /// as soon as it is made, until `visit` returns false.
    /// - Returns: false when `visit` stopped the enumeration.
    static func everyChoice(ids: SequentialIDs, maxForeach: Int, _ body: (inout ScriptedDecisions) -> FlowDispatcher.Run,
                            visit: (FlowDispatcher.Run, SequentialIDs) -> Bool) -> Bool {
        var scripts: [[Int]] = [[]]
        while let script = scripts.popLast() {
            var decisions = ScriptedDecisions(script: script, ids: ids, maxForeach: maxForeach)
            let run = body(&decisions)
            guard visit(run, decisions.ids) else { return false }
            for position in script.count..<decisions.made.count {
                let prefix = decisions.made[..<position].map(\.choice)
                for alternative in 1..<decisions.made[position].arity { scripts.append(prefix + [alternative]) }
            }
        }
        return true
    }

    /// What identifies a state regardless of instance ids.
    static func key(of state: DispatcherState) -> StateKey {
        func counts(_ nodes: [String: [String]]) -> [StateKey.NodeCount] {
            nodes.map { StateKey.NodeCount(name: $0.key, count: $0.value.count) }.sorted { $0.name < $1.name }
        }
        return StateKey(active: state.activeNodes.map(\.name).sorted(), finished: counts(state.finishedNodes),
                        failed: counts(state.failedNodes), waiting: state.waitingEdges.sorted(),
                        triggered: state.triggeredEdges.sorted())
    }

    /// A state without its instance ids: the names of active nodes (with repeats), how many
    /// instances of each node finished and failed, and the edge indices, all sorted.
    struct StateKey: Hashable {
        struct NodeCount: Hashable {
            var name: String
            var count: Int
        }

        var active: [String]
        var finished: [NodeCount]
        var failed: [NodeCount]
        var waiting: [Int]
        var triggered: [Int]
    }
}

/// Decisions replayed from a script of choices (0 when the script is exhausted), recording every
/// choice made and how many alternatives it had, so that a search can try each in turn.
struct ScriptedDecisions: FlowDecisions {
    let script: [Int]
    var ids: SequentialIDs
    let maxForeach: Int
    private(set) var made: [(choice: Int, arity: Int)] = []

    init(script: [Int], ids: SequentialIDs, maxForeach: Int) {
        self.script = script
        self.ids = ids
        self.maxForeach = maxForeach
    }

    private mutating func choose(among arity: Int) -> Int {
        let choice = made.count < script.count ? script[made.count] : 0
        made.append((choice, arity))
        return choice
    }

    mutating func edgeCondition(_ edge: Edge, combination: [String: String], settled: Bool?) -> Bool {
        settled ?? (choose(among: 2) == 1)
    }

    mutating func failureCondition(_ failure: FailureDefinition, settled: Bool?) -> Bool {
        settled ?? (choose(among: 2) == 1)
    }

    mutating func foreachCount(_ edge: Edge) -> Int { choose(among: maxForeach + 1) }

    mutating func newID(for node: String) -> String { ids.next(for: node) }
}

extension DispatcherState {
    /// `Fetch finished; Parse ×2 running; Store failed` — for reports.
    /// A list longer than ten names shows the first ten and how many more there are.
    public var summary: String {
        func list(_ counts: [String: Int]) -> String {
            let names = counts.keys.sorted()
            let shown = names.prefix(10).map { counts[$0]! > 1 ? "\($0) ×\(counts[$0]!)" : $0 }
            return shown.joined(separator: ", ") + (names.count > 10 ? " and \(names.count - 10) more" : "")
        }
        var parts: [String] = []
        if !finishedNodes.isEmpty { parts.append(list(finishedNodes.mapValues(\.count)) + " finished") }
        let running = Dictionary(activeNodes.map { ($0.name, 1) }, uniquingKeysWith: +)
        if !running.isEmpty { parts.append(list(running) + " running") }
        if !failedNodes.isEmpty { parts.append(list(failedNodes.mapValues(\.count)) + " failed") }
        return parts.isEmpty ? "nothing started" : parts.joined(separator: "; ")
    }
}
