import FlowConfig
import FlowEngine
import FlowMigration
import Testing
import YAMLTree

/// Selinon's URL predicates, evaluated as its Python functions evaluate them:
/// `urlparse(value).scheme == scheme` (and `netloc`, `path`) inside `try … except: return False`.
/// The expected parts are Python 3.11.7's `urllib.parse.urlparse` results for the same strings
/// (`compat/engine_compat.py` checks a larger corpus against the real predicates in CI).
struct URLPredicateTests {
    /// (URL, scheme, netloc, path) as Python splits it; `nil` parts: `urlparse` raises ValueError.
    static let corpus: [(String, (String, String, String)?)] = [
        ("https://github.com/a/b", ("https", "github.com", "/a/b")),
        ("HTTPS://GitHub.com:443/x;p?q#f", ("https", "GitHub.com:443", "/x")),
        ("http://user:pw@host:8080/p;params/q;x?y#z", ("http", "user:pw@host:8080", "/p;params/q")),
        ("ftp://h/a;b", ("ftp", "h", "/a")),
        ("foo://h/a;b", ("foo", "h", "/a;b")),
        ("//host/path", ("", "host", "/path")),
        ("host/path", ("", "", "host/path")),
        ("mailto:a@b", ("mailto", "", "a@b")),
        ("1a:b", ("", "", "1a:b")),
        ("a+b.c-d:rest", ("a+b.c-d", "", "rest")),
        ("a_b:rest", ("", "", "a_b:rest")),
        (":nothing", ("", "", ":nothing")),
        ("http:", ("http", "", "")),
        ("http://", ("http", "", "")),
        ("http://[::1/x", nil),
        ("http://::1]/x", nil),
        (" http://x/y", ("http", "x", "/y")),
        ("\thttp://x/\ny", ("http", "x", "/y")),
        ("http://x/y#a?b", ("http", "x", "/y")),
        ("http://x?y/z", ("http", "x", "")),
        ("http://x#y/z", ("http", "x", "")),
        ("", ("", "", "")),
        (";a", ("", "", "")),
        ("/a/b;c/d;e", ("", "", "/a/b;c/d")),
        ("http://hé.com/p", ("http", "hé.com", "/p")),
        ("http://a\u{2100}b/", nil),
        ("tel:+1;ext=2", ("tel", "", "+1")),
        ("http://x/a;b/c", ("http", "x", "/a;b/c")),
        ("path;only", ("", "", "path")),
        // Carriage returns go as tabs and line feeds do; sftp paths carry ;params; a network
        // location is checked for NFKC delimiters without its '@' and ':' (fullwidth x is plain x).
        ("http://x/a\rb", ("http", "x", "/ab")),
        ("sftp://h/a;b", ("sftp", "h", "/a")),
        ("http://u@\u{FF58}.com:80/p", ("http", "u@\u{FF58}.com:80", "/p")),
    ]

    static func evaluate(_ predicate: String, _ argument: String, _ expected: ConfigValue, on value: JSONValue) -> Bool? {
        let call = PredicateCall(name: predicate, arguments: [.init("key", .string("url")), .init(argument, expected)],
                                 location: FileLocation(file: "flows.yml", line: 1, column: 1))
        return SelinonPredicates(results: ["A": .object(["url": value])], singleSource: "A", nodeArguments: .object(["url": value]),
                                 environment: [:]).evaluate(.predicate(call))
    }

    @Test(arguments: corpus.indices)
    func eachPartIsComparedAsPythonSplitsIt(_ index: Int) {
        let (url, parts) = Self.corpus[index]
        for (predicate, argument) in [("fieldUrlScheme", "scheme"), ("fieldUrlNetloc", "netloc"), ("argsFieldUrlPath", "path")] {
            let expected = parts.map { argument == "scheme" ? $0.0 : argument == "netloc" ? $0.1 : $0.2 }
            // The right part holds; a changed one does not; when urlparse raises, nothing holds.
            #expect(Self.evaluate(predicate, argument, .string(expected ?? ""), on: .string(url)) == (expected != nil), "\(url) \(predicate)")
            #expect(Self.evaluate(predicate, argument, .string((expected ?? "") + "x"), on: .string(url)) == false, "\(url) \(predicate)")
        }
    }

