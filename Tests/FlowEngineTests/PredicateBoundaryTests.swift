import FlowConfig
import FlowEngine
import FlowMigration
import Testing

/// Selinon's built-in predicates at their edges — equal values under the ordering predicates,
/// lengths, truthiness, undecidable children of `and`/`or` — as Python evaluates them (Selinon
/// 1.4's predicate functions, inside their `try … except: return False`). Found unchecked by
/// mutation testing.
struct PredicateBoundaryTests {
    static let location = FileLocation(file: "flows.yml", line: 1, column: 1)

    static func call(_ name: String, _ arguments: [ConfigValue.MappingEntry] = []) -> Condition {
        .predicate(PredicateCall(name: name, arguments: arguments, location: location))
    }

    /// `condition` on the result of A (the edge's only source), `node_args` and the environment.
    static func holds(_ condition: Condition, result: JSONValue = .null, nodeArguments: JSONValue = .null,
                      environment: [String: String] = [:]) -> Bool? {
        SelinonPredicates(results: ["A": result], singleSource: "A", nodeArguments: nodeArguments, environment: environment)
            .evaluate(condition)
    }

    /// `name` on `result["f"]` with `argument` (`value`, or `length` for the length predicates).
    static func field(_ name: String, _ result: JSONValue, _ argument: ConfigValue) -> Bool? {
        let key = name.hasPrefix("fieldLen") ? "length" : "value"
        return holds(call(name, [.init("key", .string("f")), .init(key, argument)]), result: .object(["f": result]))
    }

    static func number(_ text: String) -> JSONValue { .number(JSONNumber(text: text)) }

    /// `and` is false when one child is false, `or` true when one is true, whatever a child that
    /// cannot be decided (here `httpStatus`) would give; otherwise that child leaves it undecided.
    @Test func anUndecidableChildMattersOnlyWhenTheOthersDoNotDecide() {
        let unknown = Self.call("httpStatus", [.init("host", .string("example.com")), .init("path", .string("/")), .init("status", .integer(.small(200)))])
        let yes = Self.call("alwaysTrue"), no = Self.call("alwaysFalse")
        #expect(Self.holds(.and([unknown, no])) == false)
        #expect(Self.holds(.or([unknown, yes])) == true)
        #expect(Self.holds(.and([unknown, yes])) == nil)
        #expect(Self.holds(.or([unknown, no])) == nil)
        #expect(Self.holds(.not(unknown)) == nil)
        // The settled value, the same way: with built-in predicates only.
        let custom = Self.call("isReady")
        #expect(SelinonPredicates.settledValue(of: .and([custom, no]), builtinPredicates: true) == false)
        #expect(SelinonPredicates.settledValue(of: .or([custom, yes]), builtinPredicates: true) == true)
        #expect(SelinonPredicates.settledValue(of: .and([custom, yes]), builtinPredicates: true) == nil)
        #expect(SelinonPredicates.settledValue(of: .or([custom, no]), builtinPredicates: true) == nil)
        #expect(SelinonPredicates.settledValue(of: .and([no]), builtinPredicates: false) == nil)
        #expect(SelinonPredicates.settledValue(of: nil, builtinPredicates: false) == true)
    }

    /// `envExist`: the variable is set (even empty); `envEqual`: set and equal code point by code
    /// point, false when unset.
    @Test func environmentPredicates() {
        let environment = ["EMPTY": "", "NAME": "e\u{301}"]
        func env(_ name: String, _ variable: String, _ value: String? = nil) -> Bool? {
            Self.holds(Self.call(name, [.init("env", .string(variable))] + (value.map { [.init("value", .string($0))] } ?? [])),
                       environment: environment)
        }
        #expect(env("envExist", "EMPTY") == true)
        #expect(env("envExist", "MISSING") == false)
        #expect(env("envEqual", "MISSING", "") == false)
        #expect(env("envEqual", "EMPTY", "") == true)
        #expect(env("envEqual", "NAME", "e\u{301}") == true)
        #expect(env("envEqual", "NAME", "\u{e9}") == false, "é composed is another string to Python")
    }

