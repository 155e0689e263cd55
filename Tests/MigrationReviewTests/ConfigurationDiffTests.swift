import FlowConfig
import FlowMigration
import Foundation
import MigrationReview
import Testing
import TestSupport

struct ConfigurationDiffTests {
    static func load(nodes: String, flows: String) throws -> Configuration {
        let directory = try TemporaryDirectory()
        let nodesPath = try directory.write(nodes, to: "nodes.yml")
        let flowsPath = try directory.write(flows, to: "flows.yml")
        return try ConfigurationLoader().load(from: FileSystemConfigurationSource(nodesFile: nodesPath, flowPaths: [flowsPath])).get()
    }

    static let nodes = "tasks:\n  - {name: A, import: t}\n  - {name: B, import: t}\n  - {name: C, import: t}\nflows: [f]\n"

    @Test func formattingCommentsAndAnchorsAreNoChange() throws {
        let plain = try Self.load(nodes: Self.nodes, flows: """
            flow-definitions:
              - name: f
                edges:
                  - {from: , to: A}
                  - {from: A, to: B, condition: {name: argsFieldEqual, args: {key: k, value: 1}}}
                  - {from: B, to: C}
            """)
        let reformatted = try Self.load(nodes: Self.nodes, flows: """
            # the same flow, written differently
            _condition: &condition
              name: argsFieldEqual
              args: {value: 1, key: k}
            flow-definitions:
              - edges:
                  - to: A
                    from:
                  - from: [A]
                    to: [B]
                    condition: *condition
                  - from: B   # unchanged
                    to: C
                name: f
            """)
        let diff = ConfigurationDiff(from: plain, to: reformatted)
        #expect(diff.isEmpty, "\(diff.text)")
        #expect(!diff.needsMigration)
    }

    @Test func aRemovedFlowNeedsAMigrationAndAnAppendedStartingEdgeIsShown() throws {
        let twoFlows = "tasks:\n  - {name: A, import: t}\n  - {name: B, import: t}\n  - {name: C, import: t}\nflows: [f, g]\n"
        let both = try Self.load(nodes: twoFlows, flows: """
            flow-definitions:
              - {name: f, edges: [{from: , to: A}, {from: A, to: B}]}
              - {name: g, edges: [{from: , to: A}]}
            """)
        let withoutG = try Self.load(nodes: Self.nodes, flows: """
            flow-definitions:
              - {name: f, edges: [{from: , to: A}, {from: A, to: B}]}
            """)
        let removal = ConfigurationDiff(from: both, to: withoutG)
        #expect(removal.flowsRemoved == ["g"] && removal.flows.isEmpty)
        #expect(removal.needsMigration, "generate writes a file that fails g's in-flight flows")
        #expect(removal.text.hasSuffix("the change needs a migration: selinon-migrate check says whether one covers it, generate writes it"))

        let appended = try Self.load(nodes: Self.nodes, flows: """
            flow-definitions:
              - {name: f, edges: [{from: , to: A}, {from: A, to: B}, {from: , to: C}]}
            """)
        let start = ConfigurationDiff(from: withoutG, to: appended)
        #expect(!start.needsMigration)
        let flow = try #require(start.flows.first)
        #expect(flow.edges.map(\.change) == [.added] && flow.edges.first?.newIndex == 2)
        #expect(start.warnings.count == 1)
    }

    @Test func theOrderOfSourcesAndDestinationsIsNoChange() throws {
        // Selinon reads from and to as sets, and generate pairs them so: no change, also when renumbered.
        func flows(_ edges: [String]) -> String { "flow-definitions:\n  - name: f\n    edges:\n" + edges.map { "      - \($0)\n" }.joined() }
        let before = try Self.load(nodes: Self.nodes, flows: flows(["{from: , to: A}", "{from: A, to: [B, C]}", "{from: [B, C], to: A}"]))
        let reordered = try Self.load(nodes: Self.nodes, flows: flows(["{from: , to: A}", "{from: A, to: [C, B]}", "{from: [C, B], to: A}"]))
        let same = ConfigurationDiff(from: before, to: reordered)
        #expect(same.isEmpty, "\(same.text)")
        let moved = try Self.load(nodes: Self.nodes, flows: flows(["{from: , to: A}", "{from: [C, B], to: A}", "{from: A, to: [C, B]}"]))
        let renumbered = ConfigurationDiff(from: before, to: moved)
        #expect(renumbered.flows.first?.edges.map(\.change) == [.renumbered, .renumbered], "\(renumbered.text)")
    }

