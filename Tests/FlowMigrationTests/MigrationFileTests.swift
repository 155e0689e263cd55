import FlowMigration
import Foundation
import Testing
import TestSupport

struct MigrationFileTests {
    static let valid = """
        {
          "migration": {
            "ingest": {
              "tainted_edges": {"2": {"condition_str": {"name": "alwaysTrue"}, "from": ["Parse"], "to": ["Store"]}},
              "tainting_nodes": {"3": ["Parse", "Audit"]},
              "translation": {"2": null, "3": 4}
            }
          },
          "tainted_flow_strategy": "retry",
          "_meta": {"host": "ci", "selinon_version": "1.4.0"}
        }
        """

    @Test func readsSelinonsFormat() throws {
        let migration = try Migration(selinonJSON: Array(Self.valid.utf8), file: "1.json")
        #expect(migration.strategy == .retry)
        let entry = try #require(migration.flows["ingest"])
        #expect(entry.translation == [2: nil, 3: 4])
        #expect(entry.taintedEdges[2] == TaintedEdge(from: ["Parse"], to: ["Store"], condition: .object(["name": .string("alwaysTrue")])))
        #expect(entry.taintingNodes == [3: ["Audit", "Parse"]], "node sets are kept sorted")
        #expect(migration.metadata?["host"] == .string("ci"))
    }

    @Test func writesCanonicalBytesThatReadBackTheSame() throws {
        let migration = try Migration(selinonJSON: Array(Self.valid.utf8), file: "1.json")
        let bytes = migration.selinonJSON()
        let expected = """
            {
              "_meta": {
                "host": "ci",
                "selinon_version": "1.4.0"
              },
              "migration": {
                "ingest": {
                  "tainted_edges": {
                    "2": {
                      "condition_str": {
                        "name": "alwaysTrue"
                      },
                      "from": [
                        "Parse"
                      ],
                      "to": [
                        "Store"
                      ]
                    }
                  },
                  "tainting_nodes": {
                    "3": [
                      "Audit",
                      "Parse"
                    ]
                  },
                  "translation": {
                    "2": null,
                    "3": 4
                  }
                }
              },
              "tainted_flow_strategy": "RETRY"
            }

            """
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        let reread = try Migration(selinonJSON: bytes, file: "1.json")
        #expect(reread.selinonJSON() == bytes)
        #expect(reread.hasSameEffect(as: migration))
    }

    @Test func writesTheBytesOfItsJSONValue() throws {
        // selinonJSON() writes straight from the entries; it must give exactly what writing the
        // JSON value gives: keys in text order ("10" before "9"), empty maps, names needing
        // escapes and sorting, with and without _meta.
        var flows: [String: EdgeMigration] = [:]
        for (number, name) in ["ingest", "Ingest", "flow \"quoted\"", "f\u{e9}ed", "z"].enumerated() {
            var entry = EdgeMigration()
            for old in 0..<(12 + number) where old % 3 != 1 { entry.translation[old] = old % 4 == 0 ? nil : old + 1 }
            if number != 2 {
                entry.taintedEdges[9] = TaintedEdge(from: ["b", "A"], to: ["C\n"], condition: .object([
                    "name": .string("fieldEqual"), "args": .object(["key": .array([.string("x"), .number(JSONNumber(3))]), "value": .bool(true)]),
                ]))
                entry.taintedEdges[10] = TaintedEdge(from: [], to: ["Start"], condition: .object(["name": .string("alwaysTrue")]))
            }
            if number != 3 { entry.taintingNodes[11] = ["Parse", "Audit", "audit"]; entry.taintingNodes[2] = ["X"] }
            flows[name] = entry
        }
        flows["only-translation"] = EdgeMigration(translation: [0: 1])
        for metadata: JSONValue? in [nil, .object(["tool": .object(["name": .string("selinon-migrate")]), "warnings": .array([])])] {
            for strategy in [TaintedFlowStrategy.ignore, .retry, .fail] {
                let migration = Migration(flows: flows, strategy: strategy, metadata: metadata)
                #expect(migration.selinonJSON() == JSONWriter.pretty(migration.jsonValue))
            }
        }
        let empty = Migration(flows: [:], strategy: .ignore, metadata: nil)
        #expect(String(decoding: empty.selinonJSON(), as: UTF8.self) == "{\n  \"migration\": {},\n  \"tainted_flow_strategy\": \"IGNORE\"\n}\n")
    }

