import FlowConfig
import FlowEngine
import FlowMigration
import Synchronization
import Testing
import TestSupport

/// The engine against Selinon's documented behaviour (spec §3.3–§3.5), case by case.
struct EngineTests {
    /// A configuration of tasks `tasks` and one flow `f` written as YAML flow items.
    static func flow(tasks: [String], _ body: String) throws -> FlowDispatcher {
        try FlowDispatcher(configuration: try configuration(tasks: tasks, body), flow: "f")
    }

    /// The configuration behind ``flow(tasks:_:)``.
    static func configuration(tasks: [String], _ body: String) throws -> Configuration {
        let directory = try TemporaryDirectory()
        let nodes = try directory.write("tasks:\n" + tasks.map { "  - {name: \($0), import: t, storage: s}\n" }.joined()
                                        + "storages: [{name: s, import: st, classname: S, configuration: {a: 1}}]\nflows: [f]\n", to: "nodes.yml")
        let flows = try directory.write("flow-definitions:\n  - name: f\n" + body, to: "flows.yml")
        // Warnings (a predicate Selinon misnames) are fine here; errors are not.
        let result = ConfigurationLoader().load(try FileSystemConfigurationSource(nodesFile: nodes, flowPaths: [flows]).read())
        return try #require(result.configuration, "\(result.diagnostics)")
    }

    static func finish(_ run: FlowDispatcher.Run, _ engine: FlowDispatcher, _ names: [String], failing: [String] = [],
                       _ decisions: inout PredicateDecisions) -> FlowDispatcher.Run {
        let ids = { (wanted: [String]) in Set(run.state.activeNodes.filter { wanted.contains($0.name) }.map(\.id)) }
        return engine.advance(run.state, finished: ids(names), failed: ids(failing), &decisions)
    }

    /// Ids are random UUIDs as Celery makes them (version 4, RFC 4122 variant), the same for a seed.
    @Test func idsAreVersion4UUIDsDrawnFromTheSeed() throws {
        var decisions = RandomDecisions(seed: 7), again = RandomDecisions(seed: 7)
        for _ in 0..<200 {
            let id = decisions.newID(for: "A")
            #expect(id == again.newID(for: "A"))
            let digits = Array(id)
            #expect(digits.count == 36 && [8, 13, 18, 23].allSatisfy { digits[$0] == "-" }, "\(id)")
            #expect(digits[14] == "4" && "89ab".contains(digits[19]), "\(id)")
        }
    }

    @Test func theSearchOfReachableStatesIsBoundedByStatesAndByRuns() throws {
        // Each A may start another A; once B finishes, the join's condition is decided once per
        // A instance, so one dispatcher run has 2^n outcomes, most of them the same state.
        let engine = try Self.flow(tasks: ["A", "B", "C"], """
                edges:
                  - {from: , to: A}
                  - {from: , to: B}
                  - {from: A, to: A, condition: {name: fieldExist, args: {key: again}}}
                  - {from: [A, B], to: C, condition: {name: fieldExist, args: {key: ok}, node: A}}
            """)
        let byStates = ReachableStates(engine: engine, options: .init(maxStates: 150))
        #expect(byStates.bound == .states && byStates.states.count == 150)
        let byRuns = ReachableStates(engine: engine, options: .init(maxStates: 150, runsPerState: 2))
        #expect(byRuns.bound == .runs && byRuns.states.count < 150)
        // A flow that ends is searched to its end within the default bounds.
        let chain = ReachableStates(engine: try Self.flow(tasks: ["A", "B"], "    edges:\n      - {from: , to: A}\n      - {from: A, to: B}\n"))
        #expect(!chain.isBounded && chain.states.count == 2)
    }

    /// The search explores failures: the state where X failed while Y runs is found beside the
    /// one where X never started.
    @Test func aFailedNodeMakesAStateOfItsOwn() throws {
        let engine = try Self.flow(tasks: ["Start", "X", "Y"], """
                edges:
                  - {from: , to: Start}
                  - {from: Start, to: X, condition: {name: fieldExist, args: {key: go}}}
                  - {from: Start, to: Y}
            """)
        let states = ReachableStates(engine: engine).states
        #expect(states.contains { $0.activeNodes.map(\.name) == ["Y"] && $0.failedNodes.keys.sorted() == ["X"] })
        #expect(states.contains { $0.activeNodes.map(\.name) == ["Y"] && $0.failedNodes.isEmpty && $0.finishedNodes.keys.sorted() == ["Start"] })
    }

