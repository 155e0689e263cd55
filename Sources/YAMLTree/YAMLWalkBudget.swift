/// Bounds the work of walking a ``YAMLNode`` tree whose aliases may share subtrees.
///
/// A YAML document of a few hundred bytes can name one list a billion times through aliases
/// ("billion laughs"). The tree itself stays small because aliases are shared, but a recursive
/// walk would visit every expansion. Walkers call ``spend(at:)`` once per node they visit and
/// stop with a clear ``YAMLError`` when the budget is exhausted.
public struct YAMLWalkBudget: Sendable {
    /// The number of node visits allowed by default: far beyond any real configuration.
    public static let defaultLimit = 20_000_000

    /// How many visits are left.
    public private(set) var remaining: Int
    /// The number of visits allowed in all.
    public let limit: Int

    public init(limit: Int = YAMLWalkBudget.defaultLimit) {
        self.limit = limit
        self.remaining = limit
    }

    /// Records one visit of the node at `mark`.
    /// - Throws: ``YAMLError/Kind/expansionLimit`` once the budget is used up.
    public mutating func spend(at mark: YAMLMark) throws(YAMLError) {
        guard remaining > 0 else {
            throw YAMLError(
                .expansionLimit,
                "aliases expand the document to more than \(limit) nodes (an alias bomb?); "
                    + "reduce the use of aliases here",
                at: mark)
        }
        remaining -= 1
    }
}
