import Foundation
import Testing
@testable import YAMLTree

private func parse(_ text: String, limits: YAMLParser.Limits = .init()) throws -> YAMLDocument {
    try YAMLParser(limits: limits).parse(Array(text.utf8))
}

private func parseError(_ text: String, limits: YAMLParser.Limits = .init()) -> YAMLError? {
    do {
        _ = try parse(text, limits: limits)
        return nil
    } catch let error as YAMLError {
        return error
    } catch {
        return nil
    }
}

/// Counts the nodes a full walk visits, spending `budget` on each.
private func walk(_ node: YAMLNode, _ budget: inout YAMLWalkBudget) throws -> Int {
    try budget.spend(at: node.mark)
    switch node.content {
    case .scalar: return 1
    case .sequence(let items): return try items.reduce(1) { $0 + (try walk($1, &budget)) }
    case .mapping(let pairs): return try pairs.reduce(1) { $0 + (try walk($1.value, &budget)) }
    }
}

struct YAMLParserTests {
    @Test func recordsLineAndColumnOfEveryNode() throws {
        let document = try parse("""
            tasks:
              - name: Fetch
                import: app.tasks
            """)
        let task = try #require(document.root?["tasks"]?.sequence?.first)
        #expect(task.mark == YAMLMark(line: 2, column: 5))
        #expect(task["import"]?.mark == YAMLMark(line: 3, column: 13))
        #expect(task["import"]?.string == "app.tasks")
    }

    @Test func keepsMappingOrderAndScalarStyle() throws {
        let document = try parse("b: 'x'\na: \"y\"\nc: |\n  z\n")
        let pairs = try #require(document.root?.mapping)
        #expect(pairs.map { $0.key.string } == ["b", "a", "c"])
        #expect(pairs.map { $0.value.scalar?.style } == [.singleQuoted, .doubleQuoted, .literal])
        #expect(pairs[2].value.string == "z\n")
    }

    @Test func emptyStreamHasNoRootAndEmptyDocumentIsNull() throws {
        #expect(try parse("").root == nil)
        #expect(try parse("# only a comment\n").root == nil)
        #expect(try parse("---\n").root?.isNull == true)
    }

    @Test func aliasIsTheAnchoredNode() throws {
        let document = try parse("""
            base: &cond {name: fieldEqual, args: {key: ok, value: yes}}
            edges:
              - condition: *cond
            """)
        let condition = try #require(document.root?["edges"]?.sequence?.first?["condition"])
        #expect(condition.mark == YAMLMark(line: 1, column: 7))  // the anchor `&cond`
        #expect(condition["args"]?["value"]?.value == .bool(true))
    }

    @Test func mergeKeysFollowPyYAML() throws {
        let document = try parse("""
            defaults: &defaults {queue: slow, max_retry: 2, import: a.b}
            other: &other {queue: other, storage: S}
            task:
              <<: [*defaults, *other]
              name: Fetch
              max_retry: 5
            """)
        let task = try #require(document.root?["task"])
        // Explicit keys win; among merged mappings the earlier one wins.
        #expect(task["max_retry"]?.value == .int(.small(5)))
        #expect(task["queue"]?.string == "slow")
        #expect(task["storage"]?.string == "S")
        #expect(task["<<"] == nil)
        // 'queue' differs between the merged mappings: PyYAML 6.0.4 and later take the last
        // (yaml/pyyaml#953), earlier versions the first — said, since readers may disagree.
        #expect(document.warnings.map { "\($0.kind) \($0.key) \($0.firstMark.line) \($0.mark)" } == ["mergeListConflict queue 1 2:16"])
        // Keys from merges come first, as PyYAML's dict insertion order gives.
        #expect(task.mapping?.map { $0.key.string ?? "" } == ["queue", "storage", "max_retry", "import", "name"])
    }

