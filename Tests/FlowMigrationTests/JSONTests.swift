import FlowMigration
import Testing

struct JSONParserTests {
    private func parse(_ text: String) throws -> JSONValue { try JSONParser().parse(Array(text.utf8)) }

    @Test func keepsNumbersAsWritten() throws {
        let value = try parse(#"{"a": 1.0, "b": 123456789012345678901234567890, "c": -2e-3, "d": 7}"#)
        #expect(value["a"] == .number(JSONNumber(text: "1.0")))
        #expect(value["b"] == .number(JSONNumber(text: "123456789012345678901234567890")))
        #expect(value["c"] == .number(JSONNumber(text: "-2e-3")))
        #expect(value["d"]?.intValue == 7)
        #expect(String(decoding: JSONWriter.compact(value), as: UTF8.self)
                == #"{"a":1.0,"b":123456789012345678901234567890,"c":-2e-3,"d":7}"#)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try parse(#"["a\"b\\c\/d\n\t", "\u00e9\ud83d\ude00", "ünïcode"]"#)
        #expect(value == .array([.string("a\"b\\c/d\n\t"), .string("é😀"), .string("ünïcode")]))
    }

    @Test func readsPythonsNonFiniteNumbers() throws {
        #expect(try parse("[NaN, Infinity, -Infinity]") == .array([
            .number(JSONNumber(text: "NaN")), .number(JSONNumber(text: "Infinity")), .number(JSONNumber(text: "-Infinity")),
        ]))
    }

    @Test func lastDuplicateKeyWinsAsInPython() throws {
        #expect(try parse(#"{"a": 1, "a": 2}"#)["a"]?.intValue == 2)
    }

    /// "café" precomposed and decomposed are two keys for Python but one `String` for Swift:
    /// merging them would silently drop a value, so the text is refused instead.
    @Test func keysDifferingOnlyInNormalisationAreRefusedNotMerged() throws {
        let text = "{\"caf\u{E9}\": 1,\n \"cafe\u{301}\": 2}"
        #expect(throws: JSONParser.Failure.self) { try JSONParser().parse(Array(text.utf8)) }
        do {
            _ = try JSONParser().parse(Array(text.utf8))
        } catch {
            #expect(error.line == 2 && error.column == 2)
            #expect(error.message.contains("differ only in Unicode normalisation"))
        }
        // The same spelling twice is an ordinary duplicate.
        #expect(try parse("{\"caf\u{E9}\": 1, \"caf\u{E9}\": 2}")["caf\u{E9}"]?.intValue == 2)
    }

    @Test(arguments: [
        ("{\"a\": 1,}", 1, 9, "expected a string key"),
        ("[1 2]", 1, 4, "expected ',' or ']' in an array"),
        ("{\n  \"a\": tru\n}", 2, 8, "invalid literal (expected true)"),
        ("\"open", 1, 1, "unterminated string"),
        ("01", 1, 2, "unexpected text after the JSON value"),
        ("nan", 1, 1, "invalid literal (expected null)"),
        ("[\"\\ud800\"]", 1, 9, "unpaired UTF-16 surrogate in a \\u escape"),
        ("", 1, 1, "unexpected end of the JSON text"),
    ])
    func reportsLineAndColumn(_ text: String, _ line: Int, _ column: Int, _ message: String) throws {
        let error = #expect(throws: JSONParser.Failure.self) { try parse(text) }
        #expect(error?.message == message)
        #expect(error?.line == line)
        #expect(error?.column == column)
    }

    @Test func boundsNesting() throws {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        let error = #expect(throws: JSONParser.Failure.self) { try parse(deep) }
        #expect(error?.message == "JSON nests deeper than 512 levels")
    }
}

