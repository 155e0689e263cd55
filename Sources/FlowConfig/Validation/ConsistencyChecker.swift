/// Selinon's consistency check (`System._check`, skipped with `--no-check`) on a loaded
/// configuration, plus the checks Selinon misses that would break a worker or a flow.
struct ConsistencyChecker {
    let configuration: Configuration
    private(set) var diagnostics: [ConfigDiagnostic] = []
    /// Per flow, computed once (on every core): the nodes an edge or a fallback starts, the
    /// edge sources that none starts (usually none), and the sub-flows it starts. Every further
    /// set is built only for the flows whose settings need it, so that the check costs one set
    /// per flow.
    private let flowNodes: [String: FlowNodes]

    private struct FlowNodes {
        /// Every node an edge or a fallback starts (Selinon's "destination nodes").
        var destinations: Set<String>
        /// Edge sources that no edge or fallback of the flow starts.
        var unstartedEdgeSources: Set<String>
        /// The destinations that are flows, sorted.
        var subflows: [String]
    }

    init(configuration: Configuration) {
        self.configuration = configuration
        let flows = Array(configuration.flows.values)
        let nodes = flows.concurrentMap { flow in
            let destinations = flow.destinationNodes
            var unstarted = Set<String>()
            // By index: iterating the edges would copy each one.
            for index in flow.edges.indices {
                for name in flow.edges[index].from where !destinations.contains(name) { unstarted.insert(name) }
            }
            // Into an array: filtering the set would build another set.
            var subflows: [String] = []
            for name in destinations where configuration.flows[name] != nil { subflows.append(name) }
            return FlowNodes(destinations: destinations, unstartedEdgeSources: unstarted, subflows: subflows.sorted())
        }
        flowNodes = Dictionary(uniqueKeysWithValues: zip(flows.map(\.name), nodes))
    }

    /// Runs every check. Flows are checked on every core, each on its own; the diagnostics come
    /// out in the same order as checking them one after another.
    mutating func check() {
        let checker = self
        diagnostics += configuration.flowsSortedByName.concurrentMap { flow in
            var flowChecker = checker
            flowChecker.diagnostics = []
            flowChecker.check(flow)
            return flowChecker.diagnostics
        }.flatMap { $0 }
        checkUnusedDefinitions()
        checkTaskClasses()
        checkSubflowCycles()
    }

    private mutating func error(_ code: ConfigDiagnostic.Code, _ message: String, at location: FileLocation, hint: String = "") {
        diagnostics.append(ConfigDiagnostic(.error, code, message, at: location, hint: hint))
    }

    private mutating func warning(_ code: ConfigDiagnostic.Code, _ message: String, at location: FileLocation, hint: String = "") {
        diagnostics.append(ConfigDiagnostic(.warning, code, message, at: location, hint: hint))
    }

    private func isFlow(_ name: String) -> Bool { configuration.flows[name] != nil }
    private func isTask(_ name: String) -> Bool { !isFlow(name) && configuration.isTask(name) }

    // MARK: - One flow

    /// With `node_args_from_first`, Selinon's dispatcher reads the flow's arguments from the
    /// storage of the first node that finishes, and fails the flow when it cannot: the starting
    /// task, or — when it fails — a fallback for it. Selinon accepts such configurations, so
    /// these are warnings.
    private mutating func checkFirstResults(of flow: FlowDefinition, startingTask: String) {
        let what = "flow '\(flow.name)'"
        if !storesItsResult(startingTask) {
            let readOnly = isReadOnly(startingTask)
            warning(.flowStructure, "\(what) sets node_args_from_first, but its starting task '\(startingTask)' stores no result"
                    + (readOnly ? " (its storage is storage_readonly)" : "") + "; "
                    + "Selinon's dispatcher fails every run of the flow when it finishes",
                    at: flow.location, hint: readOnly ? "remove storage_readonly from '\(startingTask)', or remove node_args_from_first"
                        : "give '\(startingTask)' a storage (storage: NAME), or remove node_args_from_first")
        }
        for failure in flow.failures where failure.nodes == [startingTask] {
            for fallback in failure.fallback.nodes where !storesItsResult(fallback) {
                let readOnly = isReadOnly(fallback)
                let kind = isFlow(fallback) ? "a sub-flow" : readOnly ? "a task whose storage is storage_readonly" : "a task without a storage"
                warning(.flowStructure, "\(what) sets node_args_from_first, and when '\(startingTask)' fails its fallback "
                        + "'\(fallback)' (\(kind)) can finish first; Selinon's dispatcher then fails the flow instead of "
                        + "continuing it", at: failure.location,
                        hint: readOnly ? "remove storage_readonly from '\(fallback)', or remove node_args_from_first"
                            : "give '\(fallback)' a storage, or remove node_args_from_first")
            }
        }
    }

