import FlowConfig
import FlowEngine
import FlowMigration
import Testing
import TestSupport

/// Execution rules and bounds that mutation testing found unchecked: sub-flows' failures and
/// arguments, a flow's retry, and the budgets of task runs and join combinations at their limits.
struct ExecutionRuleTests {
    static func run(_ configuration: Configuration, _ outcomes: String = "{}", maxDispatcherRuns: Int = 10_000) throws -> FlowExecution.Report {
        try FlowExecution(configuration: configuration, flow: "f", outcomes: try ExecutionTests.outcomes(outcomes),
                          maxDispatcherRuns: maxDispatcherRuns).run()
    }

    /// A sub-flow that fails is a failed node of its parent: the parent fails, or its fallback runs.
    @Test func aFailingSubFlowFailsItsNodeInTheParent() throws {
        func configuration(_ failures: String) throws -> Configuration {
            try ExecutionTests.configuration(tasks: ["X", "F"], flows: ["f", "sub"], """
                  - name: f
                    edges:
                      - {from: , to: sub}
                \(failures)
                  - name: sub
                    edges:
                      - {from: , to: X}
                """)
        }
        let outcomes = #"{"tasks": {"X": {"fails": true}}}"#
        let bare = try Self.run(try configuration(""), outcomes)
        #expect(ExecutionTests.trace(bare) == ["sub/X failed", "f/sub failed", "f failed"])
        #expect(bare.status == .failed)
        let handled = try Self.run(try configuration("    failures:\n      - {nodes: sub, fallback: F}"), outcomes)
        #expect(ExecutionTests.trace(handled) == ["sub/X failed", "f/sub failed", "f/F succeeded", "f succeeded"])
    }

    /// `propagate_node_args` hands the parent's arguments to the sub-flows it names, and only to them.
    @Test func onlyTheSubFlowsNamedGetTheParentsArguments() throws {
        let configuration = try ExecutionTests.configuration(tasks: ["Go"], flows: ["f", "named", "other"], """
              - name: f
                propagate_node_args: [named]
                edges:
                  - {from: , to: [named, other]}
              - name: named
                edges:
                  - {from: , to: Go, condition: {name: argsFieldEqual, args: {key: go, value: true}}}
              - name: other
                edges:
                  - {from: , to: Go, condition: {name: argsFieldEqual, args: {key: go, value: true}}}
            """)
        let report = try Self.run(configuration, #"{"node_args": {"go": true}}"#)
        #expect(ExecutionTests.trace(report) == ["f/other succeeded", "named/Go succeeded", "f/named succeeded", "f succeeded"])
    }

    /// A flow restarted by its `max_retry` starts with the arguments the failing run was given:
    /// `node_args_from_first` in that very run does not carry over (Selinon retries with the
    /// dispatcher's own `node_args`).
    @Test func aRetriedFlowStartsWithTheArgumentsOfTheFailingRun() throws {
        let configuration = try ExecutionTests.configuration(tasks: ["A", "F", "G"], flows: ["f"], """
              - name: f
                node_args_from_first: true
                max_retry: 1
                edges:
                  - {from: , to: A, condition: {not: {name: argsFieldExist, args: {key: fromF}}}}
                failures:
                  - {nodes: A, fallback: [F, G]}
            """)
        // F is the first node to finish, alone (G failed): its result becomes the arguments in the
        // run that fails the flow for G. The restart does not see them: A starts again.
        let report = try Self.run(configuration, """
            {"tasks": {"A": [{"fails": true}, {"result": null}], "F": {"result": {"fromF": 1}}, "G": [{"fails": true}, {"result": null}]}}
            """)
        #expect(ExecutionTests.trace(report) == ["f/A failed", "f/F succeeded", "f/G failed", "f retried", "f/A succeeded", "f succeeded"])
    }

    /// `max_dispatcher_runs` × 10 task runs are allowed, the last one included.
    @Test func theTaskRunBudgetIncludesItsLastRun() throws {
        let tasks = (1...20).map { "T\($0)" }
        let configuration = try ExecutionTests.configuration(tasks: tasks, flows: ["f"], """
              - name: f
                edges:
                  - {from: , to: [\(tasks.joined(separator: ", "))]}
            """)
        let report = try Self.run(configuration, maxDispatcherRuns: 2)
        #expect(report.status == .succeeded && report.dispatcherRuns == 2 && report.nodes.count == 21)
    }

    /// Only joins spend the budget of combinations (100 per allowed dispatcher run), and the
    /// budget is spent exactly: 500 combinations fit in 5 runs, 501 do not.
    @Test(arguments: [false, true])
    func theCombinationBudgetCountsJoinsExactly(_ oneMore: Bool) throws {
        // 20 A and 25 B finish in one run: each B meets the 20 A — 500 combinations. D and E add one.
        let names = Array(repeating: "A", count: 20) + Array(repeating: "B", count: 25) + (oneMore ? ["D", "E"] : [])
        let configuration = try ExecutionTests.configuration(tasks: ["A", "B", "C"] + (oneMore ? ["D", "E"] : []), flows: ["f"], """
              - name: f
                edges:
            \(names.map { "      - {from: , to: \($0)}\n" }.joined())\
                  - {from: [A, B], to: C, condition: {name: alwaysFalse}}
            \(oneMore ? "      - {from: [D, E], to: C, condition: {name: alwaysFalse}}\n" : "")\
            \(String(repeating: "      - {from: A, to: C, condition: {name: alwaysFalse}}\n", count: 30))
            """)
        if oneMore {
            let error = try #require(throws: FlowEngineError.self) { try Self.run(configuration, maxDispatcherRuns: 5) }
            #expect(error.message.hasPrefix("the joins of flow 'f' judged 500 combinations"), "\(error.message)")
        } else {
            // Also 20 × 30 single-source edges judged: they spend nothing.
            let report = try Self.run(configuration, maxDispatcherRuns: 5)
            #expect(report.status == .succeeded && report.dispatcherRuns == 2)
        }
    }

    /// A failure condition that cannot be decided stops the execution, naming the entry.
    @Test func anUndecidableFailureConditionIsAnError() throws {
        let configuration = try ExecutionTests.configuration(tasks: ["A", "F"], flows: ["f"], """
              - name: f
                edges:
                  - {from: , to: A}
                failures:
                  - {nodes: A, fallback: F, condition: {name: argsFieldUrlNetloc, args: {key: u, netloc: x}}}
            """)
        let error = try #require(throws: FlowEngineError.self) {
            try Self.run(configuration, #"{"node_args": {"u": "http://[::1]/"}, "tasks": {"A": {"fails": true}}}"#)
        }
        #expect(error.message.hasPrefix("the condition of the failure entry at "), "\(error.message)")
        #expect(error.stoppedExecution.map(ExecutionTests.trace) == ["f/A failed"])
    }

    /// A flow that can reach a `selective` edge is refused before it runs.
    @Test func aSelectiveEdgeIsRefused() throws {
        let configuration = try ExecutionTests.configuration(tasks: ["A", "X"], flows: ["f", "sub"], """
              - name: f
                edges:
                  - {from: , to: A}
                  - {from: A, to: sub, selective: {tasks: [X]}}
              - name: sub
                edges:
                  - {from: , to: X}
            """)
        let error = try #require(throws: FlowEngineError.self) {
            try FlowExecution(configuration: configuration, flow: "f", outcomes: NodeOutcomes())
        }
        #expect(error.message.hasPrefix("edge 1 of flow 'f' ("), "\(error.message)")
        #expect(error.message.hasSuffix(") starts a selective run, which is not executed here"))
    }

