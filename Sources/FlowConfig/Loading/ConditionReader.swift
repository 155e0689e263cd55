import YAMLTree

/// What a condition may refer to: the nodes of the edge (or failure) it guards and the names
/// the configuration defines.
struct ConditionContext {
    /// Nodes a leaf may bind to: an edge's `from`, or a failure's `nodes`.
    var sources: [String]
    /// Failure conditions see only the flow arguments and skip the `args` check (as Selinon).
    var isFailureCondition: Bool
    /// The flow, and the edge index for an edge condition.
    var flow: String
    var edgeIndex: Int?
    /// Some sources were rejected (unknown names, already reported): checks against the sources
    /// would blame the condition for them, so they are skipped.
    var sourcesIncomplete = false

    /// "the condition of edge 3 of flow 'ingest'", for messages (built only when one is needed).
    var what: String {
        if let edgeIndex { return "the condition of edge \(edgeIndex) of flow '\(flow)'" }
        return "the condition of a failure of flow '\(flow)'"
    }
}

/// The names and task properties conditions are checked against.
struct NodeCatalog {
    /// Valid task definitions by name.
    var tasks: [String: TaskDefinition]
    /// Every task name the nodes file declares, including tasks whose definition has errors.
    var taskNames: Set<String>
    var flows: Set<String>
    /// Whether the nodes file's `tasks` and `flows` were read without errors, so that a name
    /// missing from them is really unknown.
    var isComplete: Bool
    var usesBuiltinPredicates: Bool
    var checksConsistency: Bool

    func contains(_ name: String) -> Bool { taskNames.contains(name) || flows.contains(name) }
    var allNames: [String] { Array(taskNames) + Array(flows) }
}

/// Reads condition trees (Selinon's `predicate.py` grammar): a leaf `{name, node, args}` or one
/// of `or`, `not`, `and` (checked in that order, as Selinon does).
extension FileReader {
    static let leafKeys = ["name", "node", "args"]
    static let leafKeyHints = [
        "and": "a predicate cannot also hold 'and'; wrap both in an 'and' list",
        "or": "a predicate cannot also hold 'or'; wrap both in an 'or' list",
        "not": "a predicate cannot also hold 'not'; wrap it: {not: {name: …}}",
    ]

    /// The parsed condition and its raw value, or `nil` after reporting why it is invalid.
    mutating func readCondition(_ node: YAMLNode, context: ConditionContext, catalog: NodeCatalog) -> (Condition, ConfigValue)? {
        guard let raw = configValue(node) else { return nil }
        var leafBindings: [(call: PredicateCall, readsResult: Bool)] = []
        guard let condition = readConditionNode(node, context: context, catalog: catalog, bindings: &leafBindings) else {
            return nil
        }
        if catalog.checksConsistency && !context.isFailureCondition {
            checkReadOnlyStorage(leafBindings, catalog: catalog, context: context, at: node)
        }
        return (condition, raw)
    }

    private mutating func readConditionNode(_ node: YAMLNode, context: ConditionContext, catalog: NodeCatalog,
                                            bindings: inout [(call: PredicateCall, readsResult: Bool)]) -> Condition? {
        guard spend(node) else { return nil }
        let grammarHint = "a condition is {name: predicate, args: {…}} or {and: [...]}, {or: [...]}, {not: {...}}"
        guard node.isPythonTruthy else {
            error(.invalidCondition, "\(context.what) is empty (\(describe(node)))", at: node, hint: grammarHint)
            return nil
        }
        guard let pairs = node.mapping else {
            error(.invalidCondition, "\(context.what) must be a mapping, found \(describe(node))", at: node, hint: grammarHint)
            return nil
        }
        if node["name"] != nil {
            return readLeaf(node, pairs: pairs, context: context, catalog: catalog, bindings: &bindings).map(Condition.predicate)
        }
        let operators = ["or", "not", "and"].filter { node[$0] != nil }
        guard let operatorName = operators.first else {
            let keys = pairs.map { keyText($0.key) }.joined(separator: ", ")
            error(.invalidCondition, "\(context.what) has none of 'name', 'and', 'or', 'not' (keys: \(keys))", at: node,
                  hint: grammarHint)
            return nil
        }
        if pairs.count > 1 {
            let ignored = pairs.map { keyText($0.key) }.filter { $0 != operatorName }
            let others = ignored.filter { !["or", "not", "and"].contains($0) }
            error(.invalidCondition,
                  "\(context.what) has '\(operatorName)' next to \(ignored.map { "'\($0)'" }.joined(separator: ", ")), which Selinon silently ignores",
                  at: node, hint: others.isEmpty ? "nest them explicitly, e.g. {and: [{or: [...]}, {...}]}"
                      : "remove \(others.map { "'\($0)'" }.joined(separator: ", ")) (a misspelt key?), or nest the conditions meant explicitly")
            return nil
        }
        let operand = node[operatorName]!
        if operatorName == "not" {
            guard operand.mapping != nil || operand.sequence == nil else {
                error(.invalidCondition, "'not' takes a single condition, found a list", at: operand,
                      hint: "write not: {name: …}, or not: {or: [...]} for several")
                return nil
            }
            return readConditionNode(operand, context: context, catalog: catalog, bindings: &bindings).map(Condition.not)
        }
        guard let items = operand.sequence else {
            error(.invalidCondition, "'\(operatorName)' takes a list of conditions, found \(describe(operand))", at: operand, hint: "\(operatorName): [{name: …}, {name: …}]")
            return nil
        }
        if items.count < 2 {
            error(.workerStartup,
                  "'\(operatorName)' with \(items.count == 0 ? "no conditions" : "a single condition") passes Selinon's validation but breaks its worker start-up",
                  at: operand, hint: items.isEmpty ? "remove the empty '\(operatorName)'" : "use the condition directly, without '\(operatorName)'")
            return nil
        }
        var children: [Condition] = []
        for item in items {
            if let child = readConditionNode(item, context: context, catalog: catalog, bindings: &bindings) {
                children.append(child)
            }
        }
        guard children.count == items.count else { return nil }
        return operatorName == "and" ? .and(children) : .or(children)
    }

