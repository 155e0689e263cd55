import FlowConfig
import FlowMigration

/// Runs a flow to its end the way Selinon's in-process executor (`selinon.executor`) does, with
/// the tasks' outcomes given instead of running them (``NodeOutcomes``).
///
/// Like the executor, it keeps one first-in-first-out queue of work and no clock: a dispatcher
/// run appends the tasks and sub-flow dispatchers it starts (in start order), then itself while
/// its flow still runs; a failing task with `max_retry` left is appended again (same instance);
/// a failing flow with `max_retry` left restarts from scratch. So every node a dispatcher run
/// starts has ended before that flow's next run, and a sub-flow ends a few runs of its parent
/// later. Countdowns, throttling and sampling strategies delay nothing here (Selinon's executor
/// honours them, in real time). Conditions are Selinon's built-in predicates
/// (``SelinonPredicates``); a flow that reaches a condition they cannot decide, or a
/// `selective` edge, is reported as an error.
public struct FlowExecution: Sendable {
    /// How a node's run (an attempt, for retried ones) ended.
    public enum NodeStatus: String, Sendable, Equatable {
        case succeeded
        case failed
        /// Failed, and runs again: a task retried by its `max_retry`, a flow restarted by its own.
        case retried
    }

    /// One task attempt or one flow dispatcher that ended, in the order they ended.
    public struct NodeRun: Sendable, Equatable {
        /// The flow the node ran in; `nil` for the flow that was executed.
        public var flow: String?
        /// The task or flow name.
        public var node: String
        /// Whether `node` is a flow (a sub-flow, or the executed flow).
        public var isFlow: Bool
        public var status: NodeStatus
    }

    /// Everything that happened until the queue ran dry.
    public struct Report: Sendable, Equatable {
        /// The executed flow.
        public var flow: String
        /// `succeeded` or `failed` (after the flow's own retries).
        public var status: FlowDispatcher.Status
        /// Dispatcher runs of every flow, sub-flows included.
        public var dispatcherRuns: Int
        /// Every task attempt and flow end, in the order they happened.
        public var nodes: [NodeRun]
        /// Why a dispatcher failed its flow outright (as Selinon's does on an exception in a run,
        /// without the flow's retries), one sentence each.
        public var dispatcherErrors: [String]
    }

    /// The configuration the flows come from.
    public let configuration: Configuration
    /// The flow to run.
    public let flow: String
    /// What the tasks do.
    public let outcomes: NodeOutcomes
    /// The tasks `outcomes` gives that neither the flow nor any sub-flow it can reach starts
    /// (by an edge or a fallback), sorted: their outcomes change nothing in this run (a task of
    /// another flow, given by mistake).
    public let tasksNeverStarted: [String]
    /// What `envExist`/`envEqual` read.
    public var environment: [String: String]
    /// Stop with an error after this many dispatcher runs (a flow that loops forever), or after
    /// ``taskRunsPerDispatcherRun`` times as many task runs (a `foreach` in a loop multiplies
    /// tasks faster than dispatcher runs).
    public var maxDispatcherRuns: Int

    /// How many task runs each allowed dispatcher run allows.
    public static let taskRunsPerDispatcherRun = 10
    /// How many combinations of source instances the joins may judge per allowed dispatcher run:
    /// in a loop through a join, every finished instance meets every earlier one, so the
    /// combinations multiply faster than the runs.
    public static let combinationsPerDispatcherRun = 100

    /// An execution of flow `flow`.
    /// - Throws: ``FlowEngineError`` when the flow does not exist, `outcomes` names a task the
    ///   configuration lacks (or a flow), or the flow can reach a `selective` edge.
    public init(configuration: Configuration, flow: String, outcomes: NodeOutcomes, environment: [String: String] = [:],
                maxDispatcherRuns: Int = 10_000) throws(FlowEngineError) {
        guard configuration.flows[flow] != nil else {
            throw FlowEngineError(message: "there is no flow '\(flow)' (flows: \(configuration.flows.keys.sorted().joined(separator: ", ")))")
        }
        for task in outcomes.tasks.keys.sorted() where !configuration.isTask(task) {
            throw FlowEngineError(message: configuration.isFlow(task)
                ? "outcomes are given for '\(task)', which is a flow: a flow's outcome follows from its nodes"
                : "outcomes are given for '\(task)', which is not a task of the configuration")
        }
        var reachable = [flow], seen: Set<String> = [flow], startedTasks: Set<String> = []
        while let name = reachable.popLast() {
            let definition = configuration.flows[name]!
            for edge in definition.edges {
                if edge.selective != nil {
                    throw FlowEngineError(message: "edge \(edge.index) of flow '\(name)' (\(edge.location)) starts a selective run, which is not executed here")
                }
            }
            let started = definition.edges.flatMap(\.to) + definition.failures.flatMap(\.fallback.nodes)
            for child in started where configuration.flows[child] != nil && seen.insert(child).inserted { reachable.append(child) }
            startedTasks.formUnion(started)
        }
        tasksNeverStarted = outcomes.tasks.keys.filter { !startedTasks.contains($0) }.sorted()
        self.configuration = configuration
        self.flow = flow
        self.outcomes = outcomes
        self.environment = environment
        self.maxDispatcherRuns = maxDispatcherRuns
    }

