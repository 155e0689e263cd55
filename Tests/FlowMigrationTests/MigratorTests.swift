import FlowMigration
import Testing

/// Selinon's runtime test cases (spec §6.2) and the ones Selinon lacks (§6.3), on the typed API.
struct MigratorTests {
    static let alwaysTrue: JSONValue = .object(["name": .string("alwaysTrue")])
    /// Selinon's fixture migrations: M2 adds edge 2 from T2 (old 2 → 3), M3 removes T2 → T3.
    static func m2(_ strategy: TaintedFlowStrategy) -> Migration {
        Migration(flows: ["flow1": EdgeMigration(translation: [2: 3], taintingNodes: [2: ["T2"]])], strategy: strategy)
    }
    static func m3(_ strategy: TaintedFlowStrategy) -> Migration {
        Migration(flows: ["flow1": EdgeMigration(translation: [3: nil],
                                                 taintedEdges: [3: TaintedEdge(from: ["T2"], to: ["T3"], condition: alwaysTrue)])],
                  strategy: strategy)
    }
    static let empty = Migration(flows: [:], strategy: .ignore)

    static func message(version: Int?, active: [String] = [], finished: [String] = [], waiting: [Int] = [],
                        triggered: [Int] = [], flow: String = "flow1", selective: JSONValue? = nil) -> DispatcherMessage {
        let state = DispatcherState(
            activeNodes: active.enumerated().map { .init(name: $0.element, id: "id-\($0.offset)") },
            finishedNodes: Dictionary(uniqueKeysWithValues: finished.map { ($0, ["f-\($0)"]) }),
            waitingEdges: waiting, triggeredEdges: triggered)
        var other: [String: JSONValue] = ["node_args": .object(["url": .string("https://example.org")]), "retry": .number(JSONNumber(2))]
        if let selective { other["selective"] = selective }
        return DispatcherMessage(flowName: flow, migrationVersion: version, state: state, otherKeys: other)
    }

    static func migrate(_ message: DispatcherMessage, _ migrations: [Migration], policy: TaintPolicy = TaintPolicy()) throws -> MigrationOutcome {
        try Migrator(chain: MigrationChain(migrations: migrations), policy: policy).migrate(message)
    }

    /// Migrations built in code with an index no flow can have are refused, named, by
    /// `init(checking:)` (the plain initializer takes them as a programming error).
    @Test func aChainBuiltInCodeIsChecked() throws {
        let good = Migration(flows: ["flow1": EdgeMigration(translation: [2: 3])], strategy: .ignore)
        let bad = Migration(flows: ["flow2": EdgeMigration(translation: [5_000_000: 0])], strategy: .ignore)
        #expect(try MigrationChain(checking: [good]).latestVersion == 1)
        let error = #expect(throws: MigrationChainError.self) { try MigrationChain(checking: [good, bad]) }
        #expect(error?.description == "migration 2, flow 'flow2': edge index 5000000 is outside 0..<1000000")
        #expect(error?.localizedDescription == error?.description)
    }

    @Test func noStateAdoptsTheLatestVersion() throws {
        let fresh = DispatcherMessage(flowName: "flow1", migrationVersion: 0)
        guard case .migrated(let adopted, 0, 2, let taints) = try Self.migrate(fresh, [Self.empty, Self.empty]) else {
            Issue.record("expected adoption")
            return
        }
        #expect(adopted.migrationVersion == 2 && adopted.state == nil && taints.isEmpty)
        #expect(try Self.migrate(DispatcherMessage(flowName: "flow1"), []) == .upToDate)
    }

    /// A message built in code gets the errors the JSON reader gives, not a trap.
    @Test func aNegativeVersionOrEdgeBuiltInCodeIsAnError() throws {
        let migrations = [Self.m2(.retry), Self.m3(.fail)]
        let version = #expect(throws: StateError.self) { try Self.migrate(Self.message(version: -1, waiting: [0]), migrations) }
        #expect(version?.kind == .wrongType && version?.message.contains("found -1") == true)
        let waiting = #expect(throws: StateError.self) { try Self.migrate(Self.message(version: 1, waiting: [0, -1]), migrations) }
        #expect(waiting?.kind == .edgeIndexOutOfRange && waiting?.message == "state.waiting_edges[1] is -1; edge indices are not negative")
        let triggered = #expect(throws: StateError.self) { try Self.migrate(Self.message(version: 0, triggered: [-3]), migrations) }
        #expect(triggered?.kind == .edgeIndexOutOfRange)
    }

    @Test func oneMigration() throws {
        let migration = Migration(flows: ["flow1": EdgeMigration(
            translation: [1: 2], taintedEdges: [1: TaintedEdge(from: ["T1"], to: ["T2"], condition: Self.alwaysTrue)],
            taintingNodes: [2: ["T1"]])], strategy: .ignore)
        let outcome = try Self.migrate(Self.message(version: 0, active: ["T1"], waiting: [1], triggered: [0]), [migration])
        guard case .migrated(let migrated, 0, 1, let taints) = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
        #expect(migrated.state?.waitingEdges == [2])
        #expect(migrated.state?.triggeredEdges == [0])
        #expect(taints.isEmpty)
        #expect(migrated.otherKeys == Self.message(version: 0).otherKeys, "everything but the edges is kept")
    }

    @Test func chainingArmsAnAddedEdgeWhoseSourceRuns() throws {
        let outcome = try Self.migrate(Self.message(version: 1, active: ["T2"], finished: ["T1"], waiting: [1]),
                                       [Self.empty, Self.m2(.ignore), Self.m3(.ignore)])
        guard case .migrated(let migrated, 1, 3, let taints) = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
        #expect(migrated.state?.waitingEdges == [1, 2])
        #expect(taints.isEmpty)
    }

