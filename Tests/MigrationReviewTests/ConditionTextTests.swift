import FlowConfig
import FlowMigration
import MigrationReview
import Testing

struct ConditionTextTests {
    static func call(_ name: String, node: String? = nil, _ args: [String: JSONValue]) -> JSONValue {
        var members: [String: JSONValue] = ["name": .string(name)]
        if let node { members["node"] = .string(node) }
        if !args.isEmpty { members["args"] = .object(args) }
        return .object(members)
    }

    @Test func readsLikeTheIssueExample() {
        let condition: JSONValue = .object(["or": .array([
            Self.call("fieldEqual", node: "Task1", ["key": .string("proceed"), "value": .bool(true)]),
            Self.call("envExist", ["env": .string("TESTING")]),
        ])])
        #expect(ConditionText.describe(condition) == "fieldEqual(Task1.proceed == true) or envExist(TESTING)")
    }

    @Test(arguments: [
        (call("alwaysTrue", [:]), ""),
        (call("fieldGreater", ["key": .array([.string("a"), .string("b")]), "value": .number(JSONNumber(3))]), "fieldGreater(a.b > 3)"),
        // One key holding a dot is not the path a → b: it is quoted.
        (call("fieldGreater", ["key": .string("a.b"), "value": .number(JSONNumber(3))]), "fieldGreater('a.b' > 3)"),
        (call("fieldEqual", node: "T", ["key": .array([.string("x y"), .number(JSONNumber(0))]), "value": .null]), "fieldEqual(T.'x y'.0 == null)"),
        (call("argsFieldContain", ["key": .string("tags"), "value": .string("x")]), "argsFieldContain(tags contains 'x')"),
        (call("fieldLenEqual", node: "T", ["key": .string("l"), "length": .number(JSONNumber(0))]), "fieldLenEqual(T, key='l', length=0)"),
        (call("isSomething", node: "T", [:]), "isSomething(T)"),
        // A single string argument is bare only when it reads as one name: else it could read as
        // more of the condition, or as another value.
        (call("argsFieldExist", ["key": .string("a) or argsFieldExist(b")]), "argsFieldExist('a) or argsFieldExist(b')"),
        (call("argsFieldExist", ["key": .string("1")]), "argsFieldExist('1')"),
        (call("argsFieldExist", ["key": .number(JSONNumber(1))]), "argsFieldExist(1)"),
        (call("argsFieldExist", ["key": .string("a.b")]), "argsFieldExist('a.b')"),
        (call("argsFieldExist", ["key": .string("True")]), "argsFieldExist('True')"),
        (call("argsFieldExist", ["key": .string("None")]), "argsFieldExist('None')"),
        (call("argsFieldExist", ["key": .bool(true)]), "argsFieldExist(true)"),
        (.object(["not": .object(["and": .array([call("a", [:]), call("b", [:])])])]), "not (a() and b())"),
        (.object(["and": .array([.object(["or": .array([call("a", [:]), call("b", [:])])]), call("c", [:])])]), "(a() or b()) and c()"),
        // The same combinator inside keeps its parentheses: a grouping is part of the condition,
        // so `(a and b) and c` and `a and (b and c)` — different conditions — read differently.
        (.object(["and": .array([.object(["and": .array([call("a", [:]), call("b", [:])])]), call("c", [:])])]), "(a() and b()) and c()"),
        (.object(["or": .array([call("a", [:]), .object(["or": .array([call("b", [:]), call("c", [:])])])])]), "a() or (b() or c())"),
        // alwaysTrue with arguments is not the edge without a condition: it is shown.
        (call("alwaysTrue", ["x": .number(JSONNumber(1))]), "alwaysTrue(x=1)"),
        // Only a built-in's only argument goes without its name: another predicate's argument
        // names tell conditions apart, as does an argument a built-in does not take.
        (call("check", ["key": .string("a")]), "check(key='a')"),
        (call("check", ["path": .string("a")]), "check(path='a')"),
        (call("envExist", ["name": .string("TESTING")]), "envExist(name='TESTING')"),
    ])
    func rendersPredicatesAndCombinators(_ condition: JSONValue, _ expected: String) {
        #expect(ConditionText.describe(condition) == expected)
    }

