/// One node of a parsed YAML document: a resolved scalar, a sequence or a mapping, with the
/// position where it starts.
///
/// Nodes are values. An alias is the very node its anchor names — sequences and mappings share
/// their storage instead of being copied — so a document full of aliases costs no more memory
/// than its text. Code that walks a tree recursively must bound its work (see ``YAMLWalkBudget``):
/// following aliases can visit a shared subtree many times.
public struct YAMLNode: Sendable {
    /// The three kinds of YAML node.
    public enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        /// Key/value pairs in document order, after merge keys (`<<`) were applied and duplicate
        /// keys collapsed (the last value wins, at the position of the first occurrence).
        case mapping([YAMLPair])
    }

    /// What the node holds.
    public var content: Content
    /// Where the node starts in the source text. For an alias, where its anchored node starts.
    public var mark: YAMLMark

    public init(_ content: Content, mark: YAMLMark) {
        self.content = content
        self.mark = mark
    }

    /// The scalar, when the node is one.
    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    /// The items, when the node is a sequence.
    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The pairs, when the node is a mapping.
    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The resolved scalar value, when the node is a scalar.
    public var value: YAMLScalarValue? { scalar?.value }

    /// The string, when the node is a scalar that resolved to a string.
    public var string: String? {
        if case .string(let text)? = scalar?.value { return text }
        return nil
    }

    /// Whether the node is a scalar that resolved to null (`~`, `null`, an empty value, `!!null`).
    public var isNull: Bool {
        if case .null? = scalar?.value { return true }
        return false
    }

    /// The value stored under a string key of a mapping; `nil` when the node is not a mapping or
    /// has no such key.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.string == key }?.value
    }

    /// A short name for the kind of node, for messages: "a string", "a list", "a mapping", ….
    public var kindDescription: String {
        switch content {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar(let scalar): return scalar.value.kindDescription
        }
    }
}

/// A key and its value in a YAML mapping.
public struct YAMLPair: Sendable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}
