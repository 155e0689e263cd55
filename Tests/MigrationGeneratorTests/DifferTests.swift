import FlowConfig
import FlowMigration
import Foundation
import MigrationGenerator
import Testing

/// Where the differ is correct and Selinon is not (spec §5), and its warnings.
struct DifferTests {
    @Test func pureReorderIsAMigration() throws {
        // D-3: Selinon reports "no migration needed" and leaves in-flight indices stale.
        let old = try TestConfiguration.make(["flow1": ["> A", "A > B", "A > C"]])
        let new = try TestConfiguration.make(["flow1": ["> A", "A > C", "A > B"]])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        #expect(plan.migration.flows["flow1"] == EdgeMigration(translation: [1: 2, 2: 1]))
        #expect(plan.flowChanges.map(\.summary) == ["flow1: 2 edges renumbered"])
    }

    /// The flows files remove and add (their `_meta.edge_counts`) compared with a plan's: what
    /// `check` and `verify --git` use to refuse a file generated from another configuration.
    @Test func presenceMismatchNamesFlowsRemovedOrAddedDifferently() throws {
        let old = try TestConfiguration.make(["flow1": ["> A"], "echo": ["> E"]])
        let plan = MigrationDiffer().plan(from: old, to: try TestConfiguration.make(["flow1": ["> A", "A > B"], "echo": ["> E"]]),
                                          strategy: .ignore)
        func counts(_ entries: [String: [String: Int]]) -> Migration {
            Migration(flows: [:], strategy: .ignore, metadata: .object(["edge_counts": .object(entries.mapValues { sides in
                .object(sides.mapValues { .number(JSONNumber($0)) })
            })]))
        }
        #expect(plan.presenceMismatch(with: [counts(["flow1": ["old": 1, "new": 2], "echo": ["old": 1, "new": 1]])]) == nil)
        #expect(plan.presenceMismatch(with: [counts(["flow1": ["old": 1, "new": 2], "echo": ["old": 1]])])
                == "it removes 'echo', which this change does not remove")
        #expect(plan.presenceMismatch(with: [counts(["flow1": ["old": 1, "new": 2], "echo": ["new": 1]])])
                == "it adds 'echo', which this change does not add")
        // Removed by one file, added back by the next: no net change.
        #expect(plan.presenceMismatch(with: [counts(["echo": ["old": 1]]), counts(["echo": ["new": 1]])]) == nil)
        // Files without counts are not judged.
        #expect(plan.presenceMismatch(with: [Migration(flows: [:], strategy: .ignore)]) == nil)
    }

    @Test func unchangedFlowsAreNeverRecorded() throws {
        // D-3 (ii): Selinon records empty entries for flows processed after a changed one.
        let old = try TestConfiguration.make(["a_flow": ["> A", "A > B"], "b_flow": ["> A"]])
        let new = try TestConfiguration.make(["a_flow": ["> A", "A > C"], "b_flow": ["> A"]])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        #expect(plan.migration.flows.keys.sorted() == ["a_flow"])
    }

    @Test func duplicateEdgesArePairedByConditionFirst() throws {
        // D-5: Selinon pairs old "A > B if x" with new "A > B if y" and reports the surviving
        // y-edge as tainted.
        let old = try TestConfiguration.make(["flow1": ["> A", "A > B | argsFieldExist:x", "A > B | argsFieldExist:y"]])
        let new = try TestConfiguration.make(["flow1": ["> A", "A > B | argsFieldExist:y"]])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        let entry = try #require(plan.migration.flows["flow1"])
        #expect(entry.taintedEdges.keys.sorted() == [1])
        #expect(entry.translation == [1: nil, 2: 1])
        #expect(entry.taintedEdges[1]?.condition["args"]?["key"] == .string("x"))
        #expect(plan.warnings.isEmpty)
    }

    /// Timestamps compare as Python compares the datetimes PyYAML builds: aware ones by their
    /// instant, whatever their UTC offset; a naive one never equals an aware one.
    @Test func timestampsInConditionsPairAsPythonComparesThem() throws {
        let old = try TestConfiguration.make(["flow1": ["> A", "A > B | argsFieldExist:legacy",
                                                        "A > B | argsFieldEqual:since, value: 2001-12-14t21:59:43-05:00"]])
        let sameInstant = try TestConfiguration.make(["flow1": ["> A", "A > B | argsFieldEqual:since, value: 2001-12-15t02:59:43Z"]])
        let plan = MigrationDiffer().plan(from: old, to: sameInstant, strategy: .ignore)
        let entry = try #require(plan.migration.flows["flow1"])
        #expect(entry.translation == [1: nil, 2: 1])
        #expect(entry.taintedEdges.keys.sorted() == [1])
        #expect(plan.warnings.isEmpty, "\(plan.warnings)")
        // The same wall-clock time without an offset is another value: the edges pair by shape.
        let naive = try TestConfiguration.make(["flow1": ["> A", "A > B | argsFieldEqual:since, value: 2001-12-15 02:59:43"]])
        let naivePlan = MigrationDiffer().plan(from: old, to: naive, strategy: .ignore)
        #expect(naivePlan.migration.flows["flow1"]?.translation == [2: nil], "D-5's pairing by index, as Selinon")
    }

    /// `to: [D, D]` starts D twice: listing it once is no migration (the same destination set),
    /// but a change for flows that already fired the edge; reordering the list is none.
    @Test func aDestinationListedAnotherNumberOfTimesWarns() throws {
        let old = try TestConfiguration.make(["flow1": ["> A", "A > D, D", "A > B, C"]])
        let new = try TestConfiguration.make(["flow1": ["> A", "A > D", "A > C, B"]])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        #expect(!plan.isNeeded)
        #expect(plan.warnings.map(\.kind) == [.destinationRepeatsChanged])
        #expect(plan.warnings.first?.message.hasPrefix("'to' of edge 1 (A → D) of flow 'flow1' lists a destination another number of times "
            + "([D, D] ⇒ [D])") == true, "\(plan.warnings)")
        // As many destinations as before, one of them now repeated instead of another.
        let swapped = try TestConfiguration.make(["flow1": ["> A", "A > D, D, C", "A > B, C"]])
        let swappedPlan = MigrationDiffer().plan(from: swapped, to: try TestConfiguration.make(["flow1": ["> A", "A > D, C, C", "A > B, C"]]),
                                                 strategy: .ignore)
        #expect(!swappedPlan.isNeeded)
        #expect(swappedPlan.warnings.map(\.kind) == [.destinationRepeatsChanged], "\(swappedPlan.warnings)")
    }

    /// A selective run's task list is a set to Selinon: reordering it is no change.
    @Test func aSelectiveRunsOrderIsNoChange() throws {
        func configuration(_ tasks: String) throws -> Configuration {
            let nodes = "tasks: [{name: A, import: t}, {name: B, import: t}, {name: C, import: t}]\nflows: [main, sub]\n"
            let flows = """
                flow-definitions:
                  - name: main
                    edges:
                      - {from: , to: C}
                      - {from: C, to: sub, selective: {tasks: \(tasks)}}
                  - name: sub
                    edges:
                      - {from: , to: A}
                      - {from: A, to: B}
                """
            return try TestConfiguration.load(nodes: nodes, flows: flows)
        }
        let reordered = MigrationDiffer().plan(from: try configuration("[A, B]"), to: try configuration("[B, A]"), strategy: .ignore)
        #expect(reordered.warnings.isEmpty, "\(reordered.warnings)")
        let changed = MigrationDiffer().plan(from: try configuration("[A, B]"), to: try configuration("[B]"), strategy: .ignore)
        #expect(changed.warnings.map(\.kind) == [.selectiveChanged])
    }

    @Test func conditionOnlyChangeWarnsWithoutMigration() throws {
        let old = try TestConfiguration.make(["flow1": ["> A", "A > B | argsFieldExist:x"]])
        let new = try TestConfiguration.make(["flow1": ["> A", "A > B | argsFieldExist:y"]])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        #expect(!plan.isNeeded)
        #expect(plan.warnings.map(\.kind) == [.conditionChanged])
        #expect(plan.warnings.first?.edge == 1)
        #expect(plan.warnings.first?.message == "the condition of edge 1 (A → B) of flow 'flow1' changed; in-flight flows that already evaluated it keep "
            + "what the old one decided, those still waiting for the edge meet the new one")
    }

    /// A renumbered edge is named by its old index with its new one after it — "edge 1 (A → B,
    /// now edge 2)", not "edge 1 → 2 (A → B)", where the arrow would mean two things.
    @Test func aRenumberedEdgeIsNamedByItsOldIndexAndItsNewOne() throws {
        let old = try TestConfiguration.make(["flow1": ["> A", "A > B | argsFieldExist:x"]])
        let new = try TestConfiguration.make(["flow1": ["> A", "> C", "A > B | argsFieldExist:y"]])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        let message = try #require(plan.warnings.first { $0.kind == .conditionChanged }?.message, "\(plan.warnings)")
        #expect(message.hasPrefix("the condition of edge 1 (A → B, now edge 2) of flow 'flow1' changed"), "\(message)")
    }

    @Test func warningsSharingAHintPrintItOnce() throws {
        let old = try TestConfiguration.make([
            "flow1": ["> A", "A > B | argsFieldExist:x", "A > C | argsFieldExist:x"], "flow2": ["> A", "A > B | argsFieldExist:x"],
        ], extraTasks: ["D"])
        let new = try TestConfiguration.make([
            "flow1": ["> A", "> D", "A > B | argsFieldExist:y", "A > C | argsFieldExist:y"], "flow2": ["> A", "A > B | argsFieldExist:y"],
        ])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        let conditionHint = "a changed condition needs no migration, but flows that already evaluated it are not re-evaluated"
        let startHint = "Selinon fires starting edges only when a flow starts; this edge does not taint in-flight flows"
        // Grouped by kind: three changed conditions (one hint), then the new starting edge.
        let lines = MigrationWarning.describing(plan.warnings).split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        #expect(lines[0...2].allSatisfy { $0.hasPrefix("warning: the condition of edge ") })
        #expect(lines[3] == "  hint (for the 3 warnings above): " + conditionHint)
        #expect(lines[4].hasPrefix("warning: ") && lines[4].contains("starting"))
        #expect(lines[5] == "  hint: " + startHint)
        // One warning reads as its own description.
        #expect(MigrationWarning.describing(Array(plan.warnings.prefix(1))) == plan.warnings[0].description)
        #expect(MigrationWarning.describing([]) == "")
    }

    @Test func newStartingEdgeWarnsWithoutMigration() throws {
        // D-10.
        let old = try TestConfiguration.make(["flow1": ["> A"]], extraTasks: ["B"])
        let new = try TestConfiguration.make(["flow1": ["> A", "> B"]])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        #expect(!plan.isNeeded)
        #expect(plan.warnings.map(\.kind) == [.newStartingEdge])
        #expect(plan.warnings.first?.message == "new starting edge 1 ((start) → B) of flow 'flow1' never runs in flows that already started "
            + "(unless another change restarts them)")
    }

    /// A nowait node is never recorded as finished: an edge from it, once it is waited for,
    /// never runs in flows that ran it before — and taints none of them. Said, as no file can.
    @Test func aNodeNoLongerNowaitWithEdgesFromItWarns() throws {
        var old = try TestConfiguration.make(["flow1": ["> A", "A > X, C"]], extraTasks: ["B"])
        old.flows["flow1"]!.nowait = ["X"]
        let new = try TestConfiguration.make(["flow1": ["> A", "A > X, C", "X > B"]])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .retry)
        #expect(plan.migration.flows["flow1"]?.taintingNodes == [2: ["X"]])
        #expect(plan.warnings.map(\.kind) == [.nowaitChanged])
        #expect(plan.warnings.first?.edge == 2)
        #expect(plan.warnings.first?.message == "node 'X' of flow 'flow1' is no longer nowait: in-flight flows that already started it "
            + "never recorded it as finished, so edge 2 from it never runs there, and no taint says so")
        // Still nowait, or no edge from it: nothing to say.
        var still = new
        still.flows["flow1"]!.nowait = ["X"]
        #expect(MigrationDiffer().plan(from: old, to: still, strategy: .retry).warnings.isEmpty)
    }

    /// A fallback is started by a failure, not an edge: renamed, the flows running it under its
    /// old name are tainted by nothing, and nothing follows it. Said, as no file can.
    @Test func aFallbackGoneFromTheFlowWarns() throws {
        var old = try TestConfiguration.make(["flow1": ["> A", "A > B", "Mirror > B"]], checks: false)
        old.flows["flow1"]!.failures = [FailureDefinition(nodes: ["A"], fallback: .nodes(["Mirror"]), location: old.flows["flow1"]!.location)]
        var new = try TestConfiguration.make(["flow1": ["> A", "A > B", "MirrorFetch > B"]], checks: false)
        new.flows["flow1"]!.failures = [FailureDefinition(nodes: ["A"], fallback: .nodes(["MirrorFetch"]), location: new.flows["flow1"]!.location)]
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .retry)
        #expect(plan.migration.flows["flow1"]?.taintedEdges.keys.sorted() == [2])
        #expect(plan.warnings.map(\.kind) == [.fallbackRemoved])
        #expect(plan.warnings.first?.message == "fallback node 'Mirror' of flow 'flow1' is gone (renamed?): in-flight flows running it as "
            + "a fallback fired no edge that a migration could find removed, so no taint says that nothing follows it when it finishes "
            + "(old edge 2 from it is gone)")
        // Still a fallback (or still in an edge): nothing to say.
        var kept = new
        kept.flows["flow1"]!.failures = [FailureDefinition(nodes: ["A"], fallback: .nodes(["Mirror"]), location: new.flows["flow1"]!.location)]
        #expect(MigrationDiffer().plan(from: old, to: kept, strategy: .retry).warnings.isEmpty)
        // A fallback that no edge followed: nothing followed it before either, nothing to say.
        var alone = try TestConfiguration.make(["flow1": ["> A", "A > B"]], checks: false)
        alone.flows["flow1"]!.failures = [FailureDefinition(nodes: ["A"], fallback: .nodes(["Mirror"]), location: alone.flows["flow1"]!.location)]
        var toTrue = alone
        toTrue.flows["flow1"]!.failures = [FailureDefinition(nodes: ["A"], fallback: .handled, location: alone.flows["flow1"]!.location)]
        #expect(MigrationDiffer().plan(from: alone, to: toTrue, strategy: .retry).warnings.isEmpty)
    }

    @Test func renamedFlowIsReportedAsSuch() throws {
        let old = try TestConfiguration.make(["main": ["> A"], "ingest_flow": ["> A", "A > B"]])
        let new = try TestConfiguration.make(["main": ["> A"], "ingestion_flow": ["> A", "A > B"]])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        #expect(plan.isNeeded, "in-flight ingest_flow flows must be failed")
        #expect(plan.migration.flows.isEmpty)
        #expect(plan.warnings.map(\.kind) == [.flowRenamed])
        #expect(plan.addedFlows == ["ingestion_flow"])
        #expect(plan.removedFlows == ["ingest_flow"])
    }

    /// Each removed flow is compared with the added ones by its edges; equal candidates resolve
    /// to the first added name in order, and a removed flow with other edges is just removed.
    @Test func renamesAreFoundAmongSeveralAddedFlows() throws {
        let old = try TestConfiguration.make([
            "main": ["> A"], "a_old": ["> A", "A > B"], "b_old": ["> A", "A > B"], "c_old": ["> B"],
        ])
        let new = try TestConfiguration.make([
            "main": ["> A"], "y_new": ["> A", "A > B"], "x_new": ["> A", "A > B"], "z_new": ["> A", "A > C"],
        ], extraTasks: ["C"])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        #expect(plan.warnings.map(\.kind) == [.flowRenamed, .flowRenamed, .flowRemoved])
        #expect(plan.warnings.map(\.flow) == ["a_old", "b_old", "c_old"])
        #expect(plan.warnings[0].message.contains("renamed to 'x_new'"))
        #expect(plan.warnings[1].message.contains("renamed to 'x_new'"))
    }

    @Test func destinationTurningIntoASubflowWarns() throws {
        let old = try TestConfiguration.make(["flow1": ["> A", "A > scan"]])
        let new = try TestConfiguration.make(["flow1": ["> A", "A > scan"], "scan": ["> B"]])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        #expect(plan.warnings.map(\.kind) == [.destinationKindChanged])
    }

    @Test func resultDoesNotDependOnFileOrder() throws {
        // D-20.
        let flows: KeyValuePairs<String, [String]> = ["a_flow": ["> A", "A > B"], "b_flow": ["> A", "A > C"]]
        let changed: KeyValuePairs<String, [String]> = ["a_flow": ["> A", "A > C", "A > B"], "b_flow": ["> A", "A > B", "A > C"]]
        let forward = MigrationDiffer().plan(from: try TestConfiguration.make(flows),
                                             to: try TestConfiguration.make(changed), strategy: .ignore)
        let backward = MigrationDiffer().plan(from: try TestConfiguration.make(flows, flowFileOrder: ["b_flow", "a_flow"]),
                                              to: try TestConfiguration.make(changed, flowFileOrder: ["b_flow", "a_flow"]),
                                              strategy: .ignore)
        #expect(forward.migration.selinonJSON() == backward.migration.selinonJSON())
        #expect(forward.flowChanges.map(\.flow) == ["a_flow", "b_flow"])
    }

    @Test func manyParallelEdgesArePairedByTheirConditions() throws {
        // 2,000 edges between the same two nodes, told apart only by their conditions, reversed.
        // (The matcher looks candidates up by key; the generate benchmark shows it stays linear.)
        let edges = (0..<2_000).map { "A > B | argsFieldExist:k\($0)" }
        let old = try TestConfiguration.make(["flow1": ["> A"] + edges])
        let new = try TestConfiguration.make(["flow1": ["> A"] + edges.reversed()])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        let entry = try #require(plan.migration.flows["flow1"])
        #expect(entry.translation.count == 2_000)
        #expect(entry.translation[1] == 2_000)
        #expect(entry.translation[2_000] == 1)
        #expect(entry.taintedEdges.isEmpty && entry.taintingNodes.isEmpty)
        #expect(plan.warnings.isEmpty)
    }
}