    /// Conditions that differ read differently: dates bare and strings quoted as Python's repr
    /// quotes them, string key parts that look like numbers or keywords quoted.
    @Test(arguments: [
        ("{key: k, value: 2017-01-01}", "argsFieldEqual(k == 2017-01-01)"),
        ("{key: k, value: '2017-01-01'}", "argsFieldEqual(k == '2017-01-01')"),
        ("{key: k, value: [2017-01-01, x]}", "argsFieldEqual(k == [2017-01-01, 'x'])"),
        (#"{key: k, value: "a\tb"}"#, #"argsFieldEqual(k == 'a\tb')"#),
        (#"{key: k, value: 'a\qb'}"#, #"argsFieldEqual(k == 'a\\qb')"#),
        (#"{key: k, value: "it's"}"#, #"argsFieldEqual(k == "it's")"#),
        // Both quotes: single-quoted, as Python's repr quotes it, with the single quote escaped.
        (#"{key: k, value: "it's \"x\""}"#, #"argsFieldEqual(k == 'it\'s "x"')"#),
        (#"{key: k, value: 'back\\'}"#, #"argsFieldEqual(k == 'back\\\\')"#),
        (#"{key: k, value: {"a'": 1}}"#, #"argsFieldEqual(k == {"a'": 1})"#),
        ("{key: 1, value: x}", "argsFieldEqual(1 == 'x')"),
        ("{key: '1', value: x}", "argsFieldEqual('1' == 'x')"),
        ("{key: true, value: x}", "argsFieldEqual(true == 'x')"),
        ("{key: 'true', value: x}", "argsFieldEqual('true' == 'x')"),
        // PyYAML reads y and n as strings (YAML 1.1's y/n booleans it leaves out): bare, as x is.
        ("{key: y, value: x}", "argsFieldEqual(y == 'x')"),
        ("{key: 'off', value: x}", "argsFieldEqual('off' == 'x')"),
        ("{key: 'on', value: x}", "argsFieldEqual('on' == 'x')"),
        ("{key: [a, 2017-01-01], value: x}", "argsFieldEqual(a.2017-01-01 == 'x')"),
        ("{key: [a, '2017-01-01'], value: x}", "argsFieldEqual(a.'2017-01-01' == 'x')"),
        ("{key: [k], value: x}", "argsFieldEqual([k] == 'x')"),
        ("{key: k, value: x}", "argsFieldEqual(k == 'x')"),
        // What Python's str.isprintable() rejects is escaped as repr escapes it: format characters
        // (zero-width space, byte-order mark, a musical format character beyond the BMP), a
        // no-break space, private use; other letters stay.
        (#"{key: k, value: "ok\u200b"}"#, #"argsFieldEqual(k == 'ok\u200b')"#),
        (#"{key: "a\u00a0b", value: "x\ufeffy"}"#, #"argsFieldEqual('a\xa0b' == 'x\ufeffy')"#),
        (#"{key: k, value: "\ue000\U0001D173é"}"#, #"argsFieldEqual(k == '\ue000\U0001d173é')"#),
        // Canonically equivalent spellings look alike: a string not in NFC has its non-ASCII
        // characters escaped (also as a key part, which is quoted for it).
        (#"{key: k, value: "e\u0301"}"#, #"argsFieldEqual(k == 'e\u0301')"#),
        (#"{key: k, value: "\u00e9"}"#, #"argsFieldEqual(k == 'é')"#),
        (#"{key: "caf\u0065\u0301", value: x}"#, #"argsFieldEqual('cafe\u0301' == 'x')"#),
        (#"{key: "\u212b", value: x}"#, #"argsFieldEqual('\u212b' == 'x')"#),
        // A number with a point is one key, not a path of two.
        ("{key: 1.1, value: x}", "argsFieldEqual((1.1) == 'x')"),
        ("{key: [1, 1], value: x}", "argsFieldEqual(1.1 == 'x')"),
        ("{key: [1.5, 2], value: x}", "argsFieldEqual((1.5).2 == 'x')"),
        ("{key: [1, 5, 2], value: x}", "argsFieldEqual(1.5.2 == 'x')"),
        ("{key: [a, 2.5], value: x}", "argsFieldEqual(a.(2.5) == 'x')"),
    ])
    func differentValuesReadDifferently(_ arguments: String, _ expected: String) throws {
        let configuration = try ConfigurationDiffTests.load(nodes: ConfigurationDiffTests.nodes, flows: """
            flow-definitions:
              - name: f
                edges:
                  - {from: , to: A}
                  - {from: A, to: B, condition: {name: argsFieldEqual, args: \(arguments)}}
            """)
        let edge = try #require(configuration.flows["f"]?.edges[1])
        #expect(ReviewedEdge(edge).conditionText == expected)
    }
}
