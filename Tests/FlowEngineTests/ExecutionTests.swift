import FlowConfig
import FlowEngine
import FlowMigration
import Testing
import TestSupport

/// Flows run to their end as Selinon's executor runs them (the cross-check against the real
/// executor is compat/engine_compat.py; these pin the rules down case by case).
struct ExecutionTests {
    /// Tasks `tasks` (with a storage unless listed in `unstored`, `max_retry` from `retries`)
    /// and the flows of `flows`, written as YAML flow-definition items.
    static func configuration(tasks: [String], unstored: Set<String> = [], retries: [String: Int] = [:], flows: [String],
                              _ body: String) throws -> Configuration {
        let directory = try TemporaryDirectory()
        let taskLines = tasks.map { task in
            "  - {name: \(task), import: t\(unstored.contains(task) ? "" : ", storage: s")\(retries[task].map { ", max_retry: \($0)" } ?? "")}\n"
        }
        let nodes = try directory.write("tasks:\n" + taskLines.joined()
                                        + "storages: [{name: s, import: st, classname: S, configuration: {a: 1}}]\n"
                                        + "flows: [\(flows.joined(separator: ", "))]\n", to: "nodes.yml")
        let flowFile = try directory.write("flow-definitions:\n" + body, to: "flows.yml")
        let result = ConfigurationLoader().load(try FileSystemConfigurationSource(nodesFile: nodes, flowPaths: [flowFile]).read())
        return try #require(result.configuration, "\(result.diagnostics)")
    }

    static func outcomes(_ json: String) throws -> NodeOutcomes {
        try NodeOutcomes(json: try JSONParser().parse(Array(json.utf8)))
    }

    static func trace(_ report: FlowExecution.Report) -> [String] {
        report.nodes.map { "\($0.flow.map { "\($0)/" } ?? "")\($0.node) \($0.status.rawValue)" }
    }

    /// The executor's order: a dispatcher run's nodes run before its next run; a sub-flow's
    /// dispatcher interleaves with its parent's.
    @Test func nodesRunInTheExecutorsOrder() throws {
        let configuration = try Self.configuration(tasks: ["A", "B", "X"], flows: ["f", "sub"], """
              - name: f
                edges:
                  - {from: , to: [A, sub]}
                  - {from: A, to: B}
              - name: sub
                edges:
                  - {from: , to: X}
            """)
        let report = try FlowExecution(configuration: configuration, flow: "f", outcomes: NodeOutcomes()).run()
        #expect(Self.trace(report) == ["f/A succeeded", "sub/X succeeded", "f/sub succeeded", "f/B succeeded", "f succeeded"])
        #expect(report.status == .succeeded && report.dispatcherRuns == 5)
    }