    /// Whether Selinon can look a node's result up: a task that writes a storage (a sub-flow has
    /// none, and a `storage_readonly` task only reads its storage).
    private func storesItsResult(_ name: String) -> Bool {
        guard !isFlow(name), let task = configuration.task(named: name) else { return false }
        return task.storage != nil && !task.storageReadOnly
    }

    /// Whether `name` is a task with a storage it only reads (`storage_readonly`).
    private func isReadOnly(_ name: String) -> Bool {
        guard !isFlow(name), let task = configuration.task(named: name) else { return false }
        return task.storage != nil && task.storageReadOnly
    }

    private mutating func check(_ flow: FlowDefinition) {
        let what = "flow '\(flow.name)'"
        let nodes = flowNodes[flow.name]!
        let destinations = nodes.destinations
        let propagation = flow.propagation
        let listsSources = [propagation.finished, propagation.compoundFinished, propagation.failures, propagation.compoundFailures]
            .contains { !$0.listedFlows.isEmpty }
        // Selinon's source nodes (edge sources and failure nodes), only for the settings that name nodes.
        let sources = flow.nowait.isEmpty && flow.eagerFailures.isEmpty && !listsSources ? [] : flow.sourceNodes
        let startingEdges = flow.edges.filter(\.isStartingEdge)

        if startingEdges.isEmpty {
            error(.flowStructure, "\(what) has no starting edge", at: flow.location,
                  hint: "add an edge with an empty 'from', e.g. {from: , to: FirstTask}")
        }
        if flow.nodeArgsFromFirst {
            if startingEdges.count > 1 || startingEdges.first.map({ $0.to.count > 1 }) == true {
                error(.flowStructure, "\(what) sets node_args_from_first but starts several nodes", at: flow.location,
                      hint: "node arguments can only come from a single starting task")
            } else if let first = startingEdges.first?.to.first, isFlow(first) {
                error(.flowStructure, "\(what) sets node_args_from_first but its starting node '\(first)' is a sub-flow",
                      at: flow.location, hint: "node arguments can only come from a task's result")
            } else if let first = startingEdges.first?.to.first {
                checkFirstResults(of: flow, startingTask: first)
            }
        }
        // By index, copying only the few edges with something to check.
        for index in flow.edges.indices where flow.edges[index].foreach != nil || flow.edges[index].selective != nil {
            check(flow.edges[index], in: flow)
        }

        for name in flow.nowait {
            if sources.contains(name) {
                error(.flowStructure, "'\(name)' is marked nowait in \(what), but an edge or failure depends on it",
                      at: flow.location(of: "nowait"), hint: "nowait nodes are never waited for; remove it from nowait or from the edge")
            }
            if !destinations.contains(name) {
                error(.flowStructure, "'\(name)' is marked nowait in \(what), but no edge or fallback starts it",
                      at: flow.location(of: "nowait"), hint: "remove it from nowait, or start it from an edge")
            }
        }
        let failureNodes = Set(flow.failures.flatMap(\.nodes))
        for name in flow.eagerFailures {
            if !sources.contains(name) && !destinations.contains(name) {
                error(.flowStructure, "'\(name)' is an eager-failure node of \(what), but the flow does not use it",
                      at: flow.location(of: "eager_failures"), hint: "remove it from eager_failures")
            } else if flow.nowait.contains(name) {
                error(.flowStructure, "'\(name)' is an eager-failure node of \(what) and also nowait, so its failure is never seen",
                      at: flow.location(of: "eager_failures"), hint: "remove it from eager_failures or from nowait")
            } else if flow.failures.isEmpty {
                // Selinon 1.4's check asks the flow's failures (None without any) for their nodes.
                error(.workerStartup, "\(what) lists eager_failures but has no failures: Selinon 1.4's consistency check "
                    + "crashes on that (AttributeError: 'NoneType' object has no attribute 'all_waiting_nodes'), so workers do not start",
                      at: flow.location(of: "eager_failures"), hint: "drop eager_failures, or give the flow a failures section for another node")
            } else if failureNodes.contains(name) {
                error(.flowStructure, "'\(name)' is an eager-failure node of \(what) but also has a fallback",
                      at: flow.location(of: "eager_failures"), hint: "a node with a fallback cannot stop the flow eagerly; choose one")
            }
        }
        for failure in flow.failures {
            for name in failure.nodes where !destinations.contains(name) {
                error(.failureDefinition, "a failure of \(what) handles '\(name)', which the flow never starts",
                      at: failure.location, hint: "failures name nodes that an edge or another fallback starts")
            }
        }
        checkPropagation(flow, sources: sources, destinations: destinations, failureNodes: failureNodes)

        // Every task an edge waits for must be started by the flow (sub-flows are exempt);
        // failure nodes were checked above.
        for name in nodes.unstartedEdgeSources.sorted() where isTask(name) {
            let location = flow.edges.first { $0.from.contains(name) }?.location ?? flow.location
            error(.flowStructure, "\(what) depends on task '\(name)', which no edge or fallback of the flow starts",
                  at: location, hint: "start '\(name)' with an edge, or remove the dependency")
        }
    }