struct JSONWriterTests {
    /// What a service prints or logs is JSON, not Swift's dump of the enums.
    @Test func valuesTaintsAndMessagesPrintAsJSON() throws {
        let value = try JSONParser().parse(Array(#"{"b": [1.0, null, "x"], "a": true}"#.utf8))
        #expect("\(value)" == #"{"a":true,"b":[1.0,null,"x"]}"#)
        let taint = Taint(version: 2, reason: .firedRemovedEdge(index: 3, edge: TaintedEdge(from: ["A"], to: ["B"], condition: .null)),
                          strategy: .retry)
        #expect("\(taint)" == #"{"edge":3,"from":["A"],"kind":"edge","strategy":"RETRY","to":["B"],"version":2}"#)
        let message = try DispatcherMessage(jsonBytes: Array(#"{"state": null, "flow_name": "f", "node_args": {"k": 1}}"#.utf8))
        #expect(String(decoding: message.jsonBytes, as: UTF8.self) == #"{"flow_name":"f","migration_version":null,"node_args":{"k":1},"state":null}"#)
        #expect(try DispatcherMessage(jsonBytes: message.jsonBytes) == message)
    }

    @Test func escapesWhatYAMLReadersRejectOrFoldAndKeepsOtherText() throws {
        let text = "a\u{7F}b\u{80}c\u{85}d\u{2028}e\u{FFFE}fé😀"
        #expect(String(decoding: JSONWriter.compact(.string(text)), as: UTF8.self)
                == #""a\u007fb\u0080c\u0085d\u2028e\ufffefé😀""#)
        #expect(try JSONParser().parse(JSONWriter.compact(.string(text))) == .string(text))
        // The fast path for ASCII text escapes DEL too.
        #expect(String(decoding: JSONWriter.compact(.string("a\u{7F}")), as: UTF8.self) == #""a\u007f""#)
    }

    @Test func prettyOutputIsSortedIndentedAndEndsWithANewline() {
        let value: JSONValue = .object([
            "b": .array([.number(JSONNumber(1)), .object([:]), .array([])]),
            "a": .string("x\u{1}y\"z"),
            "é": .null,
            "Z": .bool(false),
        ])
        let expected = """
            {
              "Z": false,
              "a": "x\\u0001y\\"z",
              "b": [
                1,
                {},
                []
              ],
              "é": null
            }

            """
        #expect(String(decoding: JSONWriter.pretty(value), as: UTF8.self) == expected)
    }

    /// Python's `sort_keys` orders by code point: "é" after "z", and U+FFFD before an emoji,
    /// although UTF-16 order puts the emoji's surrogates first.
    @Test func keysAreSortedByCodePointAsPythonSortsThem() {
        let value: JSONValue = .object([
            "\u{1F600}": .number(JSONNumber(4)), "\u{FFFD}": .number(JSONNumber(3)),
            "\u{E9}": .number(JSONNumber(2)), "e": .number(JSONNumber(1)), "z": .number(JSONNumber(0)),
        ])
        #expect(String(decoding: JSONWriter.compact(value), as: UTF8.self)
                == "{\"e\":1,\"z\":0,\"\u{E9}\":2,\"\u{FFFD}\":3,\"\u{1F600}\":4}")
        // Edge indices as keys: a prefix sorts first, then byte by byte ("10" before "2").
        let indices: JSONValue = .object(["2": .null, "10": .null, "1": .null, "100000000000000000": .null, "": .null])
        #expect(String(decoding: JSONWriter.compact(indices), as: UTF8.self)
                == "{\"\":null,\"1\":null,\"10\":null,\"100000000000000000\":null,\"2\":null}")
    }
}

/// Lines of keys, for messages about bad input.
struct JSONKeyLineTests {
    static let text = """
        {"migration": {
          "a_flow": {
            "tainted_edges": {"1": {"from": ["A"], "to": ["b_flow"], "condition_str": {"name": "alwaysTrue"}}},
            "translation": {"1": null}
          },
          "b_flow": {
            "tainted_edges": {},
            "translation": {"1": 7, "note": "translation"}
          }
        },
        "list": [{"translation": 1}, {"deep": {"translation": 2}}]}
        """

    @Test func aKeyIsFoundAtItsOwnDepthAndNeverAsAValue() {
        let bytes = Array(Self.text.utf8)
        #expect(JSONKeyLine.line(of: [], in: bytes) == 1)
        #expect(JSONKeyLine.line(of: ["migration"], in: bytes) == 1)
        #expect(JSONKeyLine.line(of: ["migration", "a_flow", "translation"], in: bytes) == 4)
        // "b_flow" is a value on line 3 first: the key is on line 6, its translation on line 8.
        #expect(JSONKeyLine.line(of: ["migration", "b_flow"], in: bytes) == 6)
        #expect(JSONKeyLine.line(of: ["migration", "b_flow", "translation", "1"], in: bytes) == 8)
        // Keys of objects inside a list count at the depth of the objects.
        #expect(JSONKeyLine.line(of: ["list", "translation"], in: bytes) == 11)
        #expect(JSONKeyLine.line(of: ["list", "deep", "translation"], in: bytes) == 11)
        #expect(JSONKeyLine.line(of: ["translation"], in: bytes) == nil, "no top-level key of that name")
        #expect(JSONKeyLine.line(of: ["migration", "c_flow"], in: bytes) == nil)
    }
}
