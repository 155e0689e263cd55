import Foundation
import Testing
import TestSupport
@testable import YAMLTree

/// One case of the PyYAML oracle fixtures (`compat/check_scalar_fixtures.py` keeps them true).
struct ScalarCase: Decodable, Sendable, CustomTestStringConvertible {
    struct Expected: Decodable, Sendable {
        var kind: String
        var value: JSONScalar?
    }

    /// The `value` of an expected result: a string, or a boolean for `bool` cases.
    enum JSONScalar: Decodable, Sendable {
        case string(String)
        case bool(Bool)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let bool = try? container.decode(Bool.self) {
                self = .bool(bool)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
    }

    var yaml: String
    var expected: Expected
    var note: String?

    var testDescription: String { yaml.debugDescription }

    static func load(_ name: String) -> [ScalarCase] {
        guard let data = try? Fixtures.data(name, in: .module) else { return [] }
        return (try? JSONDecoder().decode([ScalarCase].self, from: data)) ?? []
    }

    /// Cases where we deliberately differ from PyYAML, with the reason.
    static let deliberateDivergences: [String: String] = [
        "!!int {=: 12}": "a scalar tag on a mapping (PyYAML reads its '=' key); rejected as unsupported",
        "!!str {=: x}": "a scalar tag on a mapping (PyYAML reads its '=' key); rejected as unsupported",
        "!!bool {=: yes}": "a scalar tag on a mapping (PyYAML reads its '=' key); rejected as unsupported",
    ]
}

/// Checks a parsed value against an oracle expectation and describes any difference.
func mismatch(_ value: YAMLScalarValue, _ expected: ScalarCase.Expected) -> String? {
    let actual: String
    switch value {
    case .null: actual = "null"
    case .bool(let bool): actual = "bool \(bool)"
    case .int(let integer): actual = "int \(integer)"
    case .float(let double):
        actual = "float \(double)"
        if expected.kind == "float", case .string(let text)? = expected.value {
            let wanted: Double? = switch text {
            case "inf": .infinity
            case "-inf": -.infinity
            case "nan": .nan
            default: Double(text)
            }
            if let wanted, wanted == double || (wanted.isNaN && double.isNaN) { return nil }
        }
        return "expected \(expected.kind) \(String(describing: expected.value)), got \(actual)"
    case .string(let text): actual = "str \(text.debugDescription)"
    case .timestamp(let timestamp): actual = "\(timestamp.time == nil ? "date" : "datetime") \(timestamp)"
    }
    let wanted: String
    switch (expected.kind, expected.value) {
    case ("null", _): wanted = "null"
    case ("bool", .bool(let bool)?): wanted = "bool \(bool)"
    case ("int", .string(let text)?): wanted = "int \(text)"
    case ("str", .string(let text)?): wanted = "str \(text.debugDescription)"
    case ("date", .string(let text)?), ("datetime", .string(let text)?): wanted = "\(expected.kind) \(text)"
    default: wanted = "\(expected.kind) \(String(describing: expected.value))"
    }
    return actual == wanted ? nil : "expected \(wanted), got \(actual)"
}

struct ScalarResolutionTests {
    static let values = ScalarCase.load("scalar-resolution.json")
    static let keys = ScalarCase.load("key-resolution.json")

    @Test func fixturesAreLoaded() {
        #expect(Self.values.count > 400)
        #expect(Self.keys.count > 30)
    }

    @Test(arguments: values)
    func plainScalarResolvesLikePyYAML(_ testCase: ScalarCase) throws {
        let source = "value: \(testCase.yaml)\n"
        if let reason = ScalarCase.deliberateDivergences[testCase.yaml] {
            #expect(throws: YAMLError.self, "deliberate divergence: \(reason)") {
                try YAMLParser().parse(Array(source.utf8))
            }
            return
        }
        if testCase.expected.kind == "error" {
            #expect(throws: YAMLError.self, "PyYAML rejects \(testCase.yaml.debugDescription)") {
                try YAMLParser().parse(Array(source.utf8))
            }
            return
        }
        let document = try YAMLParser().parse(Array(source.utf8))
        let value = try #require(document.root?.mapping?.first?.value.scalar?.value)
        let difference = mismatch(value, testCase.expected)
        #expect(difference == nil, "\(testCase.yaml.debugDescription): \(difference ?? "")")
    }

    @Test(arguments: keys)
    func mappingKeyResolvesLikePyYAML(_ testCase: ScalarCase) throws {
        let source = "\(testCase.yaml): 1\n"
        if testCase.expected.kind == "error" {
            #expect(throws: YAMLError.self) { try YAMLParser().parse(Array(source.utf8)) }
            return
        }
        let document = try YAMLParser().parse(Array(source.utf8))
        let key = try #require(document.root?.mapping?.first?.key.scalar?.value)
        let difference = mismatch(key, testCase.expected)
        #expect(difference == nil, "\(testCase.yaml.debugDescription): \(difference ?? "")")
    }
}

/// The integer an integral float is, as Python's `==` compares them.
struct ExactIntegerTests {
    @Test func integralFloatsBeyondSixtyFourBitsAreExact() {
        #expect(YAMLInteger(exactly: 1e20)?.description == "100000000000000000000")
        #expect(YAMLInteger(exactly: -0x1p70)?.description == "-1180591620717411303424")
        #expect(YAMLInteger(exactly: 0x1.fffffffffffffp1023)?.description == "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368")
        #expect(YAMLInteger(exactly: 42.0) == .small(42) && YAMLInteger(exactly: -0.0) == .small(0))
        #expect(YAMLInteger(exactly: 1.5) == nil && YAMLInteger(exactly: .infinity) == nil && YAMLInteger(exactly: .nan) == nil)
    }
}