    @Test func chainingTaintedUnderIgnoreContinues() throws {
        let outcome = try Self.migrate(Self.message(version: 0, active: ["T3"], finished: ["T1", "T2"], waiting: [1, 2]),
                                       [Self.m2(.ignore), Self.m3(.ignore)])
        guard case .migrated(let migrated, 0, 2, let taints) = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
        #expect(migrated.state?.waitingEdges == [1])
        #expect(taints == [Taint(version: 1, reason: .sourcesAlreadyFinished(edgeIndex: 2, nodes: ["T2"]), strategy: .ignore)])
    }

    @Test func retryRestartsTheFlowWithTheLatestVersion() throws {
        let message = Self.message(version: 1, active: ["T3"], finished: ["T1", "T2"], waiting: [1, 2])
        let outcome = try Self.migrate(message, [Self.empty, Self.m2(.retry), Self.m3(.retry)])
        guard case .retry(let restarted, 1, 3, let taints) = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
        #expect(restarted.state == nil)
        #expect(restarted.migrationVersion == 3)
        #expect(restarted.otherKeys["retry"] == .null)
        #expect(restarted.otherKeys["node_args"] == message.otherKeys["node_args"])
        #expect(taints.map(\.version) == [2])
    }

    @Test func failWinsOverRetryAcrossTheChain() throws {
        // D-2: Selinon acts on the first tainting migration; the strongest strategy wins here.
        let message = Self.message(version: 0, active: ["T3"], finished: ["T1", "T2"], waiting: [1, 2], triggered: [0, 1, 2])
        let outcome = try Self.migrate(message, [Self.m2(.retry), Self.m3(.fail)])
        // 1: T2 finished (RETRY); 2: edge 3 (old 2) was fired and is removed (FAIL).
        guard case .fail(0, 2, let taints) = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
        #expect(taints.map(\.strategy) == [.retry, .fail])
        #expect(taints.last?.reason == .firedRemovedEdge(index: 3, edge: TaintedEdge(from: ["T2"], to: ["T3"], condition: Self.alwaysTrue)))
    }

    @Test func aNonTaintingFailMigrationDoesNotFailTheFlow() throws {
        let message = Self.message(version: 0, active: ["T3"], finished: ["T1", "T2"], waiting: [1, 2])
        // M3 (FAIL) finds nothing fired; M2 (RETRY) taints.
        let outcome = try Self.migrate(message, [Self.m2(.retry), Self.m3(.fail)])
        guard case .retry = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
    }

    @Test func triggeredEdgesAreTranslatedToo() throws {
        // D-1: Selinon crashes with KeyError('triggered_edge') on any translated triggered edge.
        let outcome = try Self.migrate(Self.message(version: 0, active: ["T4"], finished: ["T1", "T2"], waiting: [1, 2], triggered: [0, 1, 2]),
                                       [Self.m2(.ignore)])
        guard case .migrated(let migrated, _, _, _) = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
        #expect(migrated.state?.triggeredEdges == [0, 1, 3])
        #expect(migrated.state?.waitingEdges == [1, 3])
    }

    @Test func aSourceRunningAgainStillTaints() throws {
        // D-9 as Selinon: T2 finished once and runs again. The finished instance will never fire
        // the added edge, so the flow cannot end as a fresh run would: tainted (the oracle tests
        // in FlowEngineTests find such flows). The edge is armed for the running instance.
        let outcome = try Self.migrate(Self.message(version: 0, active: ["T2"], finished: ["T1", "T2"], waiting: [1]), [Self.m2(.ignore)])
        guard case .migrated(let migrated, _, _, let taints) = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
        #expect(taints.map(\.reason) == [.sourcesAlreadyFinished(edgeIndex: 2, nodes: ["T2"])])
        #expect(migrated.state?.waitingEdges == [1, 2], "armed because its source runs")
    }

    @Test func selectiveSubsetsAreTranslated() throws {
        // D-8.
        let selective: JSONValue = .object([
            "task_names": .array([.string("T2")]),
            "waiting_edges_subset": .object(["flow1": .object(["1": .array([.string("T1")]), "2": .array([.string("T2")])])]),
        ])
        let outcome = try Self.migrate(Self.message(version: 0, active: ["T1"], waiting: [1], selective: selective),
                                       [Self.m2(.ignore), Self.m3(.ignore)])
        guard case .migrated(let migrated, _, _, _) = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
        // Edge 2 becomes 3 (M2), then edge 3 is removed (M3); edge 1 keeps its index.
        #expect(migrated.otherKeys["selective"]?["waiting_edges_subset"]?["flow1"] == .object(["1": .array([.string("T1")])]))
        #expect(migrated.otherKeys["selective"]?["task_names"] == .array([.string("T2")]))
    }

    /// A selective run's subset for a sub-flow holds that sub-flow's edge indices: each is
    /// translated by its own flow's migrations, not by those of the flow the message is for.
    @Test func aSubFlowsSelectiveSubsetIsTranslatedByTheSubFlowsMigrations() throws {
        let migration = Migration(flows: ["sub": EdgeMigration(translation: [1: 2]), "flow1": EdgeMigration(translation: [1: 5])], strategy: .ignore)
        let line = #"{"flow_name": "flow1", "migration_version": 0, "state": {"active_nodes": [{"name": "sub", "id": "s"}], "#
            + #""finished_nodes": {}, "waiting_edges": [0], "triggered_edges": []}, "selective": {"task_names": ["X"], "#
            + #""waiting_edges_subset": {"flow1": {"1": ["sub"]}, "sub": {"1": ["X"]}}}}"#
        let (outcome, report, output) = try Self.both(line, [migration])
        guard case .migrated(let migrated, 0, 1, []) = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
        let expected: JSONValue = .object(["flow1": .object(["5": .array([.string("sub")])]), "sub": .object(["2": .array([.string("X")])])])
        #expect(migrated.otherKeys["selective"]?["waiting_edges_subset"] == expected)
        #expect(report.outcome == .migrated)
        #expect(try JSONParser().parse(Array(output.utf8))["selective"]?["waiting_edges_subset"] == expected, "\(output)")
    }