    @Test func keysAreMatchedCodePointByCodePointAndDatesAreNotStrings() {
        // Python looks keys up by code points: "K" (U+004B) is not the Kelvin sign (U+212A), and
        // "café" composed is not "cafe" + U+0301; Swift's String equality would take them as equal.
        let location = FileLocation(file: "flows.yml", line: 1, column: 1)
        func holds(_ name: String, _ arguments: [ConfigValue.MappingEntry], result: JSONValue) -> Bool? {
            SelinonPredicates(results: ["A": result], singleSource: "A", nodeArguments: .null, environment: [:])
                .evaluate(.predicate(PredicateCall(name: name, arguments: arguments, location: location)))
        }
        let kelvin: JSONValue = .object(["\u{212A}": .string("http://x/")])
        #expect(holds("fieldUrlNetloc", [.init("key", .string("K")), .init("netloc", .string("x"))], result: kelvin) == false)
        #expect(holds("fieldUrlNetloc", [.init("key", .string("\u{212A}")), .init("netloc", .string("x"))], result: kelvin) == true)
        let composed: JSONValue = .object(["caf\u{e9}": .string("v")])
        #expect(holds("fieldEqual", [.init("key", .string("cafe\u{301}")), .init("value", .string("v"))], result: composed) == false)
        #expect(holds("fieldExist", [.init("key", .string("cafe\u{301}"))], result: composed) == false)
        #expect(holds("fieldContain", [.init("key", .list([])), .init("value", .string("cafe\u{301}"))], result: composed) == false)
        #expect(holds("fieldEqual", [.init("key", .string("caf\u{e9}")), .init("value", .string("v"))], result: composed) == true)
        // An unquoted YAML date is a datetime.date in PyYAML: equal to no string of a result.
        guard case .timestamp(let parsed)? = try? YAMLParser().parse(Array("2001-12-14".utf8)).root?.value else {
            Issue.record("PyYAML's rules make 2001-12-14 a timestamp")
            return
        }
        let date = ConfigValue.timestamp(parsed)
        let dated: JSONValue = .object(["d": .string("2001-12-14"), "u": .string("http://x/2001-12-14")])
        #expect(holds("fieldEqual", [.init("key", .string("d")), .init("value", date)], result: dated) == false)
        #expect(holds("fieldUrlPath", [.init("key", .string("u")), .init("path", date)], result: dated) == false)
        #expect(holds("fieldNotEqual", [.init("key", .string("d")), .init("value", date)], result: dated) == true)
        #expect(holds("fieldEqual", [.init("key", .list([date])), .init("value", .string("x"))], result: .object(["2001-12-14": .string("x")])) == false)
    }

    /// A key path indexes lists and strings as Python does, negative indices from the end, and
    /// a boolean is an int to `fieldInt` (`isinstance(True, int)`), not to `fieldFloat`.
    @Test func keyPathsIndexAsPythonDoesAndBooleansAreInts() {
        let location = FileLocation(file: "flows.yml", line: 1, column: 1)
        func holds(_ name: String, _ arguments: [ConfigValue.MappingEntry], result: JSONValue) -> Bool? {
            SelinonPredicates(results: ["A": result], singleSource: "A", nodeArguments: .null, environment: [:])
                .evaluate(.predicate(PredicateCall(name: name, arguments: arguments, location: location)))
        }
        let result: JSONValue = .object(["s": .string("abc"), "l": .array([.string("x"), .string("y")]), "b": .bool(true)])
        func path(_ parts: ConfigValue...) -> ConfigValue.MappingEntry { .init("key", .list(parts)) }
        #expect(holds("fieldEqual", [path(.string("s"), .integer(.small(-1))), .init("value", .string("c"))], result: result) == true)
        #expect(holds("fieldEqual", [path(.string("s"), .integer(.small(0))), .init("value", .string("a"))], result: result) == true)
        #expect(holds("fieldExist", [path(.string("s"), .integer(.small(-4)))], result: result) == false)
        #expect(holds("fieldEqual", [path(.string("l"), .integer(.small(-2))), .init("value", .string("x"))], result: result) == true)
        #expect(holds("fieldExist", [path(.string("l"), .integer(.small(2)))], result: result) == false)
        #expect(holds("fieldInt", [.init("key", .string("b"))], result: result) == true)
        #expect(holds("fieldFloat", [.init("key", .string("b"))], result: result) == false)
    }

    @Test func nonStringsNeverMatchAndBracketedHostsAreLeftUndecided() {
        // urlparse(None) gives bytes (b'' is not ''); urlparse(5) raises: both false.
        for value: JSONValue in [.null, .number(JSONNumber(5)), .array([]), .object([:])] {
            #expect(Self.evaluate("fieldUrlScheme", "scheme", .string(""), on: value) == false)
        }
        #expect(Self.evaluate("fieldUrlScheme", "scheme", .integer(.small(5)), on: .string("5:x")) == false, "'5' == 5 is false")
        // Python checks a bracketed host as an IP address, differently across versions: not decided here.
        #expect(Self.evaluate("fieldUrlNetloc", "netloc", .string("[::1]:80"), on: .string("http://[::1]:80/x")) == nil)
        // A missing key is Python's KeyError, caught: false.
        let call = PredicateCall(name: "fieldUrlScheme", arguments: [.init("key", .string("other")), .init("scheme", .string("http"))],
                                 location: FileLocation(file: "flows.yml", line: 1, column: 1))
        #expect(SelinonPredicates(results: ["A": .object(["url": .string("http://x")])], singleSource: "A", nodeArguments: .null,
                                  environment: [:]).evaluate(.predicate(call)) == false)
    }
}