/// Conditions are compared as Python compares them.
struct ConditionEqualityTests {
    @Test func numbersAndBooleansThatPythonEquatesPairEdges() throws {
        func configuration(_ first: String, _ second: String) throws -> Configuration {
            let nodes = "tasks: [{name: A, import: t}, {name: B, import: t}]\nflows: [f]\n"
            let flows = """
                flow-definitions:
                  - name: f
                    edges:
                      - {from: , to: A}
                      - {from: A, to: B, condition: {name: argsFieldEqual, args: {key: v, value: \(first)}}}
                      - {from: A, to: B, condition: {name: argsFieldEqual, args: {key: v, value: \(second)}}}
                """
            return try TestConfiguration.load(nodes: nodes, flows: flows)
        }
        // Old [v == 1, v == 2], new [v == true, v == 1]: for Python `true == 1`, so old edge 1
        // pairs with new edge 1 and nothing moves; a spelling-based match would pair old 1 with
        // new 2 and swap the edges.
        let plan = MigrationDiffer().plan(from: try configuration("1", "2"), to: try configuration("true", "1"), strategy: .ignore)
        #expect(!plan.isNeeded)
        #expect(plan.warnings.map(\.kind) == [.conditionChanged])
        #expect(plan.warnings.first?.edge == 2)
        let spelling = MigrationDiffer().plan(from: try configuration("1", "2"), to: try configuration("1.0", "2"), strategy: .ignore)
        #expect(!spelling.isNeeded && spelling.warnings.isEmpty, "1.0 == 1: not even a changed condition")
        // Beyond 64 bits too: for Python 1e20 == 10**20, but 1e20 != 10**20 + 1.
        let large = MigrationDiffer().plan(from: try configuration("100000000000000000000", "2"), to: try configuration("1.0e+20", "2"),
                                           strategy: .ignore)
        #expect(!large.isNeeded && large.warnings.isEmpty, "1e20 == 10**20")
        let near = MigrationDiffer().plan(from: try configuration("100000000000000000001", "2"), to: try configuration("1.0e+20", "2"),
                                          strategy: .ignore)
        #expect(near.warnings.map(\.kind) == [.conditionChanged], "1e20 != 10**20 + 1")
    }

