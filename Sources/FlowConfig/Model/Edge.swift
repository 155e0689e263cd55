/// One entry of a flow's `edges`: when all `from` nodes finished (and the condition holds),
/// start the `to` nodes.
public struct Edge: Sendable, Equatable {
    /// The edge's position in the flow's `edges` list — the number dispatcher states and
    /// migration files use for it.
    public var index: Int
    /// Source node names as written (empty for a starting edge).
    public var from: [String]
    /// Destination node names as written.
    public var to: [String]
    /// The parsed condition; `nil` when the edge has none (it always fires).
    public var condition: Condition?
    /// The condition exactly as loaded from YAML — what Selinon writes into migration files as
    /// `condition_str` — or `{"name": "alwaysTrue"}` when the edge has none.
    public var conditionValue: ConfigValue
    /// `foreach`: start the destinations once per item a function returns.
    public var foreach: Foreach?
    /// `selective`: the destination sub-flow runs only selected tasks.
    public var selective: SelectiveRun?
    /// Where the edge's mapping starts.
    public var location: FileLocation

    /// Edge `index` of its flow; without a `conditionValue` it records ``alwaysTrueCondition``.
    public init(
        index: Int, from: [String], to: [String], condition: Condition? = nil, conditionValue: ConfigValue? = nil,
        foreach: Foreach? = nil, selective: SelectiveRun? = nil, location: FileLocation
    ) {
        self.index = index
        self.from = from
        self.to = to
        self.condition = condition
        self.conditionValue = conditionValue ?? Edge.alwaysTrueCondition
        self.foreach = foreach
        self.selective = selective
        self.location = location
    }

    /// Whether the edge has no source: it fires when the flow starts.
    public var isStartingEdge: Bool { from.isEmpty }

    /// The raw condition Selinon records for an edge without one.
    public static let alwaysTrueCondition = ConfigValue.mapping([.init("name", .string("alwaysTrue"))])
}

/// An edge's `foreach`: a function whose result items each start the destinations once.
public struct Foreach: Sendable, Hashable {
    /// `function` and `import`: the function whose result items each start the destinations.
    public var function: FunctionReference
    /// `propagate_result`: each item becomes the started sub-flow's arguments.
    public var propagateResult: Bool

    /// A `foreach` calling `function`, by default without `propagate_result`.
    public init(function: FunctionReference, propagateResult: Bool = false) {
        self.function = function
        self.propagateResult = propagateResult
    }
}

/// An edge's `selective`: run only some tasks of the destination sub-flow.
public struct SelectiveRun: Sendable, Hashable {
    /// `tasks`: the tasks to run.
    public var tasks: [String]
    /// `follow_subflows`: also look for the tasks in nested sub-flows.
    public var followSubflows: Bool
    /// `run_subsequent`: also run what follows the selected tasks (`true`, or a list).
    public var runSubsequent: RunSubsequent

    /// The two forms of `run_subsequent`.
    public enum RunSubsequent: Sendable, Hashable {
        /// `true` or `false`.
        case flag(Bool)
        /// A list of flow names (a set to Selinon: order and repeats do not matter).
        case flows([String])
    }

    /// A selective run of `tasks`; by default neither `follow_subflows` nor `run_subsequent`.
    public init(tasks: [String], followSubflows: Bool = false, runSubsequent: RunSubsequent = .flag(false)) {
        self.tasks = tasks
        self.followSubflows = followSubflows
        self.runSubsequent = runSubsequent
    }

    /// The run with its task and flow lists sorted and without repeats: Selinon uses them as
    /// sets, so two runs that differ only in their order are the same run.
    public var normalized: SelectiveRun {
        var run = self
        run.tasks = Array(Set(tasks)).sorted()
        if case .flows(let flows) = runSubsequent { run.runSubsequent = .flows(Array(Set(flows)).sorted()) }
        return run
    }
}
