import YAMLTree

/// Reads flow-definition files: a mapping with a `flow-definitions` list (or a list of such
/// mappings), each entry one flow.
extension FileReader {
    static let edgeKeys = ["from", "to", "condition", "foreach", "selective"]
    static let flowKeys = [
        "name", "edges", "failures", "nowait", "eager_failures", "node_args_from_first", "propagate_node_args",
        "propagate_parent", "propagate_parent_failures", "propagate_finished", "propagate_compound_finished",
        "propagate_failures", "propagate_compound_failures", "queue", "max_retry", "retry_countdown", "cache",
        "sampling", "throttling",
    ]

    /// Reads every flow of the file; definitions go to `flows` (keyed by name).
    /// - Parameters:
    ///   - defined: where each flow read so far is defined, valid or not; a flow found there is
    ///     reported as defined twice (and not read), and the file's own flows are added.
    ///   - isNodesFile: the file is also the nodes file (a combined file), whose top-level keys
    ///     were already checked.
    mutating func readFlowFile(_ root: YAMLNode, catalog: NodeCatalog, global: GlobalSettings,
                               flows: inout [String: FlowDefinition], defined: inout [String: FileLocation], isNodesFile: Bool) {
        let sections = root.sequence.map(Array.init) ?? [root]
        let sectionName = root.sequence == nil ? "a flow-definitions file" : "each item of a flow-definitions file that is a list"
        for section in sections {
            guard let pairs = mapping(section, sectionName, hint: "write flow-definitions: [{name: …, edges: […]}]") else {
                continue
            }
            // A combined file may carry the nodes-file keys too; Selinon ignores them here.
            if !isNodesFile {
                checkKeys(pairs, known: Self.nodesFileKeys, in: "a flow-definitions file", severity: .warning)
            }
            guard let definitions = section["flow-definitions"], !definitions.isNull else {
                let present = section["flow-definitions"] != nil
                error(.missingKey, present ? "'flow-definitions' is empty (null)" : "no 'flow-definitions' in this file",
                      at: section["flow-definitions"] ?? section, hint: "flow files hold flow-definitions: [{name: …, edges: […]}]")
                continue
            }
            guard let items = sequence(definitions, "'flow-definitions'") else { continue }
            for item in items {
                if let flow = readFlow(item, catalog: catalog, global: global, defined: &defined) {
                    flows[flow.name] = flow
                }
            }
        }
    }