    /// A destination listed twice pairs with the edge listing it once (no migration), but starts
    /// it twice: the text says what generate warns, not "no structural change".
    @Test func aWarningWithoutAStructuralChangeIsShown() throws {
        func flows(_ to: String) -> String { "flow-definitions:\n  - name: f\n    edges:\n      - {from: , to: A}\n      - {from: A, to: \(to)}\n" }
        let once = try Self.load(nodes: Self.nodes, flows: flows("B"))
        let twice = try Self.load(nodes: Self.nodes, flows: flows("[B, B]"))
        let diff = ConfigurationDiff(from: once, to: twice)
        #expect(!diff.needsMigration && !diff.isEmpty)
        #expect(diff.warnings.count == 1)
        #expect(diff.text.contains("warnings:\n  - ") && diff.text.hasSuffix("no migration is needed"), "\(diff.text)")
        #expect(diff.markdown.contains("No migration is needed"), "\(diff.markdown)")
    }

    @Test func conditionValuesCompareAsInPythonAsGenerateComparesThem() throws {
        func configuration(_ value: String) throws -> Configuration {
            try Self.load(nodes: Self.nodes, flows: """
                flow-definitions:
                  - name: f
                    edges:
                      - {from: , to: A}
                      - {from: A, to: B, condition: {name: argsFieldEqual, args: {key: k, value: \(value)}}}
                """)
        }
        // Equal in Python (1 == True == 1.0, and PyYAML's one NaN object): no change, no warning.
        for (before, after) in [("1", "true"), ("1", "1.0"), ("[1, 2]", "[true, 2]"), (".nan", ".nan")] {
            let diff = ConfigurationDiff(from: try configuration(before), to: try configuration(after))
            #expect(diff.isEmpty && diff.warnings.isEmpty, "\(before) → \(after): \(diff.text) \(diff.warnings)")
        }
        // A date is not the string of its digits (the same JSON text), and Python compares strings
        // by code points ("café" decomposed is not "café" precomposed): changes, as generate warns.
        for (before, after) in [("2017-01-01", "'2017-01-01'"), ("'cafe\u{301}'", "'caf\u{e9}'")] {
            let diff = ConfigurationDiff(from: try configuration(before), to: try configuration(after))
            #expect(diff.flows.first?.edges.map(\.change) == [.changed], "\(before) → \(after): \(diff.text)")
            #expect(diff.warnings.count == 1, "\(diff.warnings)")
        }
    }

    @Test func aForeachThatComesOrGoesIsNamed() throws {
        let edges = """
            flow-definitions:
              - name: f
                edges:
                  - {from: , to: A}
                  - {from: A, to: B}
                  - {from: B, to: C%@}
            """
        let plain = try Self.load(nodes: Self.nodes, flows: edges.replacingOccurrences(of: "%@", with: ""))
        let iterated = try Self.load(nodes: Self.nodes, flows: edges.replacingOccurrences(
            of: "%@", with: ", foreach: {import: m, function: items}, condition: {name: argsFieldExist, args: {key: k}}"))
        let added = ConfigurationDiff(from: plain, to: iterated)
        let row = try #require(added.flows.first?.edges.first { $0.change == .changed })
        #expect(row.oldIndex == 2 && row.old?.hasForeach == false && row.new?.hasForeach == true)
        #expect(added.text.contains("always ⇒ argsFieldExist(k); foreach added"), "\(added.text)")
        let removed = ConfigurationDiff(from: iterated, to: plain)
        #expect(removed.text.contains("argsFieldExist(k) ⇒ always; foreach removed"), "\(removed.text)")
        let json = try #require(removed.flows.first?.edges.first { $0.change == .changed }?.jsonValue)
        #expect(json["old"]?["foreach"] == .bool(true) && json["new"]?["foreach"] == .bool(false))
        #expect(json["old"]?["foreach_function"] == .string("m.items") && json["new"]?["foreach_function"] == .null)
    }