    private mutating func check(_ edge: Edge, in flow: FlowDefinition) {
        let what = "edge \(edge.index) of flow '\(flow.name)'"
        if let foreach = edge.foreach, foreach.propagateResult {
            for name in edge.to where !isFlow(name) {
                error(.foreachDefinition, "\(what) propagates foreach results to '\(name)', which is not a flow",
                      at: edge.location, hint: "propagate_result passes each item as a sub-flow's arguments")
            }
            for name in edge.to where isFlow(name) && flow.propagation.nodeArgs.covers(name) {
                error(.foreachDefinition,
                      "\(what) propagates foreach results to '\(name)', but flow '\(flow.name)' also propagates its node arguments to it",
                      at: edge.location, hint: "remove '\(name)' from propagate_node_args or drop propagate_result")
            }
        }
        if let selective = edge.selective {
            if edge.to.count != 1 || !isFlow(edge.to[0]) {
                error(.selectiveRun, "\(what) has a selective run, so it must have exactly one destination, a flow",
                      at: edge.location, hint: "split the edge: one edge to the sub-flow with 'selective', others without")
            } else {
                checkPaths(of: selective, into: edge.to[0], what: what, in: flow, at: edge.location)
            }
        }
    }

    /// Selinon computes an edge's selective run when the edge fires (`compute_selective_run`) and
    /// fails the flow of the edge when it cannot (the dispatcher's exception): a selected task
    /// that no path reaches in the sub-flow — or, with `follow_subflows`, in the sub-flows it
    /// starts, transitively — or a `run_subsequent` flow among neither in which an edge follows
    /// the selected tasks. Selinon loads such a configuration, so these are warnings.
    private mutating func checkPaths(of run: SelectiveRun, into target: String, what: String, in flow: FlowDefinition,
                                     at location: FileLocation) {
        let warningsBefore = diagnostics.count
        let searched = run.followSubflows ? [target] + subflows(startedFrom: target).filter { $0 != target } : [target]
        let reached = searched.map { configuration.flows[$0].map(Self.nodesWithAPath) ?? [] }
        let followed = run.followSubflows ? "nor in the sub-flows it starts" : "(its sub-flows are not searched: follow_subflows is false)"
        for task in run.tasks where (configuration.isTask(task) || isFlow(task)) && !reached.contains(where: { $0.contains(task) }) {
            warning(.selectiveRun, "\(what) runs flow '\(target)' selectively for '\(task)', which no path of edges from a starting "
                    + "edge reaches in '\(target)' \(followed); Selinon's dispatcher fails flow '\(flow.name)' whenever the edge fires "
                    + "(SelectiveNoPathError)", at: location,
                    hint: run.followSubflows ? "remove '\(task)' from the selective run's tasks, or start it in '\(target)' or one of its sub-flows"
                        : "remove '\(task)' from the selective run's tasks, start it in '\(target)', or set follow_subflows: true when a sub-flow runs it")
        }
        if case .flows(let names) = run.runSubsequent {
            // Selinon looks the flow up only to add the edges that follow the selected tasks there:
            // one whose sources are all among them.
            let selected = Set(run.tasks)
            for name in Set(names).sorted() where !searched.contains(name)
                && configuration.flows[name]?.edges.contains(where: { !$0.from.isEmpty && $0.from.allSatisfy(selected.contains) }) == true {
                warning(.selectiveRun, "\(what) names flow '\(name)' in run_subsequent, where edges follow the selected tasks, but "
                        + "its selective run covers only '\(target)'" + (run.followSubflows ? " and the sub-flows it starts" : "")
                        + "; Selinon's dispatcher fails flow "
                        + "'\(flow.name)' whenever the edge fires (KeyError)", at: location,
                        hint: run.followSubflows ? "remove '\(name)' from run_subsequent"
                            : "remove '\(name)' from run_subsequent, or set follow_subflows: true if '\(target)' starts it")
            }
        }
        // The run is computed; without follow_subflows it has a part for the target alone, yet the
        // target passes it on to the sub-flows it starts, whose dispatchers look their part up.
        guard !run.followSubflows, diagnostics.count == warningsBefore, let definition = configuration.flows[target] else { return }
        for (index, subflow) in Self.subflowsStarted(by: run, in: definition, supported: reached[0], isFlow: isFlow) {
            warning(.selectiveRun, "\(what) runs flow '\(target)' selectively without follow_subflows, and the run starts sub-flow "
                    + "'\(subflow)' (edge \(index) of '\(target)'), which is handed the run but has no part in it: Selinon's dispatcher "
                    + "fails '\(subflow)' (KeyError), and '\(target)' with it unless a fallback handles that", at: location,
                    hint: "set follow_subflows: true, or give edge \(index) of '\(target)' a selective run of its own")
        }
    }