    @Test(arguments: [
        ("{\"migration\": {}}", 1 as Int?, "'tainted_flow_strategy' is missing (Selinon would fail with KeyError at runtime)"),
        ("{\"migration\": {}, \"tainted_flow_strategy\": \"PANIC\"}", 1, "unknown tainted_flow_strategy \"PANIC\""),
        ("{\"tainted_flow_strategy\": \"FAIL\"}", 1, "'migration' is missing"),
        ("{\"migration\": {}, \"tainted_flow_strategy\": \"FAIL\", \"comment\": 1}", 1, "unknown top-level key 'comment'"),
        ("{\"migration\": {\"f\": {\"translation\": {}, \"tainted_edges\": [], \"tainting_nodes\": {}}},\n\"tainted_flow_strategy\": \"FAIL\"}", 1,
         "'tainted_edges' of flow 'f' must be an object keyed by edge index, found an array (Selinon's legacy list form, which its runtime cannot use)"),
        ("{\"migration\": {\"f\": {\"translation\": {\"01\": 2}, \"tainted_edges\": {}, \"tainting_nodes\": {}}},\n\"tainted_flow_strategy\": \"FAIL\"}", 1,
         "'01' in 'translation' of flow 'f' is not an edge index"),
        ("{\"migration\": {\"f\": {\n\"translation\": {\"1\": -2},\n\"tainted_edges\": {}, \"tainting_nodes\": {}}},\n\"tainted_flow_strategy\": \"FAIL\"}", 2,
         "translation of edge 1 in flow 'f' must be a new edge index or null, found -2"),
        ("{\"migration\": {\"f\": {\"translation\": {}, \"tainted_edges\": {}}}, \"tainted_flow_strategy\": \"FAIL\"}", 1,
         "the entry of flow 'f' has no 'tainting_nodes'"),
        ("{\"migration\": {\"f\": {\"translation\": {}, \"tainted_edges\": {}, \"tainting_nodes\": {\"1\": []}}}, \"tainted_flow_strategy\": \"FAIL\"}", 1,
         "tainting nodes of edge 1 in flow 'f' must be a non-empty list of node names"),
        ("{\"migration\": {\"f\": {\"translation\": {}, \"tainted_edges\": {\"1\": {\"from\": [], \"to\": [\"A\"]}}, \"tainting_nodes\": {}}}, \"tainted_flow_strategy\": \"FAIL\"}", 1,
         "tainted edge 1 of flow 'f' needs 'from' and 'to' (lists of node names) and 'condition_str' (an object)"),
        ("{\"migration\": {}, \"tainted_flow_strategy\": \"FAIL\"", 1, "not valid JSON: unexpected end of the JSON text inside an object"),
        // Selinon's json.load keeps the later value; a generated file never repeats a key, so an edit did.
        ("{\"migration\": {\"f\": {\"translation\": {\"2\": null,\n\"2\": 3}, \"tainted_edges\": {}, \"tainting_nodes\": {}}},\n\"tainted_flow_strategy\": \"FAIL\"}", 2,
         "not valid JSON: the key '2' appears twice in one object"),
    ])
    func rejectsMalformedFiles(_ text: String, _ line: Int?, _ message: String) throws {
        try expectRejected(text, line, message)
    }