    /// The simulator writes flows in flight: a run that ends (every node done) is caught at its
    /// last running state, never after it.
    @Test func simulatedStatesAreOfRunningFlows() throws {
        let simulator = FlowSimulator(engine: try Self.flow(tasks: ["A", "B"], "    edges:\n      - {from: , to: A}\n      - {from: A, to: B}\n"),
                                      failureRate: 0)
        let states = (0..<200).compactMap { simulator.state(seed: $0) }
        #expect(states.count == 200)
        #expect(states.allSatisfy { !$0.activeNodes.isEmpty })
    }

    @Test func alwaysTrueAndAlwaysFalseAreNotGuessed() throws {
        // The search decides conditions both ways, but not these: Selinon cannot reach a state
        // where A finished and the alwaysTrue edge did not fire, or where the alwaysFalse one did.
        let body = """
                edges:
                  - {from: , to: A}
                  - {from: , to: D, condition: {not: {or: [{name: envExist, args: {env: DEBUG}}, {name: alwaysTrue}]}}}
                  - {from: A, to: B}
                  - {from: A, to: C, condition: {and: [{name: alwaysTrue}, {not: {name: alwaysFalse}}]}}
            """
        let configuration = try Self.configuration(tasks: ["A", "B", "C", "D"], body)
        let reachable = ReachableStates(engine: try FlowDispatcher(configuration: configuration, flow: "f"))
        #expect(!reachable.isBounded)
        #expect(reachable.states.map(\.summary) == ["A running", "A finished; B, C running", "A, B finished; C running",
                                                     "A finished; C running; B failed", "A, C finished; B running",
                                                     "A finished; B running; C failed"])
        for state in reachable.states {
            #expect(!state.activeNodes.contains { $0.name == "D" })
            if state.finishedNodes["A"] != nil { #expect(state.triggeredEdges.contains(3)) }
        }
        // With a predicates module of its own, the names mean whatever that module says: both ways.
        var custom = configuration
        custom.global.predicatesModule = "myapp.predicates"
        let guessed = ReachableStates(engine: try FlowDispatcher(configuration: custom, flow: "f"))
        #expect(guessed.states.contains { $0.activeNodes.contains { $0.name == "D" } })
        #expect(guessed.states.count > reachable.states.count)
    }

    @Test func aWideFanOutStopsAtTheNodeBudgetAndSummariesStayShort() throws {
        // One edge starts 40 tasks: every subset of them may have finished, so the states are
        // many and each holds 41 nodes; the node budget ends the search before --max-states.
        let names = (1...40).map { "T\($0)" }
        let engine = try Self.flow(tasks: ["A"] + names, "    edges:\n      - {from: , to: A}\n      - {from: A, to: [\(names.joined(separator: ", "))]}\n")
        let reachable = ReachableStates(engine: engine, options: .init(maxStates: 10_000, maxNodes: 4_100))
        #expect(reachable.bound == .nodes)
        #expect(reachable.states.count == 100, "the first state holds 1 node, then 100 hold 41: 4,101 is one too many")
        let wide = reachable.states[1]  // A finished, all forty running
        #expect(wide.summary == "A finished; T1, T10, T11, T12, T13, T14, T15, T16, T17, T18 and 30 more running", "\(wide.summary)")
    }

    /// A removed sub-flow fails on the new workers, and its parent with it: the failure entries
    /// the new workers read cannot name the removed flow, whatever fallback the old flow had.
    @Test func aRemovedSubFlowFailsItsParentWhateverTheOldFailureEntries() throws {
        func configuration(failures: String) throws -> Configuration {
            let directory = try TemporaryDirectory()
            let nodes = try directory.write("tasks:\n  - {name: A, import: t}\n  - {name: X, import: t}\nflows: [p, c]\n", to: "nodes.yml")
            let flows = try directory.write("""
                flow-definitions:
                  - name: p
                    edges:
                      - {from: , to: A}
                      - {from: A, to: c}
                \(failures)
                  - name: c
                    edges:
                      - {from: , to: X}
                """, to: "flows.yml")
            return try ConfigurationLoader().load(try FileSystemConfigurationSource(nodesFile: nodes, flowPaths: [flows]).read()).get()
        }
        // Migration 1 removes flow c (as _meta.edge_counts records it) and changes nothing in p.
        var removal = Migration(flows: [:], strategy: .ignore)
        removal.metadata = .object(["edge_counts": .object([
            "c": .object(["old": .number(JSONNumber(1))]),
            "p": .object(["old": .number(JSONNumber(2)), "new": .number(JSONNumber(2))]),
        ])])
        let chain = MigrationChain(migrations: [removal])
        let bare = MigrationAnalysis(configuration: try configuration(failures: ""), flows: ["p"], chain: chain, version: 0)
        #expect(bare.flows.first?.counts[.fail] == 1, "the state with c running: \(bare.flows.first?.counts ?? [:])")
        #expect(bare.flows.first?.examples[.fail]?.summary == "A finished; c running")
        let handled = MigrationAnalysis(configuration: try configuration(failures: "    failures:\n      - {nodes: c, fallback: true}"),
                                        flows: ["p"], chain: chain, version: 0)
        #expect(handled.flows.first?.counts[.fail] == 1, "the old failure entry for c is not the new workers': \(handled.flows.first?.counts ?? [:])")
        // A flow that RETRY restarts leaves the sub-flow behind: the sub-flow's dispatcher still
        // fails, but the restarted parent no longer waits for it, so the parent is retried, not failed.
        var retried = removal
        retried.strategy = .retry
        retried.flows = ["p": EdgeMigration(taintedEdges: [1: TaintedEdge(from: ["A"], to: ["c"], condition: .object(["name": .string("alwaysTrue")]))])]
        let restarted = MigrationAnalysis(configuration: try configuration(failures: ""), flows: ["p"], chain: MigrationChain(migrations: [retried]), version: 0)
        let restartedCounts = try #require(restarted.flows.first).counts
        #expect(restartedCounts[.fail] == nil && restartedCounts[.retry] == 1, "A finished with c running: \(restartedCounts)")
    }

    /// Spec §3.4, run by run.
    @Test func theWorkedExample() throws {
        let engine = try Self.flow(tasks: ["Fetch", "Audit", "Parse", "Store"], """
                edges:
                  - {from: , to: Fetch}
                  - {from: , to: Audit}
                  - {from: Fetch, to: Parse}
                  - {from: [Audit, Parse], to: Store}
            """)
        var decisions = PredicateDecisions()
        var run = engine.start(&decisions)
        #expect(run.state.activeNodes.map(\.name) == ["Fetch", "Audit"])
        #expect(run.state.waitingEdges == [2, 3] && Set(run.state.triggeredEdges) == [0, 1])
        run = Self.finish(run, engine, ["Audit"], &decisions)
        #expect(run.state.activeNodes.map(\.name) == ["Fetch"] && run.state.finishedNodes.keys.sorted() == ["Audit"])
        #expect(Set(run.state.triggeredEdges) == [0, 1], "edge 3 has no Parse yet")
        run = Self.finish(run, engine, ["Fetch"], &decisions)
        #expect(run.state.activeNodes.map(\.name) == ["Parse"] && Set(run.state.triggeredEdges) == [0, 1, 2])
        run = Self.finish(run, engine, ["Parse"], &decisions)
        #expect(run.state.activeNodes.map(\.name) == ["Store"] && Set(run.state.triggeredEdges) == [0, 1, 2, 3])
        #expect(run.state.waitingEdges == [2, 3])
        run = Self.finish(run, engine, ["Store"], &decisions)
        #expect(run.status == .succeeded && run.state.activeNodes.isEmpty)
    }

    /// Spec §3.5: a fallback rejoins the main path.
    @Test func aFallbackRejoinsTheMainPath() throws {
        let engine = try Self.flow(tasks: ["Fetch", "Parse", "RetryFetch"], """
                edges:
                  - {from: , to: Fetch}
                  - {from: Fetch, to: Parse}
                  - {from: RetryFetch, to: Parse}
                failures:
                  - {nodes: Fetch, fallback: RetryFetch}
            """)
        var decisions = PredicateDecisions()
        var run = engine.start(&decisions)
        run = Self.finish(run, engine, [], failing: ["Fetch"], &decisions)
        #expect(run.status == .running)
        #expect(run.state.activeNodes.map(\.name) == ["RetryFetch"] && run.state.failedNodes.isEmpty)
        #expect(run.state.waitingEdges == [1] && Set(run.state.triggeredEdges) == [0])
        run = Self.finish(run, engine, ["RetryFetch"], &decisions)
        #expect(run.state.activeNodes.map(\.name) == ["Parse"] && run.state.finishedNodes.keys.sorted() == ["RetryFetch"])
        #expect(run.state.waitingEdges == [1, 2] && Set(run.state.triggeredEdges) == [0, 2])
    }

    @Test func failuresWaitForRunningNodesAndUnhandledOnesFailTheFlow() throws {
        let engine = try Self.flow(tasks: ["A", "B", "C"], """
                edges:
                  - {from: , to: [A, B]}
                  - {from: [A, B], to: C}
            """)
        var decisions = PredicateDecisions()
        var run = engine.start(&decisions)
        run = Self.finish(run, engine, [], failing: ["A"], &decisions)
        #expect(run.status == .running, "B still runs")
        #expect(run.state.failedNodes.keys.sorted() == ["A"])
        run = Self.finish(run, engine, ["B"], &decisions)
        #expect(run.status == .failed)
    }

    /// Entries for the same nodes are alternatives: every one whose condition holds starts its
    /// fallback (found by compat/engine_compat.py; we used to start only the first).
    @Test func everyFallbackAlternativeWhoseConditionHoldsStarts() throws {
        let engine = try Self.flow(tasks: ["A", "F", "G", "H"], """
                edges:
                  - {from: , to: A}
                failures:
                  - {nodes: A, fallback: F}
                  - {nodes: A, fallback: G, condition: {name: argsFieldExist, args: {key: never}}}
                  - {nodes: A, fallback: H}
            """)
        var decisions = PredicateDecisions(nodeArguments: .object([:]))
        let run = Self.finish(engine.start(&decisions), engine, [], failing: ["A"], &decisions)
        #expect(run.status == .running)
        #expect(run.state.activeNodes.map(\.name) == ["F", "H"])
        #expect(run.state.failedNodes.isEmpty, "one failed instance is consumed once")
    }

    /// Two failed instances of one node start its fallback twice in the same run (found by
    /// compat/engine_compat.py; we used to handle one instance per run).
    @Test func aFallbackStartsOncePerFailedInstanceInOneRun() throws {
        let engine = try Self.flow(tasks: ["A", "F"], """
                edges:
                  - {from: , to: A}
                  - {from: , to: A}
                failures:
                  - {nodes: A, fallback: F}
            """)
        var decisions = PredicateDecisions()
        let run = Self.finish(engine.start(&decisions), engine, [], failing: ["A"], &decisions)
        #expect(run.state.activeNodes.map(\.name) == ["F", "F"])
        #expect(run.state.failedNodes.isEmpty)
    }

    /// The largest combination of failed nodes that an entry covers is handled first, then
    /// smaller ones — and only combinations some entry names are looked at: 40 parallel tasks
    /// that all fail have 2^40 combinations, which a search of every one would never finish.
    @Test func fallbacksOfAWideFlowWhoseTasksAllFailAreFoundByTheEntries() throws {
        let tasks = (0..<40).map { "T" + ($0 < 10 ? "0" : "") + String($0) }
        let engine = try Self.flow(tasks: tasks + ["F1", "F2", "F3"], """
                edges:
                  - {from: , to: [\(tasks.joined(separator: ", "))]}
                failures:
                  - {nodes: T07, fallback: F1}
                  - {nodes: [T03, T07], fallback: F2}
                  - {nodes: [T01, T39], fallback: F3}
            """)
        var decisions = PredicateDecisions()
        let run = Self.finish(engine.start(&decisions), engine, [], failing: tasks, &decisions)
        // Size 2 first, in lexicographic order: [T01, T39] before [T03, T07]; T07 is then consumed.
        #expect(run.state.activeNodes.map(\.name) == ["F3", "F2"], "\(run.state.activeNodes)")
        #expect(run.state.failedNodes.count == 36)
    }

    /// A `foreach` edge starts every destination for the first item, then for the next
    /// (Selinon's `_fire_edge`), so `active_nodes` interleaves them.
    @Test func foreachStartsTheDestinationsItemByItem() throws {
        let engine = try Self.flow(tasks: ["A", "B", "C"], """
                edges:
                  - {from: , to: A}
                  - {from: A, to: [B, C], foreach: {import: m, function: items}}
            """)
        var decisions = PredicateDecisions(foreachItems: 2)
        let run = Self.finish(engine.start(&decisions), engine, ["A"], &decisions)
        #expect(run.state.activeNodes.map(\.name) == ["B", "C", "B", "C"])
        #expect(run.origins == [.edge(1, item: 0), .edge(1, item: 0), .edge(1, item: 1), .edge(1, item: 1)])
    }

    /// `node_args_from_first`: the first node's result becomes the arguments before the
    /// conditions of the same run are evaluated.
    @Test func theFirstResultBecomesTheArgumentsBeforeConditionsRun() throws {
        let engine = try Self.flow(tasks: ["A", "B"], """
                node_args_from_first: true
                edges:
                  - {from: , to: A}
                  - {from: A, to: B, condition: {name: argsFieldEqual, args: {key: go, value: true}}}
            """)
        var decisions = PredicateDecisions(results: ["A-1": .object(["go": .bool(true)])])
        let run = Self.finish(engine.start(&decisions), engine, ["A"], &decisions)
        #expect(run.state.activeNodes.map(\.name) == ["B"])
        #expect(decisions.nodeArguments == .object(["go": .bool(true)]))
    }

    @Test func eagerFailuresFailAtOnce() throws {
        // Selinon's check needs a failures section next to eager_failures (B's, here).
        let engine = try Self.flow(tasks: ["A", "B", "C"], """
                eager_failures: [A]
                edges:
                  - {from: , to: [A, B]}
                failures:
                  - {nodes: B, fallback: C}
            """)
        var decisions = PredicateDecisions()
        let run = Self.finish(engine.start(&decisions), engine, [], failing: ["A"], &decisions)
        #expect(run.status == .failed)
    }

    /// The state an eager failure leaves is Selinon's at that moment: the failures met before it
    /// (in the order of the active nodes) and it recorded, only it taken out of the active nodes —
    /// a failure before it is in both lists, a node that finished and one that failed after it
    /// stay active, as nothing recorded them yet.
    @Test func anEagerFailureKeepsTheNodesItDidNotGetTo() throws {
        let engine = try Self.flow(tasks: ["A", "B", "C", "D", "E"], """
                eager_failures: [C]
                edges:
                  - {from: , to: [A, B, C, D]}
                  - {from: A, to: E}
                failures:
                  - {nodes: B, fallback: E}
            """)
        var decisions = PredicateDecisions()
        let started = engine.start(&decisions)
        #expect(started.state.activeNodes.map(\.name) == ["A", "B", "C", "D"])
        let run = Self.finish(started, engine, ["A"], failing: ["B", "C", "D"], &decisions)
        #expect(run.status == .failed)
        #expect(run.state.activeNodes.map(\.name) == ["A", "B", "D"])
        #expect(run.state.failedNodes.mapValues(\.count) == ["B": 1, "C": 1])
        #expect(run.state.finishedNodes.isEmpty)
        #expect(run.state.waitingEdges == started.state.waitingEdges)
    }

    @Test func anEdgeFiresOncePerCombinationOfSourceInstances() throws {
        let engine = try Self.flow(tasks: ["A", "B", "C"], """
                edges:
                  - {from: , to: [A, B]}
                  - {from: , to: A}
                  - {from: [A, B], to: C}
            """)
        var decisions = PredicateDecisions()
        var run = engine.start(&decisions)
        #expect(run.state.activeNodes.map(\.name) == ["A", "B", "A"])
        run = Self.finish(run, engine, ["A", "B"], &decisions)
        #expect(run.state.activeNodes.filter { $0.name == "C" }.count == 2, "two A instances × one B")
    }

    @Test func nowaitNodesAreStartedButNotTracked() throws {
        let engine = try Self.flow(tasks: ["A", "Log"], """
                nowait: Log
                edges:
                  - {from: , to: [A, Log]}
            """)
        var decisions = PredicateDecisions()
        let run = engine.start(&decisions)
        #expect(run.started.map(\.name) == ["A", "Log"])
        #expect(run.state.activeNodes.map(\.name) == ["A"])
    }

    @Test func conditionsReadTheResultsOfTheirSources() throws {
        let engine = try Self.flow(tasks: ["A", "B", "C"], """
                edges:
                  - {from: , to: A}
                  - {from: A, to: B, condition: {name: fieldEqual, args: {key: [x, 0], value: 1}}}
                  - {from: A, to: C, condition: {not: {name: fieldEqual, args: {key: [x, 0], value: 1}}}}
            """)
        var decisions = PredicateDecisions(results: ["A-1": .object(["x": .array([.number(JSONNumber(text: "1.0"))])])])
        var run = engine.start(&decisions)
        run = Self.finish(run, engine, ["A"], &decisions)
        #expect(run.state.activeNodes.map(\.name) == ["B"], "1.0 == 1, as in Python")
    }

    /// Python compares an int with a float, and ints with each other, exactly: beyond 2**53 a
    /// double would make 2**53 + 1 equal to 2**53 (the helper's case, checked against Selinon).
    @Test(arguments: [
        ("9007199254740992.0", "9007199254740993", ["A"]),                   // == false, > false
        ("9007199254740993", "9007199254740992.0", ["A", "Gt"]),                 // == false, > true
        ("9007199254740993", "9007199254740992", ["A", "Gt"]),                 // ints: == false, > true
        ("9007199254740992", "9007199254740992.0", ["A", "Eq"]),               // equal
        ("1", "0.5", ["A", "Gt"]),
        ("-1", "-0.5", ["A"]),
        ("1e300", "9007199254740993", ["A", "Gt"]),
        ("NaN", "1", ["A"]),                                                   // NaN: not equal, not greater
        ("NaN", ".nan", ["A"]),
        ("5", ".nan", ["A"]),                                                  // not 5 == nan, as doubles would say
        // Beyond 64 bits, still exactly (doubles would make these equal).
        ("9223372036854775808", "9223372036854775807", ["A", "Gt"]),
        ("100000000000000000000", "99999999999999999999", ["A", "Gt"]),
        ("99999999999999999999", "100000000000000000000", ["A"]),
        ("-100000000000000000000", "-99999999999999999999", ["A"]),
        ("100000000000000000000", "100000000000000000000", ["A", "Eq"]),
        ("100000000000000000000", "1.0e+20", ["A", "Eq"]),                       // 1.0e+20 is exactly 10**20
        ("1e308", "1" + String(repeating: "0", count: 308), ["A", "Gt"]),     // 1e308 is a little more than 10**308
        ("-100000000000000000000", "-1", ["A"]),
        ("100000000000000000000", "1.5", ["A", "Gt"]),
        ("100000000000000000000", ".inf", ["A"]),
    ])
    func numbersCompareExactlyAsInPython(_ result: String, _ value: String, _ runs: [String]) throws {
        let engine = try Self.flow(tasks: ["A", "Eq", "Gt"], """
                edges:
                  - {from: , to: A}
                  - {from: A, to: Eq, condition: {name: fieldEqual, args: {key: n, value: \(value)}}}
                  - {from: A, to: Gt, condition: {name: fieldGreater, args: {key: n, value: \(value)}}}
            """)
        var decisions = PredicateDecisions(results: ["A-1": .object(["n": .number(JSONNumber(text: result))])])
        let run = Self.finish(engine.start(&decisions), engine, ["A"], &decisions)
        #expect(["A"] + run.state.activeNodes.map(\.name) == runs, "\(result) against \(value)")
    }

    /// `len(x) OP length` in Python, inside Selinon's `try: … except: return False`: a number
    /// compares by value, a string equals no length (so `!=` holds) and orders against none (false).
    /// (Outcomes checked with Selinon 1.4's predicates; `fieldLenGreaterEqual` is bound to `<=` there.)
    @Test(arguments: [("2", ["A", "Eq", "Le"]), ("2.0", ["A", "Eq", "Le"]), ("2.5", ["A", "Ne", "Gt", "Le"]), ("true", ["A", "Ne"]),
                      ("\"2\"", ["A", "Ne"])])
    func lengthsCompareAsInPython(_ length: String, _ runs: [String]) throws {
        let engine = try Self.flow(tasks: ["A", "Eq", "Ne", "Gt", "Le"], """
                edges:
                  - {from: , to: A}
                  - {from: A, to: Eq, condition: {name: fieldLenEqual, args: {key: items, length: \(length)}}}
                  - {from: A, to: Ne, condition: {name: fieldLenNotEqual, args: {key: items, length: \(length)}}}
                  - {from: A, to: Gt, condition: {name: fieldLenLess, args: {key: items, length: \(length)}}}
                  - {from: A, to: Le, condition: {name: fieldLenGreaterEqual, args: {key: items, length: \(length)}}}
            """)
        var decisions = PredicateDecisions(results: ["A-1": .object(["items": .array([.null, .null])])])
        let run = Self.finish(engine.start(&decisions), engine, ["A"], &decisions)
        #expect(["A"] + run.state.activeNodes.map(\.name) == runs, "length \(length)")
    }

    @Test(arguments: [("1.0", "fieldFloat"), ("1e2", "fieldFloat"), ("-0.0", "fieldFloat"), ("1", "fieldInt"), ("100000000000000000000", "fieldInt")])
    func aNumberWithAFractionOrExponentIsAFloatAsJSONLoadsReadsIt(_ number: String, _ runs: String) throws {
        // json.loads("1.0") is a float: fieldFloat holds, fieldInt does not, whatever the value.
        let engine = try Self.flow(tasks: ["A", "IsFloat", "IsInt", "ByInt", "ByFloat"], """
                edges:
                  - {from: , to: A}
                  - {from: A, to: IsFloat, condition: {name: fieldFloat, args: {key: x}}}
                  - {from: A, to: IsInt, condition: {name: fieldInt, args: {key: x}}}
                  - {from: A, to: ByInt, condition: {name: fieldExist, args: {key: [l, 1]}}}
                  - {from: A, to: ByFloat, condition: {name: fieldExist, args: {key: [l, 1.0]}}}
            """)
        let results: [String: JSONValue] = ["A-1": .object(["x": .number(JSONNumber(text: number)),
                                                            "l": .array([.string("first"), .string("second")])])]
        var decisions = PredicateDecisions(results: results)
        let run = Self.finish(engine.start(&decisions), engine, ["A"], &decisions)
        // A float indexes no list (Python raises TypeError for l[1.0]).
        #expect(run.state.activeNodes.map(\.name) == [runs == "fieldFloat" ? "IsFloat" : "IsInt", "ByInt"], "\(number)")
    }

    @Test(arguments: [
        ("fieldLenGreaterEqual", "[a, b, c]", "1", false),  // Selinon compares <=
        ("fieldLenGreater", "[a, b, c]", "1", true),
        ("fieldContain", "'hello'", "'ell'", true),
        // Lists order element-wise, as in Python (found by compat/engine_compat.py).
        ("fieldGreater", "[a, b, c]", "[]", true),
        ("fieldLess", "[a, b, c]", "[a, c]", true),
        ("fieldGreater", "[a, b, c]", "[a, 1]", false),  // 'b' > 1 raises: the predicate is false
    ])
    func builtinPredicatesFollowSelinon(_ name: String, _ field: String, _ argument: String, _ expected: Bool) throws {
        let argumentKey = name.hasPrefix("fieldLen") ? "length" : "value"
        let engine = try Self.flow(tasks: ["A", "B"], """
                edges:
                  - {from: , to: A}
                  - {from: A, to: B, condition: {name: \(name), args: {key: f, \(argumentKey): \(argument)}}}
            """)
        let value: JSONValue = field.hasPrefix("[") ? .array([.string("a"), .string("b"), .string("c")]) : .string("hello")
        var decisions = PredicateDecisions(results: ["A-1": .object(["f": value])])
        let run = Self.finish(engine.start(&decisions), engine, ["A"], &decisions)
        #expect(run.state.activeNodes.contains { $0.name == "B" } == expected)
    }
}