    /// The sub-flows (other than the flow itself) that a selective `run` of `flow` starts through
    /// edges without a selective run of their own, each with the edge: those on a path to a
    /// selected task — as Selinon's `compute_selective_run` finds the paths: every edge whose
    /// sources all have a path, for each node from which a selected task is reached back through
    /// such edges — and, with `run_subsequent`, those on the edges that follow the selected tasks.
    /// `supported`: the flow's ``nodesWithAPath(_:)``.
    private static func subflowsStarted(by run: SelectiveRun, in flow: FlowDefinition, supported: Set<String>,
                                        isFlow: (String) -> Bool) -> [(edge: Int, subflow: String)] {
        let edges = flow.edges
        var onPath = Set(run.tasks), queue = run.tasks
        while let node = queue.popLast() {
            for edge in edges where edge.to.contains(node) && edge.from.allSatisfy(supported.contains) {
                for source in edge.from where onPath.insert(source).inserted { queue.append(source) }
            }
        }
        var started: [(edge: Int, subflow: String)] = []
        for index in edges.indices where edges[index].selective == nil && edges[index].from.allSatisfy(supported.contains) {
            for name in edges[index].to where onPath.contains(name) && isFlow(name) && name != flow.name { started.append((index, name)) }
        }
        let subsequent: Bool
        switch run.runSubsequent {
        case .flag(let flag): subsequent = flag
        case .flows(let names): subsequent = names.contains(flow.name)
        }
        guard subsequent else { return started }
        // Selinon's `_compute_subsequent_edges`: edges whose sources were all selected or started by one found before.
        var desired = Set(run.tasks), following = Set<Int>(), changed = true
        while changed {
            changed = false
            for index in edges.indices where !edges[index].from.isEmpty && !following.contains(index) && edges[index].from.allSatisfy(desired.contains) {
                following.insert(index)
                desired.formUnion(edges[index].to)
                changed = true
            }
        }
        for index in following.sorted() where edges[index].selective == nil {
            for name in edges[index].to where isFlow(name) && name != flow.name && !started.contains(where: { $0 == (index, name) }) {
                started.append((index, name))
            }
        }
        return started.sorted { ($0.edge, $0.subflow) < ($1.edge, $1.subflow) }
    }

    /// The flows that `name`'s edges start, and theirs, transitively (fallbacks aside, as
    /// Selinon's selective run looks only at edges); `name` itself too when a cycle leads back.
    private func subflows(startedFrom name: String) -> [String] {
        var found: [String] = [], queue = [name], seen: Set<String> = []
        while let next = queue.popLast() {
            for edge in configuration.flows[next]?.edges ?? [] {
                for destination in edge.to where isFlow(destination) && seen.insert(destination).inserted {
                    found.append(destination)
                    queue.append(destination)
                }
            }
        }
        return found
    }