    /// Only the function of a `foreach`, or only a `selective`, changed: no migration, but the
    /// edge is shown changed — in-flight flows keep what was started the old way.
    @Test func aForeachFunctionOrASelectiveThatChangedIsShown() throws {
        let nodes = "tasks:\n  - {name: A, import: t}\n  - {name: B, import: t}\n  - {name: C, import: t}\n  - {name: D, import: t}\nflows: [f, g]\n"
        func configuration(function: String, selective: String) throws -> Configuration {
            try Self.load(nodes: nodes, flows: """
                flow-definitions:
                  - name: f
                    edges:
                      - {from: , to: A}
                      - {from: A, to: B, foreach: {import: m, function: \(function)}}
                      - {from: B, to: g\(selective)}
                  - name: g
                    edges:
                      - {from: , to: C}
                      - {from: C, to: D}
                """)
        }
        let before = try configuration(function: "items", selective: "")
        let function = ConfigurationDiff(from: before, to: try configuration(function: "other_items", selective: ""))
        #expect(!function.needsMigration && !function.isEmpty)
        #expect(function.text.contains("foreach m.items ⇒ m.other_items"), "\(function.text)")
        #expect(function.markdown.contains("foreach m.items ⇒ m.other_items"), "\(function.markdown)")
        #expect(function.text.contains("warnings:"), "\(function.text)")

        let selective = ConfigurationDiff(from: before, to: try configuration(function: "items", selective: ", selective: {tasks: [D], follow_subflows: true}"))
        #expect(selective.text.contains("selective added: tasks [D], follow_subflows"), "\(selective.text)")
        let json = try #require(selective.flows.first?.edges.first?.jsonValue)
        #expect(json["new"]?["selective"] == .string("tasks [D], follow_subflows") && json["old"]?["selective"] == .null)
    }

    @Test func theExampleV1ToV2() throws {
        func configuration(_ version: Int) throws -> Configuration {
            let directory = Fixtures.repositoryRoot.appendingPathComponent("examples/package-analysis/v\(version)")
            return try ConfigurationLoader().load(from: FileSystemConfigurationSource(
                nodesFile: directory.appendingPathComponent("nodes.yml").path, flowPaths: [directory.appendingPathComponent("flows").path])).get()
        }
        let diff = ConfigurationDiff(from: try configuration(1), to: try configuration(2))
        #expect(diff.needsMigration)
        #expect(diff.flowsAdded == ["sbom_flow"])
        let package = try #require(diff.flows.first { $0.flow == "package_analysis_flow" })
        #expect(package.needsMigration)
        #expect(package.edges.map(\.change) == [.added, .renumbered, .renumbered, .renumbered, .renumbered])
        let security = try #require(diff.flows.first { $0.flow == "security_analysis_flow" })
        #expect(!security.needsMigration, "a changed condition needs no migration")
        #expect(security.edges.map(\.change) == [.changed])
        Snapshot.assertMatches(diff.text + "\n", golden: Snapshot.directory().appendingPathComponent("Goldens/diff-v1-v2.txt").path)
        Snapshot.assertMatches(diff.markdown + "\n", golden: Snapshot.directory().appendingPathComponent("Goldens/diff-v1-v2.md").path)
    }