    /// Selinon's `empty` returns `bool(message)`: true for a truthy result (a negative float too).
    @Test(arguments: [
        (JSONValue.array([.null]), true), (.array([]), false), (.object([:]), false), (.string(""), false),
        (PredicateBoundaryTests.number("-0.5"), true), (PredicateBoundaryTests.number("0.0"), false), (PredicateBoundaryTests.number("-3"), true),
        (.bool(false), false), (.null, false),
    ])
    func emptyIsTheTruthOfTheResult(_ result: JSONValue, _ expected: Bool) {
        #expect(Self.holds(Self.call("empty"), result: result) == expected, "\(result)")
        #expect(Self.holds(Self.call("argsEmpty"), nodeArguments: result) == expected, "\(result)")
    }

    /// `fieldExist` only follows the key: a falsy value exists.
    @Test(arguments: [JSONValue.null, .bool(false), PredicateBoundaryTests.number("0"), .string(""), .array([])])
    func aFalsyValueExists(_ value: JSONValue) {
        #expect(Self.holds(Self.call("fieldExist", [.init("key", .string("f"))]), result: .object(["f": value])) == true)
        #expect(Self.holds(Self.call("fieldExist", [.init("key", .string("g"))]), result: .object(["f": value])) == false)
    }

    /// Equal values: `>=` and `<=` hold, `>` and `<` do not (numbers, strings, lists).
    @Test(arguments: [
        (PredicateBoundaryTests.number("2"), ConfigValue.integer(.small(2))),
        (PredicateBoundaryTests.number("2"), .float(2.0)),
        (.string("b"), .string("b")),
        (.array([.string("a")]), .list([.string("a")])),
    ])
    func orderingPredicatesOnEqualValues(_ result: JSONValue, _ value: ConfigValue) {
        #expect(Self.field("fieldGreaterEqual", result, value) == true)
        #expect(Self.field("fieldLessEqual", result, value) == true)
        #expect(Self.field("fieldGreater", result, value) == false)
        #expect(Self.field("fieldLess", result, value) == false)
        #expect(Self.field("fieldEqual", result, value) == true)
        #expect(Self.field("fieldNotEqual", result, value) == false)
    }

    /// Python compares an int with `2.0**63` exactly: 2**63 - 1 is less, and no integer is
    /// rounded to it (nor does the comparison trap).
    @Test func anIntAgainstTwoToTheSixtyThreeAsAFloat() {
        let largest = Self.number("9223372036854775807"), bound = ConfigValue.float(9_223_372_036_854_775_808.0)
        #expect(Self.field("fieldLess", largest, bound) == true)
        #expect(Self.field("fieldEqual", largest, bound) == false)
        #expect(Self.field("fieldGreaterEqual", Self.number("-9223372036854775808"), .float(-9_223_372_036_854_775_808.0)) == true)
        // Within range, the fraction decides between an int and the float's whole part.
        #expect(Self.field("fieldLess", Self.number("1"), .float(1.5)) == true)
        #expect(Self.field("fieldGreater", Self.number("-1"), .float(-1.5)) == true)
    }

    /// Lists and dictionaries are equal only with the same length, and `!=` on them is `not ==`.
    @Test func containersEqualOnlyWithTheSameLength() {
        let one = JSONValue.object(["a": Self.number("1")])
        let oneMapping = ConfigValue.mapping([.init("a", .integer(.small(1)))])
        let twoMapping = ConfigValue.mapping([.init("a", .integer(.small(1))), .init("b", .integer(.small(2)))])
        #expect(Self.field("fieldEqual", one, oneMapping) == true)
        #expect(Self.field("fieldNotEqual", one, oneMapping) == false)
        #expect(Self.field("fieldEqual", one, twoMapping) == false)
        #expect(Self.field("fieldNotEqual", one, twoMapping) == true)
        let list = JSONValue.array([Self.number("1")])
        #expect(Self.field("fieldEqual", list, .list([.integer(.small(1)), .integer(.small(2))])) == false)
        #expect(Self.field("fieldEqual", .array([Self.number("1"), Self.number("2")]), .list([.integer(.small(1))])) == false)
        #expect(Self.field("fieldNotEqual", list, .list([.integer(.small(1))])) == false)
    }