    /// The nodes of `flow` that Selinon's selective run finds a path to: those in a set where every
    /// node is a destination of an edge whose sources are all in the set too (a starting edge
    /// has none) — the largest such set, found by dropping unsupported nodes until none is.
    /// (Selinon searches the paths back from the node one by one; a path exists exactly when the
    /// node is in such a set. Like Selinon's, it may be a cycle that no starting edge enters.)
    private static func nodesWithAPath(_ flow: FlowDefinition) -> Set<String> {
        var edgesTo: [String: [Int]] = [:]
        for index in flow.edges.indices {
            for name in Set(flow.edges[index].to) { edgesTo[name, default: []].append(index) }
        }
        var nodes = Set(edgesTo.keys)
        var changed = true
        while changed {
            changed = false
            for node in nodes where !edgesTo[node, default: []].contains(where: { flow.edges[$0].from.allSatisfy(nodes.contains) }) {
                nodes.remove(node)
                changed = true
            }
        }
        return nodes
    }

    private mutating func checkPropagation(_ flow: FlowDefinition, sources: Set<String>, destinations: Set<String>,
                                           failureNodes: Set<String>) {
        let settings = flow.propagation
        let what = "flow '\(flow.name)'"
        for (key, option) in [("propagate_finished", settings.finished), ("propagate_compound_finished", settings.compoundFinished)] {
            for name in option.listedFlows {
                guard sources.contains(name) else {
                    error(.propagation, "\(key) of \(what) names '\(name)', but no edge of the flow depends on it",
                          at: flow.location(of: key), hint: "finished nodes are propagated to what follows '\(name)'; add an edge from it")
                    continue
                }
                // (Selinon warns only for an edge to one sub-flow; each of several misses them as much.)
                for edge in flow.edges where edge.from.contains(name) {
                    for subflow in edge.to where isFlow(subflow) && !settings.parent.covers(subflow) {
                        warning(.propagation,
                                "\(key) of \(what) names '\(name)', but its finished nodes never reach sub-flow '\(subflow)' because propagate_parent does not cover it",
                                at: edge.location, hint: "add '\(subflow)' to propagate_parent")
                    }
                }
            }
        }
        for (key, option) in [("propagate_failures", settings.failures), ("propagate_compound_failures", settings.compoundFailures)] {
            for name in option.listedFlows {
                if !sources.contains(name) {
                    error(.propagation, "\(key) of \(what) names '\(name)', which the flow does not depend on", at: flow.location(of: key), hint: "name only sub-flows this flow starts, or write true")
                } else if !failureNodes.contains(name) {
                    error(.propagation, "\(key) of \(what) names '\(name)', but no failure of the flow handles it", at: flow.location(of: key), hint: "add a failure entry for it, or remove it from \(key)")
                }
            }
        }
        for name in settings.parent.listedFlows where !destinations.contains(name) {
            error(.propagation, "propagate_parent of \(what) names '\(name)', which the flow never starts", at: flow.location(of: "propagate_parent"),
                  hint: "name only sub-flows this flow starts")
        }
        for (plainKey, plain, compoundKey, compound) in [
            ("propagate_finished", settings.finished, "propagate_compound_finished", settings.compoundFinished),
            ("propagate_failures", settings.failures, "propagate_compound_failures", settings.compoundFailures),
        ] {
            let overlap: [String]
            switch (plain, compound) {
            case (.allSubflows, .allSubflows):
                overlap = ["every sub-flow"]
            case (.allSubflows, .subflows(let listed)), (.subflows(let listed), .allSubflows):
                overlap = listed
            case (.subflows(let left), .subflows(let right)):
                overlap = left.filter(right.contains)
            default:
                overlap = []
            }
            if !overlap.isEmpty {
                error(.propagation, "\(plainKey) and \(compoundKey) of \(what) both cover \(overlap.joined(separator: ", "))",
                      at: flow.location(of: compoundKey), hint: "a sub-flow's results are propagated either flat or compound, not both")
            }
        }
    }

    // MARK: - Whole configuration

    private mutating func checkUnusedDefinitions() {
        // Sources and destinations of every flow: what edges and fallbacks start, plus the
        // sources nothing starts and the failure nodes (errors of their own, but still uses).
        // Used names are struck off the tasks, and the search stops when none is left (usually
        // after a few flows).
        var unused = Set(configuration.tasks.map(\.name))
        for (name, nodes) in flowNodes where !unused.isEmpty {
            unused.subtract(nodes.destinations)
            unused.subtract(nodes.unstartedEdgeSources)
            for failure in configuration.flows[name]!.failures { unused.subtract(failure.nodes) }
        }
        for task in configuration.tasks where unused.contains(task.name) {
            warning(.unusedDefinition, "task '\(task.name)' is never run in any flow", at: task.location,
                    hint: "start it from a flow, or remove it")
        }
        // By code point, as Python compares names (a set of strings would equate canonically equivalent ones).
        let storagesInUse = Set(configuration.tasks.compactMap { $0.storage.map { Array($0.unicodeScalars) } })
        for storage in configuration.storages where !storagesInUse.contains(Array(storage.name.unicodeScalars)) {
            warning(.unusedDefinition, "storage '\(storage.name)' is not used by any task", at: storage.location, hint: "give a task storage: \(storage.name), or remove the storage")
        }
    }