    private mutating func readLeaf(_ node: YAMLNode, pairs: YAMLMapping, context: ConditionContext, catalog: NodeCatalog,
                                   bindings: inout [(call: PredicateCall, readsResult: Bool)]) -> PredicateCall? {
        checkKeys(pairs, known: Self.leafKeys, in: "a predicate of \(context.what)", extraHint: Self.leafKeyHints)
        guard let nameNode = node["name"], let name = string(nameNode, "the predicate name") else { return nil }
        var call = PredicateCall(name: name, location: location(node))

        // Node binding, for every leaf: explicit `node`, else the only source.
        if let nodeNode = node["node"] {
            guard let bound = string(nodeNode, "'node' of predicate '\(name)'") else { return nil }
            guard context.sources.contains(bound) || context.sourcesIncomplete else {
                let sources = context.sources.isEmpty ? "none (a starting edge)" : context.sources.joined(separator: ", ")
                error(.predicateNode, "predicate '\(name)' names node '\(bound)', which is not a source of \(context.what)",
                      at: nodeNode, hint: "sources: \(sources)")
                return nil
            }
            call.node = bound
            call.isNodeExplicit = true
        } else if context.sources.count == 1 {
            call.node = context.sources[0]
        }

        if let argsNode = node["args"], !argsNode.isNull {
            guard let argPairs = mapping(argsNode, "'args' of predicate '\(name)'") else { return nil }
            for pair in argPairs {
                guard let key = pair.key.string else {
                    error(.predicateArguments, "argument names of predicate '\(name)' must be strings, found \(describe(pair.key))",
                          at: pair.key, hint: quoteHint(pair.key))
                    continue
                }
                if let problem = StartupCode.nameProblem(key) {
                    error(.workerStartup, "argument '\(key)' of predicate '\(name)' \(problem); Selinon writes it as a keyword "
                          + "argument into its workers' start-up code, which then does not compile (no worker starts)", at: pair.key, hint: "name the argument as the predicate's parameter is named")
                }
                guard let value = configValue(pair.value) else { continue }
                if let problem = StartupCode.conditionArgumentProblem(value) {
                    error(.workerStartup, "argument '\(key)' of predicate '\(name)' \(problem); Selinon writes the condition "
                          + "into its workers' start-up code, where it fails (at start-up, or each time the edge is evaluated)", at: pair.value,
                          hint: "Selinon copies condition arguments into Python code unescaped")
                }
                call.arguments.append(.init(key, value))
            }
        }

        guard catalog.usesBuiltinPredicates else {
            checkPythonName(name, at: nameNode, "predicate")
            bindings.append((call, false))
            return call
        }
        if PredicateCatalog.unusable.contains(name) {
            error(.unknownPredicate,
                  "predicate '\(name)' cannot be used: in Selinon 1.4 the name resolves to a module, not a function",
                  at: nameNode, hint: "negate the opposite test, e.g. not: {name: \(name.replacingOccurrences(of: "LessEqual", with: "Greater")), …}")
            return nil
        }
        guard let signature = PredicateCatalog.builtins[name] else {
            error(.unknownPredicate, "unknown predicate '\(name)' (not in selinon.predicates)", at: nameNode,
                  hint: NameSuggestion.hint(for: name, in: PredicateCatalog.builtins.keys.sorted()).isEmpty
                      ? "set global.predicates_module to use your own predicates"
                      : NameSuggestion.hint(for: name, in: PredicateCatalog.builtins.keys.sorted()))
            return nil
        }
        if let warningText = PredicateCatalog.misleading[name] {
            warning(.selinonQuirk, "predicate '\(name)': \(warningText)", at: nameNode, hint: "Selinon 1.4 behaves so; write the condition for what it does")
        }
        if signature.readsResult {
            if context.isFailureCondition {
                error(.predicateNode, "predicate '\(name)' reads a task result, which a failure condition cannot do",
                      at: nameNode, hint: "failure conditions may only test flow arguments (argsField…) or the environment")
                return nil
            }
            guard let bound = call.node else {
                if context.sourcesIncomplete { return nil }
                let reason = context.sources.isEmpty ? "the edge has no source" : "the edge has several sources"
                if let misplaced = call.arguments.first(where: { $0.key == "node" }) {
                    let shown: String
                    if case .string(let task) = misplaced.value { shown = task } else { shown = "<task>" }
                    error(.predicateNode, "predicate '\(name)' reads a task result but names no node (its args has 'node', which "
                          + "Selinon passes to the predicate as an argument), and \(reason)",
                          at: nameNode, hint: "move node: \(shown) out of args, next to name: {name: \(name), node: \(shown), args: {…}}")
                    return nil
                }
                error(.predicateNode, "predicate '\(name)' reads a task result but names no node, and \(reason)",
                      at: nameNode, hint: context.sources.isEmpty ? "test flow arguments instead (argsField…)"
                          : "add node: <one of \(context.sources.joined(separator: ", "))>")
                return nil
            }
            if catalog.checksConsistency {
                if catalog.flows.contains(bound) {
                    error(.predicateNode, "predicate '\(name)' reads the result of '\(bound)', which is a sub-flow; sub-flows have no results",
                          at: nameNode, hint: "test a task's result, or the flow's arguments (argsField…)")
                } else if let task = catalog.tasks[bound], task.storage == nil {
                    error(.predicateNode, "predicate '\(name)' reads the result of task '\(bound)', which has no storage",
                          at: nameNode, hint: "give task '\(bound)' a storage so its result can be read")
                }
            }
        }
        if catalog.checksConsistency {
            checkArguments(call, signature: signature, at: node["args"] ?? node, inFailure: context.isFailureCondition)
        }
        checkArgumentValues(call, at: node["args"] ?? node)
        bindings.append((call, signature.readsResult))
        return call
    }

