import FlowConfig
import FlowMigration

/// An edge as migrations see it: sets of source and destination names and the condition.
/// `foreach` and `selective` do not take part in matching (they only produce warnings).
struct NormalizedEdge {
    var from: [String]
    var to: [String]
    /// The condition as configured.
    let configuredCondition: ConfigValue

    init(_ edge: borrowing Edge) {
        from = Self.sortedUnique(edge.from)
        to = Self.sortedUnique(edge.to)
        configuredCondition = edge.conditionValue
        var hash = FNV()
        for name in from { hash.add(name) }
        hash.add(0xFF)
        for name in to { hash.add(name) }
        shapeHash = hash.value
        hash.add(word: edge.condition == nil ? Self.alwaysTrueHash : Self.conditionHash(configuredCondition))
        fullHash = hash.value
    }

    /// The edges of a flow, normalised.
    static func edges(of flow: FlowDefinition) -> [NormalizedEdge] {
        // Through a buffer and by index: iterating the edges would copy each one.
        flow.edges.withUnsafeBufferPointer { edges in
            var normalized: [NormalizedEdge] = []
            normalized.reserveCapacity(edges.count)
            for index in edges.indices { normalized.append(NormalizedEdge(edges[index])) }
            return normalized
        }
    }

    private static func conditionHash(_ condition: ConfigValue) -> UInt64 {
        var hash = FNV()
        hash.add(pythonValue: condition)
        return hash.value
    }

    /// The condition hash of every edge without a condition (most of them), computed once.
    private static let alwaysTrueHash = conditionHash(Edge.alwaysTrueCondition)

    /// Cheap hashes of the matching keys, computed once (FNV-1a): `shapeHash` of sources and
    /// destinations, `fullHash` of those and the condition as Python compares it. Equal keys
    /// have equal hashes; the matching confirms every hash hit with ``sameShape(as:)`` or
    /// ``sameKey(as:)``.
    let shapeHash: UInt64
    let fullHash: UInt64

    /// The condition as migration files record it (`condition_str`).
    var condition: JSONValue { configuredCondition.jsonValue }

    /// Whether both edges have the same sources and destinations (the second matching pass).
    func sameShape(as other: NormalizedEdge) -> Bool {
        shapeHash == other.shapeHash && from == other.from && to == other.to
    }

    /// Whether both edges have the same sources, destinations and condition, with condition
    /// values compared as Python compares them (the first matching pass).
    func sameKey(as other: NormalizedEdge) -> Bool {
        fullHash == other.fullHash && from == other.from && to == other.to
            && configuredCondition.equalsInPython(other.configuredCondition)
    }

    /// The edge as a dictionary key with the equality of ``sameKey(as:)``.
    var full: Full { Full(edge: self) }

    struct Full: Hashable {
        var edge: NormalizedEdge

        static func == (lhs: Full, rhs: Full) -> Bool { lhs.edge.sameKey(as: rhs.edge) }

        func hash(into hasher: inout Hasher) { hasher.combine(edge.fullHash) }
    }

    /// `from → to` as a person reads it: `Fetch → [Parse, Store]`; a starting edge reads
    /// `(start) → Fetch`, as `review` writes it.
    var display: String {
        func names(_ list: [String]) -> String {
            list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"
        }
        return "\(from.isEmpty ? "(start)" : names(from)) → \(names(to))"
    }

    /// The names sorted, each once: the sets `from` and `to` stand for.
    static func sortedUnique(_ names: [String]) -> [String] {
        guard names.count > 1 else { return names }
        var sorted = names.sorted()
        var kept = 1
        for index in 1..<sorted.count where sorted[index] != sorted[kept - 1] {
            sorted[kept] = sorted[index]
            kept += 1
        }
        sorted.removeLast(sorted.count - kept)
        return sorted
    }
}

/// FNV-1a over names and values, for the precomputed edge hashes.
private struct FNV {
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x100_0000_01B3
    }

    mutating func add(_ text: String) {
        for byte in text.utf8 { add(byte) }
        add(0)
    }

    /// Adds a value so that values Python considers equal (`ConfigValue.equalsInPython`)
    /// add the same bytes: numbers by their integer value when integral, mapping entries in
    /// any order (their own hashes are summed).
    mutating func add(pythonValue config: ConfigValue) {
        if case .integer(let integer)? = config.integralValue {
            add(4)
            add(integer.description)
            return
        }
        switch config {
        case .null: add(1)
        case .bool, .integer: preconditionFailure("integral values are handled above")
        case .float(let double): add(5); add(double.description)
        case .string(let text): add(6); add(text)
        case .timestamp(let timestamp): add(7); add(timestamp.pythonIdentity.description)
        case .list(let items):
            add(8)
            items.forEach { add(pythonValue: $0) }
            add(9)
        case .mapping(let entries):
            add(10)
            var sum: UInt64 = 0
            for entry in entries {
                var entryHash = FNV()
                entryHash.add(entry.key)
                entryHash.add(pythonValue: entry.value)
                sum &+= entryHash.value
            }
            add(word: sum)
            add(11)
        }
    }

    mutating func add(word: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { add(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
    }
}