    /// Tasks sharing one Python class should agree on what the class is configured with.
    private mutating func checkTaskClasses() {
        var first: [String: TaskDefinition] = [:]
        for task in configuration.tasks {
            let key = task.importPath + "." + task.className
            guard let reference = first[key] else {
                first[key] = task
                continue
            }
            if reference.outputSchema != task.outputSchema {
                warning(.invalidValue, "tasks '\(reference.name)' and '\(task.name)' share class '\(task.className)' but have different output_schema",
                        at: task.location, hint: "Selinon keeps one output_schema per class: give them the same one")
            }
            if reference.maxRetry != task.maxRetry {
                warning(.invalidValue, "tasks '\(reference.name)' and '\(task.name)' share class '\(task.className)' but have different max_retry",
                        at: task.location, hint: "Selinon keeps one max_retry per class: give them the same one")
            }
        }
    }

    /// Selinon allows a flow to start itself (directly or through other flows); that is rarely
    /// intended, so it is a warning.
    private mutating func checkSubflowCycles() {
        let flows = configuration.flowsSortedByName
        var children: [String: [String]] = [:]
        for flow in flows {
            children[flow.name] = flowNodes[flow.name]!.subflows
        }
        // Only a flow in a cycle can start itself, and its search never needs to leave the
        // flows of its cycles (its strongly connected component): a chain of thousands of
        // sub-flows is not searched from each of its flows.
        let component = Self.stronglyConnectedComponents(of: flows.map(\.name), children: children)
        var reported = Set<String>()
        for flow in flows where !reported.contains(flow.name) {
            let own = component[flow.name]!
            guard own.size > 1 || children[flow.name]!.contains(flow.name) else { continue }
            // Depth-first search for a path back to `flow`.
            var stack: [(name: String, path: [String])] = [(flow.name, [flow.name])]
            var visited = Set<String>()
            while let (name, path) = stack.popLast() {
                for child in children[name] ?? [] where component[child]?.id == own.id {
                    if child == flow.name {
                        let cycle = (path + [child]).joined(separator: " → ")
                        warning(.subflowCycle, "flow '\(flow.name)' starts itself through sub-flows: \(cycle)",
                                at: flow.location, hint: "Selinon allows recursive flows; make sure the recursion ends")
                        reported.formUnion(path)
                        stack.removeAll()
                        break
                    }
                    if visited.insert(child).inserted { stack.append((child, path + [child])) }
                }
            }
        }
    }

    /// Each name's strongly connected component (Tarjan's algorithm, without recursion): its
    /// number and how many names it holds.
    static func stronglyConnectedComponents(of names: [String], children: [String: [String]]) -> [String: (id: Int, size: Int)] {
        var index: [String: Int] = [:], lowLink: [String: Int] = [:]
        var onStack = Set<String>(), stack: [String] = []
        var result: [String: (id: Int, size: Int)] = [:]
        var components = 0
        for root in names where index[root] == nil {
            // Each frame: a name and how many of its children were looked at.
            var frames: [(name: String, next: Int)] = [(root, 0)]
            index[root] = index.count
            lowLink[root] = index[root]
            stack.append(root)
            onStack.insert(root)
            while let (name, next) = frames.last {
                let successors = children[name] ?? []
                if next < successors.count {
                    frames[frames.count - 1].next += 1
                    let child = successors[next]
                    guard children[child] != nil else { continue }  // not a flow
                    if index[child] == nil {
                        index[child] = index.count
                        lowLink[child] = index[child]
                        stack.append(child)
                        onStack.insert(child)
                        frames.append((child, 0))
                    } else if onStack.contains(child) {
                        lowLink[name] = min(lowLink[name]!, index[child]!)
                    }
                    continue
                }
                frames.removeLast()
                if let parent = frames.last?.name { lowLink[parent] = min(lowLink[parent]!, lowLink[name]!) }
                guard lowLink[name] == index[name] else { continue }
                var members: [String] = []
                while let member = stack.popLast() {
                    onStack.remove(member)
                    members.append(member)
                    if member == name { break }
                }
                for member in members { result[member] = (components, members.count) }
                components += 1
            }
        }
        return result
    }
}
