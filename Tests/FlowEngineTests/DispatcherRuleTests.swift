import FlowConfig
import FlowEngine
import FlowMigration
import Testing

/// Dispatcher rules that mutation testing found unchecked: the order edges are tried in, when
/// `node_args_from_first` applies, and how fallbacks end a run (each checked against Selinon
/// 1.4's `SystemState`).
struct DispatcherRuleTests {
    /// Decisions that hold every condition and record the combinations a join is judged for.
    struct RecordingDecisions: FlowDecisions {
        var judged: [[String: String]] = []
        var ids = SequentialIDs()

        mutating func edgeCondition(_ edge: Edge, combination: [String: String], settled: Bool?) -> Bool {
            if edge.from.count > 1 { judged.append(combination) }
            return true
        }

        mutating func failureCondition(_ failure: FailureDefinition, settled: Bool?) -> Bool { true }
        mutating func foreachCount(_ edge: Edge) -> Int { 1 }
        mutating func newID(for node: String) -> String { ids.next(for: node) }
    }

    /// A finished node's edges are tried in the order they started waiting, not by index
    /// (Selinon walks `waiting_edges` in order): X starts before A, so [X, A]→C waits before A→B.
    @Test func aFinishedNodesEdgesFireInTheOrderTheyStartedWaiting() throws {
        let engine = try EngineTests.flow(tasks: ["X", "A", "B", "C"], """
                edges:
                  - {from: , to: [X, A]}
                  - {from: A, to: B}
                  - {from: [X, A], to: C}
            """)
        var decisions = PredicateDecisions()
        var run = engine.start(&decisions)
        #expect(run.state.waitingEdges == [2, 1])
        run = EngineTests.finish(run, engine, ["X"], &decisions)
        run = EngineTests.finish(run, engine, ["A"], &decisions)
        #expect(run.fired == [2, 1])
        #expect(run.state.activeNodes.map(\.name) == ["C", "B"])
    }