/// What `analyze` counts: every reachable state, migrated.
struct MigrationAnalysisTests {
    @Test func aStateWhoseOnlyChangeIsAnArmedEdgeIsNotCalledRenumbered() throws {
        // [∅→A, A→B] gains A→C: nothing moves; while A runs, the new edge waits too (armed); after A, it never fires (tainted).
        let configuration = try EngineTests.configuration(tasks: ["A", "B", "C"], """
                edges:
                  - {from: , to: A}
                  - {from: A, to: B}
            """)
        let addition = Migration(flows: ["f": EdgeMigration(taintingNodes: [2: ["A"]])], strategy: .ignore)
        let analysis = MigrationAnalysis(configuration: configuration, flows: ["f"], chain: MigrationChain(migrations: [addition]), version: 0)
        let counts = try #require(analysis.flows.first).counts
        #expect(counts[MigrationAnalysis.Outcome.armed] == 1 && counts[MigrationAnalysis.Outcome.renumbered] == nil, "\(counts)")
        #expect(counts[MigrationAnalysis.Outcome.ignored] == 1)
        // A renumbering still is one.
        let reorder = Migration(flows: ["f": EdgeMigration(translation: [0: 1, 1: 0])], strategy: .ignore)
        let moved = MigrationAnalysis(configuration: configuration, flows: ["f"], chain: MigrationChain(migrations: [reorder]), version: 0)
        #expect(try #require(moved.flows.first).counts[.renumbered] == 2)
    }

