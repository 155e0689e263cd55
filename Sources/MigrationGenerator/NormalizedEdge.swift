import FlowConfig
import FlowMigration

/// An edge as migrations see it: sets of source and destination names and the condition.
/// `foreach` and `selective` do not take part in matching (they only produce warnings).
struct NormalizedEdge {
    var from: [String]
    var to: [String]
    /// The condition as configured.
    let configuredCondition: ConfigValue
    /// The condition with values compared as Python compares them (`1`, `1.0` and `true` are
    /// equal; mapping order does not matter), for matching.
    var conditionKey: ConfigValue

    init(_ edge: borrowing Edge) {
        from = Self.sortedUnique(edge.from)
        to = Self.sortedUnique(edge.to)
        configuredCondition = edge.conditionValue
        conditionKey = Self.isCanonical(edge.conditionValue) ? edge.conditionValue : Self.pythonEquality(edge.conditionValue)
        var hash = FNV()
        for name in from { hash.add(name) }
        hash.add(0xFF)
        for name in to { hash.add(name) }
        shapeHash = hash.value
        hash.add(conditionKey)
        fullHash = hash.value
    }

    /// Cheap hashes of `shape` and `full`, computed once (FNV-1a), so dictionary lookups do not
    /// rehash names and conditions with SipHash each time.
    let shapeHash: UInt64
    let fullHash: UInt64

    /// The condition as migration files record it (`condition_str`).
    var condition: JSONValue { configuredCondition.jsonValue }

    /// The key of the first matching pass: sources, destinations and condition.
    var full: Full { Full(from: from, to: to, condition: conditionKey, hash: fullHash) }

    struct Full: Hashable {
        var from: [String]
        var to: [String]
        var condition: ConfigValue
        var hash: UInt64

        static func == (lhs: Full, rhs: Full) -> Bool {
            lhs.hash == rhs.hash && lhs.from == rhs.from && lhs.to == rhs.to && lhs.condition == rhs.condition
        }

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    }

    /// The key of the second matching pass: sources and destinations only.
    var shape: Shape { Shape(from: from, to: to, hash: shapeHash) }

    struct Shape: Hashable {
        var from: [String]
        var to: [String]
        var hash: UInt64

        static func == (lhs: Shape, rhs: Shape) -> Bool {
            lhs.hash == rhs.hash && lhs.from == rhs.from && lhs.to == rhs.to
        }

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    }

    /// `from → to` as a person reads it: `Fetch → [Parse, Store]`, `∅ → Fetch`.
    var display: String {
        func names(_ list: [String]) -> String {
            list.isEmpty ? "∅" : list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"
        }
        return "\(names(from)) → \(names(to))"
    }

    private static func sortedUnique(_ names: [String]) -> [String] {
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

    /// Whether `pythonEquality` would return the value unchanged: no booleans, no integral
    /// floats, mapping keys in order (most conditions, and every edge without one).
    static func isCanonical(_ value: ConfigValue) -> Bool {
        switch value {
        case .bool: return false
        case .float(let double): return Int(exactly: double) == nil
        case .list(let items): return items.allSatisfy(isCanonical)
        case .mapping(let entries):
            for index in entries.indices.dropFirst() where !(entries[index - 1].key < entries[index].key) { return false }
            return entries.allSatisfy { isCanonical($0.value) }
        case .null, .integer, .string, .timestamp: return true
        }
    }

    /// One spelling per value as Python's `==` sees it: booleans are 0 and 1, integral floats
    /// are integers, mappings are ordered by key.
    static func pythonEquality(_ value: ConfigValue) -> ConfigValue {
        switch value {
        case .bool(let flag): return .integer(.small(flag ? 1 : 0))
        case .float(let double):
            if let integer = Int(exactly: double) { return .integer(.small(integer)) }
            return value
        case .list(let items): return .list(items.map(pythonEquality))
        case .mapping(let entries):
            return .mapping(entries.map { .init($0.key, pythonEquality($0.value)) }.sorted { $0.key < $1.key })
        case .null, .integer, .string, .timestamp: return value
        }
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

    mutating func add(_ config: ConfigValue) {
        switch config {
        case .null: add(1)
        case .bool(let flag): add(flag ? 2 : 3)
        case .integer(let integer): add(4); add(integer.description)
        case .float(let double): add(5); add(double.description)
        case .string(let text): add(6); add(text)
        case .timestamp(let timestamp): add(7); add(timestamp.description)
        case .list(let items):
            add(8)
            items.forEach { add($0) }
            add(9)
        case .mapping(let entries):
            add(10)
            for entry in entries {
                add(entry.key)
                add(entry.value)
            }
            add(11)
        }
    }
}
