import FlowConfig
import FlowEngine
import FlowMigration
import Testing

/// The bounds of the search of reachable states, the simulator's randomness and what `analyze`
/// reports besides the counts, at the edges mutation testing found unchecked.
struct SearchBoundTests {
    static func chain() throws -> FlowDispatcher {
        try EngineTests.flow(tasks: ["A", "B"], "    edges:\n      - {from: , to: A}\n      - {from: A, to: B}\n")
    }

    /// A → B takes five dispatcher runs to search (the start; A finishing or failing; B finishing
    /// or failing), finds two states of three node instances in all: bounds that equal what the
    /// search needs do not stop it.
    @Test func boundsThatEqualWhatTheSearchNeedsDoNotStopIt() throws {
        let engine = try Self.chain()
        let exact = ReachableStates(engine: engine, options: .init(maxStates: 5, runsPerState: 1, maxNodes: 3))
        #expect(!exact.isBounded && exact.states.map(\.summary) == ["A running", "A finished; B running"])
        let fewerRuns = ReachableStates(engine: engine, options: .init(maxStates: 4, runsPerState: 1))
        #expect(fewerRuns.bound == .runs)
        let fewerNodes = ReachableStates(engine: engine, options: .init(maxNodes: 2))
        #expect(fewerNodes.bound == .nodes && fewerNodes.states.map(\.summary) == ["A running"])
        let fewerStates = ReachableStates(engine: engine, options: .init(maxStates: 1))
        #expect(fewerStates.bound == .states && fewerStates.states.count == 1)
        #expect(!ReachableStates(engine: engine, options: .init(maxStates: 2)).isBounded)
    }

    /// A `foreach` edge starts 0…`maxForeach` nodes in the search, `maxForeach` included.
    @Test(arguments: [0, 1, 3])
    func theSearchStartsUpToMaxForeachNodes(_ maxForeach: Int) throws {
        let engine = try EngineTests.flow(tasks: ["A", "B"], """
                edges:
                  - {from: , to: A}
                  - {from: A, to: B, foreach: {import: m, function: items}}
            """)
        let states = ReachableStates(engine: engine, options: .init(maxForeach: maxForeach)).states
        let widest = states.map { $0.activeNodes.filter { $0.name == "B" }.count }.max()
        #expect(widest == maxForeach, "\(states.map(\.summary))")
    }

    /// Ten names are listed in full; from eleven, the first ten and how many more.
    @Test func aSummaryListsTenNamesInFull() {
        func summary(_ count: Int) -> String {
            DispatcherState(activeNodes: (0..<count).map { DispatcherState.ActiveNode(name: "T\($0)", id: "\($0)") }).summary
        }
        #expect(summary(10) == "T0, T1, T2, T3, T4, T5, T6, T7, T8, T9 running")
        #expect(summary(11) == "T0, T1, T10, T2, T3, T4, T5, T6, T7, T8 and 1 more running")
    }

    /// The simulator stops after 0…`maxRuns` runs (0 included: the start state), and ends one or
    /// two nodes per run.
    @Test func simulatedRunsEndOneOrTwoNodesFromNoneToMaxRuns() throws {
        let chain = FlowSimulator(engine: try Self.chain(), failureRate: 0, maxRuns: 1)
        let summaries = Set((0..<200).compactMap { chain.state(seed: $0)?.summary })
        #expect(summaries == ["A running", "A finished; B running"])
        let join = FlowSimulator(engine: try EngineTests.flow(tasks: ["A", "B", "C"], """
                edges:
                  - {from: , to: [A, B]}
                  - {from: [A, B], to: C}
            """), failureRate: 0, maxRuns: 1)
        let joined = Set((0..<200).compactMap { join.state(seed: $0)?.summary })
        #expect(joined == ["A, B running", "A finished; B running", "B finished; A running", "A, B finished; C running"])
    }

    /// `failureRate` 0 never fails a node; 1 fails every node that ends.
    @Test func theFailureRateDecidesWhichNodesFail() throws {
        let engine = try EngineTests.flow(tasks: ["A", "B"], "    edges:\n      - {from: , to: [A, B]}\n")
        let never = FlowSimulator(engine: engine, failureRate: 0, maxRuns: 2)
        let always = FlowSimulator(engine: engine, failureRate: 1, maxRuns: 2)
        let seeds: [UInt64] = Array(0..<100)
        #expect(seeds.compactMap { never.state(seed: $0) }.allSatisfy { $0.failedNodes.isEmpty })
        let failing = seeds.compactMap { always.state(seed: $0) }
        #expect(failing.allSatisfy { $0.finishedNodes.isEmpty })
        #expect(failing.contains { !$0.failedNodes.isEmpty })
    }

    /// Random decisions take a settled value as it is, and draw every `foreach` count from
    /// 0 to `maxForeach`.
    @Test func randomDecisionsKeepSettledValuesAndDrawEveryForeachCount() {
        let location = FileLocation(file: "flows.yml", line: 1, column: 1)
        let edge = Edge(index: 1, from: ["A"], to: ["B"], location: location)
        let failure = FailureDefinition(nodes: ["A"], fallback: .nodes(["F"]), location: location)
        var decisions = RandomDecisions(seed: 5, conditionProbability: 0.5, maxForeach: 3)
        for _ in 0..<50 {
            let edgeHolds = decisions.edgeCondition(edge, combination: ["A": "A-1"], settled: true)
            let edgeFails = decisions.edgeCondition(edge, combination: ["A": "A-1"], settled: false)
            let failureHolds = decisions.failureCondition(failure, settled: true)
            let failureFails = decisions.failureCondition(failure, settled: false)
            #expect(edgeHolds && !edgeFails && failureHolds && !failureFails)
        }
        let counts = Set((0..<200).map { _ in decisions.foreachCount(edge) })
        #expect(counts == [0, 1, 2, 3])
        let guessed = Set((0..<200).map { _ in decisions.failureCondition(failure, settled: nil) })
        #expect(guessed == [false, true])
    }

    /// `analyze` names the added edges that tainted a state or were armed in one — under RETRY
    /// as under IGNORE.
    @Test(arguments: [TaintedFlowStrategy.ignore, .retry])
    func theAnalysisNamesTaintingAndArmedEdges(_ strategy: TaintedFlowStrategy) throws {
        // [∅→A, A→B] gains A→C (2): armed while A runs; tainting once A finished.
        let configuration = try EngineTests.configuration(tasks: ["A", "B", "C"], """
                edges:
                  - {from: , to: A}
                  - {from: A, to: B}
            """)
        let addition = Migration(flows: ["f": EdgeMigration(taintingNodes: [2: ["A"]])], strategy: strategy)
        let analysis = MigrationAnalysis(configuration: configuration, flows: ["f"], chain: MigrationChain(migrations: [addition]), version: 0)
        let result = try #require(analysis.flows.first)
        #expect(result.taintingEdges == [2])
        #expect(result.armedEdges == [2])
        let tainted: MigrationAnalysis.Outcome = strategy == .retry ? .retry : .ignored
        #expect(result.counts == [.armed: 1, tainted: 1], "\(result.counts)")
    }
}