    @Test func aStateWhoseListsOnlyLookTheSameIsRenumbered() throws {
        // [∅→A, A→B, A→C] → [∅→A, A→C, A→D]: while A runs, waiting [1, 2] becomes [1, 2] — A→B dropped,
        // A→C moved from 2 to 1, A→D armed at 2. Not "unchanged".
        let configuration = try EngineTests.configuration(tasks: ["A", "B", "C", "D"], """
                edges:
                  - {from: , to: A}
                  - {from: A, to: B}
                  - {from: A, to: C}
            """)
        let migration = Migration(flows: ["f": EdgeMigration(translation: [1: nil, 2: 1], taintingNodes: [2: ["A"]])], strategy: .ignore)
        let analysis = MigrationAnalysis(configuration: configuration, flows: ["f"], chain: MigrationChain(migrations: [migration]), version: 0)
        let counts = try #require(analysis.flows.first).counts
        #expect(counts[MigrationAnalysis.Outcome.unchanged] == nil, "\(counts)")
        #expect((counts[MigrationAnalysis.Outcome.renumbered] ?? 0) >= 1, "\(counts)")
        // Edges swapped and swapped back (a revert) end where they were: unchanged.
        let swap = Migration(flows: ["f": EdgeMigration(translation: [1: 2, 2: 1])], strategy: .ignore)
        let reverted = MigrationAnalysis(configuration: configuration, flows: ["f"], chain: MigrationChain(migrations: [swap, swap]), version: 0)
        let revertedCounts = try #require(reverted.flows.first).counts
        #expect(revertedCounts[MigrationAnalysis.Outcome.renumbered] == nil, "\(revertedCounts)")
    }

