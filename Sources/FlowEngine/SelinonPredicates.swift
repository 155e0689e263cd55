import FlowConfig
import FlowMigration
import YAMLTree

/// Evaluates a condition as Selinon's built-in predicates do (spec §2.2), on the results of the
/// source instances and the flow's `node_args`, with Python's comparison rules (`1 == 1.0 ==
/// True`, code-point string order, `len` in code points). Includes Selinon's own behaviour where
/// it differs from the names: `empty` is true for a non-empty result, and
/// `fieldLenGreaterEqual` compares `<=`; the URL predicates split URLs as Python 3.11's
/// `urlparse` does (``PythonURLParse``). Returns `nil` for what cannot be evaluated offline —
/// custom predicates, `httpStatus`, and URL predicates on a bracketed host (`http://[::1]/`).
public struct SelinonPredicates: Sendable {
    /// The result of each source (by node name).
    public var results: [String: JSONValue]
    /// The node a predicate without `node` reads (an edge's only source).
    public var singleSource: String?
    public var nodeArguments: JSONValue
    public var environment: [String: String]

    public init(results: [String: JSONValue], singleSource: String?, nodeArguments: JSONValue, environment: [String: String]) {
        self.results = results
        self.singleSource = singleSource
        self.nodeArguments = nodeArguments
        self.environment = environment
    }

    /// The value of `condition` whatever the run — results, node arguments, environment: true
    /// without a condition; with Selinon's built-in predicates (`builtinPredicates`), `alwaysTrue`,
    /// `alwaysFalse` and what `and`, `or` and `not` make of them (`and` with one false child is
    /// false). `nil` when the run decides.
    public static func settledValue(of condition: Condition?, builtinPredicates: Bool) -> Bool? {
        guard let condition else { return true }
        guard builtinPredicates else { return nil }
        func value(_ condition: Condition) -> Bool? {
            switch condition {
            case .predicate(let call):
                return call.name == "alwaysTrue" ? true : call.name == "alwaysFalse" ? false : nil
            case .and(let children):
                let values = children.map(value)
                return values.contains(false) ? false : values.contains(nil) ? nil : true
            case .or(let children):
                let values = children.map(value)
                return values.contains(true) ? true : values.contains(nil) ? nil : false
            case .not(let child):
                return value(child).map { !$0 }
            }
        }
        return value(condition)
    }

    public func evaluate(_ condition: Condition) -> Bool? {
        switch condition {
        case .and(let children):
            var unknown = false
            for child in children {
                switch evaluate(child) {
                case false?: return false
                case nil: unknown = true
                default: break
                }
            }
            return unknown ? nil : true
        case .or(let children):
            var unknown = false
            for child in children {
                switch evaluate(child) {
                case true?: return true
                case nil: unknown = true
                default: break
                }
            }
            return unknown ? nil : false
        case .not(let child):
            return evaluate(child).map { !$0 }
        case .predicate(let call):
            return evaluate(call)
        }
    }

