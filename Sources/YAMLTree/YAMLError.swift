import Foundation

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
        /// A merge key (`<<`) whose value is not a mapping or a list of mappings, or a `<<` used
        /// where only a key is allowed.
        case invalidMerge
        /// A plain `=` used as a value: YAML 1.1's value indicator, which PyYAML cannot construct.
        case valueIndicator
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

extension YAMLError: LocalizedError {
    public var errorDescription: String? { description }
}

/// Something legal but suspicious in a YAML document, reported without stopping the parse.
public struct YAMLWarning: Sendable, Equatable, CustomStringConvertible {
    /// What the two occurrences of the key are.
    public enum Kind: Sendable, Equatable {
        /// The key appears twice in one mapping; the later value wins, as in PyYAML.
        case duplicateKey
        /// Two mappings of one merge list (`<<: [*a, *b]`) give the key different values. The
        /// first wins here, as in PyYAML before 6.0.4; PyYAML 6.0.4 and later take the last for
        /// keys longer than one character (yaml/pyyaml#953), so readers may disagree.
        case mergeListConflict
        /// Merge keys give the key a value that PyYAML 6.0.4 and later take from elsewhere than
        /// earlier versions (and this parser) do: they drop a merged pair whose key is the same
        /// Python object as one merged before — the same key node, or an empty or one-character
        /// key, which CPython shares — where earlier versions let the later pair win (a mapping
        /// merged twice, two `<<` keys, a merged mapping that merges or repeats a key itself).
        /// `firstMark` is the key this parser takes the value from, `mark` the one newer PyYAML does.
        case mergeVersionDifference
    }

    /// A duplicate key, a merge-list conflict, or a merge that PyYAML versions read differently.
    public var kind: Kind
    /// The key.
    public var key: String
    /// The earlier occurrence: the one ignored (duplicate key), or the one that wins (merge list).
    public var firstMark: YAMLMark
    /// The later occurrence.
    public var mark: YAMLMark
    /// For a merge-list conflict: the merge key (`<<`) that merges both.
    public var mergeMark: YAMLMark?

    /// A finding about `key`, found at `firstMark` and again at `mark` (merged by the `<<` at
    /// `mergeMark`, for a merge-list conflict).
    public init(_ kind: Kind = .duplicateKey, key: String, firstMark: YAMLMark, mark: YAMLMark, mergeMark: YAMLMark? = nil) {
        self.kind = kind
        self.key = key
        self.firstMark = firstMark
        self.mark = mark
        self.mergeMark = mergeMark
    }

    public var description: String {
        switch kind {
        case .duplicateKey:
            return "\(mark): duplicate key '\(key)' (first defined at line \(firstMark.line)); the last value wins"
        case .mergeListConflict:
            return "\(mergeMark ?? mark): key '\(key)' merged from two mappings with different values, at lines \(firstMark.line) "
                + "(which wins) and \(mark.line)"
        case .mergeVersionDifference:
            return "\(mergeMark ?? mark): key '\(key)' merged from line \(firstMark.line); PyYAML 6.0.4 and later take it from line "
                + "\(mark.line)"
        }
    }
}

/// A parsed single-document YAML stream.
public struct YAMLDocument: Sendable {
    /// The document's root node; `nil` when the stream holds no document at all.
    public var root: YAMLNode?
    /// Duplicate keys and similar findings, in source order.
    public var warnings: [YAMLWarning]
}