    /// Each flow analysed is reported once, from whichever core analysed it, with the total;
    /// states are counted while a flow is searched, so one large flow does not look stuck.
    @Test func progressCountsEveryFlowOnceAndTheStatesAsTheyAreFound() throws {
        // Seven tasks started at once: 3^7 states (each running, finished or failed).
        let tasks = (1...7).map { "T\($0)" }
        let configuration = try EngineTests.configuration(tasks: tasks, """
                edges:
                  - {from: , to: [\(tasks.joined(separator: ", "))]}
            """)
        let reports = Mutex<[MigrationAnalysis.Progress]>([])
        let flows = ["f", "missing"]  // a flow the configuration lacks is not analysed, nor counted
        let addition = Migration(flows: ["f": EdgeMigration(taintingNodes: [1: ["T1"]])], strategy: .ignore)
        let analysis = MigrationAnalysis(configuration: configuration, flows: flows, chain: MigrationChain(migrations: [addition]), version: 0,
                                         progress: { progress in reports.withLock { $0.append(progress) } })
        let found = try #require(analysis.flows.first).reachable
        #expect(found > 1_000)
        let seen = reports.withLock { $0 }
        #expect(seen.last == MigrationAnalysis.Progress(flowsDone: 1, flows: 1, statesFound: found))
        #expect(seen.dropLast().map(\.statesFound) == Array(1...(found / MigrationAnalysis.progressInterval)).map { $0 * MigrationAnalysis.progressInterval })
        #expect(seen.dropLast().allSatisfy { $0.flowsDone == 0 && $0.flows == 1 })
    }
}