    @Test func aMergeListConflictIsOnlyWarnedAboutWhereReadersCanDisagree() throws {
        // The same value in both mappings, or the key written in the mapping itself: every
        // PyYAML version reads the same, so no warning.
        let same = try parse("a: &a {queue: q, x: 1}\nb: &b {queue: q}\nt: {<<: [*a, *b]}\n")
        #expect(same.warnings.isEmpty)
        // A one-character key keeps its first value in every version (CPython shares those strings).
        #expect(try parse("a: &a {k: q}\nb: &b {k: r}\nt: {<<: [*a, *b]}\n").warnings.isEmpty)
        let explicit = try parse("a: &a {queue: q}\nb: &b {queue: r}\nt: {<<: [*a, *b], queue: s}\n")
        #expect(explicit.warnings.isEmpty)
        #expect(explicit.root?["t"]?["queue"]?.string == "s")
        let differing = try parse("a: &a {queue: q}\nb: &b {queue: r}\nt: {<<: [*a, *b]}\n")
        #expect(differing.warnings.map(\.kind) == [.mergeListConflict])
        #expect(differing.root?["t"]?["queue"]?.string == "q")
        // The later mapping's key node merged already by the earlier one (b merges a and
        // overrides it): PyYAML 6.0.4 skips it, so every version reads b's value (checked with 6.0.3
        // and 6.0.4: max_retry 2) — no warning.
        let mergedAlready = try parse("a: &a {import: t, max_retry: 1}\nb: &b {<<: *a, max_retry: 2}\nt: {<<: [*b, *a]}\n")
        #expect(mergedAlready.warnings.isEmpty, "\(mergedAlready.warnings)")
        #expect(mergedAlready.root?["t"]?["max_retry"]?.value == .int(.small(2)))
    }

    /// Where PyYAML 6.0.4 and later read a merged key's value from elsewhere than earlier
    /// versions do (yaml/pyyaml#953: a merged pair whose key is the same Python object as one
    /// merged before is dropped — the same key node, or a one-character key CPython shares), it
    /// is said; the value kept is earlier versions'. Each case checked against PyYAML 6.0.4.
    @Test(arguments: [
        // A merged mapping that overrides what it merges: 6.0.4 keeps the first 'x'.
        ("a: &a {x: 1, yy: 1}\nb: &b {<<: *a, x: 2, yy: 2}\nt: {<<: *b}\n", "x", "2", ["x"]),
        // Two merge keys: the later one wins before 6.0.4, the first (for 'x') after.
        ("a: &a {x: 1, yy: 1}\nb: &b {x: 2, yy: 2}\nt: {<<: *a, <<: *b}\n", "x", "2", ["x"]),
        // A repeated key inside the merged mapping.
        ("t: {<<: {x: 1, x: 2, yy: 1, yy: 2}}\n", "x", "2", ["x"]),
        ("t: {<<: {'': 1, '': 2}}\n", "", "2", [""]),
        // The same key node merged twice: 6.0.4 drops the second, so b's override stays.
        ("a: &a {key2: 1}\nb: &b {<<: *a, key2: 2}\nt: {<<: *b, <<: *a}\n", "key2", "1", ["key2"]),
        // Layered defaults with longer keys read the same in every version: no warning.
        ("a: &a {key2: 1, yy: 1}\nb: &b {<<: *a, key2: 2}\nt: {<<: *b}\n", "key2", "2", []),
        ("a: &a {x: 1}\nb: &b {x: 2}\nt: {<<: *a, <<: *b, x: 3}\n", "x", "3", []),
        ("a: &a {x: 1}\nt: {<<: *a, <<: *a}\n", "x", "1", []),
    ])
    func mergesThatPyYAMLVersionsReadDifferentlyAreSaid(_ text: String, _ key: String, _ value: String, _ warned: [String]) throws {
        let document = try parse(text)
        #expect(document.root?["t"]?[key]?.value == .int(.small(Int(value)!)))
        let differences = document.warnings.filter { $0.kind == .mergeVersionDifference }
        #expect(differences.map(\.key) == warned, "\(document.warnings)")
    }

    @Test func quotedMergeKeyIsAnOrdinaryKey() throws {
        let document = try parse("'<<': {a: 1}\n")
        #expect(document.root?["<<"]?["a"]?.value == .int(.small(1)))
    }

    @Test func duplicateKeysWarnAndLastWins() throws {
        let document = try parse("""
            edge:
              condition: {name: alwaysTrue}
              condition: {name: alwaysFalse}
            """)
        #expect(document.root?["edge"]?["condition"]?["name"]?.string == "alwaysFalse")
        let warning = try #require(document.warnings.first)
        #expect(warning.key == "condition")
        #expect(warning.firstMark == YAMLMark(line: 2, column: 3))
        #expect(warning.mark == YAMLMark(line: 3, column: 3))
        #expect(warning.description == "3:3: duplicate key 'condition' (first defined at line 2); the last value wins")
    }