    /// Selinon's generator writes the false `from` of a starting edge (`from: no`) as a source
    /// (D-21): refused as any other non-name, with a hint that says where it comes from.
    @Test(arguments: ["[false]", "[0]"]) func selinonsFalseSourceIsNamedAsSelinons(_ sources: String) throws {
        let text = "{\"migration\": {\"f\": {\"translation\": {\"0\": null}, \"tainted_edges\": {\"0\": {\"from\": [], \"to\": [\"A\"], "
            + "\"condition_str\": {\"name\": \"alwaysTrue\"}}}, \"tainting_nodes\": {\"0\": \(sources)}}}, \"tainted_flow_strategy\": \"RETRY\"}"
        let error = #expect(throws: MigrationFileError.self) { try Migration(selinonJSON: Array(text.utf8), file: "1.json") }
        #expect(error?.message == "tainting nodes of edge 0 in flow 'f' must be a non-empty list of node names")
        #expect(error?.hint.hasPrefix("Selinon's own generator writes this for a starting edge whose `from` is a false value") == true,
                "\(error?.hint ?? "")")
        let named = #expect(throws: MigrationFileError.self) {
            try Migration(selinonJSON: Array(text.replacingOccurrences(of: sources, with: "[true]").utf8), file: "1.json")
        }
        #expect(named?.hint.hasPrefix("a migration is generated, not edited: undo the edit, or generate it again — for the commit REV "
            + "whose change it migrates, selinon-migrate generate --dry-run --from REV~1 --to REV") == true, "\(named?.hint ?? "")")
    }

    /// An empty legacy list has an obvious equivalent: the hint names it.
    @Test func anEmptyLegacyListSaysWhatToWriteInstead() throws {
        let text = "{\"migration\": {\"f\": {\"translation\": {\"0\": 1, \"1\": 0}, \"tainted_edges\": [], \"tainting_nodes\": {}}}, "
            + "\"tainted_flow_strategy\": \"RETRY\"}"
        let error = #expect(throws: MigrationFileError.self) { try Migration(selinonJSON: Array(text.utf8), file: "1.json") }
        #expect(error?.hint == "write {} in place of [] (both say: none), then run selinon-migrate rehash")
    }

    /// A file whose flow entries and `_meta.edge_counts` are each well formed, with `edit` in
    /// the middle — `_meta` records 5 old and 4 new edges for flow 'f'.
    static func withCounts(translation: String = "\"2\": null, \"3\": 2, \"4\": 3",
                           taintedEdges: String = "\"2\": {\"from\": [\"A\"], \"to\": [\"B\"], \"condition_str\": {\"name\": \"alwaysTrue\"}}",
                           taintingNodes: String = "",
                           counts: String = "{\"f\": {\"old\": 5, \"new\": 4}, \"gone\": {\"old\": 2}}") -> String {
        """
        {"migration": {"f": {
        "translation": {\(translation)},
        "tainted_edges": {\(taintedEdges)},
        "tainting_nodes": {\(taintingNodes)}}},
        "tainted_flow_strategy": "FAIL",
        "_meta": {"host": "ci",
        "edge_counts": \(counts)}}
        """
    }

    @Test func edgeCountsInMetaAreCheckedAndEveryIndexMustFitThem() throws {
        #expect(throws: Never.self) { try Migration(selinonJSON: Array(Self.withCounts().utf8), file: "3.json") }
        let tainted = "\"2\": {\"from\": [\"A\"], \"to\": [\"B\"], \"condition_str\": {\"name\": \"alwaysTrue\"}}"
        for (text, line, message) in [
            (Self.withCounts(translation: "\"2\": null, \"3\": 1000, \"4\": 3"), 2,
             "translation moves edge 3 to edge 1000, but flow 'f' has 4 edges after this migration (_meta.edge_counts)"),
            (Self.withCounts(translation: "\"2\": null, \"7\": 2"), 2,
             "translation names edge 7 of flow 'f', which has 5 edges before this migration (_meta.edge_counts)"),
            (Self.withCounts(taintedEdges: tainted.replacingOccurrences(of: "\"2\"", with: "\"99\"")), 3,
             "tainted edge 99 of flow 'f' is not translated to null: a tainted edge is one the new configuration no longer has"),
            (Self.withCounts(taintedEdges: tainted.replacingOccurrences(of: "\"2\"", with: "\"3\"")), 3,
             "tainted edge 3 of flow 'f' is not translated to null: a tainted edge is one the new configuration no longer has"),
            (Self.withCounts(taintedEdges: ""), 2,
             "edge 2 of flow 'f' is translated to null (removed), but tainted_edges does not list it: a flow that already ran it would go on untainted"),
            (Self.withCounts(translation: "\"2\": null, \"3\": 1, \"4\": 3"), 2,
             "edge 1 of flow 'f' keeps its index (it is not in translation), but translation also moves edge 3 there"),
            (Self.withCounts(taintingNodes: "\"2\": [\"A\"]"), 4,
             "new edge 2 of flow 'f' is in tainting_nodes (an added edge), but translation also moves old edge 3 there (a kept edge)"),
            (Self.withCounts(taintingNodes: "\"1\": [\"A\"]"), 4,
             "new edge 1 of flow 'f' is in tainting_nodes (an added edge), but old edge 1 keeps that index (it is not in translation)"),
            (Self.withCounts(translation: "\"2\": null, \"3\": 2, \"4\": 3, \"1099511627775\": 4"), 2,
             "edge index 1099511627775 in 'translation' of flow 'f' is beyond the 1000000 edges a flow may have: the file is damaged"),
            (Self.withCounts(translation: "\"2\": null, \"3\": 5000000"), 2,
             "edge 3 of flow 'f' translated to edge 5000000 is beyond the 1000000 edges a flow may have: the file is damaged"),
            (Self.withCounts(counts: "{\"f\": {\"old\": 5, \"new\": 1000001}}"), 7,
             "the new edge count 1000001 of flow 'f' in _meta is beyond the 1000000 edges a flow may have: the file is damaged"),
            (Self.withCounts(taintingNodes: "\"4\": [\"A\"]"), 4,
             "tainting_nodes names new edge 4, but flow 'f' has 4 edges after this migration (_meta.edge_counts)"),
            (Self.withCounts(translation: "\"3\": null", taintedEdges: tainted.replacingOccurrences(of: "\"2\"", with: "\"3\"")), 2,
             "edge 4 keeps its index (it is not in translation), but flow 'f' has 4 edges after this migration (_meta.edge_counts)"),
            (Self.withCounts(counts: "{\"f\": {\"old\": \"5\", \"new\": 4}}"), 7,
             "the old edge count of flow 'f' in _meta must be a whole number of edges, found \"5\""),
            (Self.withCounts(counts: "{\"f\": {\"old\": 5, \"new\": -4}}"), 7,
             "the new edge count of flow 'f' in _meta must be a whole number of edges, found -4"),
            (Self.withCounts(counts: "{\"f\": {\"old\": 5, \"nu\": 4}}"), 7,
             "unknown key 'nu' in the edge counts of flow 'f' in _meta (only 'old' and 'new')"),
            (Self.withCounts(counts: "{\"f\": {\"old\": 5, \"new\": 4}, \"g\": {\"old\": 3, \"new\": 2}}"), 7,
             "flow 'g' has no entry in 'migration', so its edges keep their indices, but it has 2 edges after this migration, "
                + "3 before (_meta.edge_counts): edge 2 would point past its last edge"),
            (Self.withCounts(counts: "{\"f\": {\"old\": 5}}"), 1,
             "flow 'f' has an entry, but _meta.edge_counts does not give its old and new edge counts"),
            (Self.withCounts(counts: "\"x\""), 7,
             "'_meta.edge_counts' must be an object (flow → {\"old\": N, \"new\": N}), found a string"),
            (Self.withCounts(counts: "{\"f\": 4}"), 7,
             "edge counts of flow 'f' in _meta must be an object with 'old' and/or 'new', found 4"),
            ("{\"migration\": {}, \"tainted_flow_strategy\": \"FAIL\",\n\"_meta\": 5}", 2, "'_meta' must be an object, found a number"),
            ("{\"migration\": {}, \"tainted_flow_strategy\": \"FAIL\",\n\"_meta\": {\"digests\": \"x\"}}", 2,
             "'_meta.digests' must be an object with the 'old' and 'new' structure digests (sha256: and 64 hex digits), found \"x\""),
        ] {
            try expectRejected(text, line, message)
        }
        // Without edge counts (Selinon's own files), the indices cannot be checked and are taken as they are.
        #expect(throws: Never.self) {
            try Migration(selinonJSON: Array(Self.withCounts(translation: "\"3\": 1000", taintedEdges: "").replacingOccurrences(of: "\"edge_counts\"", with: "\"user\"").utf8),
                          file: "3.json")
        }
    }

    private func expectRejected(_ text: String, _ line: Int?, _ message: String) throws {
        let error = #expect(throws: MigrationFileError.self) { try Migration(selinonJSON: Array(text.utf8), file: "migrations/3.json") }
        #expect(error?.message == message)
        #expect(error?.line == line)
        #expect(error?.file == "migrations/3.json")
        #expect(error?.hint.isEmpty == false)
    }
}