    /// Runs the flow until no work is left.
    /// - Throws: ``FlowEngineError`` when a condition cannot be decided, a `foreach` edge fires
    ///   whose function has no items in the outcomes, or the flows do not end
    ///   within ``maxDispatcherRuns`` dispatcher runs (or ten times as many task runs).
    public func run() throws(FlowEngineError) -> Report {
        var machine = Machine(execution: self)
        return try machine.run()
    }

    static func key(_ foreach: Foreach) -> String { "\(foreach.function.importPath).\(foreach.function.name)" }

    // MARK: - The queue

    /// The mutable part of an execution.
    private struct Machine {
        struct FlowInstance {
            var engine: FlowDispatcher
            var state: DispatcherState?
            var nodeArguments: JSONValue
            var retriedCount = 0
            /// The parent flow and the id this dispatcher has in its `active_nodes`.
            var parent: (flow: String, id: String)?
        }

        enum Work {
            case dispatcher(Int)
            case task(flow: String, node: DispatcherState.ActiveNode, attempt: Int)
        }

        let execution: FlowExecution
        var instances: [FlowInstance] = []
        var queue: [Work] = []
        var ended: [String: Bool] = [:]
        var results: [String: JSONValue] = [:]
        var ids = SequentialIDs()
        var taskRuns: [String: Int] = [:]
        var nodes: [NodeRun] = []
        var dispatcherRuns = 0
        /// Combinations of source instances the joins may still judge.
        var combinationsLeft = 0
        var dispatcherErrors: [String] = []
        var status = FlowDispatcher.Status.running

        init(execution: FlowExecution) {
            self.execution = execution
        }

        mutating func run() throws(FlowEngineError) -> Report {
            do {
                return try runQueue()
            } catch {
                var stopped = error
                stopped.stoppedExecution = Report(flow: execution.flow, status: status, dispatcherRuns: dispatcherRuns, nodes: nodes,
                                                  dispatcherErrors: dispatcherErrors)
                throw stopped
            }
        }

        private mutating func runQueue() throws(FlowEngineError) -> Report {
            let top = execution.configuration.flows[execution.flow]!
            instances.append(FlowInstance(engine: FlowDispatcher(flow: top, of: execution.configuration), nodeArguments: execution.outcomes.nodeArguments))
            queue.append(.dispatcher(0))
            let (product, overflow) = execution.maxDispatcherRuns.multipliedReportingOverflow(by: FlowExecution.taskRunsPerDispatcherRun)
            let maxTaskRuns = overflow ? Int.max : product
            let (combinations, combinationsOverflow) = execution.maxDispatcherRuns.multipliedReportingOverflow(
                by: FlowExecution.combinationsPerDispatcherRun)
            combinationsLeft = combinationsOverflow ? Int.max : combinations
            var head = 0, taskRunCount = 0
            while head < queue.count {
                let work = queue[head]
                head += 1
                switch work {
                case .dispatcher(let index): try dispatch(index)
                case .task(let flow, let node, let attempt):
                    taskRunCount += 1
                    guard taskRunCount <= maxTaskRuns else {
                        throw FlowEngineError(message: "the flows ran \(maxTaskRuns) tasks without ending (a loop runs them again; a foreach, or a join after a wide one, multiplies them); "
                            + "if they should end, allow more with --max-runs (\(FlowExecution.taskRunsPerDispatcherRun) task runs per dispatcher run)")
                    }
                    runTask(node, in: flow, attempt: attempt)
                }
                // Work done is dropped now and then, so memory follows what is still queued.
                if head >= 4_096 && head * 2 >= queue.count {
                    queue.removeFirst(head)
                    head = 0
                }
            }
            return Report(flow: execution.flow, status: status, dispatcherRuns: dispatcherRuns, nodes: nodes, dispatcherErrors: dispatcherErrors)
        }