    /// A task whose storage is read-only keeps no result: `node_args_from_first` cannot read it,
    /// and the dispatcher fails the flow.
    @Test func aReadOnlyStorageKeepsNoResultForTheArguments() throws {
        let directory = try TemporaryDirectory()
        let nodes = try directory.write("""
            tasks:
              - {name: A, import: t, storage: s, storage_readonly: true}
              - {name: B, import: t, storage: s}
            storages: [{name: s, import: st, classname: S, configuration: {a: 1}}]
            flows: [f]

            """, to: "nodes.yml")
        let flows = try directory.write("""
            flow-definitions:
              - name: f
                node_args_from_first: true
                edges:
                  - {from: , to: A}
                  - {from: A, to: B}

            """, to: "flows.yml")
        let loaded = ConfigurationLoader().load(try FileSystemConfigurationSource(nodesFile: nodes, flowPaths: [flows]).read())
        let configuration = try #require(loaded.configuration, "\(loaded.diagnostics)")
        let report = try Self.run(configuration)
        #expect(ExecutionTests.trace(report) == ["f/A succeeded", "f failed"])
        #expect(report.dispatcherErrors.count == 1)
        // The engine itself fails the flow, so that the reachable states and the simulated
        // ones hold no flow with A finished, which no dispatcher keeps in flight.
        let engine = try FlowDispatcher(configuration: configuration, flow: "f")
        let reachable = ReachableStates(engine: engine)
        #expect(reachable.states.count == 1 && reachable.states.allSatisfy { $0.finishedNodes.isEmpty }, "\(reachable.states)")
        let simulator = FlowSimulator(engine: engine, failureRate: 0)
        #expect((0..<50).compactMap { simulator.state(seed: $0) }.allSatisfy { $0.finishedNodes.isEmpty })
        var decisions = PredicateDecisions()
        let started = engine.start(&decisions)
        let ended = engine.advance(started.state, finished: Set(started.state.activeNodes.map(\.id)), failed: [], &decisions)
        #expect(ended.status == .failed && ended.unreadFirstResult == "A" && ended.started.isEmpty, "\(ended)")
    }
}
