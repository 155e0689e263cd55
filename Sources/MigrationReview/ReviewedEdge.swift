import FlowConfig
import FlowMigration
import MigrationGenerator

/// An edge as a reviewer sees it: sources, destinations and the condition, from a
/// configuration or from a migration file's `tainted_edges`.
public struct ReviewedEdge: Sendable, Equatable {
    /// Source node names (empty for a starting edge).
    public var from: [String]
    /// Destination node names; `nil` when unknown (an added edge known only from
    /// `tainting_nodes`, without the new configuration).
    public var to: [String]?
    /// The condition as configured (`{"name": "alwaysTrue"}` when the edge has none); `nil`
    /// when unknown.
    public var condition: JSONValue?
    /// Whether the edge has `foreach`, when known.
    public var hasForeach: Bool?
    /// The `foreach` function as `module.function`, with `(propagate_result)` when it is set;
    /// `nil` without `foreach` or when unknown.
    public var foreachFunction: String?
    /// The `selective` run in words (`tasks [A, B], follow_subflows, run_subsequent`); `nil`
    /// without one or when unknown (known whenever ``hasForeach`` is).
    public var selective: String?
    /// The condition as loaded, when the edge comes from a configuration: compared as Python
    /// compares values (as `generate` pairs edges), where the JSON form cannot tell a date from a
    /// string or `1` from `true`. Not part of `==`, which compares what the review shows.
    var configuredCondition: ConfigValue?

    public static func == (lhs: ReviewedEdge, rhs: ReviewedEdge) -> Bool {
        lhs.from == rhs.from && lhs.to == rhs.to && lhs.condition == rhs.condition && lhs.hasForeach == rhs.hasForeach
            && lhs.foreachFunction == rhs.foreachFunction && lhs.selective == rhs.selective
    }

    public init(from: [String], to: [String]?, condition: JSONValue?, hasForeach: Bool? = nil, foreachFunction: String? = nil,
                selective: String? = nil) {
        self.from = from
        self.to = to
        self.condition = condition
        self.hasForeach = hasForeach
        self.foreachFunction = foreachFunction
        self.selective = selective
    }

    /// The edge of a loaded configuration.
    public init(_ edge: Edge) {
        self.init(from: edge.from, to: edge.to, condition: edge.conditionValue.jsonValue, hasForeach: edge.foreach != nil,
                  foreachFunction: edge.foreach.map { "\($0.function.importPath).\($0.function.name)" + ($0.propagateResult ? " (propagate_result)" : "") },
                  selective: edge.selective.map(Self.describe))
        configuredCondition = edge.conditionValue
    }

    /// `tasks [A, B], follow_subflows, run_subsequent [flow1]`.
    private static func describe(_ run: SelectiveRun) -> String {
        var parts = ["tasks [\(run.tasks.joined(separator: ", "))]"]
        if run.followSubflows { parts.append("follow_subflows") }
        switch run.runSubsequent {
        case .flag(true): parts.append("run_subsequent")
        case .flag(false): break
        case .flows(let flows): parts.append("run_subsequent [\(flows.joined(separator: ", "))]")
        }
        return parts.joined(separator: ", ")
    }

    /// A removed edge as its migration file records it.
    public init(_ edge: TaintedEdge) {
        self.init(from: edge.from, to: edge.to, condition: edge.condition)
    }

    /// Whether `other` is the same edge for Selinon: the same sources and destinations in any
    /// order (as `generate` pairs edges), the same condition, `foreach` and `selective`.
    public func isSameEdge(as other: ReviewedEdge) -> Bool {
        let sameCondition = if let mine = configuredCondition, let theirs = other.configuredCondition {
            mine.equalsInPython(theirs)
        } else {
            condition == other.condition
        }
        return Set(from) == Set(other.from) && to.map(Set.init) == other.to.map(Set.init)
            && sameCondition && hasForeach == other.hasForeach && foreachFunction == other.foreachFunction
            && selective == other.selective
    }

    /// `Fetch, Parse → Store`; a starting edge reads `(start) → Fetch`, unknown destinations `?`.
    public var display: String {
        (from.isEmpty ? "(start)" : from.joined(separator: ", ")) + " → " + (to.map { $0.joined(separator: ", ") } ?? "?")
    }