        mutating func runTask(_ node: DispatcherState.ActiveNode, in flow: String, attempt: Int) {
            let instance = taskRuns[node.name, default: 0]
            taskRuns[node.name] = instance + 1
            switch execution.outcomes.outcome(of: node.name, instance: instance) {
            case .succeeded(let result):
                results[node.id] = result
                ended[node.id] = true
                nodes.append(NodeRun(flow: flow, node: node.name, isFlow: false, status: .succeeded))
            case .failed:
                if attempt < execution.configuration.task(named: node.name)?.maxRetry ?? 0 {
                    nodes.append(NodeRun(flow: flow, node: node.name, isFlow: false, status: .retried))
                    queue.append(.task(flow: flow, node: node, attempt: attempt + 1))
                } else {
                    ended[node.id] = false
                    nodes.append(NodeRun(flow: flow, node: node.name, isFlow: false, status: .failed))
                }
            }
        }

        mutating func dispatch(_ index: Int) throws(FlowEngineError) {
            // Counted once it runs: a run refused here is not one of the runs reported.
            guard dispatcherRuns < execution.maxDispatcherRuns else {
                let runs = execution.maxDispatcherRuns
                throw FlowEngineError(message: "the flows did not end within \(runs) dispatcher run\(runs == 1 ? "" : "s"): a flow loops, "
                    + "or sub-flows are nested deeply (every running parent's dispatcher runs again while its child runs); "
                    + "if they should end, allow more with --max-runs")
            }
            dispatcherRuns += 1
            // The state moves out of the list, so that the engine extends its lists in place
            // instead of copying them at every run (a loop's finished nodes grow with each).
            var instance = instances[index]
            instances[index].state = nil
            let flow = instance.engine.flow
            let argumentsBefore = instance.nodeArguments
            var decisions = ExecutionDecisions(results: results, nodeArguments: instance.nodeArguments, environment: execution.environment,
                                               foreachItems: execution.outcomes.foreachItems, ids: ids,
                                               combinationsLeft: combinationsLeft)
            let run: FlowDispatcher.Run
            if let active = instance.state?.activeNodes {
                let finished = Set(active.filter { ended[$0.id] == true }.map(\.id))
                let failed = Set(active.filter { ended[$0.id] == false }.map(\.id))
                run = instance.engine.advance(instance.state.take()!, finished: finished, failed: failed, &decisions)
            } else {
                run = instance.engine.start(&decisions)
            }
            combinationsLeft = decisions.combinationsLeft
            if decisions.stopsJudging {
                let budget = execution.maxDispatcherRuns.multipliedReportingOverflow(by: FlowExecution.combinationsPerDispatcherRun)
                throw FlowEngineError(message: "the joins of flow '\(flow.name)' judged \(budget.overflow ? Int.max : budget.partialValue) "
                    + "combinations of source instances without the flows ending: a join meets every finished instance of one source "
                    + "with every earlier one of the others, so a wide foreach before it or a loop through it multiplies them; "
                    + "if the flows should end, allow more with --max-runs "
                    + "(\(FlowExecution.combinationsPerDispatcherRun) combinations per dispatcher run)")
            }
            if let (edge, function) = decisions.foreachWithoutItems {
                throw FlowEngineError(message: "edge \(edge.index) of flow '\(flow.name)' (\(edge.location)) fires and has foreach "
                    + "'\(function)': give the items it returns in the outcomes' \"foreach\"")
            }
            if let undecided = decisions.undecided {
                throw FlowEngineError(message: "\(undecided) of flow '\(flow.name)' uses a predicate that cannot be decided here "
                    + "(Selinon's built-in predicates on results, node_args and the environment can, but not custom ones, httpStatus "
                    + "or a URL predicate on a bracketed host such as http://[::1]/); `analyze` tries "
                    + "such conditions both ways and `simulate` decides them at random, or run the flow with selinon-cli execute")
            }
            ids = decisions.ids
            if let unstored = run.unreadFirstResult {
                // Selinon's StoragePool.retrieve raises; the dispatcher fails the flow at once.
                dispatcherErrors.append("\(flow.name): node_args_from_first reads the result of \(unstored), which no storage keeps, "
                    + "so Selinon's dispatcher fails the flow")
                end(index, flow: flow.name, status: .failed)
                return
            }
            instance.nodeArguments = decisions.nodeArguments
            instance.state = run.state
            for (node, origin) in zip(run.started, run.origins) {
                guard let child = execution.configuration.flows[node.name] else {
                    queue.append(.task(flow: flow.name, node: node, attempt: 0))
                    continue
                }
                var arguments = JSONValue.null
                if case .edge(let edge, let item?) = origin, flow.edges[edge].foreach!.propagateResult {
                    arguments = execution.outcomes.foreachItems[FlowExecution.key(flow.edges[edge].foreach!)]![item]
                } else if flow.propagation.nodeArgs.covers(node.name) {
                    arguments = instance.nodeArguments
                }
                instances.append(FlowInstance(engine: FlowDispatcher(flow: child, of: execution.configuration), nodeArguments: arguments, parent: (flow.name, node.id)))
                queue.append(.dispatcher(instances.count - 1))
            }
            switch run.status {
            case .running:
                queue.append(.dispatcher(index))
            case .failed where instance.retriedCount < flow.maxRetry:
                instance.retriedCount += 1
                instance.state = nil
                instance.nodeArguments = argumentsBefore
                nodes.append(NodeRun(flow: instance.parent?.flow, node: flow.name, isFlow: true, status: .retried))
                queue.append(.dispatcher(index))
            case .succeeded, .failed:
                instances[index] = instance
                end(index, flow: flow.name, status: run.status)
                return
            }
            instances[index] = instance
        }