    private func evaluate(_ call: PredicateCall) -> Bool? {
        let arguments = Dictionary(call.arguments.map { ($0.key, PythonValue($0.value)) }, uniquingKeysWith: { _, last in last })
        var name = call.name
        switch name {
        case "alwaysTrue": return true
        case "alwaysFalse": return false
        case "envExist": return arguments["env"]?.string.map { environment[$0] != nil }
        case "envEqual":
            guard let variable = arguments["env"]?.string else { return nil }
            guard case .string(let expected)? = arguments["value"], let actual = environment[variable] else { return false }
            return Array(actual.unicodeScalars) == Array(expected.unicodeScalars)
        default: break
        }
        let subject: PythonValue
        if name.hasPrefix("args") {
            subject = PythonValue(nodeArguments)
            name = String(name.dropFirst(4))
            name = name.prefix(1).lowercased() + name.dropFirst()
        } else {
            guard let node = call.node ?? singleSource, let result = results[node] else { return nil }
            subject = PythonValue(result)
        }
        switch name {
        case "empty": return subject.isTruthy
        case "isBool", "isDict", "isFloat", "isInt", "isList", "isNone", "isStr":
            return subject.isOfType(String(name.dropFirst(2)))
        default: break
        }
        guard name.hasPrefix("field"), let key = arguments["key"] else { return nil }
        let test = String(name.dropFirst(5))
        if test == "Exist" { return subject.follow(key) != nil }
        guard let value = subject.follow(key) else { return false }
        switch test {
        case "Bool", "Dict", "Float", "Int", "List", "None", "Str": return value.isOfType(test)
        case "Equal": return arguments["value"].map { value.equals($0) } ?? false
        case "NotEqual": return arguments["value"].map { !value.equals($0) } ?? false
        case "Greater": return arguments["value"].flatMap { value.compare(to: $0) }.map { $0 > 0 } ?? false
        case "GreaterEqual": return arguments["value"].flatMap { value.compare(to: $0) }.map { $0 >= 0 } ?? false
        case "Less": return arguments["value"].flatMap { value.compare(to: $0) }.map { $0 < 0 } ?? false
        case "LessEqual": return arguments["value"].flatMap { value.compare(to: $0) }.map { $0 <= 0 } ?? false
        case "Contain": return arguments["value"].flatMap { value.contains($0) } ?? false
        case "UrlScheme", "UrlNetloc", "UrlPath":
            // urlparse of anything but a string raises or gives bytes, never equal to a string.
            let argument = test == "UrlScheme" ? "scheme" : test == "UrlNetloc" ? "netloc" : "path"
            guard case .string(let url) = value, case .string(let expected)? = arguments[argument] else { return false }
            switch PythonURLParse(url) {
            case .parts(let scheme, let netloc, let path):
                let part = test == "UrlScheme" ? scheme : test == "UrlNetloc" ? netloc : path
                return Array(part.unicodeScalars) == Array(expected.unicodeScalars)
            case .raises: return false
            case .undecided: return nil
            }
        case "LenEqual", "LenNotEqual", "LenGreater", "LenGreaterEqual", "LenLess":
            guard let length = value.length, let expected = arguments["length"] else { return false }
            // len != "2" holds (only ordering raises, which Selinon's predicates take as false).
            guard expected.number != nil else { return test == "LenNotEqual" }
            // NaN equals nothing and orders nothing, as in Python (compare gives nil).
            guard let order = PythonValue.int(length).compare(to: expected) else { return test == "LenNotEqual" }
            switch test {
            case "LenEqual": return order == 0
            case "LenNotEqual": return order != 0
            case "LenGreater": return order > 0
            case "LenGreaterEqual": return order <= 0  // as Selinon binds it
            default: return order < 0
            }
        default: return nil
        }
    }
}

/// A value with Python's semantics for the predicates: booleans are numbers, strings compare
/// by code points, and an `int` is not a `float` even when their values are equal (`1` and `1.0`).
enum PythonValue {
    case none
    case bool(Bool)
    /// A Python `int`, exactly.
    case int(Int)
    /// A Python `int` beyond 64 bits, exactly (always ``YAMLInteger/big(_:)``).
    case bigInt(YAMLInteger)
    /// A Python `float`: in JSON, a number written with a fraction or an exponent (`1.0`, `1e2`),
    /// as `json.loads` reads it; in YAML, one PyYAML resolves to a float.
    case float(Double)
    case string(String)
    case list([PythonValue])
    /// A `dict` with string keys. Swift looks `String` keys up by canonical equivalence, Python by
    /// code points: read it through ``member(_:of:)``.
    case dict([String: PythonValue])
    /// A `datetime.date` or `datetime` PyYAML made of a YAML timestamp (`2001-12-14`), by its
    /// text: equal to the same timestamp only, never to a string, and ordered against nothing
    /// else (Selinon's predicates take the error as false).
    case timestamp(String)

    init(_ value: JSONValue) {
        switch value {
        case .null: self = .none
        case .bool(let flag): self = .bool(flag)
        case .number(let number):
            let value = number.doubleValue ?? .nan
            if number.text.contains(where: { ".eE".contains($0) }) || !value.isFinite {
                self = .float(value)
            } else {
                // JSON writes integers without leading zeros: the text is the canonical digits.
                self = Int(number.text).map(PythonValue.int) ?? .bigInt(.big(number.text))
            }
        case .string(let text): self = .string(text)
        case .array(let items): self = .list(items.map(PythonValue.init))
        case .object(let members): self = .dict(members.mapValues(PythonValue.init))
        }
    }