    /// The condition in words (``ConditionText``); `nil` when unknown, empty when it always fires.
    public var conditionText: String? {
        condition.map(ConditionText.describe)
    }
}

/// Conditions written for people: `fieldEqual(Task1.proceed == true) or envExist(TESTING)`.
///
/// A comparison predicate (`fieldEqual`, `fieldGreater`, `argsFieldContain`, …) with a `key`
/// and a `value` reads `name(node.key == value)` (`>`, `contains`, … as its name says; a key
/// part that is not a plain name is quoted, so `"a.b"` reads `'a.b'` and `[a, b]` `a.b`), a call
/// with a single argument `name(value)`, anything else `name(node, a=1, b='x')`; `and`,
/// `or` and `not` combine them, with parentheses where needed. `alwaysTrue` (an edge without a
/// condition) is the empty string.
public enum ConditionText {
    public static func describe(_ condition: JSONValue) -> String {
        if case .object(let members) = condition, members["name"] == .string("alwaysTrue"), members["args"] == nil {
            return ""
        }
        // Values from the configuration may hold anything: shown escaped, on one line.
        return ConfigDiagnostic.printable(text(condition, parent: nil), limit: .max)
    }

    private static func text(_ condition: JSONValue, parent: String?) -> String {
        guard case .object(let members) = condition else { return value(condition) }
        for combinator in ["and", "or"] {
            if case .array(let children)? = members[combinator] {
                let joined = children.map { text($0, parent: combinator) }.joined(separator: " \(combinator) ")
                return parent == nil || parent == combinator ? joined : "(\(joined))"
            }
        }
        if let child = members["not"] {
            return "not " + text(child, parent: "not")
        }
        guard case .string(let name)? = members["name"] else { return value(condition) }
        let node = members["node"]?.stringValue
        guard case .object(let arguments)? = members["args"], !arguments.isEmpty else {
            return "\(name)(\(node ?? ""))"
        }
        if arguments.count == 2, let key = arguments["key"], let expected = arguments["value"],
           let comparison = comparisons.first(where: { name.hasSuffix($0.suffix) }) {
            let path = ([node].compactMap { $0 } + keyPath(key)).joined(separator: ".")
            return "\(name)(\(path) \(comparison.symbol) \(value(expected)))"
        }
        if arguments.count == 1, let only = arguments.values.first, node == nil {
            return "\(name)(\(only.stringValue ?? value(only)))"
        }
        let listed = arguments.keys.sorted().map { "\($0)=\(value(arguments[$0]!))" }
        return "\(name)(" + ([node].compactMap { $0 } + listed).joined(separator: ", ") + ")"
    }

    /// Selinon's comparison predicates (`fieldEqual`, `argsFieldGreater`, …) by name suffix,
    /// longest first.
    private static let comparisons: [(suffix: String, symbol: String)] = [
        ("GreaterEqual", ">="), ("LessEqual", "<="), ("NotEqual", "!="), ("Equal", "=="), ("Greater", ">"), ("Less", "<"),
        ("Contain", "contains"),
    ]

    /// The parts of a result path, each bare when it reads as one name, else quoted: the key
    /// `"a.b"` reads `'a.b'`, the path `[a, b]` reads `a.b`.
    private static func keyPath(_ key: JSONValue) -> [String] {
        let parts: [JSONValue]
        if case .array(let items) = key { parts = items } else { parts = [key] }
        return parts.map { part in
            guard let name = part.stringValue, !name.isEmpty, !name.contains(where: { quotedKeyCharacters.contains($0) || $0.isWhitespace })
            else { return value(part) }
            return name
        }
    }

    /// Characters that would make a bare key part read as more than one name, or as a value.
    private static let quotedKeyCharacters: Set<Character> = [".", "'", "\"", "(", ")", "[", "]", "=", "<", ">", "!", ",", "`"]

    /// A value as Python would print it in a condition: strings quoted, `true`/`false`/`null`.
    private static func value(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return "'\(text)'"
        default: return String(decoding: JSONWriter.compact(value), as: UTF8.self)
        }
    }
}
