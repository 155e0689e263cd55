import YAMLTree

/// One entry of a flow-definitions file: a flow's edges, failures and options, with Selinon's
/// defaults filled in.
public struct FlowDefinition: Sendable, Equatable {
    /// The flow's name (listed in the nodes file's `flows`).
    public var name: String
    /// The edges in file order; an edge's position is its ``Edge/index``.
    public var edges: [Edge]
    /// The `failures` entries in file order.
    public var failures: [FailureDefinition]
    /// `nowait`: nodes started but never waited for.
    public var nowait: [String]
    /// `eager_failures`: nodes whose failure fails the flow at once.
    public var eagerFailures: [String]
    /// `node_args_from_first`: the first task's result becomes the flow arguments.
    public var nodeArgsFromFirst: Bool
    /// The seven `propagate_*` options.
    public var propagation: PropagationSettings
    /// The dispatcher queue after environment expansion.
    public var queue: String
    /// `max_retry` of the whole flow (default 0).
    public var maxRetry: Int
    /// `retry_countdown` of the whole flow in seconds (default 0).
    public var retryCountdown: Int
    /// `cache` for node-state lookups.
    public var cache: CacheSettings
    /// `sampling`: the dispatcher's rescheduling strategy.
    public var sampling: SamplingStrategy
    /// `throttling`, when set.
    public var throttling: Throttling?
    /// Where the definition's mapping starts.
    public var location: FileLocation
    /// Where the value of each option given starts (`nowait`, `eager_failures`, `propagate_*`),
    /// for diagnostics about it.
    public var optionLocations: [String: FileLocation] = [:]

    /// Where the value of option `key` starts, else where the definition starts.
    public func location(of key: String) -> FileLocation { optionLocations[key] ?? location }

    /// A flow with Selinon's defaults for every option not given (queue `celery`, no retries, no
    /// propagation, the default sampling).
    public init(
        name: String, edges: [Edge], failures: [FailureDefinition] = [], nowait: [String] = [],
        eagerFailures: [String] = [], nodeArgsFromFirst: Bool = false,
        propagation: PropagationSettings = PropagationSettings(), queue: String = "celery", maxRetry: Int = 0,
        retryCountdown: Int = 0, cache: CacheSettings = CacheSettings(), sampling: SamplingStrategy = .default,
        throttling: Throttling? = nil, location: FileLocation
    ) {
        self.name = name
        self.edges = edges
        self.failures = failures
        self.nowait = nowait
        self.eagerFailures = eagerFailures
        self.nodeArgsFromFirst = nodeArgsFromFirst
        self.propagation = propagation
        self.queue = queue
        self.maxRetry = maxRetry
        self.retryCountdown = retryCountdown
        self.cache = cache
        self.sampling = sampling
        self.throttling = throttling
        self.location = location
    }

    /// Every node named as an edge source or in a failure's `nodes` (Selinon's "source nodes").
    public var sourceNodes: Set<String> {
        var names = Set<String>(minimumCapacity: edges.count)
        // By index: iterating the edges would copy each one.
        for index in edges.indices { names.formUnion(edges[index].from) }
        for failure in failures { names.formUnion(failure.nodes) }
        return names
    }

    /// Every node an edge or a fallback starts (Selinon's "destination nodes").
    public var destinationNodes: Set<String> {
        var names = Set<String>(minimumCapacity: edges.count)
        for index in edges.indices { names.formUnion(edges[index].to) }
        for failure in failures { names.formUnion(failure.fallback.nodes) }
        return names
    }
}

/// A `propagate_*` option: off, on for every sub-flow, or on for the listed sub-flows.
public enum Propagation: Sendable, Hashable {
    /// `false` or absent: no sub-flow.
    case disabled
    /// `true`: every sub-flow.
    case allSubflows
    /// A flow name or a list of them: only these sub-flows.
    case subflows([String])

    /// Whether the option applies to the sub-flow `name`.
    public func covers(_ name: String) -> Bool {
        switch self {
        case .disabled: return false
        case .allSubflows: return true
        case .subflows(let names): return names.contains(name)
        }
    }

    /// The listed flows, when the option is a list.
    public var listedFlows: [String] {
        if case .subflows(let names) = self { return names }
        return []
    }
}

/// The seven `propagate_*` options of a flow.
public struct PropagationSettings: Sendable, Hashable {
    /// `propagate_node_args`: the sub-flows that get this flow's arguments (`node_args`).
    public var nodeArgs: Propagation = .disabled
    /// `propagate_parent`: the sub-flows that are given their parent nodes (the dispatcher message's
    /// `parent`), to read their results.
    public var parent: Propagation = .disabled
    /// `propagate_parent_failures`: the sub-flows meant to be given the failed nodes of their
    /// parent (checked for naming flows and written into the start-up code; Selinon 1.4's
    /// dispatcher never reads it).
    public var parentFailures: Propagation = .disabled
    /// `propagate_finished`: the sub-flows whose finished nodes are passed on to the nodes that follow
    /// them (through their `parent`, so only where `propagate_parent` covers those).
    public var finished: Propagation = .disabled
    /// `propagate_compound_finished`: as `propagate_finished`, in Selinon's compound form; a
    /// sub-flow is covered by one of the two, not both.
    public var compoundFinished: Propagation = .disabled
    /// `propagate_failures`: the sub-flows whose failures are meant to reach this flow's fallbacks
    /// (an entry of `failures` must list each; like the compound form, Selinon 1.4's dispatcher
    /// never reads it).
    public var failures: Propagation = .disabled
    /// `propagate_compound_failures`: as `propagate_failures`, in Selinon's compound form; a
    /// sub-flow is covered by one of the two, not both.
    public var compoundFailures: Propagation = .disabled

    /// Every option off, as Selinon's default.
    public init() {}
}

/// A flow's `sampling` strategy: the function that picks the dispatcher's next countdown.
public struct SamplingStrategy: Sendable, Hashable {
    /// `name` and `import`: the function that computes the next countdown.
    public var function: FunctionReference
    /// The strategy's `args`.
    public var arguments: ConfigValue

    /// The strategy `function`, called with `arguments`.
    public init(function: FunctionReference, arguments: ConfigValue) {
        self.function = function
        self.arguments = arguments
    }

    /// Selinon's default: `biexponential_increase` with `start_retry: 2, max_retry: 120`.
    public static let `default` = SamplingStrategy(
        function: FunctionReference(name: "biexponential_increase", importPath: "selinon.strategies"),
        arguments: .mapping([.init("start_retry", .integer(.small(2))), .init("max_retry", .integer(.small(120)))]))
}