    @Test func mappingKeyOrderAndNestedSpellingsDoNotMatterButListOrderDoes() throws {
        func configuration(_ conditions: [String]) throws -> Configuration {
            let nodes = "tasks: [{name: A, import: t}, {name: B, import: t}]\nflows: [f]\n"
            let edges = conditions.map { "      - {from: A, to: B, condition: \($0)}\n" }.joined()
            let flows = "flow-definitions:\n  - name: f\n    edges:\n      - {from: , to: A}\n" + edges
            return try TestConfiguration.load(nodes: nodes, flows: flows)
        }
        let old = try configuration([
            "{name: argsFieldEqual, args: {key: v, value: [1, {a: true, b: 2.5}]}}",
            "{name: argsFieldEqual, args: {key: v, value: [1, {a: 0}]}}",
        ])
        // The same conditions with every mapping's keys reversed and numbers spelled differently.
        let respelled = try configuration([
            "{args: {value: [1.0, {b: 2.5, a: 1}], key: v}, name: argsFieldEqual}",
            "{args: {value: [true, {a: false}], key: v}, name: argsFieldEqual}",
        ])
        let same = MigrationDiffer().plan(from: old, to: respelled, strategy: .ignore)
        #expect(!same.isNeeded && same.warnings.isEmpty)
        // Swapped: each old edge finds its equal condition at the other index.
        let swapped = try configuration([
            "{args: {value: [true, {a: false}], key: v}, name: argsFieldEqual}",
            "{args: {value: [1.0, {b: 2.5, a: 1}], key: v}, name: argsFieldEqual}",
        ])
        let moved = MigrationDiffer().plan(from: old, to: swapped, strategy: .ignore)
        #expect(moved.migration.flows["f"]?.translation == [1: 2, 2: 1])
        #expect(moved.warnings.isEmpty)
        // Lists are ordered: [{a: true, b: 2.5}, 1] is another value, paired only by the second pass.
        let reordered = try configuration([
            "{name: argsFieldEqual, args: {key: v, value: [{a: true, b: 2.5}, 1]}}",
            "{name: argsFieldEqual, args: {key: v, value: [1, {a: 0}]}}",
        ])
        let changed = MigrationDiffer().plan(from: old, to: reordered, strategy: .ignore)
        #expect(!changed.isNeeded)
        #expect(changed.warnings.map(\.kind) == [.conditionChanged])
        #expect(changed.warnings.first?.edge == 1)
    }