    @Test func optionsFailuresAndTasksAreReported() throws {
        let before = try Self.load(nodes: Self.nodes, flows: """
            flow-definitions:
              - name: f
                max_retry: 1
                edges: [{from: , to: A}, {from: A, to: B}]
                failures: [{nodes: [A], fallback: [C]}]
            """)
        let after = try Self.load(nodes: Self.nodes.replacingOccurrences(of: "{name: C, import: t}", with: "{name: C, import: u, queue: q}"), flows: """
            flow-definitions:
              - name: f
                max_retry: 3
                edges: [{from: , to: A}, {from: A, to: B}]
                failures: [{nodes: [A], fallback: true}]
            """)
        let diff = ConfigurationDiff(from: before, to: after)
        let flow = try #require(diff.flows.first)
        #expect(flow.options == ["max_retry: 1 → 3"])
        #expect(flow.failures == ["failure of [A]: fallback [C] → fallback true"])
        #expect(!flow.needsMigration && !diff.needsMigration)
        #expect(diff.tasksChanged == ["C: import 't' → 'u', queue 'celery' → 'q'"], "\(diff.tasksChanged)")
    }

    @Test func aFailureThatNowPropagatesIsShown() throws {
        func configuration(_ failure: String) throws -> Configuration {
            try Self.load(nodes: Self.nodes, flows: "flow-definitions:\n  - name: f\n    edges: [{from: , to: A}, {from: A, to: B}]\n"
                + "    failures: [\(failure)]\n")
        }
        let diff = ConfigurationDiff(from: try configuration("{nodes: [A], fallback: [C]}"),
                                     to: try configuration("{nodes: [A], fallback: [C], propagate_failure: true}"))
        #expect(diff.flows.first?.failures == ["failure of [A]: fallback [C] → fallback [C], propagate_failure"], "\(diff.flows)")
    }

    /// The same letters encoded otherwise (an accent as one code point, or as a combining mark)
    /// are a change to Python, and said to be one.
    @Test func aTaskValueEncodedOtherwiseIsSaidToBe() throws {
        let flows = "flow-definitions:\n  - name: f\n    edges: [{from: , to: A}]\n"
        let before = try Self.load(nodes: Self.nodes.replacingOccurrences(of: "{name: A, import: t}", with: #"{name: A, import: t, queue: "caf\u00e9"}"#),
                                   flows: flows)
        let after = try Self.load(nodes: Self.nodes.replacingOccurrences(of: "{name: A, import: t}", with: #"{name: A, import: t, queue: "cafe\u0301"}"#),
                                  flows: flows)
        #expect(ConfigurationDiff(from: before, to: after).tasksChanged == [#"A: queue 'café' → 'cafe\u0301' (the same letters, encoded otherwise: "#
            + "an accent as one code point or as a combining mark)"])
    }