    /// `args` must hold exactly the predicate's parameters (Selinon's consistency check, for
    /// edges). Selinon does not check a failure's condition: its dispatcher fails with a
    /// `TypeError` when it evaluates it, as the flow falls back — an error here too.
    private mutating func checkArguments(_ call: PredicateCall, signature: PredicateSignature, at node: YAMLNode, inFailure: Bool) {
        // The usual case: exactly the parameters, in order.
        if call.arguments.count == signature.parameters.count
            && zip(call.arguments, signature.parameters).allSatisfy({ $0.key == $1 }) { return }
        let given = call.arguments.map(\.key)
        for reserved in ["message", "node_args"] where given.contains(reserved) {
            error(.predicateArguments, "predicate '\(call.name)' gets '\(reserved)' from Selinon; it cannot be given in 'args'",
                  at: node, hint: "remove '\(reserved)' from args")
        }
        let missing = signature.parameters.filter { !given.contains($0) }
        let extra = given.filter { !signature.parameters.contains($0) && $0 != "message" && $0 != "node_args" }
        guard !missing.isEmpty || !extra.isEmpty else { return }
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing \(missing.map { "'\($0)'" }.joined(separator: ", "))") }
        if !extra.isEmpty { parts.append("unexpected \(extra.map { "'\($0)'" }.joined(separator: ", "))") }
        let expected = signature.parameters.isEmpty ? "no args" : "args " + signature.parameters.joined(separator: ", ")
        let failing = inFailure ? " (Selinon loads it, and its dispatcher fails when the failure is to be handled)" : ""
        let misplacedNode = extra.contains("node") ? "; 'node' belongs next to name and args, not inside args" : ""
        error(.predicateArguments, "predicate '\(call.name)' has wrong arguments: \(parts.joined(separator: "; "))\(failing)", at: node,
              hint: "'\(call.name)' takes \(expected)\(misplacedNode)")
    }