    @Test func largeConditionMappingsCompareWhateverTheirKeyOrder() throws {
        func configuration(_ keys: [Int], value: (Int) -> String) throws -> Configuration {
            let args = keys.map { "k\($0): \(value($0))" }.joined(separator: ", ")
            let nodes = "tasks: [{name: A, import: t}, {name: B, import: t}]\nflows: [f]\n"
            let flows = """
                flow-definitions:
                  - name: f
                    edges:
                      - {from: , to: A}
                      - {from: A, to: B, condition: {name: argsFieldEqual, args: {key: x, value: 1}}}
                      - {from: A, to: B, condition: {name: argsFieldEqual, args: {key: x, value: {\(args)}}}}
                """
            return try TestConfiguration.load(nodes: nodes, flows: flows)
        }
        let keys = Array(0..<50)
        let old = try configuration(keys) { "\($0)" }
        // Reversed key order, integers spelled as floats and booleans: the same value for Python.
        let same = try configuration(keys.reversed()) { $0 == 1 ? "true" : $0 == 0 ? "false" : "\($0).0" }
        let plan = MigrationDiffer().plan(from: old, to: same, strategy: .ignore)
        #expect(!plan.isNeeded && plan.warnings.isEmpty)
        let other = try configuration(keys.reversed()) { $0 == 49 ? "50" : "\($0)" }
        #expect(MigrationDiffer().plan(from: old, to: other, strategy: .ignore).warnings.map(\.kind) == [.conditionChanged])
    }
}