    /// A task's text values are quoted as conditions quote theirs: a value cannot pass for
    /// `none` (no value) nor spell out further changes.
    @Test func taskValuesAreQuotedSoNoValueCanPassForAnother() throws {
        let before = try Self.load(nodes: Self.nodes, flows: "flow-definitions:\n  - name: f\n    edges: [{from: , to: A}]\n")
        let after = try Self.load(nodes: Self.nodes.replacingOccurrences(
            of: "{name: A, import: t}", with: #"{name: A, import: t, output_schema: "none → pwn.json, queue celery"}"#),
                                  flows: "flow-definitions:\n  - name: f\n    edges: [{from: , to: A}]\n")
        let diff = ConfigurationDiff(from: before, to: after)
        #expect(diff.tasksChanged == ["A: output_schema none → 'none → pwn.json, queue celery'"], "\(diff.tasksChanged)")
        #expect(diff.text.split(separator: "\n").contains("  A: output_schema none → 'none → pwn.json, queue celery'"), "\(diff.text)")
    }

    @Test func optionValuesAreShownAsTheYAMLSpellsThem() throws {
        let nodes = Self.nodes.replacingOccurrences(of: "flows: [f]", with: "flows: [f, g]")
        let before = try Self.load(nodes: nodes, flows: """
            flow-definitions:
              - name: f
                propagate_node_args: [g]
                edges: [{from: , to: A}, {from: A, to: g}, {from: g, to: C}]
              - name: g
                edges: [{from: , to: B}]
            """)
        let after = try Self.load(nodes: nodes.replacingOccurrences(
            of: "{name: B, import: t}", with: "{name: B, import: t, throttling: {seconds: 30}, selective_run_function: {name: run_b, import: m}}"),
                                  flows: """
            flow-definitions:
              - name: f
                propagate_node_args: true
                propagate_finished: [g]
                throttling: {seconds: 1.5}
                sampling: {name: constant, args: {retry: 5}}
                edges: [{from: , to: A}, {from: A, to: g}, {from: g, to: C}]
              - name: g
                edges: [{from: , to: B}]
            """)
        let diff = ConfigurationDiff(from: before, to: after)
        let flow = try #require(diff.flows.first { $0.flow == "f" })
        #expect(flow.options == [
            "propagate_node_args: [g] → true",
            "propagate_finished: false → [g]",
            "sampling: biexponential_increase from selinon.strategies {\"max_retry\":120,\"start_retry\":2} → constant from selinon.strategies {\"retry\":5}",
            "throttling: none → 1.5 s",
        ])
        #expect(diff.tasksChanged == ["B: throttling none → 30 s, selective_run_function always_run from selinon.routines → run_b from m"])
        #expect(!diff.text.contains("Settings("), "\(diff.text)")
    }

    @Test func theOrderOfKeysInSamplingArgumentsIsNoChange() throws {
        func flows(_ arguments: String) -> String {
            """
            flow-definitions:
              - name: f
                sampling: {name: biexponential_increase, import: selinon.strategies, args: \(arguments)}
                cache: {name: c, import: m, configuration: \(arguments)}
                edges: [{from: , to: A}]
            """
        }
        let before = try Self.load(nodes: Self.nodes, flows: flows("{start_retry: 2, max_retry: 30}"))
        let after = try Self.load(nodes: Self.nodes, flows: flows("{max_retry: 30, start_retry: 2}"))
        #expect(ConfigurationDiff(from: before, to: after).flows.allSatisfy { $0.options.isEmpty })
        let changed = try Self.load(nodes: Self.nodes, flows: flows("{max_retry: 31, start_retry: 2}"))
        let options = ConfigurationDiff(from: before, to: changed).flows.first { $0.flow == "f" }?.options ?? []
        #expect(options.count == 2 && options.allSatisfy { $0.contains("\"max_retry\":30") && $0.contains("\"max_retry\":31") }, "\(options)")
    }

    @Test func valuesFromTheConfigurationAreShownSafely() throws {
        // A terminal escape and a tab in a condition value, and a NaN, which JSON lacks. (A line
        // break there would stop Selinon's workers: the configuration would not load.)
        let before = try Self.load(nodes: Self.nodes, flows: """
            flow-definitions:
              - name: f
                edges: [{from: , to: A}, {from: A, to: B, condition: {name: argsFieldEqual, args: {key: k, value: 1}}}]
            """)
        let after = try Self.load(nodes: Self.nodes, flows: """
            flow-definitions:
              - name: f
                edges:
                  - {from: , to: A}
                  - {from: A, to: B, condition: {name: argsFieldEqual, args: {key: k, value: "\\e[31mred\\tline"}}}
                  - {from: A, to: C, condition: {name: argsFieldEqual, args: {key: k, value: .nan}}}
            """)
        let diff = ConfigurationDiff(from: before, to: after)
        #expect(diff.text.contains("argsFieldEqual(k == '\\x1b[31mred\\tline')"), "\(diff.text)")
        #expect(!diff.text.contains("\u{1B}") && !diff.markdown.contains("\u{1B}"))
        let json = String(decoding: JSONWriter.compact(diff.jsonValue), as: UTF8.self)
        #expect(json.contains(#""value":"NaN""#), "\(json)")
        #expect(try JSONSerialization.jsonObject(with: Data(json.utf8)) is [String: Any])
    }
}