    /// An edge added from several nodes taints a flow only when all of them finished, and is
    /// armed only when all of them run (Selinon's rules; one source is not enough for either).
    @Test func anEdgeAddedFromSeveralSourcesNeedsAllOfThem() throws {
        let migration = Migration(flows: ["flow1": EdgeMigration(taintingNodes: [2: ["A", "B"]])], strategy: .ignore)
        for (active, finished, waiting, taints) in [
            (["A"], ["B"], [0], [] as [Taint.Reason]),
            (["A", "B"], [], [0, 2], []),
            ([], ["A", "B"], [0], [.sourcesAlreadyFinished(edgeIndex: 2, nodes: ["A", "B"])]),
        ] {
            let outcome = try Self.migrate(Self.message(version: 0, active: active, finished: finished, waiting: [0], triggered: [1]), [migration])
            guard case .migrated(let migrated, 0, 1, let found) = outcome else {
                Issue.record("unexpected \(outcome)")
                continue
            }
            #expect(migrated.state?.waitingEdges == waiting, "active \(active), finished \(finished)")
            #expect(found.map(\.reason) == taints, "active \(active), finished \(finished)")
        }
    }

    @Test func aRestartedSelectiveRunGetsTheLatestIndicesToo() throws {
        // D-8 on RETRY: the restart runs the latest configuration, so its subset must use its indices.
        let migration = Migration(flows: ["flow1": EdgeMigration(translation: [1: 2], taintingNodes: [1: ["A"]])], strategy: .retry)
        let selective: JSONValue = .object([
            "waiting_edges_subset": .object(["flow1": .object(["0": .array([.string("A")]), "1": .array([.string("B")])])]),
        ])
        let outcome = try Self.migrate(Self.message(version: 0, active: ["B"], finished: ["A"], waiting: [1], selective: selective), [migration])
        guard case .retry(let restarted, 0, 1, _) = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
        #expect(restarted.state == nil)
        #expect(restarted.otherKeys["selective"]?["waiting_edges_subset"]?["flow1"]
                == .object(["0": .array([.string("A")]), "2": .array([.string("B")])]))
    }

    @Test func aStateNewerThanTheChainIsSkewAndUntouched() throws {
        #expect(try Self.migrate(Self.message(version: 3, waiting: [1]), [Self.empty, Self.empty]) == .skew(version: 3, latest: 2))
    }

    @Test func aRemovedFlowFailsWithOrWithoutAState() throws {
        // D-13: the migration's _meta says flow1 had edges before it and none after.
        var removal = Self.empty
        removal.metadata = .object(["edge_counts": .object(["flow1": .object(["old": .number(JSONNumber(3))])])])
        let started = try Self.migrate(Self.message(version: 0, active: ["T1"], waiting: [1]), [removal])
        let fresh = try Self.migrate(DispatcherMessage(flowName: "flow1", migrationVersion: 0), [removal])
        for outcome in [started, fresh] {
            guard case .fail(0, 1, let taints) = outcome else {
                Issue.record("unexpected \(outcome)")
                continue
            }
            #expect(taints == [Taint(version: 1, reason: .flowRemoved(flow: "flow1"), strategy: .fail)])
        }
        // The stream migrator agrees, and leaves the line as it was.
        let line = #"{"flow_name": "flow1", "migration_version": 0, "state": null}"#
        var output: [UInt8] = []
        let report = Array(line.utf8).withUnsafeBufferPointer {
            StreamMigrator(migrator: Migrator(chain: MigrationChain(migrations: [removal]))).migrate(line: $0, into: &output)
        }
        #expect(report.outcome == .fail && output == Array(line.utf8))
    }

    /// Both migrators on one message: the typed outcome, and the stream's report and line.
    static func both(_ line: String, _ migrations: [Migration]) throws -> (MigrationOutcome, LineReport, String) {
        let migrator = Migrator(chain: MigrationChain(migrations: migrations))
        let outcome = try migrator.migrate(try DispatcherMessage(json: try JSONParser().parse(Array(line.utf8))))
        var output: [UInt8] = []
        let report = Array(line.utf8).withUnsafeBufferPointer { StreamMigrator(migrator: migrator).migrate(line: $0, into: &output) }
        return (outcome, report, String(decoding: output, as: UTF8.self))
    }

    @Test func aMigrationThatWouldListAnEdgeTwiceLeavesTheStateAsItWas() throws {
        // A file edited by hand (no _meta.edge_counts to check it against when it loads): edge 2
        // keeps its index, edge 3 is moved onto it. Both migrators refuse the state, unchanged.
        let edited = Migration(flows: ["flow1": EdgeMigration(translation: [3: 2])], strategy: .ignore)
        let line = #"{"flow_name": "flow1", "migration_version": 0, "state": {"active_nodes": [], "finished_nodes": {}, "#
            + #""waiting_edges": [1, 2, 3], "triggered_edges": []}}"#
        let message = "migration 1 gives state.waiting_edges edge 2 twice: its file moves an edge of flow 'flow1' to 2 while "
            + "another keeps that index (an edited file?); the state is left as it was: regenerate the migration"
        /// Both migrators refuse `line` with `message`, the stream's copy unchanged.
        func expectRefused(_ line: String, _ message: String) {
            let error = #expect(throws: StateError.self) {
                try Migrator(chain: MigrationChain(migrations: [edited])).migrate(try DispatcherMessage(json: try JSONParser().parse(Array(line.utf8))))
            }
            #expect(error == StateError(.inconsistentMigration, message))
            var output: [UInt8] = []
            let report = Array(line.utf8).withUnsafeBufferPointer {
                StreamMigrator(migrator: Migrator(chain: MigrationChain(migrations: [edited]))).migrate(line: $0, into: &output)
            }
            #expect(report.outcome == .invalid && report.error == StateError(.inconsistentMigration, message))
            #expect(output == Array(line.utf8))
        }
        expectRefused(line, message)
        // A state that does not hold both edges migrates.
        #expect(try Self.both(line.replacingOccurrences(of: "[1, 2, 3]", with: "[1, 3]"), [edited]).2.contains(#""waiting_edges": [1, 2]"#))
        // Fired edges too: the same refusal for triggered_edges.
        let fired = line.replacingOccurrences(of: #""waiting_edges": [1, 2, 3], "triggered_edges": []"#, with: #""waiting_edges": [], "triggered_edges": [2, 3]"#)
        let (firedOutcome, firedReport, firedOutput) = try Self.both(fired.replacingOccurrences(of: "[2, 3]", with: "[3]"), [edited])
        #expect(firedOutcome.name == "migrated" && firedReport.outcome == .migrated && firedOutput.contains(#""triggered_edges": [2]"#))
        expectRefused(fired, message.replacingOccurrences(of: "state.waiting_edges", with: "state.triggered_edges"))
        // A selective run naming both edges, with a state or before it started: the same refusal.
        // (Without a state, a restarted run at version 1 is translated by migration 2; a run at
        // version 0 is written for the newest configuration and not translated.)
        for (state, chain) in [(#""state": {"active_nodes": [], "finished_nodes": {}, "waiting_edges": [1]}, "#, [edited]),
                               (#""migration_version": 1, "#, [Self.empty, edited])] {
            let selective = #"{"flow_name": "flow1", "# + (state.hasPrefix(#""state""#) ? #""migration_version": 0, "# : "") + state
                + #""selective": {"task_names": ["T2"], "waiting_edges_subset": {"flow1": {"2": ["T1"], "3": ["T2"]}}}}"#
            let subsetMessage = "migration \(chain.count) gives selective.waiting_edges_subset.flow1 edge 2 twice: its file moves an edge of flow "
                + "'flow1' to 2 while another keeps that index (an edited file?); the state is left as it was: regenerate the migration"
            let typed = #expect(throws: StateError.self) {
                try Migrator(chain: MigrationChain(migrations: chain)).migrate(try DispatcherMessage(json: try JSONParser().parse(Array(selective.utf8))))
            }
            #expect(typed == StateError(.inconsistentMigration, subsetMessage), "\(state)")
            var copied: [UInt8] = []
            let streamed = Array(selective.utf8).withUnsafeBufferPointer {
                StreamMigrator(migrator: Migrator(chain: MigrationChain(migrations: chain))).migrate(line: $0, into: &copied)
            }
            #expect(streamed.outcome == .invalid && streamed.error == StateError(.inconsistentMigration, subsetMessage), "\(state)")
            #expect(copied == Array(selective.utf8))
        }
    }

    /// A key given twice is its last copy, as Python's `json` reads it: an earlier copy of the
    /// wrong type does not make the message invalid (for either migrator), a last one does.
    @Test func theLastCopyOfARepeatedKeyIsTheOneRead() throws {
        let state = #"{"active_nodes": [{"name": "T1", "id": 1, "id": "a"}], "finished_nodes": {"T0": 1, "T0": ["b"]}, "#
            + #""waiting_edges": [1], "triggered_edges": "x", "triggered_edges": [0, 2]}"#
        for line in [#"{"flow_name": 1, "flow_name": "flow1", "migration_version": 0, "state": \#(state)}"#,
                     #"{"flow_name": "flow1", "migration_version": [], "migration_version": 0, "state": "x", "state": \#(state)}"#] {
            let (outcome, report, output) = try Self.both(line, [Self.m2(.ignore)])
            guard case .migrated(let migrated, 0, 1, _) = outcome else {
                Issue.record("unexpected \(outcome) for \(line)")
                continue
            }
            #expect(migrated.state?.triggeredEdges == [0, 3] && migrated.state?.waitingEdges == [1])
            #expect(report.outcome == .migrated, "\(line): \(String(describing: report.error))")
            #expect(output.hasSuffix(#""triggered_edges": "x", "triggered_edges": [0, 3]}}"#), "\(output)")
        }
        // A later copy replaces the names and subsets an earlier one gave, also with null.
        let replaced = #"{"flow_name": "flow1", "migration_version": 0, "selective": {"waiting_edges_subset": {"flow1": {"9": ["x"]}}, "#
            + #""waiting_edges_subset": null}, "state": {"finished_nodes": {"T2": ["b"]}, "finished_nodes": {"T1": ["a"]}, "#
            + #""active_nodes": [{"name": "T2", "id": "c"}], "active_nodes": null, "waiting_edges": [1], "triggered_edges": [0]}}"#
        let (replacedOutcome, replacedReport, _) = try Self.both(replaced, [Self.m2(.ignore)])
        #expect(replacedOutcome.taints.isEmpty && replacedReport.outcome == .migrated && replacedReport.taints.isEmpty, "\(replacedOutcome)")
        guard case .migrated(let armedNot, _, _, _) = replacedOutcome else { return }
        #expect(armedNot.state?.waitingEdges == [1], "T2 is neither finished nor running in the last copies")
        let last = #"{"flow_name": "flow1", "flow_name": 1, "migration_version": 0, "state": null}"#
        #expect(throws: StateError.self) { try DispatcherMessage(json: try JSONParser().parse(Array(last.utf8))) }
        var copied: [UInt8] = []
        let report = Array(last.utf8).withUnsafeBufferPointer {
            StreamMigrator(migrator: Migrator(chain: MigrationChain(migrations: [Self.m2(.ignore)]))).migrate(line: $0, into: &copied)
        }
        #expect(report.outcome == .invalid && report.error?.message == "flow_name must be a string", "\(String(describing: report.error))")
    }

    @Test func aFlowRemovedAndAddedBackStartsAsTheNewFlow() throws {
        // 1 removes flow1, 2 adds it back: a run not started yet is a run of the new flow; a state of the old one still fails.
        var removal = Self.empty
        removal.metadata = .object(["edge_counts": .object(["flow1": .object(["old": .number(JSONNumber(3))])])])
        var readded = Self.empty
        readded.metadata = .object(["edge_counts": .object(["flow1": .object(["new": .number(JSONNumber(2))])])])
        let (fresh, freshReport, freshLine) = try Self.both(#"{"flow_name": "flow1", "migration_version": 0, "state": null}"#, [removal, readded])
        guard case .migrated(let adopted, 0, 2, []) = fresh else {
            Issue.record("unexpected \(fresh)")
            return
        }
        #expect(adopted.migrationVersion == 2)
        #expect(freshReport.outcome == .migrated && freshLine == #"{"flow_name": "flow1", "migration_version": 2, "state": null}"#)
        let (started, startedReport, _) = try Self.both(
            #"{"flow_name": "flow1", "migration_version": 0, "state": {"active_nodes": [{"name": "T1", "id": "a"}], "finished_nodes": {}, "#
                + #""failed_nodes": {}, "waiting_edges": [1], "triggered_edges": []}}"#, [removal, readded])
        #expect(started == .fail(fromVersion: 0, toVersion: 2, taints: [Taint(version: 1, reason: .flowRemoved(flow: "flow1"), strategy: .fail)]))
        #expect(startedReport.outcome == .fail)
        // Without the addition, a new run still fails.
        #expect(try Self.both(#"{"flow_name": "flow1", "migration_version": 0, "state": null}"#, [removal, Self.empty]).1.outcome == .fail)
    }

    /// `_meta` recording flow1 before and after a migration: removed (old only), added (new only), or kept.
    static func counts(old: Int?, new: Int?) -> Migration {
        var migration = Self.empty
        var sides: [String: JSONValue] = [:]
        if let old { sides["old"] = .number(JSONNumber(old)) }
        if let new { sides["new"] = .number(JSONNumber(new)) }
        migration.metadata = .object(["edge_counts": .object(["flow1": .object(sides), "other": .object(["old": .number(JSONNumber(1)), "new": .number(JSONNumber(1))])])])
        return migration
    }

    @Test func removalsAndAdditionsAreFollowedThroughTheWholeChain() throws {
        let fresh = #"{"flow_name": "flow1", "migration_version": 0, "state": null}"#
        let started = #"{"flow_name": "flow1", "migration_version": 2, "state": {"active_nodes": [{"name": "T1", "id": "a"}], "#
            + #""finished_nodes": {}, "failed_nodes": {}, "waiting_edges": [1], "triggered_edges": []}}"#
        // Removed (1), added back (2), removed again (3): nothing of flow1 can run on the newest workers.
        let again = [Self.counts(old: 3, new: nil), Self.counts(old: nil, new: 2), Self.counts(old: 2, new: nil)]
        let (freshOutcome, freshReport, _) = try Self.both(fresh, again)
        #expect(freshOutcome == .fail(fromVersion: 0, toVersion: 3, taints: [Taint(version: 3, reason: .flowRemoved(flow: "flow1"), strategy: .fail)]))
        #expect(freshReport.outcome == .fail && freshReport.taints.map(\.version) == [3])
        let (startedOutcome, startedReport, _) = try Self.both(started, again)
        #expect(startedOutcome == .fail(fromVersion: 2, toVersion: 3, taints: [Taint(version: 3, reason: .flowRemoved(flow: "flow1"), strategy: .fail)]))
        #expect(startedReport.outcome == .fail)
        // Added back in an intermediate file; the last one records nothing (Selinon's, or --no-meta): a new run starts.
        let readdedBefore = [Self.counts(old: 3, new: nil), Self.counts(old: nil, new: 2), Self.empty]
        #expect(try Self.both(fresh, readdedBefore).1.outcome == .migrated)
        // Added back by a file that records nothing; the next one that records flows has it: a new run starts too.
        let readdedUnrecorded = [Self.counts(old: 3, new: nil), Self.empty, Self.counts(old: 2, new: 2)]
        let (outcome, report, _) = try Self.both(fresh, readdedUnrecorded)
        #expect(outcome.name == "migrated" && report.outcome == .migrated)
    }

    @Test func aStartedSelectiveRunNamingASubFlowRemovedSinceFails() throws {
        // sub is removed by 2 and added back by 3: the parent's subset names edges of the old sub.
        var removal = Self.empty, readded = Self.empty, kept = Self.empty
        kept.metadata = .object(["edge_counts": .object(["flow1": .object(["old": .number(JSONNumber(3)), "new": .number(JSONNumber(3))]),
                                                         "sub": .object(["old": .number(JSONNumber(2)), "new": .number(JSONNumber(2))])])])
        removal.metadata = .object(["edge_counts": .object(["flow1": .object(["old": .number(JSONNumber(3)), "new": .number(JSONNumber(3))]),
                                                            "sub": .object(["old": .number(JSONNumber(2))])])])
        readded.metadata = .object(["edge_counts": .object(["flow1": .object(["old": .number(JSONNumber(3)), "new": .number(JSONNumber(3))]),
                                                            "sub": .object(["new": .number(JSONNumber(4))])])])
        let line = #"{"flow_name": "flow1", "migration_version": 1, "selective": {"task_names": ["X"], "waiting_edges_subset": "#
            + #"{"flow1": {"1": ["sub"]}, "sub": {"1": ["X"]}}}, "state": {"active_nodes": [{"name": "sub", "id": "s"}], "#
            + #""finished_nodes": {"T1": ["t"]}, "failed_nodes": {}, "waiting_edges": [], "triggered_edges": [0, 1]}}"#
        let (outcome, report, output) = try Self.both(line, [kept, removal, readded])
        #expect(outcome == .fail(fromVersion: 1, toVersion: 3, taints: [Taint(version: 2, reason: .flowRemoved(flow: "sub"), strategy: .fail)]))
        #expect(report.outcome == .fail && output == line)
        // Removed for good, sub is never started again: its entries are dead, and the run goes on (as in Selinon).
        let (stays, staysReport, _) = try Self.both(line, [kept, removal])
        #expect(stays.name == "migrated" && staysReport.outcome == .migrated, "\(stays)")
    }

    /// Of several removals that end a flow, the earliest is the one reported: the migration a
    /// reviewer must look at.
    @Test func theEarliestRemovalThatEndsAFlowIsReported() throws {
        func counts(_ flows: [String: (old: Int?, new: Int?)]) -> Migration {
            var migration = Self.empty
            migration.metadata = .object(["edge_counts": .object(flows.mapValues { counts in
                .object([("old", counts.old), ("new", counts.new)].reduce(into: [String: JSONValue]()) { object, item in
                    if let value = item.1 { object[item.0] = .number(JSONNumber(value)) }
                })
            })])
            return migration
        }
        // 1 removes sub, 2 adds it back, 3 removes flow1: flow1's selective run names the old sub's edges.
        let chain = [counts(["flow1": (3, 3), "sub": (2, nil)]), counts(["flow1": (3, 3), "sub": (nil, 4)]), counts(["flow1": (3, nil), "sub": (4, 4)])]
        let line = #"{"flow_name": "flow1", "migration_version": 0, "selective": {"task_names": ["X"], "waiting_edges_subset": "#
            + #"{"sub": {"1": ["X"]}}}, "state": {"active_nodes": [{"name": "sub", "id": "s"}], "#
            + #""finished_nodes": {}, "failed_nodes": {}, "waiting_edges": [], "triggered_edges": [0]}}"#
        let (outcome, report, _) = try Self.both(line, chain)
        #expect(outcome == .fail(fromVersion: 0, toVersion: 3, taints: [Taint(version: 1, reason: .flowRemoved(flow: "sub"), strategy: .fail)]))
        #expect(report.outcome == .fail && report.taints == [Taint(version: 1, reason: .flowRemoved(flow: "sub"), strategy: .fail)])
    }

    @Test func aRestartedSelectiveRunOfARemovedFlowFailsAndANewRunIsCheckedAgainstTheNewestFlow() throws {
        // flow1 restarted at version 1 with edges of the old flow1; 2 removes it, 3 adds it back: those edges name nothing.
        let chain = [Self.counts(old: 4, new: 4), Self.counts(old: 4, new: nil), Self.counts(old: nil, new: 2)]
        let restarted = #"{"flow_name": "flow1", "migration_version": 1, "state": null, "selective": {"task_names": ["B"], "#
            + #""waiting_edges_subset": {"flow1": {"1": ["A"], "3": ["B"]}}}}"#
        let (outcome, report, output) = try Self.both(restarted, chain)
        #expect(outcome == .fail(fromVersion: 1, toVersion: 3, taints: [Taint(version: 2, reason: .flowRemoved(flow: "flow1"), strategy: .fail)]))
        #expect(report.outcome == .fail && output == restarted)
        // A new run (version 0) is written for the newest flow, whose edges the files do not bound
        // (the newest configuration may have gained starting edges since): it is adopted as it is.
        let new = restarted.replacingOccurrences(of: #""migration_version": 1"#, with: #""migration_version": 0"#)
        #expect(try Migrator(chain: MigrationChain(migrations: chain)).migrate(try DispatcherMessage(json: try JSONParser().parse(Array(new.utf8)))).name
                == "migrated")
        var ignored: [UInt8] = []
        let newReport = Array(new.utf8).withUnsafeBufferPointer {
            StreamMigrator(migrator: Migrator(chain: MigrationChain(migrations: chain))).migrate(line: $0, into: &ignored)
        }
        #expect(newReport.outcome == .migrated)
    }

    @Test func aRestartedSelectiveRunWaitingForItsDispatcherIsTranslatedToo() throws {
        // Restarted at version 1 (its subset in version 1's indices); migration 2 moves edge 2 to 1.
        let second = Migration(flows: ["flow1": EdgeMigration(translation: [1: 2, 2: 1])], strategy: .ignore)
        let line = #"{"flow_name": "flow1", "migration_version": 1, "state": null, "selective": {"task_names": ["B"], "#
            + #""waiting_edges_subset": {"flow1": {"0": ["A"], "2": ["B"]}}}}"#
        let (outcome, report, output) = try Self.both(line, [Self.empty, second])
        guard case .migrated(let adopted, 1, 2, []) = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
        let expected: JSONValue = .object(["0": .array([.string("A")]), "1": .array([.string("B")])])
        #expect(adopted.otherKeys["selective"]?["waiting_edges_subset"]?["flow1"] == expected)
        #expect(report.outcome == .migrated)
        #expect(try JSONParser().parse(Array(output.utf8))["selective"]?["waiting_edges_subset"]?["flow1"] == expected, "\(output)")
        // A new run (version 0) was written against the configuration of its client, taken as the newest: left as it is.
        let new = line.replacingOccurrences(of: #""migration_version": 1"#, with: #""migration_version": 0"#)
        let (_, _, untouched) = try Self.both(new, [Self.empty, second])
        #expect(untouched.contains(#""2": ["B"]"#), "\(untouched)")
    }

    @Test func addedEdgesAreArmedInTheOrderOfTheFileAsSelinonDoes() throws {
        // Keys as text: "11" before "2", so Selinon appends edge 11 first.
        let migration = Migration(flows: ["flow1": EdgeMigration(translation: [2: 3], taintingNodes: [2: ["A"], 11: ["A"]])], strategy: .ignore)
        let outcome = try Self.migrate(Self.message(version: 0, active: ["A"], waiting: [1]), [migration])
        guard case .migrated(let migrated, _, _, _) = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
        #expect(migrated.state?.waitingEdges == [1, 11, 2])
    }

    @Test func aMessageWithoutStateNewerThanTheChainIsSkewToo() throws {
        // Selinon would give it version 2 here; a newer worker would then move it back to 3.
        #expect(try Self.migrate(DispatcherMessage(flowName: "flow1", migrationVersion: 3), [Self.empty, Self.empty])
                == .skew(version: 3, latest: 2))
    }

    @Test func aStateAtTheLatestVersionIsUpToDate() throws {
        #expect(try Self.migrate(Self.message(version: 2, waiting: [1]), [Self.m2(.fail), Self.m3(.fail)]) == .upToDate)
    }

    @Test func aStateWithoutAVersionIsVersionZero() throws {
        // D-18: Selinon's migrator treats it as current; its dispatcher as 0.
        let outcome = try Self.migrate(Self.message(version: nil, active: ["T3"], finished: ["T1", "T2"], waiting: [1, 2]), [Self.m2(.retry)])
        guard case .retry(_, 0, 1, _) = outcome else {
            Issue.record("unexpected \(outcome)")
            return
        }
    }

    @Test(arguments: [(nil as TaintedFlowStrategy?, TaintedFlowStrategy.retry), (.ignore, .ignore), (.fail, .fail)])
    func policyOverridesTheFilesStrategy(_ override: TaintedFlowStrategy?, _ expected: TaintedFlowStrategy) throws {
        let policy = TaintPolicy(overrides: override.map { ["flow1": $0, "*": .retry] } ?? ["*": .retry])
        let outcome = try Self.migrate(Self.message(version: 0, active: ["T3"], finished: ["T1", "T2"], waiting: [1, 2]),
                                       [Self.m2(.fail)], policy: policy)
        #expect(outcome.taints.map(\.strategy) == [expected])
        #expect(outcome.name == ["IGNORE": "migrated", "RETRY": "retry", "FAIL": "fail"][expected.rawValue])
    }

    @Test func edgeIndicesBeyondTheFlowAreRejectedWhenCountsAreKnown() throws {
        var migration = Self.m2(.ignore)
        migration.metadata = .object(["edge_counts": .object(["flow1": .object(["old": .number(JSONNumber(3)), "new": .number(JSONNumber(4))])])])
        let error = #expect(throws: StateError.self) {
            try Self.migrate(Self.message(version: 0, active: ["T1"], waiting: [1, 7]), [migration])
        }
        #expect(error == StateError(.edgeIndexOutOfRange, "state.waiting_edges holds edge 7, but flow 'flow1' has 3 edges at version 0"))

        // A selective run's subset is judged too, by the typed and the stream migrator alike.
        let line = Array(#"{"flow_name": "flow1", "migration_version": 0, "selective": {"waiting_edges_subset": {"flow1": {"12": ["T3"], "1": ["T2"], "9": ["T3"]}}}, "state": {"active_nodes": [{"name": "T1", "id": "a"}], "waiting_edges": [1]}}"#.utf8)
        let expected = StateError(.edgeIndexOutOfRange, "selective.waiting_edges_subset.flow1 names edge 9, but flow 'flow1' has 3 edges at version 0")
        let typed = #expect(throws: StateError.self) { try Self.migrate(try DispatcherMessage(jsonBytes: line), [migration]) }
        #expect(typed == expected)
        var output: [UInt8] = []
        let report = line.withUnsafeBufferPointer {
            StreamMigrator(migrator: Migrator(chain: MigrationChain(migrations: [migration]))).migrate(line: $0, into: &output)
        }
        #expect(report.outcome == .invalid && report.error == expected)
        #expect(output == line)
    }

    @Test func aFlowTheConfigurationDidNotHaveIsRejectedWhenItsFlowsAreKnown() throws {
        var migration = Self.m2(.ignore)
        migration.metadata = .object(["edge_counts": .object([
            "flow1": .object(["old": .number(JSONNumber(3)), "new": .number(JSONNumber(4))]),
            "added_flow": .object(["old": .null, "new": .number(JSONNumber(2))]),
        ])])
        let started = StateError(.unknownFlow, "flow 'flow1x' is not in the configuration of version 0 (the migration files list its flows: flow1)")
        let error = #expect(throws: StateError.self) { try Self.migrate(Self.message(version: 0, active: ["T1"], flow: "flow1x"), [migration]) }
        #expect(error == started)
        // The stream migrator agrees, and passes the line on unchanged.
        let line = Array(#"{"flow_name": "flow1x", "migration_version": 0, "state": {"active_nodes": [], "finished_nodes": {}, "#
            .utf8) + Array(#""failed_nodes": {}, "waiting_edges": [], "triggered_edges": []}}"#.utf8)
        var output: [UInt8] = []
        let report = line.withUnsafeBufferPointer {
            StreamMigrator(migrator: Migrator(chain: MigrationChain(migrations: [migration]))).migrate(line: $0, into: &output)
        }
        #expect(report.outcome == .invalid)
        #expect(report.error == started)
        #expect(output == line)
        // A new run (no state, version 0) is written for the newest configuration, which may have
        // gained flows since the newest file (a new flow needs no migration): it starts, as does
        // a new run of the flow the migration added.
        #expect(try Self.migrate(DispatcherMessage(flowName: "flow1x", migrationVersion: 0, state: nil), [migration]).name == "migrated")
        #expect(try Self.migrate(DispatcherMessage(flowName: "added_flow", migrationVersion: 0, state: nil), [migration]).name == "migrated")
        #expect(try Self.both(#"{"flow_name": "added_flow", "state": null}"#, [migration]).1.outcome == .migrated)
        // In flight at the newest version: a flow added since, or an edge added at a flow's end since, is not judged.
        #expect(try Self.migrate(Self.message(version: 1, active: ["T1"], flow: "flow1x"), [migration]).name == "up_to_date")
        #expect(try Self.migrate(Self.message(version: 1, active: ["T1"], waiting: [4]), [migration]).name == "up_to_date")
        // A flow added by the migration is known at the new version; without counts nothing is judged.
        #expect(try Self.migrate(DispatcherMessage(flowName: "added_flow", migrationVersion: 1, state: nil), [migration]).name == "up_to_date")
        #expect(try Self.migrate(Self.message(version: 0, active: ["T1"], flow: "flow1x"), [Self.m2(.ignore)]).name == "migrated")
    }
}

struct DispatcherMessageTests {
    static let line = #"{"flow_name": "ingest", "node_args": {"url": "https://example.org/a", "n": 1.0}, "parent": null, "retried_count": 0, "retry": 2, "selective": false, "migration_version": 3, "dispatcher_id": "abc", "state": {"active_nodes": [{"name": "Store", "id": "4b1c", "extra": 1}], "finished_nodes": {"Fetch": ["9f2e"]}, "failed_nodes": {}, "waiting_edges": [2, 3], "triggered_edges": [0, 1, 2, 3], "custom": true}}"#

    @Test func roundTripKeepsEveryKey() throws {
        let message = try DispatcherMessage(jsonBytes: Array(Self.line.utf8))
        #expect(message.flowName == "ingest")
        #expect(message.migrationVersion == 3)
        #expect(message.state?.waitingEdges == [2, 3])
        #expect(message.state?.activeNodes.first?.otherKeys["extra"] == .number(JSONNumber(1)))
        #expect(message.state?.otherKeys["custom"] == .bool(true))
        #expect(message.jsonValue == (try JSONParser().parse(Array(Self.line.utf8))))
    }

    @Test func nullListsReadAsEmptyAndAreWrittenAsEmpty() throws {
        let line = #"{"flow_name": "f", "state": {"active_nodes": null, "finished_nodes": null, "failed_nodes": null, "waiting_edges": null}}"#
        let state = try #require(try DispatcherMessage(jsonBytes: Array(line.utf8)).state)
        #expect(state.activeNodes.isEmpty && state.finishedNodes.isEmpty && state.failedNodes.isEmpty)
        #expect(state.waitingEdges.isEmpty && state.triggeredEdges.isEmpty, "null and missing read alike")
        #expect(state.jsonValue == (try JSONParser().parse(Array(
            #"{"active_nodes": [], "finished_nodes": {}, "failed_nodes": {}, "waiting_edges": [], "triggered_edges": []}"#.utf8))))
    }

    @Test(arguments: [
        (#"{"state": null}"#, StateError.Kind.missingKey, "flow_name is missing"),
        (#"{"flow_name": 1}"#, .wrongType, "flow_name must be a string"),
        (#"{"flow_name": "f", "migration_version": -1}"#, .wrongType, "migration_version must be a non-negative integer or null, found -1"),
        (#"{"flow_name": "f", "migration_version": 1.5}"#, .wrongType, "migration_version must be a non-negative integer or null, found 1.5"),
        (#"{"flow_name": "f", "migration_version": 18446744073709551616}"#, .invalidValue,
         "migration_version 18446744073709551616 is larger than 9223372036854775807, the largest this tool reads "
            + "(a signed 64-bit integer): newer than any migration directory reaches"),
        (#"{"flow_name": "f", "retried_count": 18446744073709551616}"#, .invalidValue,
         "retried_count 18446744073709551616 is larger than 9223372036854775807, the largest this tool reads (a signed 64-bit integer)"),
        (#"{"flow_name": "f", "state": {"waiting_edges": [1, -2]}}"#, .edgeIndexOutOfRange, "state.waiting_edges[1] is -2; edge indices are not negative"),
        (#"{"flow_name": "f", "state": {"triggered_edges": [1, 1]}}"#, .duplicateEntry, "state.triggered_edges lists edge 1 twice"),
        (#"{"flow_name": "f", "state": {"waiting_edges": ["1"]}}"#, .wrongType, "state.waiting_edges[0] must be an integer edge index, found a string"),
        (#"{"flow_name": "f", "state": {"waiting_edges": [1.0]}}"#, .wrongType, "state.waiting_edges[0] must be an integer edge index, found a number"),
        (#"{"flow_name": "f", "state": {"waiting_edges": [99999999999999999999999]}}"#, .edgeIndexOutOfRange,
         "state.waiting_edges[0] is 99999999999999999999999, beyond any edge index"),
        (#"{"flow_name": "f", "state": {"triggered_edges": [-99999999999999999999999]}}"#, .edgeIndexOutOfRange,
         "state.triggered_edges[0] is -99999999999999999999999; edge indices are not negative"),
        (#"{"flow_name": "f", "state": {"active_nodes": [{"id": "x"}]}}"#, .wrongType, "state.active_nodes[0] must be an object with a string 'name'"),
        (#"{"flow_name": "f", "selective": {"waiting_edges_subset": {"f": {"x": []}}}}"#, .wrongType, "selective.waiting_edges_subset.f has the key 'x', which is not an edge index"),
        (#"[1]"#, .malformed, "a dispatcher message must be a JSON object, found an array"),
        (#"{"flow_name": "f""#, .malformed, "not valid JSON: unexpected end of the JSON text inside an object (column 18)"),
    ])
    func rejectsStatesThatDoNotHaveSelinonsShape(_ text: String, _ kind: StateError.Kind, _ message: String) throws {
        let error = #expect(throws: StateError.self) { try DispatcherMessage(jsonBytes: Array(text.utf8)) }
        #expect(error == StateError(kind, message))
    }
}