    /// `value in field`: a substring anywhere (the end too), a key of a dictionary, an element.
    @Test func containment() {
        #expect(Self.field("fieldContain", .string("hello"), .string("llo")) == true)
        #expect(Self.field("fieldContain", .string("hello"), .string("hello")) == true)
        #expect(Self.field("fieldContain", .string("hello"), .string("helloo")) == false)
        #expect(Self.field("fieldContain", .string("hello"), .string("")) == true)
        #expect(Self.field("fieldContain", .object(["k": .null]), .string("k")) == true)
        #expect(Self.field("fieldContain", .object(["k": .null]), .string("v")) == false)
        #expect(Self.field("fieldContain", .array([Self.number("1")]), .float(1.0)) == true)
    }

    /// `len(x) OP length`: equal lengths are not greater; a NaN length equals nothing and orders
    /// nothing; `len` counts code points.
    @Test func lengthBoundaries() {
        let two = JSONValue.array([.null, .null])
        #expect(Self.field("fieldLenGreater", two, .integer(.small(2))) == false)
        #expect(Self.field("fieldLenGreater", two, .integer(.small(1))) == true)
        #expect(Self.field("fieldLenEqual", two, .integer(.small(2))) == true)
        #expect(Self.field("fieldLenNotEqual", two, .integer(.small(3))) == true)
        #expect(Self.field("fieldLenNotEqual", two, .integer(.small(1))) == true)
        #expect(Self.field("fieldLenLess", two, .integer(.small(3))) == true)
        for name in ["fieldLenEqual", "fieldLenGreater", "fieldLenGreaterEqual", "fieldLenLess"] {
            #expect(Self.field(name, two, .float(.nan)) == false, "\(name)")
        }
        #expect(Self.field("fieldLenNotEqual", two, .float(.nan)) == true)
        // "e" + COMBINING ACUTE ACCENT: one character, two code points, as Python counts.
        #expect(Self.field("fieldLenEqual", .string("e\u{301}"), .integer(.small(2))) == true)
        #expect(Self.field("fieldLenEqual", .object(["a": .null, "b": .null]), .integer(.small(2))) == true)
    }

    /// `json.loads` makes a float of any number with a fraction or an exponent, `E` too.
    @Test(arguments: ["1E2", "1e2", "2.0", "1E-2"])
    func anExponentMakesAFloat(_ text: String) {
        let result = JSONValue.object(["f": Self.number(text)])
        #expect(Self.holds(Self.call("fieldFloat", [.init("key", .string("f"))]), result: result) == true)
        #expect(Self.holds(Self.call("fieldInt", [.init("key", .string("f"))]), result: result) == false)
    }

    /// A boolean in a key path indexes a list as 0 or 1 (`True` is an int to Python).
    @Test func aBooleanIndexesAList() {
        let result = JSONValue.object(["l": .array([.string("x"), .string("y")])])
        let key = ConfigValue.MappingEntry("key", .list([.string("l"), .bool(true)]))
        #expect(Self.holds(Self.call("fieldEqual", [key, .init("value", .string("y"))]), result: result) == true)
        let first = ConfigValue.MappingEntry("key", .list([.string("l"), .bool(false)]))
        #expect(Self.holds(Self.call("fieldEqual", [first, .init("value", .string("x"))]), result: result) == true)
    }
}
