/// An edge or fallback condition: a tree of `and`/`or`/`not` over predicate calls.
public indirect enum Condition: Sendable, Equatable {
    /// A leaf: one predicate call (`name`, `node`, `args`).
    case predicate(PredicateCall)
    /// `and: [...]`: holds when every child holds.
    case and([Condition])
    /// `or: [...]`: holds when any child holds.
    case or([Condition])
    /// `not: {...}`: holds when the child does not.
    case not(Condition)

    /// Every predicate call in the tree, left to right.
    public var predicateCalls: [PredicateCall] {
        switch self {
        case .predicate(let call): return [call]
        case .and(let children), .or(let children): return children.flatMap(\.predicateCalls)
        case .not(let child): return child.predicateCalls
        }
    }
}

/// A leaf of a ``Condition``: `{name: fieldEqual, node: Task, args: {key: …, value: …}}`.
public struct PredicateCall: Sendable, Equatable {
    /// The predicate function's name in `global.predicates_module`.
    public var name: String
    /// The node whose result the predicate reads: `node`, or the edge's only source.
    public var node: String?
    /// Whether `node` was written explicitly (rather than inferred from a single source).
    public var isNodeExplicit: Bool
    /// The predicate's `args` in file order.
    public var arguments: [ConfigValue.MappingEntry]
    /// Where the leaf's mapping starts.
    public var location: FileLocation

    /// A call of predicate `name` at `location`, reading `node`'s result if it names one.
    public init(name: String, node: String? = nil, isNodeExplicit: Bool = false,
                arguments: [ConfigValue.MappingEntry] = [], location: FileLocation) {
        self.name = name
        self.node = node
        self.isNodeExplicit = isNodeExplicit
        self.arguments = arguments
        self.location = location
    }
}
