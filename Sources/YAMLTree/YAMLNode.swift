/// One node of a parsed YAML document: a resolved scalar, a sequence or a mapping, with the
/// position where it starts.
///
/// A node is a small handle into its document's storage, where all nodes live in a few flat
/// arrays. An alias is the very node its anchor names, so a document full of aliases costs no
/// more memory than its text. Code that walks a tree recursively must bound its work (see
/// ``YAMLWalkBudget``): following aliases can visit a shared subtree many times.
public struct YAMLNode: Sendable {
    /// The three kinds of YAML node.
    public enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence(YAMLSequence)
        /// Key/value pairs in document order, after merge keys (`<<`) were applied and duplicate
        /// keys collapsed (the last value wins, at the position of the first occurrence).
        case mapping(YAMLMapping)
    }

    let storage: YAMLStorage
    let index: Int32

    init(storage: YAMLStorage, index: Int32) {
        self.storage = storage
        self.index = index
    }

    private var record: YAMLStorage.Record { storage.records[Int(index)] }

    /// Which node of its document this is: an alias and its anchor — and a value a merge key
    /// (`<<`) brings into a mapping and the value where it was written — are one node, as they are
    /// one object to PyYAML. (Selinon's loader changes some mappings in place as it reads them,
    /// so the second use of a shared one sees the change.)
    public var identity: YAMLNodeIdentity { YAMLNodeIdentity(document: ObjectIdentifier(storage), index: index) }

    /// What the node holds.
    public var content: Content {
        let record = self.record
        switch record.kind {
        case .scalar: return .scalar(storage.scalars[Int(record.start)])
        case .sequence: return .sequence(YAMLSequence(storage: storage, start: Int(record.start), count: Int(record.count)))
        case .mapping: return .mapping(YAMLMapping(storage: storage, start: Int(record.start), count: Int(record.count)))
        }
    }

    /// Where the node starts in the source text (its anchor, if it has one). For an alias, where
    /// the anchored node starts.
    public var mark: YAMLMark { record.mark }

    /// The scalar, when the node is one.
    public var scalar: YAMLScalar? {
        let record = self.record
        return record.kind == .scalar ? storage.scalars[Int(record.start)] : nil
    }

    /// The items, when the node is a sequence.
    public var sequence: YAMLSequence? {
        let record = self.record
        return record.kind == .sequence ? YAMLSequence(storage: storage, start: Int(record.start), count: Int(record.count)) : nil
    }

    /// The pairs, when the node is a mapping.
    public var mapping: YAMLMapping? {
        let record = self.record
        return record.kind == .mapping ? YAMLMapping(storage: storage, start: Int(record.start), count: Int(record.count)) : nil
    }

    /// The resolved scalar value, when the node is a scalar.
    public var value: YAMLScalarValue? { scalar?.value }

    /// The string, when the node is a scalar that resolved to a string.
    public var string: String? {
        guard let scalar, scalar.isString else { return nil }
        return scalar.text
    }

    /// Whether the node is a scalar that resolved to null (`~`, `null`, an empty value, `!!null`).
    public var isNull: Bool {
        if case .null? = scalar?.value { return true }
        return false
    }

    /// The value stored under a string key of a mapping; `nil` when the node is not a mapping or
    /// has no such key.
    public subscript(key: String) -> YAMLNode? {
        mapping?.value(forKey: key)
    }

    /// A short name for the kind of node, for messages: "a string", "a list", "a mapping", ….
    public var kindDescription: String {
        switch record.kind {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar: return storage.scalars[Int(record.start)].value.kindDescription
        }
    }
}

/// A node's identity within the documents parsed (``YAMLNode/identity``).
public struct YAMLNodeIdentity: Hashable, Sendable {
    let document: ObjectIdentifier
    let index: Int32
}

/// The items of a sequence node, in document order.
public struct YAMLSequence: RandomAccessCollection, Sendable {
    let storage: YAMLStorage
    let start: Int
    public let count: Int

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> YAMLNode {
        precondition(position >= 0 && position < count, "sequence index out of range")
        return YAMLNode(storage: storage, index: storage.children[start + position])
    }
}

/// The key/value pairs of a mapping node, in document order.
public struct YAMLMapping: RandomAccessCollection, Sendable {
    let storage: YAMLStorage
    /// Where the keys and values (alternating) start in the storage's child list.
    let start: Int
    public let count: Int

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> YAMLPair {
        precondition(position >= 0 && position < count, "mapping index out of range")
        return YAMLPair(key: YAMLNode(storage: storage, index: storage.children[start + 2 * position]),
                        value: YAMLNode(storage: storage, index: storage.children[start + 2 * position + 1]))
    }

    /// The value under a string key, compared byte for byte as Python compares strings.
    public func value(forKey key: String) -> YAMLNode? {
        let length = key.utf8.count
        for position in 0..<count {
            let keyIndex = storage.children[start + 2 * position]
            let record = storage.records[Int(keyIndex)]
            guard record.kind == .scalar else { continue }
            let scalar = storage.scalars[Int(record.start)]
            if scalar.isString, scalar.text.utf8.count == length, scalar.text.utf8.elementsEqual(key.utf8) {
                return YAMLNode(storage: storage, index: storage.children[start + 2 * position + 1])
            }
        }
        return nil
    }
}

/// A key and its value in a YAML mapping.
public struct YAMLPair: Sendable {
    public var key: YAMLNode
    public var value: YAMLNode
}

/// Every node of one document in flat arrays: one record per node, the children of all
/// collections in one list, and the resolved scalars. Built once by ``YAMLParser``, then
/// immutable and shared by all ``YAMLNode`` handles.
final class YAMLStorage: Sendable {
    enum Kind: UInt8, Sendable {
        case scalar, sequence, mapping
    }

    struct Record: Sendable {
        var kind: Kind
        var mark: YAMLMark
        /// Scalar: index into `scalars`. Collection: first index into `children`.
        var start: Int32
        /// Collection: number of items (sequence) or pairs (mapping).
        var count: Int32
    }

    let records: [Record]
    /// Node indices: sequence items, or mapping keys and values alternating.
    let children: [Int32]
    let scalars: [YAMLScalar]

    init(records: [Record], children: [Int32], scalars: [YAMLScalar]) {
        self.records = records
        self.children = children
        self.scalars = scalars
    }
}