/// The `_meta` object a generated migration records.
struct MigrationMetadataTests {
    static func metadata(_ plan: MigrationPlan, date: Date = Date(timeIntervalSince1970: 0)) -> JSONValue {
        MigrationMetadata(toolVersion: "test", oldSource: "HEAD", newSource: "working tree", oldDigest: "sha256:old", newDigest: "sha256:new",
                          warnings: plan.warnings, edgeCounts: ["flow1": (old: 3, new: 3)], date: date, host: "build-host", user: "ci")
            .jsonValue
    }

    /// `datetime` has the shape of Selinon's own `str(datetime.utcnow())`: UTC, and microseconds
    /// (six digits), not milliseconds.
    @Test func theDatetimeIsSelinonsWithMicroseconds() throws {
        let old = try TestConfiguration.make(["flow1": ["> A", "A > B", "A > C"]])
        let new = try TestConfiguration.make(["flow1": ["> A", "A > C", "A > B"]])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        // 2023-11-14 22:13:20 UTC and 1/64 of a second (exact in binary): 15625 microseconds.
        let meta = Self.metadata(plan, date: Date(timeIntervalSince1970: 1_700_000_000.015625))
        #expect(meta["datetime"] == .string("2023-11-14 22:13:20.015625"))
        #expect(Self.metadata(plan)["datetime"] == .string("1970-01-01 00:00:00.000000"))
    }

    /// A change the differ has no warning about records no `warnings` key at all (not an empty
    /// list); one with warnings records their messages.
    @Test func warningsAreRecordedOnlyWhenThereAreAny() throws {
        let old = try TestConfiguration.make(["flow1": ["> A", "A > B", "A > C"]])
        let reordered = MigrationDiffer().plan(from: old, to: try TestConfiguration.make(["flow1": ["> A", "A > C", "A > B"]]), strategy: .ignore)
        #expect(reordered.warnings.isEmpty)
        let meta = Self.metadata(reordered)
        #expect(meta["datetime"] != nil && meta["edge_counts"] != nil, "\(meta)")
        #expect(meta["warnings"] == nil, "\(meta)")

        let conditioned = MigrationDiffer().plan(from: old, to: try TestConfiguration.make(["flow1": ["> A", "A > B | argsFieldExist:x", "A > C"]]),
                                                 strategy: .ignore)
        #expect(conditioned.warnings.map(\.kind) == [.conditionChanged])
        #expect(Self.metadata(conditioned)["warnings"] == .array(conditioned.warnings.map { .string($0.message) }))
    }
}