    /// PyYAML builds aware datetimes, equal (and one dict key) when they name the same instant.
    @Test func timestampsAreEqualAsPythonComparesThem() throws {
        func identity(_ text: String) throws -> YAMLTimestamp.PythonIdentity {
            guard case .timestamp(let timestamp)? = try parse("v: \(text)\n").root?["v"]?.value else {
                throw YAMLError(.syntax, "\(text) is not a timestamp", at: nil)
            }
            return timestamp.pythonIdentity
        }
        #expect(try identity("2001-12-14t21:59:43-05:00") == identity("2001-12-15t02:59:43Z"))
        #expect(try identity("2001-12-15t02:59:43Z") == identity("2001-12-15 02:59:43 +0"))
        #expect(try identity("1969-12-31t23:30:00-01:00") == identity("1970-01-01t00:30:00Z"), "before and after 1970")
        #expect(try identity("2000-02-29t23:00:00-02:00") == identity("2000-03-01t01:00:00Z"), "a leap day")
        #expect(try identity("2001-12-15 02:59:43") != identity("2001-12-15t02:59:43Z"), "naive is not aware")
        #expect(try identity("2001-12-15") != identity("2001-12-15 00:00:00"), "a date is not a datetime")
        #expect(try identity("2001-12-15t02:59:43.1Z") != identity("2001-12-15t02:59:43Z"))
        let document = try parse("2001-12-14t21:59:43-05:00: a\n2001-12-15t02:59:43Z: b\n")
        #expect(document.root?.mapping?.count == 1)
        #expect(document.warnings.count == 1)
    }

    @Test func pythonKeyEqualityMergesOneTrueAndYes() throws {
        let document = try parse("1: a\nyes: b\n1.0: c\n'1': d\n")
        let pairs = try #require(document.root?.mapping)
        #expect(pairs.count == 2)
        #expect(pairs[0].value.string == "c")
        #expect(document.warnings.count == 2)
    }

    /// PyYAML gives every `.nan` (any case, `!!float -.nan` too) one shared float object, so
    /// they are one key of a dict; each `!!float nan` is a new `float('nan')`, a key of its own.
    @Test func everyDotNaNIsOneKeyAndEachFloatNaNItsOwn() throws {
        let shared = try parse(".nan: a\n.NaN: b\n!!float -.nan: c\n")
        #expect(shared.root?.mapping?.count == 1)
        #expect(shared.root?.mapping?.first?.value.string == "c")
        #expect(shared.warnings.count == 2)
        let fresh = try parse("!!float nan: a\n!!float nan: b\n.nan: c\n")
        #expect(fresh.root?.mapping?.count == 3)
        #expect(fresh.warnings.isEmpty)
    }

    @Test func largeMappingsDetectDuplicatesToo() throws {
        let keys = (0..<20).map { "k\($0): \($0)" }.joined(separator: "\n")
        let document = try parse(keys + "\nk3: again\n")
        #expect(document.root?.mapping?.count == 20)
        #expect(document.root?["k3"]?.string == "again")
        #expect(document.warnings.map(\.key) == ["k3"])
    }

    @Test func aliasBombIsCheapToLoadAndBoundedToWalk() throws {
        // Nine levels of nine-fold aliases: 9⁹ ≈ 387 million leaves when expanded.
        var lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        for (previous, name) in zip(names, names.dropFirst()) {
            let aliases = Array(repeating: "*\(previous)", count: 9).joined(separator: ", ")
            lines.append("\(name): &\(name) [\(aliases)]")
        }
        let document = try parse(lines.joined(separator: "\n"))
        var budget = YAMLWalkBudget(limit: 100_000)
        let root = try #require(document.root)
        let error = #expect(throws: YAMLError.self) { try walk(root, &budget) }
        #expect(error?.kind == .expansionLimit)
        #expect(error?.message.contains("alias bomb") == true)
    }

