import FlowConfig
import FlowEngine
import FlowMigration
import Testing

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
