import FlowConfig
import FlowMigration
import MigrationGenerator
import Testing

/// Our versions of Selinon's generation tests (`test/migrations/test_create.py`, spec §6.1) —
/// checking translations and full records, which Selinon's tests never did (defect D-24).
struct SelinonGenerationCaseTests {
    typealias Expected = (tainted: [Int], tainting: [Int: [String]], translation: [Int: Int?])

    static func entry(_ plan: MigrationPlan, _ flow: String) -> EdgeMigration? { plan.migration.flows[flow] }

    static func check(_ entry: EdgeMigration?, _ expected: Expected, _ flow: String) {
        #expect(entry?.taintedEdges.keys.sorted() ?? [] == expected.tainted, "tainted edges of \(flow)")
        #expect(entry?.taintingNodes ?? [:] == expected.tainting, "tainting nodes of \(flow)")
        #expect(entry?.translation ?? [:] == expected.translation, "translation of \(flow)")
    }

    @Test func noChangeNeedsNoMigration() throws {
        let flows: KeyValuePairs<String, [String]> = ["flow1": ["> T1", "T1 > T2"], "flow2": ["> T3", "T3 > T4"]]
        let plan = MigrationDiffer().plan(from: try TestConfiguration.make(flows), to: try TestConfiguration.make(flows), strategy: .ignore)
        #expect(!plan.isNeeded)
        #expect(plan.warnings.isEmpty)
    }

    @Test func removedFlowNeedsAMigrationThatRecordsItAndWarns() throws {
        // Selinon writes nothing here (D-13); we write a file whose _meta records the removal,
        // so that apply fails the removed flow's in-flight states.
        let old = try TestConfiguration.make(["flow1": ["> T1"], "flow2": ["> T1"]])
        let new = try TestConfiguration.make(["flow1": ["> T1"]])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        #expect(plan.isNeeded)
        #expect(plan.migration.flows.isEmpty, "no edge changes to record")
        #expect(plan.removedFlows == ["flow2"])
        // flow2 has the same edges as flow1, but flow1 is not new: no rename.
        #expect(plan.warnings.map(\.kind) == [.flowRemoved])
    }

