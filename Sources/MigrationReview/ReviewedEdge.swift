import FlowConfig
import FlowMigration
import Foundation
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

    /// `tasks [A, B], follow_subflows, run_subsequent [flow1]` (lists sorted: Selinon uses them as sets).
    private static func describe(_ given: SelectiveRun) -> String {
        let run = given.normalized
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

    /// Whether the two edges have other sources or destinations (as sets; unknown destinations
    /// do not count): then they are not one edge before and after a change.
    public func hasOtherEnds(than other: ReviewedEdge) -> Bool {
        guard let to, let otherTo = other.to else { return false }
        return Set(from) != Set(other.from) || Set(to) != Set(otherTo)
    }

    /// `Fetch, Parse → Store`; a starting edge reads `(start) → Fetch`, unknown destinations `?`.
    public var display: String {
        (from.isEmpty ? "(start)" : from.joined(separator: ", ")) + " → " + (to.map { $0.joined(separator: ", ") } ?? "?")
    }

    /// The condition in words (``ConditionText``); `nil` when unknown, empty when it always fires.
    public var conditionText: String? {
        condition.map { ConditionText.describe($0, configured: configuredCondition) }
    }
}

/// Conditions written for people: `fieldEqual(Task1.proceed == true) or envExist(TESTING)`.
///
/// A comparison predicate (`fieldEqual`, `fieldGreater`, `argsFieldContain`, …) with a `key`
/// and a `value` reads `name(node.key == value)` (`>`, `contains`, … as its name says; a key
/// part that is not a plain name is quoted, so `"a.b"` reads `'a.b'`, `"1"` reads `'1'` next to
/// the number `1`, and `[a, b]` reads `a.b`), a call with a single argument `name(value)` (a
/// string bare when it reads as one name, as key parts are),
/// anything else `name(node, a=1, b='x')`; `and`, `or` and `not` combine them, with parentheses
/// where needed. `alwaysTrue` (an edge without a condition) is the empty string.
///
/// Different conditions read differently: strings are quoted and escaped as Python's `repr`
/// does (`'it\'s'`, `'a\tb'`), and — when the condition as loaded is given — a YAML date reads
/// bare (`2001-01-01`), unlike the string `'2001-01-01'`.
public enum ConditionText {
    /// - Parameter configured: the condition as loaded from YAML, when known: it tells dates
    ///   from strings, which its JSON form (`condition`) cannot.
    public static func describe(_ condition: JSONValue, configured: ConfigValue? = nil) -> String {
        if case .object(let members) = condition, members["name"] == .string("alwaysTrue"), members["args"] == nil {
            return ""
        }
        // Values from the configuration may hold anything: shown escaped, on one line.
        return ConfigDiagnostic.printable(text(condition, configured, parent: nil), limit: .max)
    }

    private static func text(_ condition: JSONValue, _ configured: ConfigValue?, parent: String?) -> String {
        guard case .object(let members) = condition else { return value(condition, configured) }
        for combinator in ["and", "or"] {
            if case .array(let children)? = members[combinator] {
                let configuredChildren = configured?[combinator].flatMap { if case .list(let items) = $0 { items } else { nil } }
                let joined = children.enumerated().map { index, child in
                    text(child, configuredChildren.flatMap { index < $0.count ? $0[index] : nil }, parent: combinator)
                }.joined(separator: " \(combinator) ")
                // Nested, also in its own kind: `(a or b) or c` is another condition than
                // `a or (b or c)` (a change of grouping alone is a change), so it reads as another.
                return parent == nil ? joined : "(\(joined))"
            }
        }
        if let child = members["not"] {
            return "not " + text(child, configured?["not"], parent: "not")
        }
        guard case .string(let name)? = members["name"] else { return value(condition, configured) }
        let node = members["node"]?.stringValue
        guard case .object(let arguments)? = members["args"], !arguments.isEmpty else {
            return "\(name)(\(node ?? ""))"
        }
        let configuredArguments = configured?["args"]
        if arguments.count == 2, let key = arguments["key"], let expected = arguments["value"],
           let comparison = comparisons.first(where: { name.hasSuffix($0.suffix) }) {
            let path = ([node].compactMap { $0 } + keyPath(key, configuredArguments?["key"])).joined(separator: ".")
            return "\(name)(\(path) \(comparison.symbol) \(value(expected, configuredArguments?["value"])))"
        }
        if arguments.count == 1, let (argument, only) = arguments.first, node == nil,
           PredicateCatalog.builtins[name]?.parameters == [argument] {
            // A built-in's only argument goes without its name. Bare when it reads as one name
            // (`envExist(TESTING)`); else quoted, so that no string reads like more of the
            // condition (`'a) or argsFieldExist(b'`). Any other predicate's argument keeps its
            // name: `check(key=a)` and `check(path=a)` are different conditions.
            let bare = only.stringValue.flatMap { isPlainName($0) && !isTimestamp(configuredArguments?[argument]) ? $0 : nil }
            return "\(name)(\(bare ?? value(only, configuredArguments?[argument])))"
        }
        let listed = arguments.keys.sorted().map { "\($0)=\(value(arguments[$0]!, configuredArguments?[$0]))" }
        return "\(name)(" + ([node].compactMap { $0 } + listed).joined(separator: ", ") + ")"
    }