    /// A join's combinations are judged as `itertools.product` makes them: the first source's
    /// instances outermost, the last source's innermost.
    @Test func aJoinJudgesItsCombinationsInProductOrder() throws {
        let engine = try EngineTests.flow(tasks: ["A", "B", "D", "C"], """
                edges:
                  - {from: , to: A}
                  - {from: , to: A}
                  - {from: , to: B}
                  - {from: , to: B}
                  - {from: , to: D}
                  - {from: [A, B, D], to: C}
            """)
        var decisions = RecordingDecisions()
        var run = engine.start(&decisions)
        let ids = { (names: Set<String>) in Set(run.state.activeNodes.filter { names.contains($0.name) }.map(\.id)) }
        run = engine.advance(run.state, finished: ids(["A", "B"]), failed: [], &decisions)
        #expect(decisions.judged.isEmpty, "D has not finished")
        run = engine.advance(run.state, finished: ids(["D"]), failed: [], &decisions)
        #expect(decisions.judged.map { "\($0["A"]!) \($0["B"]!) \($0["D"]!)" }
                == ["A-1 B-1 D-1", "A-1 B-2 D-1", "A-2 B-1 D-1", "A-2 B-2 D-1"])
        #expect(run.state.activeNodes.map(\.name) == ["C", "C", "C", "C"])
    }

    /// An id given as both finished and failed counts as finished only.
    @Test func anInstanceBothFinishedAndFailedFinished() throws {
        let engine = try EngineTests.flow(tasks: ["A"], "    edges:\n      - {from: , to: A}\n")
        var decisions = PredicateDecisions()
        let started = engine.start(&decisions)
        let id = try #require(started.state.activeNodes.first?.id)
        let run = engine.advance(started.state, finished: [id], failed: [id], &decisions)
        #expect(run.status == .succeeded)
        #expect(run.state.finishedNodes == ["A": [id]] && run.state.failedNodes.isEmpty)
    }

    /// `node_args_from_first` takes the result of the first node to finish only when it finishes
    /// alone, nothing else runs and nothing finished before (Selinon's `_start_new_from_finished`);
    /// a node without a result gives `None`. (The flow starts one node; a fallback can start more.)
    @Test func theFirstResultBecomesTheArgumentsOnlyWhenItFinishesAlone() throws {
        let initial: JSONValue = .object(["initial": .bool(true)])
        let results: [String: JSONValue] = ["A-1": .object(["from": .string("A")]), "B-1": .object(["from": .string("B")]),
                                            "F-1": .object(["from": .string("F")]), "G-1": .object(["from": .string("G")])]
        let fallback = try EngineTests.flow(tasks: ["A", "F", "G"], """
                node_args_from_first: true
                edges:
                  - {from: , to: A}
                failures:
                  - {nodes: A, fallback: [F, G]}
            """)
        func fallbackRunning(_ decisions: inout PredicateDecisions) -> FlowDispatcher.Run {
            EngineTests.finish(fallback.start(&decisions), fallback, [], failing: ["A"], &decisions)
        }
        // F and G finish in one run: neither is the first.
        var together = PredicateDecisions(results: results, nodeArguments: initial)
        let running = fallbackRunning(&together)
        #expect(running.state.activeNodes.map(\.name) == ["F", "G"])
        _ = EngineTests.finish(running, fallback, ["F", "G"], &together)
        #expect(together.nodeArguments == initial)
        // F finishes while G runs: not taken either, nor G's after F finished.
        var alone = PredicateDecisions(results: results, nodeArguments: initial)
        let afterF = EngineTests.finish(fallbackRunning(&alone), fallback, ["F"], &alone)
        #expect(alone.nodeArguments == initial)
        _ = EngineTests.finish(afterF, fallback, ["G"], &alone)
        #expect(alone.nodeArguments == initial, "F finished before G")

        let chain = try EngineTests.flow(tasks: ["A", "B"], """
                node_args_from_first: true
                edges:
                  - {from: , to: A}
                  - {from: A, to: B}
            """)
        var decisions = PredicateDecisions(results: results, nodeArguments: initial)
        var run = EngineTests.finish(chain.start(&decisions), chain, ["A"], &decisions)
        #expect(decisions.nodeArguments == results["A-1"])
        run = EngineTests.finish(run, chain, ["B"], &decisions)
        #expect(run.status == .succeeded)
        #expect(decisions.nodeArguments == results["A-1"], "only the first node's result")
        var withoutResult = PredicateDecisions(nodeArguments: initial)
        _ = EngineTests.finish(chain.start(&withoutResult), chain, ["A"], &withoutResult)
        #expect(withoutResult.nodeArguments == .null)
    }

    /// `fallback: true` handles a failure and starts nothing: the flow succeeds.
    @Test func aFailureHandledByTrueLetsTheFlowSucceed() throws {
        let engine = try EngineTests.flow(tasks: ["A"], """
                edges:
                  - {from: , to: A}
                failures:
                  - {nodes: A, fallback: true}
            """)
        var decisions = PredicateDecisions()
        let run = EngineTests.finish(engine.start(&decisions), engine, [], failing: ["A"], &decisions)
        #expect(run.status == .succeeded)
        #expect(run.started.isEmpty && run.state.failedNodes.isEmpty && run.state.activeNodes.isEmpty)
    }

    /// An entry whose condition is false handles nothing: the failure stays and fails the flow.
    @Test func anEntryWhoseConditionIsFalseLeavesTheFailure() throws {
        let engine = try EngineTests.flow(tasks: ["A", "F"], """
                edges:
                  - {from: , to: A}
                failures:
                  - {nodes: A, fallback: F, condition: {name: argsFieldExist, args: {key: never}}}
            """)
        var decisions = PredicateDecisions(nodeArguments: .object([:]))
        let run = EngineTests.finish(engine.start(&decisions), engine, [], failing: ["A"], &decisions)
        #expect(run.status == .failed)
        #expect(run.started.isEmpty && run.state.failedNodes.mapValues(\.count) == ["A": 1])
    }

    /// A failure condition that cannot be decided takes `otherwise`, as edge conditions do.
    @Test(arguments: [false, true])
    func anUndecidableFailureConditionTakesOtherwise(_ otherwise: Bool) throws {
        let engine = try EngineTests.flow(tasks: ["A", "F"], """
                edges:
                  - {from: , to: A}
                failures:
                  - {nodes: A, fallback: F, condition: {name: argsFieldUrlNetloc, args: {key: u, netloc: x}}}
            """)
        var decisions = PredicateDecisions(nodeArguments: .object(["u": .string("http://[::1]/")]), otherwise: otherwise)
        let run = EngineTests.finish(engine.start(&decisions), engine, [], failing: ["A"], &decisions)
        #expect(run.status == (otherwise ? .running : .failed))
        #expect(run.started.map(\.name) == (otherwise ? ["F"] : []))
    }

    /// A `nowait` fallback ends the search for fallbacks (Selinon waits for it rather than
    /// decide the rest at a time that depends on it): B's failure is left, and fails the flow.
    @Test func aNowaitFallbackEndsTheFallbackSearch() throws {
        let engine = try EngineTests.flow(tasks: ["A", "B", "N", "F"], """
                nowait: N
                edges:
                  - {from: , to: [A, B]}
                failures:
                  - {nodes: A, fallback: N}
                  - {nodes: B, fallback: F}
            """)
        var decisions = PredicateDecisions()
        let run = EngineTests.finish(engine.start(&decisions), engine, [], failing: ["A", "B"], &decisions)
        #expect(run.started.map(\.name) == ["N"])
        #expect(run.state.failedNodes.keys.sorted() == ["B"] && run.state.activeNodes.isEmpty)
        #expect(run.status == .failed)
    }

    /// A handled combination consumes the first failed instance of each node (Selinon's
    /// `pop(0)`): the later one of A is left when B has no second failure.
    @Test func aFallbackConsumesTheFirstFailedInstance() throws {
        let engine = try EngineTests.flow(tasks: ["A", "B", "F"], """
                edges:
                  - {from: , to: A}
                  - {from: , to: A}
                  - {from: , to: B}
                failures:
                  - {nodes: [A, B], fallback: F}
            """)
        var decisions = PredicateDecisions()
        let run = EngineTests.finish(engine.start(&decisions), engine, [], failing: ["A", "B"], &decisions)
        #expect(run.started.map(\.name) == ["F"])
        #expect(run.state.failedNodes == ["A": ["A-2"]])
        #expect(run.status == .running)
    }
}