        mutating func end(_ index: Int, flow: String, status ending: FlowDispatcher.Status) {
            let parent = instances[index].parent
            nodes.append(NodeRun(flow: parent?.flow, node: flow, isFlow: true, status: ending == .succeeded ? .succeeded : .failed))
            if let parent { ended[parent.id] = ending == .succeeded } else { status = ending }
        }
    }
}

/// Decisions of an execution: conditions on the given results and the flow's arguments,
/// `foreach` items from the outcomes, ids unique over the whole execution.
private struct ExecutionDecisions: FlowDecisions {
    var results: [String: JSONValue]
    var nodeArguments: JSONValue
    var environment: [String: String]
    var foreachItems: [String: [JSONValue]]
    var ids: SequentialIDs
    /// The first condition that could not be decided, for the error.
    var undecided: String?
    /// The first `foreach` edge that fired with no items for its function in the outcomes.
    var foreachWithoutItems: (edge: Edge, function: String)?
    /// Combinations of a join's source instances the execution may still judge.
    var combinationsLeft: Int
    /// A join needed one more combination judged than the budget allowed.
    var stopsJudging = false

    mutating func edgeCondition(_ edge: Edge, combination: [String: String], settled: Bool?) -> Bool {
        if edge.from.count > 1 {
            guard combinationsLeft > 0 else {
                stopsJudging = true
                return false
            }
            combinationsLeft -= 1
        }
        guard let condition = edge.condition else { return true }
        let predicates = SelinonPredicates(results: combination.mapValues { results[$0] ?? .null },
                                           singleSource: edge.from.count == 1 ? edge.from[0] : nil,
                                           nodeArguments: nodeArguments, environment: environment)
        guard let holds = predicates.evaluate(condition) else {
            if undecided == nil { undecided = "the condition of edge \(edge.index) (\(edge.location))" }
            return false
        }
        return holds
    }

    mutating func failureCondition(_ failure: FailureDefinition, settled: Bool?) -> Bool {
        guard let condition = failure.condition else { return true }
        let predicates = SelinonPredicates(results: [:], singleSource: nil, nodeArguments: nodeArguments, environment: environment)
        guard let holds = predicates.evaluate(condition) else {
            if undecided == nil { undecided = "the condition of the failure entry at \(failure.location)" }
            return false
        }
        return holds
    }

    mutating func foreachCount(_ edge: Edge) -> Int {
        let function = FlowExecution.key(edge.foreach!)
        guard let items = foreachItems[function] else {
            if foreachWithoutItems == nil { foreachWithoutItems = (edge, function) }
            return 0
        }
        return items.count
    }

    mutating func newID(for node: String) -> String { ids.next(for: node) }

    mutating func nodeArgumentsFromFirst(_ node: DispatcherState.ActiveNode) {
        nodeArguments = results[node.id] ?? .null
    }
}