    /// Retries: a task's `max_retry` runs the same instance again (its next outcome); a flow's
    /// `max_retry` restarts it from scratch.
    @Test func tasksAndFlowsRetry() throws {
        let configuration = try Self.configuration(tasks: ["A", "B"], retries: ["A": 1], flows: ["f"], """
              - name: f
                max_retry: 1
                edges:
                  - {from: , to: A}
                  - {from: A, to: B}
            """)
        let outcomes = try Self.outcomes(#"{"tasks": {"A": [{"fails": true}, {"result": 1}], "B": [{"fails": true}, {"result": 2}]}}"#)
        let report = try FlowExecution(configuration: configuration, flow: "f", outcomes: outcomes).run()
        #expect(Self.trace(report) == ["f/A retried", "f/A succeeded", "f/B failed", "f retried", "f/A succeeded", "f/B succeeded", "f succeeded"])
    }

    /// `foreach` with `propagate_result`: each item becomes a sub-flow's arguments.
    @Test func foreachItemsBecomeSubflowArguments() throws {
        let configuration = try Self.configuration(tasks: ["A", "Go"], flows: ["f", "sub"], """
              - name: f
                edges:
                  - {from: , to: A}
                  - {from: A, to: sub, foreach: {import: m, function: items, propagate_result: true}}
              - name: sub
                edges:
                  - {from: , to: Go, condition: {name: argsFieldEqual, args: {key: go, value: true}}}
            """)
        let outcomes = try Self.outcomes(#"{"foreach": {"m.items": [{"go": true}, {"go": false}, {"go": true}]}}"#)
        let report = try FlowExecution(configuration: configuration, flow: "f", outcomes: outcomes).run()
        #expect(report.nodes.filter { $0.node == "Go" }.count == 2)
        #expect(report.nodes.filter { $0.node == "sub" && $0.status == .succeeded }.count == 3)
    }

    /// A `foreach` function that returns `None` (`null`) starts nothing, as an empty list does.
    @Test func aForeachReturningNoneStartsNothing() throws {
        let configuration = try Self.configuration(tasks: ["A", "Go"], flows: ["f"], """
              - name: f
                edges:
                  - {from: , to: A}
                  - {from: A, to: Go, foreach: {import: m, function: items}}
            """)
        let report = try FlowExecution(configuration: configuration, flow: "f", outcomes: try Self.outcomes(#"{"foreach": {"m.items": null}}"#)).run()
        #expect(Self.trace(report) == ["f/A succeeded", "f succeeded"])
    }

    /// The items of a `foreach` are needed only when its edge fires: a run that never gets there
    /// (the task before it fails) needs none; one that does is stopped, naming the function.
    @Test func aForeachNeedsItsItemsOnlyWhenItsEdgeFires() throws {
        let configuration = try Self.configuration(tasks: ["A", "B", "C"], flows: ["f"], """
              - name: f
                edges:
                  - {from: , to: A}
                  - {from: A, to: B}
                  - {from: B, to: C, foreach: {import: m, function: items}}
            """)
        let failing = try FlowExecution(configuration: configuration, flow: "f", outcomes: try Self.outcomes(#"{"tasks": {"A": {"fails": true}}}"#)).run()
        #expect(Self.trace(failing) == ["f/A failed", "f failed"])
        let reaching = try FlowExecution(configuration: configuration, flow: "f", outcomes: try Self.outcomes("{}"))
        #expect {
            try reaching.run()
        } throws: { error in
            (error as? FlowEngineError)?.message.hasPrefix("edge 2 of flow 'f' (") == true
                && (error as? FlowEngineError)?.message.hasSuffix("fires and has foreach 'm.items': give the items it returns in the outcomes' \"foreach\"") == true
        }
    }

    /// Selinon reads the first node's result from its storage for `node_args_from_first`; with
    /// no storage its dispatcher raises and fails the flow at once, retries or not (found by
    /// compat/engine_compat.py on the example's sbom_flow).
    @Test func argumentsFromAnUnstoredFirstNodeFailTheFlow() throws {
        let configuration = try Self.configuration(tasks: ["A", "Broken", "B"], unstored: ["Broken"], flows: ["f"], """
              - name: f
                node_args_from_first: true
                max_retry: 2
                edges:
                  - {from: , to: A}
                  - {from: A, to: B}
                failures:
                  - {nodes: A, fallback: Broken}
            """)
        let report = try FlowExecution(configuration: configuration, flow: "f", outcomes: try Self.outcomes(#"{"tasks": {"A": {"fails": true}}}"#)).run()
        #expect(Self.trace(report) == ["f/A failed", "f/Broken succeeded", "f failed"])
        #expect(report.dispatcherErrors == ["f: node_args_from_first reads the result of Broken, which no storage keeps, so Selinon's dispatcher fails the flow"])
    }

    @Test(arguments: [
        (#"{"tasks": {"A": {"fail": true}}}"#, #"tasks.A: expected {"result": …} or {"fails": true}"#),
        (#"{"tasks": {"A": []}}"#, "tasks.A: an empty list: give at least one outcome"),
        (#"{"tasks": {"A": [{"result": 1}, {"fails": false}]}}"#, #"tasks.A[1]: expected {"result": …} or {"fails": true}"#),
        (#"{"tasks": {"A": {"result": 1, "fails": true}}}"#, #"tasks.A: expected {"result": …} or {"fails": true}"#),
        (#"{"foreach": {"m.items": 3}}"#, "foreach.m.items: expected the list of items the function returns"),
        (#"{"node_arguments": {}}"#, "node_arguments: unknown key (expected node_args, tasks, foreach)"),
        ("[]", "expected an object, found an array"),
    ])
    func invalidOutcomesNameTheKey(_ json: String, _ message: String) throws {
        let error = try #require(throws: NodeOutcomesError.self) { try Self.outcomes(json) }
        #expect(error.description == message)
    }

    @Test(arguments: [
        (#"{"tasks": {"Nope": {"result": 1}}}"#, "outcomes are given for 'Nope', which is not a task of the configuration"),
        (#"{"tasks": {"sub": {"result": 1}}}"#, "outcomes are given for 'sub', which is a flow: a flow's outcome follows from its nodes"),
    ])
    func outcomesMustFitTheConfiguration(_ json: String, _ message: String) throws {
        let configuration = try Self.configuration(tasks: ["A"], flows: ["f", "sub"], """
              - name: f
                edges:
                  - {from: , to: sub}
              - name: sub
                edges:
                  - {from: , to: A}
                  - {from: A, to: A, foreach: {import: m, function: items}}
            """)
        let error = try #require(throws: FlowEngineError.self) {
            try FlowExecution(configuration: configuration, flow: "f", outcomes: try Self.outcomes(json))
        }
        #expect(error.message.hasPrefix(message), "\(error.message)")
        // A sub-flow's foreach without items stops the run when its edge fires.
        let run = try #require(throws: FlowEngineError.self) {
            try FlowExecution(configuration: configuration, flow: "f", outcomes: try Self.outcomes("{}")).run()
        }
        #expect(run.message.hasPrefix("edge 1 of flow 'sub' ("), "\(run.message)")
    }

    @Test func aForeachInALoopStopsAtItsBoundOfTaskRuns() throws {
        // Every A starts two more: the tasks double with each dispatcher run.
        let configuration = try Self.configuration(tasks: ["A"], flows: ["f"], """
              - name: f
                edges:
                  - {from: , to: A}
                  - {from: A, to: A, foreach: {import: m, function: split}}
            """)
        let execution = try FlowExecution(configuration: configuration, flow: "f", outcomes: try Self.outcomes(#"{"foreach": {"m.split": [1, 2]}}"#),
                                          maxDispatcherRuns: 30)
        let error = try #require(throws: FlowEngineError.self) { try execution.run() }
        #expect(error.message.hasPrefix("the flows ran 300 tasks without ending (a loop runs them again; a foreach, or a join after a wide one, multiplies them)"), "\(error.message)")
    }

    @Test func aLoopThroughAJoinStopsAtItsBoundOfCombinations() throws {
        // Every T3 meets the first T1 (whose result loops) again: instances, and the combinations
        // each new one is judged in, multiply (the helper's case: 69 s for --max-runs 1600, now bounded).
        let configuration = try Self.configuration(tasks: ["T0", "T1", "T3"], flows: ["f"], """
              - name: f
                edges:
                  - {from: , to: T0}
                  - {from: T0, to: T1}
                  - {from: [T1, T0], to: [T3, T3]}
                  - {from: [T1, T3], to: T1, condition: {name: fieldEqual, node: T1, args: {key: loop, value: true}}}
            """)
        let outcomes = try Self.outcomes(#"{"tasks": {"T1": [{"result": {"loop": true}}, {"result": {"loop": false}}]}}"#)
        let clock = ContinuousClock()
        let start = clock.now
        let error = try #require(throws: FlowEngineError.self) {
            try FlowExecution(configuration: configuration, flow: "f", outcomes: outcomes, maxDispatcherRuns: 400).run()
        }
        #expect(error.message.hasPrefix("the joins of flow 'f' judged 40000 combinations of source instances without the flows ending"),
                "\(error.message)")
        // Generous: the bound is on work, not time; before, this took seconds and grew with the square of the runs.
        #expect(clock.now - start < .seconds(30))
    }

    @Test func aLoopStopsAtItsBoundOfDispatcherRunsAndSaysHowToAllowMore() throws {
        let configuration = try Self.configuration(tasks: ["A"], flows: ["f"], """
              - name: f
                edges:
                  - {from: , to: A}
                  - {from: A, to: A}
            """)
        let error = try #require(throws: FlowEngineError.self) {
            try FlowExecution(configuration: configuration, flow: "f", outcomes: try Self.outcomes("{}"), maxDispatcherRuns: 50).run()
        }
        #expect(error.message.hasPrefix("the flows did not end within 50 dispatcher runs: a flow loops, or sub-flows are nested deeply"))
        #expect(error.message.hasSuffix("allow more with --max-runs"))
    }

    @Test func aConditionThatCannotBeDecidedIsAnError() throws {
        let configuration = try Self.configuration(tasks: ["A", "B"], flows: ["f"], """
              - name: f
                edges:
                  - {from: , to: A}
                  - {from: A, to: B, condition: {name: httpStatus, args: {host: example.com, path: /, status: 200}}}
            """)
        let error = try #require(throws: FlowEngineError.self) {
            try FlowExecution(configuration: configuration, flow: "f", outcomes: try Self.outcomes(#"{"tasks": {"A": {"result": {"url": "https://x"}}}}"#)).run()
        }
        #expect(error.message.hasPrefix("the condition of edge 1 ("))
        #expect(error.message.contains("of flow 'f' uses a predicate that cannot be decided here"))
        #expect(error.message.contains("`analyze` tries such conditions both ways and `simulate` decides them at random"))
    }
}