    @Test func walkWithinBudgetCountsEveryVisit() throws {
        let document = try parse("a: &a [1, 2]\nb: [*a, *a]\n")
        var budget = YAMLWalkBudget(limit: 100)
        let visited = try walk(try #require(document.root), &budget)
        #expect(visited == 1 + 3 + 1 + 3 + 3)
        #expect(budget.remaining == 100 - visited)
    }

    @Test func mergeBombIsBounded() throws {
        let keys = (0..<100).map { "k\($0): 1" }.joined(separator: ", ")
        let aliases = Array(repeating: "*m", count: 100).joined(separator: ", ")
        let error = parseError("m: &m {\(keys)}\nx: {<<: [\(aliases)]}\n", limits: .init(maxNodes: 5_000))
        #expect(error?.kind == .expansionLimit)
    }

    /// A large file without a single alias: the limit names what it counts, not a bomb.
    @Test func aPlainDocumentOverTheNodeLimitSaysWhatItHolds() throws {
        let items = (0..<100).map { "v\($0)" }.joined(separator: ", ")
        let error = parseError("junk: [\(items)]\n", limits: .init(maxNodes: 50))
        #expect(error?.kind == .expansionLimit)
        #expect(error?.message == "the document holds more than 50 YAML nodes (values, lists and mappings)", "\(String(describing: error))")
    }

    @Test func syntaxErrorHasLibyamlLocation() throws {
        let error = try #require(parseError("tasks:\n  - name: A\n   import: b\n"))
        #expect(error.kind == .syntax)
        #expect(error.mark == YAMLMark(line: 3, column: 4))
        #expect(error.description == "3:4: did not find expected '-' indicator (while parsing a block collection started at line 2, column 3)")
        // What loggers print (localizedDescription) is the description, not Foundation's placeholder.
        #expect((error as any Error).localizedDescription == error.description)
    }

    @Test func aKeyLongerThanYAMLAllowsIsNamedAsSuch() throws {
        let long = String(repeating: "k", count: 1_100)
        let error = try #require(parseError("edges:\n  - from: A\n    \(long): 1\n"))
        #expect(error.kind == .syntax)
        #expect(error.message.hasPrefix("could not find expected ':'"))
        #expect(error.message.hasSuffix("a key written without '?' may be at most 1024 characters long (PyYAML, which Selinon uses, refuses it too): shorten it"))
        // A ':' missing after a short key is only that.
        let short = try #require(parseError("a: 1\nb\nc: 2\n"))
        #expect(!short.message.contains("1024"), "\(short.message)")
        #expect(try YAMLParser().parse(Array("\(String(repeating: "k", count: 1_000)): 1\n".utf8)).root != nil, "1,000 characters are fine")
    }

    /// A tab that indents a line is the usual cause of "cannot start any token": named, with the fix.
    @Test func aTabThatIndentsIsNamed() throws {
        let error = try #require(parseError("tasks:\n\t- name: A\n"))
        #expect(error.kind == .syntax)
        #expect(error.mark == YAMLMark(line: 2, column: 1))
        #expect(error.message.hasPrefix("found character that cannot start any token"), "\(error.message)")
        #expect(error.message.hasSuffix("; the character there is a tab"))
        // Other syntax errors, and columns counted in characters after multi-byte ones, are left alone.
        let other = try #require(parseError("tasks:\n  - name: A\n   import: b\n"))
        #expect(!other.message.contains("tab"))
        #expect(YAMLParser.character(at: YAMLMark(line: 1, column: 2), in: Array("é:\tb".utf8)) == ":")
        #expect(YAMLParser.character(at: YAMLMark(line: 1, column: 3), in: Array("é:\tb".utf8)) == "\t")
        #expect(YAMLParser.character(at: YAMLMark(line: 4, column: 1), in: Array("a\nb\n".utf8)) == nil)
    }

    /// A '?' inside a plain value of a flow collection: libyaml reads on, PyYAML (Selinon) stops
    /// the value there and fails on the '?' — an error, as in Selinon. Quoted, or in block
    /// style, it is text to both.
    @Test func aQuestionMarkInAPlainValueOfAFlowCollectionIsAnError() throws {
        for text in ["k: [a?]\n", "j: {url: http://x/?q=1}\n", "{a?b: 1}\n"] {
            let error = try #require(parseError(text), "\(text)")
            #expect(error.kind == .syntax && error.message.contains("holds a '?' inside a flow collection"), "\(text): \(error)")
        }
        let fine = try YAMLParser().parse(Array("a: [\"x?\", 'y?']\nb: http://x/?q=1\nc:\n  - d?e\n".utf8))
        #expect(fine.root?["a"]?.sequence?.map(\.string) == ["x?", "y?"])
        #expect(fine.root?["b"]?.string == "http://x/?q=1" && fine.root?["c"]?.sequence?.first?.string == "d?e")
    }

    @Test func unterminatedQuoteNamesWhereItStarted() throws {
        let error = try #require(parseError("a: 'open\nb: 1\n"))
        #expect(error.kind == .syntax)
        #expect(error.message.contains("started at line 1"))
    }

    @Test func invalidUTF8IsAnEncodingErrorWithItsLine() throws {
        var bytes = Array("a: 1\nb: ".utf8)
        bytes += [0xC3, 0x28]
        let error = #expect(throws: YAMLError.self) { try YAMLParser().parse(bytes) }
        #expect(error?.kind == .encoding)
        #expect(error?.mark?.line == 2)
    }

    @Test func secondDocumentIsRejected() throws {
        let error = try #require(parseError("a: 1\n---\nb: 2\n"))
        #expect(error.kind == .multipleDocuments)
        #expect(error.mark?.line == 2)
    }

    @Test func inputLargerThanTheLimitIsRejectedBeforeParsing() throws {
        let error = try #require(parseError(String(repeating: "a", count: 2_000), limits: .init(maxInputBytes: 1_000)))
        #expect(error.kind == .inputTooLarge)
        #expect(error.mark == nil)
        #expect(error.message == "the file is 2000 bytes, larger than the limit of 1000 bytes")
    }

    @Test func deepNestingIsRejected() throws {
        let text = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        let error = try #require(parseError(text))
        #expect(error.kind == .nestingTooDeep)
        #expect(error.mark == YAMLMark(line: 1, column: 257))
    }

    @Test func aByteOrderMarkInsideTheFileIsRejectedButNotAtItsStartOrInQuotes() throws {
        // After leading comments libyaml skips it; PyYAML would read the key as "\u{FEFF}flow-definitions".
        let inside = "# flows of the ingest service\n\u{FEFF}flow-definitions: []\n"
        let error = try #require(parseError(inside))
        #expect(error.mark == YAMLMark(line: 2, column: 1))
        #expect(error.message.hasPrefix("a byte order mark (U+FEFF) inside the file"))
        #expect(try YAMLParser().parse(Array("\u{FEFF}tasks: []\n".utf8)).root?["tasks"] != nil)
        #expect(try YAMLParser().parse(Array("a: 'x\u{FEFF}y'\n".utf8)).root?["a"]?.string == "x\u{FEFF}y")
    }

    @Test func tagsPyYAMLBuildsButNoSettingTakesAreNamedAsSuch() throws {
        let error = try #require(parseError("a: !!binary aGVsbG8=\n"))
        #expect(error.message.contains("PyYAML builds it, but no Selinon setting takes such a value"))
        let custom = try #require(parseError("a: !custom x\n"))
        #expect(custom.message.contains("PyYAML's safe loader) cannot construct it"))
    }

    @Test func mergeChainsAreBoundedByTheirCopiedPairs() throws {
        // m1 merges m0 and adds a key, m2 merges m1, …: pair n copies n pairs.
        var text = "m0: &m0 {k0: 0}\n"
        for level in 1..<100 { text += "m\(level): &m\(level) {<<: *m\(level - 1), k\(level): \(level)}\n" }
        let parser = YAMLParser(limits: .init(maxMergedPairs: 1_000))
        do {
            _ = try parser.parse(Array(text.utf8))
            Issue.record("expected the merge limit")
        } catch {
            #expect(error.kind == .expansionLimit)
            #expect(error.message.hasPrefix("merge keys ('<<') copy more than 1000 key-value pairs"))
            #expect(error.mark?.line == 46, "m45 is where the copies pass 1,000 (1 + 2 + … + 45)")
        }
        let within = try YAMLParser(limits: .init(maxMergedPairs: 5_000)).parse(Array(text.utf8))
        #expect(within.root?["m99"]?.mapping?.count == 100)
    }

    @Test func aMergeListRepeatingALargeMappingStopsAtTheLimit() throws {
        // One mapping of 3,000 keys merged 10,000 times: refused once the copies pass the limit,
        // before the 30 million pairs are copied (which took half a minute and 500 MB).
        let keys = (0..<3_000).map { "k\($0): \($0)" }.joined(separator: ", ")
        let text = "b: &b {\(keys)}\nu: {<<: [\(Array(repeating: "*b", count: 10_000).joined(separator: ", "))]}\n"
        let error = try #require(parseError(text))
        #expect(error.kind == .expansionLimit)
        #expect(error.message.hasPrefix("merge keys ('<<') copy more than 1000000 key-value pairs"))
        #expect(error.mark?.line == 2)
    }

    @Test func nestingBuiltThroughAliasesCountsToo() throws {
        // Each anchor wraps the one before: shallow text, a tree 300 levels deep for a reader.
        var text = "a0: &a0 [x]\n"
        for level in 1..<300 { text += "a\(level): &a\(level) [*a\(level - 1)]\n" }
        let error = try #require(parseError(text))
        #expect(error.kind == .nestingTooDeep)
        // *a253 holds 255 levels (a0 is a list with a scalar) and sits two levels deep.
        #expect(error.mark == YAMLMark(line: 255, column: 14))
        // Within the limit, the same chain is an ordinary tree.
        var shallow = "a0: &a0 [x]\n"
        for level in 1..<250 { shallow += "a\(level): &a\(level) [*a\(level - 1)]\n" }
        var node = try #require(try YAMLParser().parse(Array(shallow.utf8)).root?["a249"])
        for _ in 0..<249 { node = try #require(node.sequence?.first) }
        #expect(node.sequence?.first?.string == "x")
    }

    @Test(arguments: [
        ("a: *missing\n", "alias '*missing' refers to an anchor that is not defined before it"),
        ("a: &x 1\nb: &x 2\n", "anchor '&x' is defined a second time (first at line 1); PyYAML rejects duplicate anchors"),
        ("a: &x [1, *x]\n", "alias '*x' refers to the collection that contains it"),
        // Anchored again inside the collection it names (PyYAML registers the anchor as the collection starts).
        ("a: &x [&x 1]\n", "anchor '&x' is defined a second time (first at line 1); PyYAML rejects duplicate anchors"),
    ])
    func anchorProblems(_ text: String, _ message: String) throws {
        let error = try #require(parseError(text))
        #expect(error.kind == .anchor)
        #expect(error.message == message)
    }

    @Test(arguments: [
        ("a: {<<: 1}\n", YAMLError.Kind.invalidMerge),
        ("a: {<<: [1]}\n", .invalidMerge),
        ("a: <<\n", .invalidMerge),
        ("- =\n", .valueIndicator),
        ("? [a]\n: 1\n", .unhashableKey),
        ("a: !custom 1\n", .unsupportedValue),
        ("a: !!set {x}\n", .unsupportedValue),
        ("a: !!binary aGk=\n", .unsupportedValue),
        ("a:\tb\n", .syntax),
        ("a: [1,\t2]\n", .syntax),
    ])
    func rejectsWhatPyYAMLRejects(_ text: String, _ kind: YAMLError.Kind) throws {
        let error = try #require(parseError(text))
        #expect(error.kind == kind)
    }

    /// A merge of an alias that names no mapping is reported at the merge key, not at the anchor.
    @Test(arguments: [
        ("x: &x 5\ny:\n  <<: *x\n", YAMLMark(line: 3, column: 3), "found an integer (through an alias of the value at line 1)"),
        ("x: &x 5\ny:\n  <<: [*x]\n", YAMLMark(line: 3, column: 3), "found an integer (through an alias of the value at line 1)"),
        ("y:\n  <<: 5\n", YAMLMark(line: 2, column: 7), "found an integer"),
    ])
    func aMergedAliasIsReportedAtTheMergeKey(_ text: String, _ mark: YAMLMark, _ ending: String) throws {
        let error = try #require(parseError(text))
        #expect(error.kind == .invalidMerge)
        #expect(error.mark == mark)
        #expect(error.message.hasSuffix(ending), "\(error.message)")
    }

    /// PyYAML turns 60**k into a float for each sexagesimal group: from 175 groups on it cannot
    /// (OverflowError), so the file does not load in Selinon.
    @Test func aSexagesimalFloatPyYAMLCannotBuildIsRejected() throws {
        func text(_ groups: Int) -> String { "x: " + Array(repeating: "59", count: groups).joined(separator: ":") + ".5\n" }
        #expect(parseError(text(174)) == nil)
        let error = try #require(parseError(text(175)))
        #expect(error.message.contains("has 175 sexagesimal groups: PyYAML, which Selinon reads it with, fails on it"), "\(error.message)")
    }

    @Test func tabsInQuotedTextBlockScalarsAndCommentsAreFine() throws {
        let document = try parse("a: \"x\ty\"\nb: |\n  x\ty\nc: 1 # tab\there\n")
        #expect(document.root?["a"]?.string == "x\ty")
        #expect(document.root?["b"]?.string == "x\ty\n")
        #expect(document.root?["c"]?.value == .int(.small(1)))
    }

    @Test func tabErrorPointsAtTheTab() throws {
        let error = try #require(parseError("a: 1\nb: 2\t\n"))
        #expect(error.mark == YAMLMark(line: 2, column: 5))
        #expect(error.message.contains("replace the tab with spaces"))
    }

    /// Each limit allows exactly its value: a document at the limit loads, one past it does not.
    @Test func limitsAllowExactlyTheirValue() throws {
        // 103 nodes: the mapping, its key, the list and its 100 items.
        let text = "junk: [" + (0..<100).map { "v\($0)" }.joined(separator: ", ") + "]\n"
        #expect(parseError(text, limits: .init(maxNodes: 103)) == nil)
        #expect(parseError(text, limits: .init(maxNodes: 102))?.kind == .expansionLimit)
        let size = text.utf8.count
        #expect(parseError(text, limits: .init(maxInputBytes: size)) == nil)
        #expect(parseError(text, limits: .init(maxInputBytes: size - 1))?.kind == .inputTooLarge)
        // m1 … m44 each merge the one before: 1 + 2 + … + 44 = 990 pairs copied.
        var chain = "m0: &m0 {k0: 0}\n"
        for level in 1..<45 { chain += "m\(level): &m\(level) {<<: *m\(level - 1), k\(level): \(level)}\n" }
        #expect(parseError(chain, limits: .init(maxMergedPairs: 990)) == nil)
        #expect(parseError(chain, limits: .init(maxMergedPairs: 989))?.kind == .expansionLimit)
    }

    @Test func aWalkBudgetAllowsExactlyItsLimit() throws {
        let root = try #require(try parse("a: &a [1, 2]\nb: [*a, *a]\n").root)
        var exact = YAMLWalkBudget(limit: 11)
        #expect(try walk(root, &exact) == 11)
        #expect(exact.remaining == 0)
        var short = YAMLWalkBudget(limit: 10)
        #expect(throws: YAMLError.self) { try walk(root, &short) }
    }

    /// PyYAML skips only spaces between tokens: a tab right after a quoted value is an error
    /// there (PyYAML 6.0.3: "found character '\t' that cannot start any token", line 1, column 7),
    /// while a tab in a comment is text, also in a comment that starts a line.
    @Test func aTabRightAfterAQuotedValueIsRejectedButNotInACommentLine() throws {
        let error = try #require(parseError("a: \"x\"\t\n"))
        #expect(error.mark == YAMLMark(line: 1, column: 7))
        #expect(error.message.contains("replace the tab with spaces"), "\(error.message)")
        #expect(parseError("# a\tcomment\nk: 1\n") == nil)
        #expect(parseError("k: 1\n# a\tcomment\n") == nil)
    }

    /// An encoding error is placed at the first byte of the broken character, its column counted
    /// in characters as libyaml counts the others (a two-byte 'é' takes one column).
    @Test func anEncodingErrorIsPlacedInCharacters() throws {
        func mark(_ bytes: [UInt8]) -> YAMLMark? {
            do {
                _ = try YAMLParser().parse(bytes)
                return nil
            } catch {
                return error.kind == .encoding ? error.mark : nil
            }
        }
        #expect(mark(Array("a: 1\nb: ".utf8) + [0xC3, 0x28]) == YAMLMark(line: 2, column: 4))
        #expect(mark(Array("k: éé".utf8) + [0xFF, 0x0A]) == YAMLMark(line: 1, column: 6))
    }

    @Test func bigIntegersStayExact() throws {
        let document = try parse("a: 123456789012345678901234567890\nb: -0x10000000000000000\n")
        #expect(document.root?["a"]?.value == .int(.big("123456789012345678901234567890")))
        #expect(document.root?["b"]?.value == .int(.big("-18446744073709551616")))
    }
}