    private mutating func readFlow(_ node: YAMLNode, catalog: NodeCatalog, global: GlobalSettings,
                                   defined: inout [String: FileLocation]) -> FlowDefinition? {
        guard let pairs = mapping(node, "each flow definition") else { return nil }
        guard let nameNode = node["name"] else {
            error(.missingKey, "flow definition has no 'name'", at: node, hint: "start the definition with name: <a flow listed in the nodes file's 'flows'>")
            return nil
        }
        guard let name = string(nameNode, "the flow name") else { return nil }
        guard catalog.flows.contains(name) else {
            guard catalog.isComplete else { return nil }
            let suggestion = NameSuggestion.hint(for: name, in: catalog.flows.filter(PythonNames.isValidNodeName))
            error(.flowNotListed, "flow '\(name)' is defined here but not listed in the nodes file's 'flows'", at: nameNode,
                  hint: suggestion.isEmpty ? "add '\(name)' to 'flows' in the nodes file" : suggestion)
            return nil
        }
        if let first = defined[name] {
            error(.flowDefinedTwice, "flow '\(name)' is defined twice", at: nameNode,
                  hint: "the first definition is at \(first); remove one")
            return nil
        }
        defined[name] = location(node)
        let what = "flow '\(name)'"
        checkKeys(pairs, known: Self.flowKeys, in: what)
        var flow = FlowDefinition(name: name, edges: [], location: location(node))
        for pair in pairs {
            if let key = pair.key.string, key == "nowait" || key == "eager_failures" || key.hasPrefix("propagate_") {
                flow.optionLocations[key] = location(pair.value)
            }
        }

        if let edgesNode = node["edges"], let items = edgesNode.sequence, !items.isEmpty {
            flow.edges.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                if let edge = readEdge(item, index: index, flow: name, catalog: catalog) { flow.edges.append(edge) }
            }
            if flow.edges.count != items.count { flow.edges = [] }
        } else {
            error(.missingKey, "\(what) has no edges", at: node["edges"] ?? nameNode,
                  hint: "a flow needs a non-empty 'edges' list")
        }
        if let failures = node["failures"], failures.isPythonTruthy {
            if failures.mapping != nil {
                error(.wrongType, "'failures' of \(what) must be a list, found a single mapping", at: failures,
                      hint: "put a '-' before 'nodes': failures: [{nodes: …, fallback: …}]")
            } else if let items = sequence(failures, "'failures' of \(what)") {
                flow.failures = items.compactMap { readFailure($0, flow: name, catalog: catalog) }
            }
        }
        if let nowait = node["nowait"], !nowait.isNull {
            flow.nowait = nodeNames(nowait, "'nowait' of \(what)", catalog: catalog)
        }
        if let eager = node["eager_failures"], eager.isPythonTruthy {
            if case .bool(true)? = eager.value {
                error(.invalidValue, "'eager_failures: true' is not accepted by Selinon's loader", at: eager,
                      hint: "list the nodes whose failure should stop the flow: eager_failures: [Fetch]")
            } else {
                flow.eagerFailures = nodeNames(eager, "'eager_failures' of \(what)", catalog: catalog)
            }
        }
        if let fromFirst = node["node_args_from_first"], !fromFirst.isNull, let value = bool(fromFirst, "'node_args_from_first' of \(what)") {
            flow.nodeArgsFromFirst = value
        }
        flow.propagation = readPropagation(node, what: what, catalog: catalog)
        flow.queue = queueName(node["queue"], owner: nameNode, default: global.defaultDispatcherQueue, what: what) ?? flow.queue
        if let maxRetry = node["max_retry"], let value = flowCount(maxRetry, "'max_retry' of \(what)") { flow.maxRetry = value }
        if let countdown = node["retry_countdown"], let value = flowCount(countdown, "'retry_countdown' of \(what)") {
            flow.retryCountdown = value
        }
        if let cache = node["cache"], let settings = self.cache(cache, what) { flow.cache = settings }
        if let sampling = node["sampling"], sampling.isPythonTruthy, let strategy = readSampling(sampling, what: what) {
            flow.sampling = strategy
        }
        if let throttling = node["throttling"] { flow.throttling = self.throttling(throttling, what) }
        return flow.edges.isEmpty ? nil : flow
    }

    // MARK: - Edges

    private mutating func readEdge(_ node: YAMLNode, index: Int, flow: String, catalog: NodeCatalog) -> Edge? {
        func what() -> String { "edge \(index) of flow '\(flow)'" }
        guard let pairs = mapping(node, what(), hint: "each edge is a mapping: {from: A, to: B}") else { return nil }
        // One pass over the keys (edges are most of a configuration): later keys win, as in Python.
        var fromNode: YAMLNode?, toNode: YAMLNode?, conditionNode: YAMLNode?, foreachNode: YAMLNode?, selectiveNode: YAMLNode?
        var unknown = false
        for pair in pairs {
            switch pair.key.string {
            case "from"?: fromNode = pair.value
            case "to"?: toNode = pair.value
            case "condition"?: conditionNode = pair.value
            case "foreach"?: foreachNode = pair.value
            case "selective"?: selectiveNode = pair.value
            default: unknown = true
            }
        }
        if unknown { checkKeys(pairs, known: Self.edgeKeys, in: what()) }
        guard let fromNode else {
            error(.missingKey, "\(what()) has no 'from'", at: node,
                  hint: "Selinon requires 'from' explicitly; write 'from:' (empty) for a starting edge")
            return nil
        }
        var edge = Edge(index: index, from: [], to: [], location: location(node))
        var valid = true
        if case .bool(false)? = fromNode.scalar?.value, fromNode.scalar?.style == .plain {
            warning(.yamlBoolean, "'from: \(fromNode.scalar!.text)' is the boolean false in YAML 1.1, which Selinon takes as no source: "
                + "\(what()) is a starting edge", at: fromNode, hint: "write 'from:' (empty) for a starting edge; " + quoteHint(fromNode))
        } else if let scalar = fromNode.scalar, !fromNode.isPythonTruthy, scalar.value.isNumber {
            warning(.wrongType, "'from: \(scalar.text)' is the number zero, which Selinon takes as no source: \(what()) is a starting edge",
                    at: fromNode, hint: "write 'from:' (empty) for a starting edge, or name the source nodes")
        } else if case .string("")? = fromNode.scalar?.value {
            // D-21: the workers and selinon-migrate read no source; Selinon's own generator a node named ''.
            warning(.wrongType, "'from' is the empty string, which Selinon's workers take as no source (\(what()) "
                + "is a starting edge) but selinon-cli migrate as a node named ''", at: fromNode,
                    hint: "write 'from:' (empty) for a starting edge")
        } else if case .mapping(let pairs) = fromNode.content, pairs.isEmpty {
            warning(.wrongType, "'from: {}' is an empty mapping, which Selinon's workers take as no source (\(what()) is a starting edge); "
                + "selinon-cli migrate fails on it (a mapping cannot be hashed)", at: fromNode,
                    hint: "write 'from:' (empty) for a starting edge")
        }
        if fromNode.isPythonTruthy {
            let names = nodeNames(fromNode, "'from' of \(what())", catalog: catalog)
            edge.from = names
            valid = valid && names.count == (fromNode.sequence?.count ?? 1)
            if catalog.checksConsistency {
                for (offset, name) in names.enumerated() where names[..<offset].contains(name) {
                    error(.flowStructure, "'\(name)' appears twice in 'from' of \(what())", at: fromNode,
                          hint: "an edge can depend on a node only once")
                    break
                }
            }
        }
        let fromIsComplete = valid
        if let toNode, toNode.isPythonTruthy {
            let names = nodeNames(toNode, "'to' of \(what())", catalog: catalog)
            edge.to = names
            valid = valid && names.count == (toNode.sequence?.count ?? 1)
            for (offset, name) in names.enumerated() where names[..<offset].contains(name) {
                warning(.flowStructure, "'\(name)' appears twice in 'to' of \(what()); Selinon starts it twice", at: toNode, hint: "list it once, unless it should run twice")
            }
        } else {
            error(.missingKey, "\(what()) has no destination ('to')", at: toNode ?? node,
                  hint: toNode.map(quoteHint).flatMap { $0.isEmpty ? nil : $0 } ?? "name the node(s) to start: to: [B, C]")
            valid = false
        }
        if let conditionNode {
            var context = ConditionContext(sources: edge.from, isFailureCondition: false, flow: flow, edgeIndex: index)
            context.sourcesIncomplete = !fromIsComplete
            if let (condition, raw) = readCondition(conditionNode, context: context, catalog: catalog) {
                edge.condition = condition
                edge.conditionValue = raw
            } else {
                valid = false
            }
        }
        if let foreachNode {
            if let foreach = readForeach(foreachNode, what: what()) { edge.foreach = foreach } else { valid = false }
        }
        if let selectiveNode, selectiveNode.isPythonTruthy, selectiveNode.mapping != nil,
           let first = mappingsChangedInPlace.updateValue(what(), forKey: selectiveNode.identity) {
            // The first use renamed its 'tasks' to 'task_names', which the second refuses.
            error(.selectiveRun, "'selective' of \(what()) is the very mapping of \(first) (an alias or a merge key shares it): Selinon's "
                    + "loader renames its 'tasks' to 'task_names' when it reads \(first), and then refuses it here (\"Unknown configuration "
                    + "options supplied for selective flow run\"), so workers do not start",
                  at: node, hint: "give each edge its own mapping: write it out, or copy it with selective: {<<: *anchor}")
            valid = false
        } else if let selectiveNode, selectiveNode.isPythonTruthy {
            if let selective = readSelective(selectiveNode, what: what(), catalog: catalog) {
                edge.selective = selective
            } else {
                valid = false
            }
        }
        return valid ? edge : nil
    }

    private mutating func readForeach(_ node: YAMLNode, what: String) -> Foreach? {
        let hint = "foreach: {import: myapp.foreach, function: items, propagate_result: false}"
        guard let pairs = mapping(node, "'foreach' of \(what)", hint: hint) else { return nil }
        checkKeys(pairs, known: ["function", "import", "propagate_result"], in: "'foreach' of \(what)")
        guard let functionNode = node["function"], let importNode = node["import"] else {
            error(.foreachDefinition, "'foreach' of \(what) needs both 'function' and 'import'", at: node, hint: hint)
            return nil
        }
        guard let function = string(functionNode, "foreach 'function'"),
              let module = string(importNode, "foreach 'import'")
        else { return nil }
        checkPythonName(function, at: functionNode, "foreach 'function'")
        checkPythonName(module, module: true, at: importNode, "foreach 'import'")
        var foreach = Foreach(function: FunctionReference(name: function, importPath: module))
        if let propagate = node["propagate_result"] {
            guard let value = bool(propagate, "foreach 'propagate_result'") else { return nil }
            foreach.propagateResult = value
        }
        return foreach
    }

    private mutating func readSelective(_ node: YAMLNode, what: String, catalog: NodeCatalog) -> SelectiveRun? {
        guard let pairs = mapping(node, "'selective' of \(what)") else { return nil }
        checkKeys(pairs, known: ["tasks", "follow_subflows", "run_subsequent"], in: "'selective' of \(what)")
        guard let tasksNode = node["tasks"] else {
            error(.selectiveRun, "'selective' of \(what) needs 'tasks'", at: node, hint: "name the tasks to run: selective: {tasks: [A, B]}")
            return nil
        }
        guard let items = sequence(tasksNode, "'tasks' of selective run") else { return nil }
        var selective = SelectiveRun(tasks: [])
        for item in items {
            guard let task = string(item, "each task of a selective run") else { return nil }
            if catalog.isComplete && !catalog.taskNames.contains(task) {
                error(.unknownNode, "selective run of \(what) names '\(task)', which is not a task", at: item,
                      hint: NameSuggestion.hint(for: task, in: catalog.taskNames.filter(PythonNames.isValidNodeName)))
            }
            selective.tasks.append(task)
        }
        if let follow = node["follow_subflows"] {
            guard let value = bool(follow, "'follow_subflows'") else { return nil }
            selective.followSubflows = value
        }
        if let subsequent = node["run_subsequent"] {
            if case .bool(let value)? = subsequent.value {
                selective.runSubsequent = .flag(value)
            } else if let list = subsequent.sequence {
                selective.runSubsequent = .flows(list.compactMap { string($0, "each entry of 'run_subsequent'") })
            } else {
                error(.wrongType, "'run_subsequent' must be a boolean or a list, found \(describe(subsequent))", at: subsequent, hint: "write true, false, or a list of flow names")
                return nil
            }
        }
        return selective
    }

    // MARK: - Failures

    private mutating func readFailure(_ node: YAMLNode, flow: String, catalog: NodeCatalog) -> FailureDefinition? {
        let what = "a failure of flow '\(flow)'"
        guard let pairs = mapping(node, "each failure of flow '\(flow)'") else { return nil }
        checkKeys(pairs, known: ["nodes", "fallback", "condition", "propagate_failure"], in: what)
        guard let nodesNode = node["nodes"], !nodesNode.isNull else {
            error(.failureDefinition, "\(what) does not say which 'nodes' it handles", at: node["nodes"] ?? node, hint: "name the failed nodes it handles: nodes: [A, B]")
            return nil
        }
        if nodesNode.sequence?.isEmpty == true {
            error(.failureDefinition, "'nodes' of \(what) is empty", at: nodesNode, hint: "name the failed nodes it handles: nodes: [A, B]")
            return nil
        }
        let nodes = nodeNames(nodesNode, "'nodes' of \(what)", catalog: catalog)
        guard nodes.count == (nodesNode.sequence?.count ?? 1) else { return nil }
        if Set(nodes).count != nodes.count {
            error(.failureDefinition, "'nodes' of \(what) names a node twice", at: nodesNode, hint: "name each node once")
            return nil
        }
        guard let fallbackNode = node["fallback"] else {
            error(.failureDefinition, "\(what) has no 'fallback'", at: node,
                  hint: "name the node(s) to start when they fail (a task or flow of the nodes file); without a fallback, remove the entry")
            return nil
        }
        let fallback: Fallback
        switch fallbackNode.value {
        case .bool(true)?:
            fallback = .handled
            warning(.workerStartup, "'fallback: true' passes Selinon 1.4's validation but its workers cannot start with it",
                    at: fallbackNode, hint: "selinon-migrate accepts it with its documented meaning; deploy it only on a Selinon that supports it")
        case .bool(false)?, .null?:
            error(.failureDefinition, "'fallback' of \(what) must be true, a node name or a list, found \(describe(fallbackNode))",
                  at: fallbackNode, hint: "name the node(s) to start instead (fallback: Recover), or write true to start nothing")
            return nil
        default:
            let names = nodeNames(fallbackNode, "'fallback' of \(what)", catalog: catalog)
            guard names.count == (fallbackNode.sequence?.count ?? 1) else { return nil }
            fallback = .nodes(names)
        }
        if nodes.count == 1, fallback.nodes == nodes {
            error(.failureDefinition, "'\(nodes[0])' falls back to itself", at: fallbackNode,
                  hint: "use the task's max_retry to retry it instead")
            return nil
        }
        var failure = FailureDefinition(nodes: nodes, fallback: fallback, location: location(node))
        if let conditionNode = node["condition"] {
            let context = ConditionContext(sources: nodes, isFailureCondition: true, flow: flow, edgeIndex: nil)
            guard let (condition, raw) = readCondition(conditionNode, context: context, catalog: catalog) else { return nil }
            failure.condition = condition
            failure.conditionValue = raw
        }
        if let propagate = node["propagate_failure"] {
            guard let value = bool(propagate, "'propagate_failure' of \(what)") else { return nil }
            if value && fallback == .handled {
                error(.failureDefinition, "'propagate_failure: true' cannot be combined with 'fallback: true'", at: propagate, hint: "remove one of them: a failure is either handled or passed to the parent")
                return nil
            }
            failure.propagateFailure = value
        }
        return failure
    }

    // MARK: - Options

    /// Names that must be tasks or flows; unknown ones are reported with a suggestion.
    /// Unknown node names per file that get a "did you mean" hint (see ``unknownNodeSuggestions``).
    static let unknownNodeSuggestionLimit = 100

    mutating func nodeNames(_ node: YAMLNode, _ what: @autoclosure () -> String, catalog: NodeCatalog) -> [String] {
        // The usual case, a single known name (`from: Fetch`), without the intermediate lists.
        if let name = node.string, catalog.contains(name) { return [name] }
        var result: [String] = []
        for (name, item) in names(node, what()) {
            guard catalog.contains(name) else {
                // With a broken tasks or flows list, unknown names would only repeat that error.
                guard catalog.isComplete else { continue }
                // A declared name that is not a valid one (reported where it is declared) is no suggestion.
                var suggestion = ""
                if unknownNodeSuggestions < Self.unknownNodeSuggestionLimit {
                    unknownNodeSuggestions += 1
                    if suggestableNodeNames == nil { suggestableNodeNames = catalog.allNames.filter(PythonNames.isValidNodeName) }
                    suggestion = NameSuggestion.hint(for: name, in: suggestableNodeNames!)
                }
                error(.unknownNode, "'\(name)' in \(what()) is neither a task nor a flow", at: item,
                      hint: suggestion.isEmpty ? "define it in the nodes file's 'tasks' or 'flows'" : suggestion)
                continue
            }
            result.append(name)
        }
        return result
    }

    private mutating func readPropagation(_ node: YAMLNode, what: String, catalog: NodeCatalog) -> PropagationSettings {
        var settings = PropagationSettings()
        func read(_ key: String) -> Propagation {
            guard let value = node[key], !value.isNull else { return .disabled }
            if case .bool(let flag)? = value.value { return flag ? .allSubflows : .disabled }
            var flows: [String] = []
            for item in value.sequence.map(Array.init) ?? [value] {
                guard let name = item.string, catalog.flows.contains(name) else {
                    let text = item.scalar?.text ?? item.kindDescription
                    error(.propagation, "'\(key)' of \(what) names '\(text)', which is not a flow", at: item,
                          hint: "propagate_* options take true, false or a list of sub-flow names")
                    continue
                }
                flows.append(name)
            }
            return .subflows(flows)
        }
        settings.nodeArgs = read("propagate_node_args")
        settings.parent = read("propagate_parent")
        settings.parentFailures = read("propagate_parent_failures")
        settings.finished = read("propagate_finished")
        settings.compoundFinished = read("propagate_compound_finished")
        settings.failures = read("propagate_failures")
        settings.compoundFailures = read("propagate_compound_failures")
        return settings
    }

    /// Built-in strategies of `selinon.strategies` and the `args` each needs.
    static let builtinStrategies: [String: [String]] = [
        "constant": ["retry"],
        "linear_increase": ["start_retry", "max_retry", "step"],
        "linear_adapt": ["start_retry", "max_retry", "step"],
        "biexponential_increase": ["start_retry", "max_retry"],
        "biexponential_adapt": ["start_retry", "max_retry"],
        "random": ["start_retry", "max_retry"],
        "biexponential_decrease": ["start_retry", "stop_retry"],
    ]

    private mutating func readSampling(_ node: YAMLNode, what: String) -> SamplingStrategy? {
        let hint = "sampling: {name: constant, args: {retry: 5}}"
        guard let pairs = mapping(node, "'sampling' of \(what)", hint: hint) else { return nil }
        checkKeys(pairs, known: ["name", "import", "args"], in: "'sampling' of \(what)")
        guard let nameNode = node["name"], let name = string(nameNode, "sampling 'name'") else {
            if node["name"] == nil { error(.missingKey, "'sampling' of \(what) needs a 'name'", at: node, hint: hint) }
            return nil
        }
        var module = "selinon.strategies"
        if let importNode = node["import"] {
            guard let text = string(importNode, "sampling 'import'") else { return nil }
            module = text
            checkPythonName(text, module: true, at: importNode, "sampling 'import'")
        }
        checkPythonName(name, at: nameNode, "sampling 'name'")
        guard let argsNode = node["args"] else {
            error(.missingKey, "'sampling' of \(what) needs 'args'", at: node, hint: hint)
            return nil
        }
        guard let argPairs = mapping(argsNode, "sampling 'args'"), let arguments = configValue(argsNode) else { return nil }
        checkArgumentsInStartupCode(arguments, at: argsNode, "sampling 'args'")
        if module == "selinon.strategies" {
            guard let parameters = Self.builtinStrategies[name] else {
                error(.invalidValue, "unknown sampling strategy '\(name)' in selinon.strategies", at: nameNode,
                      hint: NameSuggestion.hint(for: name, in: Self.builtinStrategies.keys.sorted()))
                return nil
            }
            let given = argPairs.map { keyText($0.key) }
            let missing = parameters.filter { !given.contains($0) }
            let extra = given.filter { !parameters.contains($0) }
            if !missing.isEmpty || !extra.isEmpty {
                error(.invalidValue, "sampling strategy '\(name)' takes args \(parameters.joined(separator: ", ")); "
                        + (missing.isEmpty ? "" : "missing \(missing.joined(separator: ", "))")
                        + (missing.isEmpty || extra.isEmpty ? "" : "; ")
                        + (extra.isEmpty ? "" : "unexpected \(extra.joined(separator: ", "))"),
                      at: argsNode, hint: "give exactly: \(parameters.joined(separator: ", "))")
                return nil
            }
            // The strategies compute a countdown in seconds from these: anything else loads, and
            // fails in the dispatcher when it samples the flow.
            for pair in argPairs {
                let key = keyText(pair.key)
                let problem: String?
                switch pair.value.scalar?.value {
                case .int?, .bool?:
                    problem = nil  // a Python bool is an int
                case .float(let value)? where !value.isFinite:
                    problem = nil  // an error above: the start-up code cannot hold it
                case .float? where name == "random":
                    problem = "found \(describe(pair.value)): it draws with random.randint, which takes integers"
                case .float?:
                    problem = nil
                default:
                    problem = "found \(describe(pair.value))"
                }
                guard let problem else { continue }
                warning(.invalidValue, "sampling strategy '\(name)' takes a number of seconds as '\(key)', \(problem): "
                            + "Selinon loads it, and its dispatcher fails when it samples the flow",
                        at: pair.value, hint: "give a number, for example \(key): 5")
            }
        }
        return SamplingStrategy(function: FunctionReference(name: name, importPath: module), arguments: arguments)
    }
}