struct MigrationDirectoryTests {
    static let empty = "{\"migration\": {}, \"tainted_flow_strategy\": \"IGNORE\"}"

    /// A migration of flow 'f' from `old` to `new` edges (one edge added at the end, when more)
    /// whose `_meta` records the counts of 'f' and 'g' and the digest it starts from.
    static func file(f old: Int, _ new: Int, g: Int? = 3, from digest: Character) -> String {
        let added = new > old ? "\"\(new - 1)\": [\"A\"]" : ""
        let counts = "\"f\": {\"old\": \(old), \"new\": \(new)}" + (g.map { ", \"g\": {\"old\": \($0), \"new\": \($0)}" } ?? "")
        return """
            {"migration": {"f": {"translation": {}, "tainted_edges": {}, "tainting_nodes": {\(added)}}},
            "tainted_flow_strategy": "IGNORE",
            "_meta": {"digests": {"old": "sha256:\(String(repeating: digest, count: 64))"},
            "edge_counts": {\(counts)}}}
            """
    }

    /// Files that cannot follow each other, as their `_meta` tells, are refused; more edges or
    /// flows in the later one are changes that needed no migration.
    @Test func consecutiveFilesMustFollowEachOther() throws {
        func problems(_ first: String, _ second: String) throws -> [MigrationFileError] {
            let directory = try TemporaryDirectory()
            try directory.write(first, to: "m/1.json")
            try directory.write(second, to: "m/2.json")
            do {
                _ = try MigrationDirectory.load(from: directory.path("m"))
                return []
            } catch {
                return error.problems.map { MigrationFileError(file: ($0.file as NSString).lastPathComponent, line: $0.line, column: $0.column,
                                                               message: $0.message, hint: $0.hint) }
            }
        }
        // Edges and flows added between the two (no migration needed): fine.
        #expect(try problems(Self.file(f: 4, 5, from: "a"), Self.file(f: 6, 7, g: 3, from: "b")).isEmpty)
        #expect(try problems(Self.file(f: 4, 5, g: nil, from: "a"), Self.file(f: 5, 6, g: 3, from: "b")).isEmpty)

        let fewer = try problems(Self.file(f: 4, 5, from: "a"), Self.file(f: 4, 5, from: "b"))
        #expect(fewer.map(\.message) == ["1.json leaves flow 'f' with 5 edges, but 2.json starts it with 4 edges (_meta.edge_counts): "
            + "edges and flows go away only through a migration, so 2.json was not generated on top of 1.json"])
        #expect(fewer.first?.file == "2.json" && fewer.first?.line == 4 && fewer.first?.column == 17, "where the flow's counts start")
        #expect(fewer.first?.hint.contains("generate it again on top of 1.json") == true)

        let gone = try problems(Self.file(f: 4, 5, from: "a"), Self.file(f: 5, 6, g: nil, from: "b"))
        #expect(gone.map(\.message) == ["1.json leaves flow 'g' with 3 edges, but 2.json does not have it (_meta.edge_counts): "
            + "edges and flows go away only through a migration, so 2.json was not generated on top of 1.json"])

        let copied = try problems(Self.file(f: 4, 5, from: "a"), Self.file(f: 4, 5, from: "a"))
        #expect(copied.map(\.message) == ["2.json migrates from the same configuration as 1.json (equal _meta.digests.old): it was "
            + "generated before 1.json existed (on another branch) or copied from it, so it does not follow it"])
        #expect(copied.first?.line == 3)

        // Files without _meta (Selinon's) are not judged.
        #expect(try problems(Self.empty, Self.empty).isEmpty)
    }

    @Test func readsContiguousVersionsAndIgnoresOtherFiles() throws {
        let directory = try TemporaryDirectory()
        for version in 1...3 { try directory.write(Self.empty, to: "m/\(version).json") }
        try directory.write("h1:abc", to: "m/migrations.sum")
        try directory.write("{broken", to: "m/.4.json.tmp")
        let loaded = try MigrationDirectory.load(from: directory.path("m"))
        #expect(loaded.latestVersion == 3)
        #expect(loaded.files.map(\.version) == [1, 2, 3])
        #expect(loaded.nextFilePath == directory.path("m/4.json"))
    }

    @Test func rejectsGapsOddNamesAndBrokenFilesAllAtOnce() throws {
        let directory = try TemporaryDirectory()
        try directory.write(Self.empty, to: "m/1.json")
        try directory.write("{", to: "m/2.json")
        try directory.write(Self.empty, to: "m/4.json")
        try directory.write(Self.empty, to: "m/05.json")
        try directory.write(Self.empty, to: "m/notes.json")
        let error = #expect(throws: MigrationDirectoryError.self) { try MigrationDirectory.load(from: directory.path("m")) }
        let messages = error?.problems.map(\.message) ?? []
        #expect(messages == [
            "'05.json' is not a canonical migration file name",
            "'notes.json' is not a migration file",
            "migration 3.json missing before 4.json",
            "not valid JSON: expected a string key",
        ])
        #expect(error?.problems.last?.file == directory.path("m/2.json"))
        #expect(error?.problems.last?.line == 1 && error?.problems.last?.column == 2)
        // What loggers print (localizedDescription) is the description, not Foundation's placeholder.
        #expect(error?.localizedDescription == error?.description)
        #expect(error?.problems.last?.description.hasPrefix(directory.path("m/2.json") + ":1:2: error: not valid JSON") == true)
        #expect(error?.problems.first?.hint == "migration files are named 1.json, 2.json, … without leading zeros or signs; rename it")
        // Numbering starts at 1: a 0.json is no migration (with it, the directory would skip a version).
        let zero = try TemporaryDirectory()
        try zero.write(Self.empty, to: "m/0.json")
        try zero.write(Self.empty, to: "m/1.json")
        let zeroError = #expect(throws: MigrationDirectoryError.self) { try MigrationDirectory.load(from: zero.path("m")) }
        #expect(zeroError?.problems.map(\.file) == [zero.path("m/0.json")], "\(String(describing: zeroError))")
        // Renaming `01.json` would replace `1.json`: the hint says so instead.
        try directory.write(Self.empty, to: "m/01.json")
        let taken = #expect(throws: MigrationDirectoryError.self) { try MigrationDirectory.load(from: directory.path("m")) }
        #expect(taken?.problems.first?.hint == "migration files are named 1.json, 2.json, … without leading zeros or signs, and 1.json "
            + "exists: remove 01.json unless it is to replace 1.json (a migration that may have been applied must not change)")
    }

    /// `2.JSON` is read by nobody (Selinon's workers take `*.json`): every command that reads the
    /// directory refuses it rather than leave it out (rehash would drop its hash, generate write 2.json).
    @Test func aMigrationNamedInUpperCaseIsRefused() throws {
        let directory = try TemporaryDirectory()
        try directory.write(Self.empty, to: "m/1.json")
        try directory.write(Self.empty, to: "m/2.JSON")
        let error = #expect(throws: MigrationDirectoryError.self) { try MigrationDirectory.load(from: directory.path("m")) }
        #expect(error?.problems.map(\.message) == [
            "'2.JSON' is not read as a migration, by Selinon's workers nor by this tool: names end in .json, in lower case",
        ])
        #expect(error?.problems.first?.hint.hasPrefix("if it is a migration, rename it to 2.json") == true)
    }

    /// A stray file numbered like a date (or the largest integer) is one gap, named by its
    /// ends — not millions of missing names, nor an overflow.
    @Test func aFileNumberedFarBeyondTheOthersIsOneGap() throws {
        let directory = try TemporaryDirectory()
        for name in ["1", "2", "4", "20261201", "9223372036854775807"] { try directory.write(Self.empty, to: "m/\(name).json") }
        let error = #expect(throws: MigrationDirectoryError.self) { try MigrationDirectory.load(from: directory.path("m")) }
        #expect(error?.problems.map(\.message) == [
            "9223372036854775802 migrations 3.json, 5.json … 20261200.json, 20261202.json … 9223372036854775806.json "
                + "missing before 9223372036854775807.json",
        ])
        #expect(error?.problems.first?.hint.contains("9223372036854775807.json is numbered far beyond the others") == true)
    }

    @Test func missingDirectoryIsEmptyOnlyWhenAllowed() throws {
        let directory = try TemporaryDirectory()
        #expect(try MigrationDirectory.load(from: directory.path("none"), allowMissing: true).latestVersion == 0)
        let error = #expect(throws: MigrationDirectoryError.self) { try MigrationDirectory.load(from: directory.path("none")) }
        #expect(error?.problems.first?.message == "the migration directory does not exist")
        #expect(error?.isMissing == true && error?.isReadFailure == false)
        // A link to nothing (an unmounted volume) is missing too; a file is not.
        try FileManager.default.createSymbolicLink(atPath: directory.path("link"), withDestinationPath: directory.path("unmounted"))
        #expect((#expect(throws: MigrationDirectoryError.self) { try MigrationDirectory.load(from: directory.path("link")) })?.isMissing == true)
        try directory.write("", to: "file")
        #expect((#expect(throws: MigrationDirectoryError.self) { try MigrationDirectory.load(from: directory.path("file")) })?.isMissing == false)
    }

    @Test func whatIsNamedLikeAMigrationButCannotBeReadSaysWhy() throws {
        let directory = try TemporaryDirectory()
        try directory.write(MigrationDirectoryTests.empty, to: "m/1.json")
        try FileManager.default.createDirectory(atPath: directory.path("m/2.json"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: directory.path("m/3.json"), withDestinationPath: "3.json")  // a loop
        try FileManager.default.createSymbolicLink(atPath: directory.path("m/4.json"), withDestinationPath: "/nonexistent/4.json")
        let error = #expect(throws: MigrationDirectoryError.self) { try MigrationDirectory.load(from: directory.path("m")) }
        #expect(error?.problems.map(\.message) == ["this is a directory, named like a migration file",
                                                   "this is a symbolic link to 3.json, which leads into a loop of links",
                                                   "this is a symbolic link to /nonexistent/4.json, which does not exist"])
        #expect(error?.isReadFailure == false, "what is in the directory, not a failure to read it")
        #expect(error?.problems.allSatisfy { !$0.hint.isEmpty } == true)
    }

    /// Only canonical names give a version: what `filePath(version:in:)` writes, and what every
    /// reader of a directory, a sum or a git tree counts as a migration.
    @Test(arguments: [("1.json", 1), ("12.json", 12), ("0.json", nil), ("01.json", nil), ("+1.json", nil), ("-1.json", nil),
                      ("1.JSON", nil), ("notes.json", nil), ("1.json.tmp", nil), (".json", nil)] as [(String, Int?)])
    func versionsComeFromCanonicalNamesOnly(_ name: String, _ version: Int?) {
        #expect(MigrationDirectory.version(ofFileName: name) == version)
    }
}

struct MigrationFileConflictTests {
    @Test func mergeConflictMarkersAreNamedAsSuch() {
        let text = "<<<<<<< HEAD\n{\"migration\": {}, \"tainted_flow_strategy\": \"IGNORE\"}\n=======\n{\"migration\": {}, \"tainted_flow_strategy\": \"FAIL\"}\n>>>>>>> main\n"
        let error = #expect(throws: MigrationFileError.self) { try Migration(selinonJSON: Array(text.utf8), file: "m/2.json") }
        #expect(error?.line == 1)
        #expect(error?.message == "has git merge conflict markers: two branches changed or added this migration")
        #expect(error?.hint.contains("selinon-migrate rebase --onto") == true)
        // Ordinary broken JSON keeps its own message.
        let broken = #expect(throws: MigrationFileError.self) { try Migration(selinonJSON: Array("{\"migration\": ".utf8), file: "m/2.json") }
        #expect(broken?.message.hasPrefix("not valid JSON") == true)
    }
}