    /// Values of built-in predicates' arguments that Selinon accepts but that make the predicate
    /// fail at run time or never hold: a warning each, as the configuration still loads.
    private mutating func checkArgumentValues(_ call: PredicateCall, at node: YAMLNode) {
        guard PredicateCatalog.builtins[call.name] != nil else { return }
        func kind(_ value: ConfigValue) -> String {
            switch value {
            case .null: return "null"
            case .bool: return "a boolean"
            case .integer: return "an integer"
            case .float: return "a float"
            case .string: return "a string"
            case .timestamp: return "a timestamp"
            case .list: return "a list"
            case .mapping: return "a mapping"
            }
        }
        for argument in call.arguments {
            let value = argument.value
            let problem: (String, String)?  // what happens, what to write
            switch argument.key {
            case "length", "status":
                // Selinon's predicates return false when the comparison raises (ordering a number
                // and a string); Python compares numbers by value (len(x) == 3.0, True is 1).
                let equality = call.name.hasSuffix("LenEqual") || call.name == "httpStatus"
                let inequality = call.name.hasSuffix("LenNotEqual")
                let whole: Bool?  // nil: not a number
                var isNaN = false
                switch value {
                case .integer, .bool: whole = true
                case .float(let number):
                    whole = number.rounded() == number  // NaN is not
                    isNaN = number.isNaN
                default: whole = nil
                }
                let fix = "write a whole number: \(argument.key): 3"
                switch (whole, equality, inequality) {
                case (nil, _, true), (false, _, true):
                    problem = ("a length is a whole number, so 'len != \(argument.key)' holds whenever the field has a length: "
                               + "'\(call.name)' is always true there", fix)
                case (nil, _, _):
                    problem = ("it is compared with an integer, so '\(call.name)' is always false", fix)
                case (false, true, _):
                    problem = ("a whole number never equals it, so '\(call.name)' is always false", fix)
                case (false, _, _) where isNaN:
                    problem = ("NaN orders nothing, so '\(call.name)' is always false", fix)
                default:
                    problem = nil
                }
            case "env":
                if case .string = value { problem = nil } else {
                    problem = ("environment variable names are strings: '\(call.name)' raises an error when it is evaluated",
                               "quote it: env: \"NAME\"")
                }
            case "value" where call.name == "envEqual", "scheme", "netloc", "path":
                if case .string = value { problem = nil } else {
                    problem = ("it is compared with a string, so '\(call.name)' is always false", "quote it")
                }
            case "key":
                // Integers (and booleans, which Python takes as 0 and 1) index lists.
                func isKeyPart(_ part: ConfigValue) -> Bool {
                    switch part {
                    case .string, .integer, .bool: true
                    default: false
                    }
                }
                switch value {
                case _ where isKeyPart(value): problem = nil
                // An empty path is the whole result (Python's reduce over no keys).
                case .list(let items) where items.allSatisfy(isKeyPart):
                    problem = nil
                default:
                    problem = ("a key is a name or a list of names (a path into the result), so '\(call.name)' is always false",
                               "key: name, or key: [outer, inner]")
                }
            default:
                problem = nil
            }
            if let (effect, hint) = problem {
                warning(.predicateArguments, "argument '\(argument.key)' of predicate '\(call.name)' is \(kind(value)); \(effect)",
                        at: node, hint: hint)
            }
        }
    }

    /// Selinon rejects an edge whose condition reads any result while any leaf is bound to a
    /// task with `storage_readonly: true`.
    private mutating func checkReadOnlyStorage(_ bindings: [(call: PredicateCall, readsResult: Bool)],
                                               catalog: NodeCatalog, context: ConditionContext, at node: YAMLNode) {
        guard bindings.contains(where: \.readsResult),
              let readOnly = bindings.compactMap(\.call.node).first(where: { catalog.tasks[$0]?.storageReadOnly == true })
        else { return }
        error(.predicateNode,
              "\(context.what) reads task results while a predicate is bound to '\(readOnly)', whose storage is read-only; Selinon rejects this",
              at: node, hint: "split the condition, or drop storage_readonly from '\(readOnly)'")
    }
}

extension YAMLNode {
    /// Python truthiness of the constructed value: null, false, 0, "", [] and {} are false.
    var isPythonTruthy: Bool {
        switch content {
        case .scalar(let scalar): return ConfigValue(scalar.value).isTruthy
        case .sequence(let items): return !items.isEmpty
        case .mapping(let pairs): return !pairs.isEmpty
        }
    }
}
