/// Why a YAML text could not be turned into a node tree, and where.
public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of problem, for callers that react differently to each.
    public enum Kind: Sendable, Equatable {
        /// libyaml rejected the text (syntax, indentation, an unterminated quote, …).
        case syntax
        /// The bytes are not valid UTF-8 (or UTF-16 with a byte-order mark).
        case encoding
        /// The input is larger than ``YAMLParser/Limits/maxInputBytes``.
        case inputTooLarge
        /// Collections nest deeper than ``YAMLParser/Limits/maxDepth``.
        case nestingTooDeep
        /// More than one document in a stream that must hold exactly one.
        case multipleDocuments
        /// An alias names an anchor that was never defined, or is defined twice, or refers to
        /// the collection that contains it.
        case anchor
        /// A tag PyYAML's safe loader cannot construct, or a scalar its tag rejects.
        case unsupportedValue
        /// A merge key (`<<`) whose value is not a mapping or a list of mappings, or a `<<`/`=`
        /// used where only a key is allowed.
        case invalidMerge
        /// A list or mapping used as a mapping key.
        case unhashableKey
        /// Aliases expand the document beyond the node budget (an "alias bomb").
        case expansionLimit
    }

    public var kind: Kind
    /// What went wrong, in one sentence.
    public var message: String
    /// Where; `nil` only for problems of the whole input (its size).
    public var mark: YAMLMark?

    public init(_ kind: Kind, _ message: String, at mark: YAMLMark?) {
        self.kind = kind
        self.message = message
        self.mark = mark
    }

    public var description: String {
        guard let mark else { return message }
        return "\(mark): \(message)"
    }
}

/// Something legal but suspicious in a YAML document, reported without stopping the parse.
public struct YAMLWarning: Sendable, Equatable, CustomStringConvertible {
    /// A key that appears twice in one mapping; the later value wins, as in PyYAML.
    public var key: String
    /// Where the ignored, earlier occurrence is.
    public var firstMark: YAMLMark
    /// Where the occurrence that wins is.
    public var mark: YAMLMark

    public var description: String {
        "\(mark): duplicate key '\(key)' (first defined at line \(firstMark.line)); the last value wins"
    }
}

/// A parsed single-document YAML stream.
public struct YAMLDocument: Sendable {
    /// The document's root node; `nil` when the stream holds no document at all.
    public var root: YAMLNode?
    /// Duplicate keys and similar findings, in source order.
    public var warnings: [YAMLWarning]
}