    @Test func addFrom() throws {
        let old = try TestConfiguration.make(["flow1": ["> T1, T2", "T2 > T3"]])
        let new = try TestConfiguration.make(["flow1": ["> T1, T2", "T1, T2 > T3"]])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        Self.check(Self.entry(plan, "flow1"), ([1], [1: ["T1", "T2"]], [1: nil]), "flow1")
        #expect(Self.entry(plan, "flow1")?.taintedEdges[1] == TaintedEdge(
            from: ["T2"], to: ["T3"], condition: .object(["name": .string("alwaysTrue")])))
        #expect(plan.migration.strategy == .ignore)
    }

    @Test func removeFrom() throws {
        let old = try TestConfiguration.make(["flow1": ["> T1, T2", "T1, T2 > T2"]])
        let new = try TestConfiguration.make(["flow1": ["> T1, T2", "T1 > T2"]])
        let plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
        Self.check(Self.entry(plan, "flow1"), ([1], [1: ["T1"]], [1: nil]), "flow1")
    }

    static let removeEdgeOld: KeyValuePairs<String, [String]> = [
        "flow1": ["> T1", "T1 > T2", "T2 > T3"],
        "flow2": ["> T3", "T3 > T4"],
        "flow3": ["> T1", "T1 > T2", "T2 > T3"],
        "flow4": ["> T1", "T1 > T2", "T2 > T3", "T3 > T4"],
        "flow5": ["> T1", "T1 > T2", "T2 > T3", "T3 > T1"],
        "flow6": ["> T1", "> T2", "T1, T2 > T3"],
        "flow7": ["> T1", "> T2", "T1, T2 > T3"],
    ]
    static let removeEdgeNew: KeyValuePairs<String, [String]> = [
        "flow1": ["> T2", "T2 > T3"],
        "flow2": ["> T3"],
        "flow3": ["> T2", "T2 > T3"],
        "flow4": ["> T3", "T3 > T1"],
        "flow5": ["> T1", "T1 > T3", "T3 > T1"],
        "flow6": ["> T1", "T1 > T3"],
        "flow7": ["> T1", "> T2"],
    ]

    @Test func removeEdge() throws {
        let plan = MigrationDiffer().plan(from: try TestConfiguration.make(Self.removeEdgeOld, extraTasks: ["T4"]),
                                          to: try TestConfiguration.make(Self.removeEdgeNew, extraTasks: ["T4"]), strategy: .retry)
        let expected: [String: Expected] = [
            "flow1": ([0, 1], [:], [0: nil, 1: nil, 2: 1]),
            "flow2": ([1], [:], [1: nil]),
            "flow3": ([0, 1], [:], [0: nil, 1: nil, 2: 1]),
            "flow4": ([0, 1, 2, 3], [1: ["T3"]], [0: nil, 1: nil, 2: nil, 3: nil]),
            "flow5": ([1, 2], [1: ["T1"]], [1: nil, 2: nil, 3: 2]),
            "flow6": ([1, 2], [1: ["T1"]], [1: nil, 2: nil]),
            "flow7": ([2], [:], [2: nil]),
        ]
        #expect(plan.migration.flows.keys.sorted() == expected.keys.sorted())
        for (flow, values) in expected { Self.check(Self.entry(plan, flow), values, flow) }
        #expect(plan.migration.strategy == .retry)
    }

    @Test func addEdge() throws {
        let plan = MigrationDiffer().plan(from: try TestConfiguration.make(Self.removeEdgeNew, extraTasks: ["T4"]),
                                          to: try TestConfiguration.make(Self.removeEdgeOld, extraTasks: ["T4"]), strategy: .fail)
        let expected: [String: Expected] = [
            "flow1": ([0], [1: ["T1"]], [0: nil, 1: 2]),
            "flow2": ([], [1: ["T3"]], [:]),
            "flow3": ([0], [1: ["T1"]], [0: nil, 1: 2]),
            "flow4": ([0, 1], [1: ["T1"], 2: ["T2"], 3: ["T3"]], [0: nil, 1: nil]),
            "flow5": ([1], [1: ["T1"], 2: ["T2"]], [1: nil, 2: 3]),
            "flow6": ([1], [2: ["T1", "T2"]], [1: nil]),
            "flow7": ([], [2: ["T1", "T2"]], [:]),
        ]
        #expect(plan.migration.flows.keys.sorted() == expected.keys.sorted())
        for (flow, values) in expected { Self.check(Self.entry(plan, flow), values, flow) }
        // New starting edges (∅ → T1 in flows 1, 3 and 4, ∅ → T2 in flow6) cannot reach running flows.
        #expect(plan.warnings.filter { $0.kind == .newStartingEdge }.map(\.flow) == ["flow1", "flow3", "flow4", "flow6"])
    }

    @Test func selinonRegenerationFixture() throws {
        // Selinon's _configuration fixture: ver_1 → ver_2 → ver_3.
        let version1 = try TestConfiguration.make(["flow1": ["> T1", "T1 > T2", "T2 > T3"], "flow2": ["> T1"]], extraTasks: ["T4"])
        let version2 = try TestConfiguration.make(["flow1": ["> T1", "T1 > T2", "T2 > T4", "T2 > T3"], "flow2": ["> T1"]])
        let version3 = try TestConfiguration.make(["flow1": ["> T1", "T1 > T2", "T2 > T4"], "flow2": ["> T1"]], extraTasks: ["T3"])
        let first = MigrationDiffer().plan(from: version1, to: version2, strategy: .ignore)
        // Unlike Selinon's file, no empty flow2 entry (defect D-3).
        #expect(first.migration.flows.keys.sorted() == ["flow1"])
        Self.check(Self.entry(first, "flow1"), ([], [2: ["T2"]], [2: 3]), "flow1")
        let second = MigrationDiffer().plan(from: version2, to: version3, strategy: .ignore)
        Self.check(Self.entry(second, "flow1"), ([3], [:], [3: nil]), "flow1")
        #expect(Self.entry(second, "flow1")?.taintedEdges[3]?.from == ["T2"])
    }
}
