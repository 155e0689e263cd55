import FlowConfig
import FlowMigration

/// What a dispatcher run cannot know from the configuration and the state: whether a condition
/// holds for a combination of source instances, how many nodes a `foreach` edge starts, and the
/// ids of the nodes it schedules. The engine asks; implementations decide — from task results
/// (``PredicateDecisions``), at random (``RandomDecisions``), or every way in turn
/// (``ReachableStates``).
public protocol FlowDecisions {
    /// Whether `edge` fires for `combination` (source name → the id of the instance used).
    /// `settled` is the condition's value when no run can change it (see
    /// ``SelinonPredicates/settledValue(of:)``: no condition, or `alwaysTrue`/`alwaysFalse` with
    /// Selinon's built-in predicates); decisions that guess must take it.
    mutating func edgeCondition(_ edge: Edge, combination: [String: String], settled: Bool?) -> Bool
    /// Whether the condition of a failure entry holds (entries without one always hold);
    /// `settled` as for edges.
    mutating func failureCondition(_ failure: FailureDefinition, settled: Bool?) -> Bool
    /// How many nodes one firing of a `foreach` edge starts per destination.
    mutating func foreachCount(_ edge: Edge) -> Int
    /// A fresh id for a scheduled instance of `node`.
    mutating func newID(for node: String) -> String
    /// The flow has `node_args_from_first` and `node` is the first node to finish: its result
    /// becomes the flow's arguments (spec §3.3 step 3b), before this run's conditions.
    mutating func nodeArgumentsFromFirst(_ node: DispatcherState.ActiveNode)
    /// True once the decisions will not judge any more combinations (a budget ran out): the
    /// engine stops trying them, and the run it returns is not to be used.
    var stopsJudging: Bool { get }
}

public extension FlowDecisions {
    /// Decisions that do not read the flow's arguments ignore the change.
    mutating func nodeArgumentsFromFirst(_ node: DispatcherState.ActiveNode) {}

    /// Decisions without a budget judge every combination.
    var stopsJudging: Bool { false }
}

/// Ids `Name-1`, `Name-2`, … per node name — deterministic, so equal runs give equal states.
public struct SequentialIDs: Sendable, Equatable, Hashable {
    private var counters: [String: Int] = [:]

    public init() {}

    public mutating func next(for node: String) -> String {
        counters[node, default: 0] += 1
        return "\(node)-\(counters[node]!)"
    }
}

/// Decisions from task results and flow arguments, as Selinon's built-in predicates evaluate
/// them (``SelinonPredicates``); a predicate that cannot be evaluated here (custom predicates,
/// `httpStatus`) takes `otherwise`.
public struct PredicateDecisions: FlowDecisions, Sendable {
    /// Results by instance id.
    public var results: [String: JSONValue]
    /// The flow's `node_args`.
    public var nodeArguments: JSONValue
    public var environment: [String: String]
    /// `foreach` fan-out: the number of items each `foreach` function returns.
    public var foreachItems: Int
    /// The answer for predicates that cannot be evaluated.
    public var otherwise: Bool
    public var ids = SequentialIDs()

    public init(results: [String: JSONValue] = [:], nodeArguments: JSONValue = .null, environment: [String: String] = [:],
                foreachItems: Int = 1, otherwise: Bool = true) {
        self.results = results
        self.nodeArguments = nodeArguments
        self.environment = environment
        self.foreachItems = foreachItems
        self.otherwise = otherwise
    }

    public mutating func edgeCondition(_ edge: Edge, combination: [String: String], settled: Bool?) -> Bool {
        guard let condition = edge.condition else { return true }
        let sourceResults = combination.mapValues { results[$0] ?? .null }
        return SelinonPredicates(results: sourceResults, singleSource: edge.from.count == 1 ? edge.from[0] : nil,
                                 nodeArguments: nodeArguments, environment: environment).evaluate(condition) ?? otherwise
    }

    public mutating func failureCondition(_ failure: FailureDefinition, settled: Bool?) -> Bool {
        guard let condition = failure.condition else { return true }
        return SelinonPredicates(results: [:], singleSource: nil, nodeArguments: nodeArguments, environment: environment)
            .evaluate(condition) ?? otherwise
    }

    public mutating func foreachCount(_ edge: Edge) -> Int { foreachItems }

    public mutating func newID(for node: String) -> String { ids.next(for: node) }

    /// The finished node's result becomes ``nodeArguments``.
    public mutating func nodeArgumentsFromFirst(_ node: DispatcherState.ActiveNode) {
        nodeArguments = results[node.id] ?? .null
    }
}

/// Decisions by a seeded pseudo-random generator: conditions hold with `conditionProbability`,
/// `foreach` starts 0…`maxForeach` nodes. The same seed gives the same decisions.
public struct RandomDecisions: FlowDecisions, Sendable {
    public var generator: SeededGenerator
    public var conditionProbability: Double
    public var maxForeach: Int

    public init(seed: UInt64, conditionProbability: Double = 0.5, maxForeach: Int = 2) {
        generator = SeededGenerator(seed: seed)
        self.conditionProbability = conditionProbability
        self.maxForeach = maxForeach
    }

    public mutating func edgeCondition(_ edge: Edge, combination: [String: String], settled: Bool?) -> Bool {
        settled ?? (Double.random(in: 0..<1, using: &generator) < conditionProbability)
    }

    public mutating func failureCondition(_ failure: FailureDefinition, settled: Bool?) -> Bool {
        settled ?? (Double.random(in: 0..<1, using: &generator) < conditionProbability)
    }

    public mutating func foreachCount(_ edge: Edge) -> Int { Int.random(in: 0...maxForeach, using: &generator) }

    /// A random (version 4) UUID, as Celery gives tasks, drawn from the seeded generator.
    public mutating func newID(for node: String) -> String {
        let high = generator.next() & ~0xF000 | 0x4000  // the version: 4
        let low = generator.next() & ~(0xC << 60) | (0x8 << 60)  // the variant: RFC 4122
        let hex = String(high, radix: 16).leftPadded(16) + String(low, radix: 16).leftPadded(16)
        let digits = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(digits[$0]) }.joined(separator: "-")
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// A small, fast, seeded generator (SplitMix64), for reproducible simulations and tests.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