    init(_ value: ConfigValue) {
        switch value {
        case .null: self = .none
        case .bool(let flag): self = .bool(flag)
        case .integer(let integer): self = integer.intValue.map(PythonValue.int) ?? .bigInt(integer)
        case .float(let number): self = .float(number)
        case .string(let text): self = .string(text)
        case .timestamp(let stamp): self = .timestamp(stamp.description)
        case .list(let items): self = .list(items.map(PythonValue.init))
        case .mapping(let entries): self = .dict(Dictionary(entries.map { ($0.key, PythonValue($0.value)) }, uniquingKeysWith: { _, last in last }))
        }
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// Booleans count as numbers, as in Python.
    var number: Double? {
        switch self {
        case .float(let value): return value
        case .int(let value): return Double(value)
        case .bigInt(let value): return Double(value.description)
        case .bool(let flag): return flag ? 1 : 0
        default: return nil
        }
    }

    /// An `int` of any size or a `bool`, exactly.
    private var exactInteger: YAMLInteger? {
        switch self {
        case .int(let value): return .small(value)
        case .bigInt(let value): return value
        case .bool(let flag): return .small(flag ? 1 : 0)
        default: return nil
        }
    }

    /// The value as a sequence index: an `int` or a `bool` (Python refuses a `float`, even `1.0`).
    var index: Int? {
        switch self {
        case .int(let value): return value
        case .bool(let flag): return flag ? 1 : 0
        default: return nil  // a big int is beyond every index
        }
    }

    var isTruthy: Bool {
        switch self {
        case .none: return false
        case .timestamp: return true
        case .bool(let flag): return flag
        case .int(let value): return value != 0
        case .bigInt: return true
        case .float(let value): return value != 0
        case .string(let text): return !text.isEmpty
        case .list(let items): return !items.isEmpty
        case .dict(let members): return !members.isEmpty
        }
    }

    /// Python `len`: code points, elements, entries; nil for values without a length.
    var length: Int? {
        switch self {
        case .string(let text): return text.unicodeScalars.count
        case .list(let items): return items.count
        case .dict(let members): return members.count
        default: return nil
        }
    }

    func isOfType(_ type: String) -> Bool {
        switch (type, self) {
        case ("Bool", .bool), ("Dict", .dict), ("List", .list), ("None", .none), ("Str", .string): return true
        case ("Int", .bool), ("Int", .int), ("Int", .bigInt), ("Float", .float): return true
        default: return false
        }
    }

    /// `message[k1][k2]…` for a list key, `message[key]` otherwise; nil when the path breaks.
    func follow(_ key: PythonValue) -> PythonValue? {
        let path: [PythonValue]
        if case .list(let parts) = key { path = parts } else { path = [key] }
        var current = self
        for part in path {
            switch (current, part) {
            case (.dict(let members), .string(let name)):
                guard let next = Self.member(name, of: members) else { return nil }
                current = next
            case (.list(let items), _):
                guard let index = part.index else { return nil }
                let position = index < 0 ? items.count + index : index
                guard items.indices.contains(position) else { return nil }
                current = items[position]
            case (.string(let text), _):
                guard let index = part.index else { return nil }
                let scalars = Array(text.unicodeScalars)
                let position = index < 0 ? scalars.count + index : index
                guard scalars.indices.contains(position) else { return nil }
                current = .string(String(scalars[position]))
            default:
                return nil
            }
        }
        return current
    }

    func equals(_ other: PythonValue) -> Bool {
        switch (self, other) {
        case (.none, .none): return true
        case (.string(let a), .string(let b)): return Array(a.unicodeScalars) == Array(b.unicodeScalars)
        case (.list(let a), .list(let b)): return a.count == b.count && zip(a, b).allSatisfy { $0.equals($1) }
        case (.dict(let a), .dict(let b)):
            return a.count == b.count && a.allSatisfy { key, value in Self.member(key, of: b).map { value.equals($0) } ?? false }
        case (.timestamp(let a), .timestamp(let b)): return a == b
        default:
            guard number != nil, other.number != nil else { return false }
            return compare(to: other) == 0
        }
    }

    /// -1, 0, 1 as Python orders them (numbers, strings, lists element-wise); nil when Python
    /// raises (mixed kinds, dictionaries) or every comparison is false (NaN: not equal, not less,
    /// not greater).
    func compare(to other: PythonValue) -> Int? {
        // Integers exactly, and an integer with a finite float exactly too, as Python compares them
        // (2**53 + 1 is not 2.0**53, 10**20 is more than 99999999999999999999.0 is not):
        // doubles would round integers beyond 53 bits.
        if let a = exactInteger, let b = other.exactInteger { return Self.order(a, b) }
        if let a = exactInteger, case .float(let b) = other, b.isFinite { return Self.order(a, b) }
        if case .float(let a) = self, a.isFinite, let b = other.exactInteger { return -Self.order(b, a) }
        if let a = number, let b = other.number {
            if a.isNaN || b.isNaN { return nil }
            return a < b ? -1 : (a > b ? 1 : 0)
        }
        if case .string(let a) = self, case .string(let b) = other {
            let left = a.unicodeScalars.map(\.value), right = b.unicodeScalars.map(\.value)
            return left.lexicographicallyPrecedes(right) ? -1 : (left == right ? 0 : 1)
        }
        if case .list(let a) = self, case .list(let b) = other {
            // Python: the first elements that differ (by ==) decide, else the lengths.
            if let (left, right) = zip(a, b).first(where: { !$0.equals($1) }) { return left.compare(to: right) }
            return a.count < b.count ? -1 : (a.count > b.count ? 1 : 0)
        }
        return nil
    }

    /// The value under `key`, matched code point by code point as Python matches keys (a
    /// dictionary lookup alone would take `"café"` for `"cafe\u{301}"`).
    static func member(_ key: String, of members: [String: PythonValue]) -> PythonValue? {
        guard let index = members.index(forKey: key), members[index].key.unicodeScalars.elementsEqual(key.unicodeScalars) else {
            return nil
        }
        return members[index].value
    }

    /// -1, 0 or 1 as two integers of any size compare.
    private static func order(_ a: YAMLInteger, _ b: YAMLInteger) -> Int {
        if case .small(let x) = a, case .small(let y) = b { return x < y ? -1 : (x > y ? 1 : 0) }
        // Canonical decimal digits: the sign, then the number of digits, then the digits decide.
        let left = a.description, right = b.description
        let leftNegative = left.hasPrefix("-"), rightNegative = right.hasPrefix("-")
        if leftNegative != rightNegative { return leftNegative ? -1 : 1 }
        let leftDigits = Array(left.utf8.drop { $0 == UInt8(ascii: "-") }), rightDigits = Array(right.utf8.drop { $0 == UInt8(ascii: "-") })
        let magnitude = leftDigits.count != rightDigits.count ? (leftDigits.count < rightDigits.count ? -1 : 1)
            : (leftDigits == rightDigits ? 0 : (leftDigits.lexicographicallyPrecedes(rightDigits) ? -1 : 1))
        return leftNegative ? -magnitude : magnitude
    }

    /// -1, 0 or 1 as `integer` (any size) compares with the finite `float`, exactly.
    private static func order(_ integer: YAMLInteger, _ float: Double) -> Int {
        if case .small(let value) = integer { return order(value, float) }
        // Beyond 64 bits: against the float's whole part (a float that large has no fraction;
        // a smaller one's fraction cannot change the order).
        guard let whole = YAMLInteger(exactly: float.rounded(.towardZero)) else { return integer.description.hasPrefix("-") ? -1 : 1 }
        return order(integer, whole)
    }

    /// -1, 0 or 1 as `integer` compares with the finite `float`, exactly.
    private static func order(_ integer: Int, _ float: Double) -> Int {
        if float >= 9_223_372_036_854_775_808.0 { return -1 }
        if float < -9_223_372_036_854_775_808.0 { return 1 }
        let whole = float.rounded(.towardZero)
        let wholeInteger = Int(whole)
        if integer != wholeInteger { return integer < wholeInteger ? -1 : 1 }
        return whole < float ? -1 : (whole > float ? 1 : 0)
    }

    /// `other in self`: substring, key, element.
    func contains(_ other: PythonValue) -> Bool? {
        switch (self, other) {
        case (.string(let text), .string(let part)): return part.isEmpty || text.unicodeScalars.map(\.value).containsSubsequence(part.unicodeScalars.map(\.value))
        case (.dict(let members), .string(let key)): return Self.member(key, of: members) != nil
        case (.list(let items), _): return items.contains { $0.equals(other) }
        default: return nil
        }
    }
}

private extension Array where Element: Equatable {
    func containsSubsequence(_ part: [Element]) -> Bool {
        guard part.count <= count else { return false }
        return (0...(count - part.count)).contains { start in Array(self[start..<(start + part.count)]) == part }
    }
}