    /// Selinon's comparison predicates (`fieldEqual`, `argsFieldGreater`, …) by name suffix,
    /// longest first.
    private static let comparisons: [(suffix: String, symbol: String)] = [
        ("GreaterEqual", ">="), ("LessEqual", "<="), ("NotEqual", "!="), ("Equal", "=="), ("Greater", ">"), ("Less", "<"),
        ("Contain", "contains"),
    ]

    /// The parts of a result path, each bare when it reads as one name, else quoted: the key
    /// `"a.b"` reads `'a.b'`, the string `"1"` reads `'1'` (the number 1 reads `1`), the path
    /// `[a, b]` reads `a.b`.
    private static func keyPath(_ key: JSONValue, _ configured: ConfigValue?) -> [String] {
        let parts: [JSONValue], configuredParts: [ConfigValue]?
        if case .array(let items) = key {
            parts = items
            configuredParts = configured.flatMap { if case .list(let items) = $0 { items } else { nil } }
        } else {
            parts = [key]
            configuredParts = configured.map { [$0] }
        }
        let names = parts.enumerated().map { index, part in
            let configuredPart = configuredParts.flatMap { index < $0.count ? $0[index] : nil }
            guard let name = part.stringValue, isPlainName(name), !isTimestamp(configuredPart) else {
                let text = value(part, configuredPart)
                // A number with a point would read as two parts: the key 1.1 is not the path [1, 1].
                if case .number = part, text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return "(\(text))" }
                return text
            }
            return name
        }
        // A path of one key reads as a list, unlike that key alone (`[k]`, `k`).
        if case .array = key, names.count <= 1 { return ["[" + names.joined() + "]"] }
        return names
    }

    /// Whether a string key part reads as one name: not empty, no character that separates or
    /// quotes, not starting with a digit and not a number or a name that reads as a value
    /// (`true`, `None`, `off`, … in any case) — which values of those types read as bare.
    private static func isPlainName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first), isNFC(name),
              !name.contains(where: { quotedKeyCharacters.contains($0) || $0.isWhitespace }),
              !keywordLike.contains(name.lowercased()) else { return false }
        return Double(name) == nil
    }

    /// Names that read as a value (JSON's, Python's and YAML 1.1's as PyYAML resolves them — not
    /// `y` and `n`, which it reads as strings), in any case: quoted when strings.
    private static let keywordLike: Set = ["true", "false", "null", "none", "yes", "no", "on", "off", "~"]

    /// Characters that would make a bare key part read as more than one name, or as a value.
    private static let quotedKeyCharacters: Set<Character> = [".", "'", "\"", "(", ")", "[", "]", "=", "<", ">", "!", ",", "`", "\\"]

    private static func isTimestamp(_ value: ConfigValue?) -> Bool {
        if case .timestamp? = value { return true }
        return false
    }

    /// A value as it reads in a condition: strings quoted as Python's `repr` quotes them,
    /// `true`/`false`/`null`, numbers as written, lists `[…]`, mappings `{'key': …}`, and a YAML
    /// date or time bare (`2001-01-01`), as YAML writes it.
    private static func value(_ value: JSONValue, _ configured: ConfigValue?) -> String {
        if case .timestamp(let timestamp)? = configured { return timestamp.description }
        switch value {
        case .string(let text): return pythonRepr(text)
        case .array(let items):
            let configuredItems = configured.flatMap { if case .list(let items) = $0 { items } else { nil } }
            return "[" + items.enumerated().map { index, item in
                Self.value(item, configuredItems.flatMap { index < $0.count ? $0[index] : nil })
            }.joined(separator: ", ") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { "\(pythonRepr($0)): \(Self.value(members[$0]!, configured?[$0]))" }
                .joined(separator: ", ") + "}"
        default: return String(decoding: JSONWriter.compact(value), as: UTF8.self)
        }
    }

    /// Python's `repr(str)`: single quotes unless the text holds a single quote and no double
    /// one; backslashes, the quote, tabs and line breaks escaped, and every other character
    /// Python's `str.isprintable()` rejects — controls, format characters such as a zero-width
    /// space, separators other than the space (a no-break space), unassigned code points — as
    /// `\xNN`, `\uNNNN` or `\UNNNNNNNN`: two values that differ always read differently.
    ///
    /// Canonically equivalent spellings look alike (`é`, and `e` followed by U+0301): in a string
    /// that is not in NFC, every character beyond ASCII is escaped too, so the two read
    /// `'é'` and `'e\u0301'`.
    static func pythonRepr(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        let escapesNonASCII = !isNFC(text)
        var result = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\t": result += "\\t"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case _ where Character(scalar) == quote: result += "\\" + String(quote)
            case _ where !isPythonPrintable(scalar) || (escapesNonASCII && !scalar.isASCII):
                let value = scalar.value
                result += value < 0x100 ? "\\x" + hex(value, width: 2) : value < 0x10000 ? "\\u" + hex(value, width: 4) : "\\U" + hex(value, width: 8)
            default: result.unicodeScalars.append(scalar)
            }
        }
        result.append(quote)
        return result
    }

    /// Whether `text` is in Unicode normalization form C, scalar for scalar (Swift's `==` finds
    /// canonically equivalent strings equal, whatever their form).
    private static func isNFC(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy(\.isASCII) || text.precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual(text.unicodeScalars)
    }

    /// Python's `str.isprintable()` for one character: not in the categories Other (controls,
    /// format, surrogates, private use, unassigned) or Separator, but for the ASCII space.
    private static func isPythonPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .spaceSeparator, .lineSeparator, .paragraphSeparator:
            return false
        default:
            return true
        }
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
