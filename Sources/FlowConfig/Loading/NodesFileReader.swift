import YAMLTree

/// What a nodes file declares, before flow definitions are read.
struct NodesFileContents {
    var tasks: [TaskDefinition] = []
    var storages: [StorageDefinition] = []
    var global = GlobalSettings()
    /// Listed flows with the node of each entry, in file order.
    var flows: [(name: String, location: FileLocation)] = []
    /// Where each task of `tasks` and each flow of `flows` is first defined, for the duplicate
    /// checks (a lookup, not a scan: configurations have thousands of tasks).
    var firstTaskLocations: [String: FileLocation] = [:]
    var firstFlowLocations: [String: FileLocation] = [:]
    /// Names of every storage entry, including ones whose definition has errors.
    var declaredStorageNames: [String] = []
    /// Names of every task entry that has a string name, including invalid definitions.
    var declaredTaskNames: Set<String> = []
    /// Whether every task and flow name could be read, so that a name missing from them is
    /// really unknown (and not an echo of an earlier error).
    var namesAreComplete = true
}

/// Reads the nodes file: `storages`, then `global`, then `tasks`, then `flows` — Selinon's
/// order, so that `default_task_queue` applies to tasks.
extension FileReader {
    static let nodesFileKeys = ["tasks", "flows", "storages", "global", "flow-definitions"]

    mutating func readNodesFile(_ root: YAMLNode) -> NodesFileContents {
        var contents = NodesFileContents()
        guard let pairs = mapping(root, "the nodes file", hint: "a nodes file is a mapping with 'tasks' and 'flows'") else {
            return contents
        }
        // Selinon only warns here, and teams keep anchor definitions under extra top-level keys.
        checkKeys(pairs, known: Self.nodesFileKeys, in: "the nodes file", severity: .warning,
                  extraHint: [:])

        if let storages = root["storages"], let items = sequence(storages, "'storages'") {
            for item in items {
                if let name = item["name"]?.string { contents.declaredStorageNames.append(name) }
                if let storage = readStorage(item, existing: contents.storages) { contents.storages.append(storage) }
            }
        }
        if let global = root["global"] {
            contents.global = readGlobal(global, storages: contents.declaredStorageNames, defined: contents.storages)
        }
        if let tasks = root["tasks"], !tasks.isNull {
            if let items = sequence(tasks, "'tasks'") {
                for item in items {
                    if let name = item["name"]?.string {
                        contents.declaredTaskNames.insert(name)
                    } else {
                        contents.namesAreComplete = false
                    }
                    if let task = readTask(item, global: contents.global, storages: contents.declaredStorageNames,
                                           existing: contents.firstTaskLocations) {
                        contents.tasks.append(task)
                        if contents.firstTaskLocations[task.name] == nil { contents.firstTaskLocations[task.name] = task.location }
                    }
                }
            } else {
                contents.namesAreComplete = false
            }
        } else {
            contents.namesAreComplete = false
            error(.missingKey, "the nodes file defines no 'tasks'", at: root["tasks"] ?? root,
                  hint: "add a 'tasks' list (it may be empty: tasks: [])")
        }
        if let flows = root["flows"], !flows.isNull {
            if let items = sequence(flows, "'flows'", hint: "list flow names: flows: [my_flow]") {
                for item in items {
                    if item.string == nil { contents.namesAreComplete = false }
                    readFlowListing(item, into: &contents)
                }
            } else {
                contents.namesAreComplete = false
            }
        } else {
            contents.namesAreComplete = false
            error(.missingKey, "the nodes file lists no 'flows'", at: root["flows"] ?? root,
                  hint: "add a 'flows' list naming every flow (it may be empty: flows: [])")
        }
        checkStorageClassNames(contents)
        return contents
    }

    // MARK: - Storages

    private mutating func readStorage(_ node: YAMLNode, existing: [StorageDefinition]) -> StorageDefinition? {
        guard let pairs = mapping(node, "each storage") else { return nil }
        guard let nameNode = node["name"], nameNode.isPythonTruthy,
              let name = string(nameNode, "the storage name")
        else {
            error(.missingKey, "storage has no 'name'", at: node["name"] ?? node, hint: "give it a name: name: MyStorage")
            return nil
        }
        let what = "storage '\(name)'"
        checkKeys(pairs, known: ["name", "import", "configuration", "classname", "cache"], in: what)
        if let first = existing.first(where: { PythonNames.same($0.name, name) }) {
            error(.duplicateName, "storage '\(name)' is defined twice", at: nameNode,
                  hint: "the first definition is at \(first.location); rename or remove one")
        }
        var importPath: String?
        if let importNode = node["import"], !importNode.isNull {
            importPath = nonEmptyString(importNode, "'import' of \(what)")
            if let importPath { checkPythonName(importPath, module: true, at: importNode, "'import' of \(what)") }
        } else {
            error(.missingKey, "\(what) has no 'import'", at: node["import"] ?? node,
                  hint: "name the Python module of the storage adapter, e.g. import: selinon.storages.redis")
        }
        var configuration: ConfigValue?
        let configurationNode = node["configuration"]
        // nil: the value could not be read, which configValue has reported.
        let value = configurationNode.map { configValue($0) }
        if let value, let value, value.isTruthy {
            configuration = value
        } else if value.map({ $0 != nil }) ?? true {
            error(.missingKey, "\(what) needs a non-empty 'configuration'", at: node["configuration"] ?? node,
                  hint: "Selinon requires the adapter's settings here, e.g. configuration: {host: localhost}")
        }
        var className: String?
        if let classNode = node["classname"] {
            className = string(classNode, "'classname' of \(what)")
            if let className { checkPythonName(className, at: classNode, "'classname' of \(what)") }
        }
        // The generated code holds the storage as the variable _storage_NAME.
        if let problem = StartupCode.nameProblem("_" + name) {
            error(.workerStartup, "the storage name '\(name)' \(problem); Selinon writes it into the variable name _storage_\(name) "
                  + "in its workers' start-up code, which then does not compile (no worker starts)", at: nameNode,
                  hint: "use letters, digits and '_' only")
        }
        if let configuration, let configurationNode {
            checkArgumentsInStartupCode(configuration, at: configurationNode, "'configuration' of \(what)")
        }
        if let importPath, importPath == "selinon.storages" || importPath.hasPrefix("selinon.storages.") {
            checkBuiltinStorage(importPath, className: className ?? name, configuration: configuration, node: node, what: what)
        }
        var cache: CacheSettings?
        if let cacheNode = node["cache"] { cache = self.cache(cacheNode, what) }
        guard let importPath, let configuration else { return nil }
        return StorageDefinition(name: name, importPath: importPath, className: className, configuration: configuration,
                                 cache: cache, location: location(node))
    }

    // MARK: - Global

    /// - Parameter storages: every storage entry's name, including ones whose definition has
    ///   errors (reported there: a trace naming one is not "undefined").
    ///   `defined`: the storages read without errors (a trace method is checked against Selinon's own adapters).
    private mutating func readGlobal(_ node: YAMLNode, storages: [String], defined: [StorageDefinition]) -> GlobalSettings {
        var global = GlobalSettings()
        guard let pairs = mapping(node, "'global'") else { return global }
        let known = ["predicates_module", "default_task_queue", "default_dispatcher_queue", "migration_dir", "trace"]
        checkKeys(pairs, known: known, in: "'global'")
        if let module = node["predicates_module"], let text = nonEmptyString(module, "'predicates_module'") {
            global.predicatesModule = text
            checkPythonName(text, module: true, at: module, "'predicates_module'")
            if text.hasPrefix("selinon.") && text != GlobalSettings.defaultPredicatesModule {
                // Selinon 1.4 has no other predicate module: its workers cannot import this one.
                error(.invalidValue, "'predicates_module' is '\(text)', which Selinon 1.4 does not have (ModuleNotFoundError "
                    + "when its workers start)", at: module,
                      hint: "write \(GlobalSettings.defaultPredicatesModule) (the default), or your own module's path")
            } else if !global.usesBuiltinPredicates {
                warning(.unknownPredicate, "predicates come from '\(text)': conditions are checked for Python names only, not "
                    + "against that module's functions and their arguments", at: module,
                        hint: "check the conditions against that module yourself")
            }
        }
        if let queue = node["default_task_queue"], let text = string(queue, "'default_task_queue'"),
           let expanded = expandEnvironment(text, at: queue, "'default_task_queue'") {
            global.defaultTaskQueue = expanded
            checkQuotedInStartupCode(expanded, at: queue, "'default_task_queue'")
        }
        if let queue = node["default_dispatcher_queue"], let text = string(queue, "'default_dispatcher_queue'"),
           let expanded = expandEnvironment(text, at: queue, "'default_dispatcher_queue'") {
            global.defaultDispatcherQueue = expanded
            checkQuotedInStartupCode(expanded, at: queue, "'default_dispatcher_queue'")
        }
        if let directory = node["migration_dir"], !directory.isNull,
           let text = string(directory, "'migration_dir'"), !text.isEmpty {
            global.migrationDirectory = text
            global.expandedMigrationDirectory = expandEnvironment(text, at: directory, "'migration_dir'")
        }
        if let trace = node["trace"] {
            let before = diagnostics.count
            global.trace = readTrace(trace, storages: storages, defined: defined)
            if !checksTrace {
                for index in diagnostics.indices[before...] where diagnostics[index].severity == .error {
                    diagnostics[index].severity = .warning
                    diagnostics[index].message += " (taken as a warning: tracing changes no flow's edges; workers of Selinon 1.4 "
                        + "do not start on it)"
                }
            }
        }
        return global
    }

    private mutating func readTrace(_ node: YAMLNode, storages: [String], defined: [StorageDefinition]) -> [TraceEntry] {
        if case .bool(false)? = node.value { return [] }
        let entries: [YAMLNode]
        switch node.content {
        case .mapping: entries = [node]
        case .sequence(let items): entries = Array(items)
        case .scalar:
            error(.wrongType, "'trace' must be a mapping, a list of mappings or false, found \(describe(node))", at: node,
                  hint: "for example: trace: {logging: true}")
            return []
        }
        var result: [TraceEntry] = []
        for entryNode in entries {
            guard let pairs = mapping(entryNode, "each 'trace' entry") else { continue }
            // Earlier Selinon versions named the function beside it: {import: MODULE, function: NAME}.
            let earlierForm = "earlier Selinon versions wrote the function's module beside it; Selinon 1.4 writes "
                + "function: {import: MODULE, name: FUNCTION}"
            checkKeys(pairs, known: ["logging", "json", "function", "storage", "sentry"], in: "'trace'",
                      extraHint: entryNode["function"]?.string != nil ? ["import": earlierForm] : [:])
            var entry = TraceEntry()
            if let logging = entryNode["logging"] {
                if case .bool(true)? = logging.value {
                    entry.logging = true
                } else {
                    warning(.invalidValue, "trace 'logging' is \(describe(logging)); Selinon only acts on true and ignores anything else",
                            at: logging, hint: "write logging: true, or remove the key")
                }
            }
            if let json = entryNode["json"] { entry.json = bool(json, "trace 'json'") }
            if let function = entryNode["function"] {
                entry.function = functionReference(function, "trace 'function'", required: ["name", "import"])
            }
            if let storage = entryNode["storage"], let storagePairs = mapping(storage, "trace 'storage'") {
                checkKeys(storagePairs, known: ["name", "method"], in: "trace 'storage'")
                if let nameNode = storage["name"], let name = string(nameNode, "trace storage 'name'") {
                    if !storages.contains(where: { PythonNames.same($0, name) }) {
                        error(.unknownStorage, "trace storage '\(name)' is not defined in 'storages'", at: nameNode,
                              hint: NameSuggestion.hint(for: name, in: storages))
                    }
                    var method = "trace"
                    if let methodNode = storage["method"], let text = string(methodNode, "trace storage 'method'") {
                        method = text
                        checkPythonName(text, at: methodNode, "trace storage 'method'")
                    }
                    if let adapter = defined.first(where: { PythonNames.same($0.name, name) }),
                       Self.builtinStorages[adapter.importPath]?.className == adapter.className,
                       !Self.builtinStorageMethods.contains(method) {
                        // The start-up code passes functools.partial(Class.method, storage) to trace_by_func.
                        error(.invalidValue, "\(adapter.className) of \(adapter.importPath), Selinon's own adapter, has no method '\(method)' "
                                + "to trace to: Selinon's workers fail to start (AttributeError)",
                              at: storage["method"] ?? storage,
                              hint: "trace to a storage class of your own that defines \(method)(self, event, msg_dict), or trace another way "
                                + "(logging: true, function: …)")
                    }
                    entry.storage = TraceStorage(name: name, method: method)
                } else if storage["name"] == nil {
                    error(.missingKey, "trace 'storage' needs a 'name'", at: storage, hint: "name a storage of 'storages': storage: {name: MyStorage}")
                }
            }
            if let sentry = entryNode["sentry"], let sentryPairs = mapping(sentry, "trace 'sentry'") {
                checkKeys(sentryPairs, known: ["dsn"], in: "trace 'sentry'")
                if let dsn = sentry["dsn"], let text = string(dsn, "trace sentry 'dsn'") {
                    entry.sentryDSN = expandEnvironment(text, at: dsn, "trace sentry 'dsn'")
                    if let expanded = entry.sentryDSN { checkQuotedInStartupCode(expanded, at: dsn, "trace sentry 'dsn'") }
                } else if sentry["dsn"] == nil {
                    error(.missingKey, "trace 'sentry' needs a 'dsn'", at: sentry, hint: "give the Sentry DSN: sentry: {dsn: https://key@sentry.example/1}")
                }
            }
            result.append(entry)
        }
        return result
    }

    /// `{name, import}` with both keys required.
    mutating func functionReference(_ node: YAMLNode, _ what: String, required: [String]) -> FunctionReference? {
        guard let pairs = mapping(node, what) else { return nil }
        checkKeys(pairs, known: ["name", "import"], in: what)
        var parts: [String: String] = [:]
        for key in ["name", "import"] {
            if let value = node[key] {
                parts[key] = string(value, "'\(key)' of \(what)")
                if let text = parts[key] { checkPythonName(text, module: key == "import", at: value, "'\(key)' of \(what)") }
            } else if required.contains(key) {
                error(.missingKey, "\(what) needs '\(key)'", at: node, hint: "add '\(key)'")
            }
        }
        guard let name = parts["name"], let module = parts["import"] else { return nil }
        return FunctionReference(name: name, importPath: module)
    }

    // MARK: - Tasks

    private mutating func readTask(_ node: YAMLNode, global: GlobalSettings, storages: [String],
                                   existing: [String: FileLocation]) -> TaskDefinition? {
        guard let pairs = mapping(node, "each task") else { return nil }
        guard let nameNode = node["name"], nameNode.isPythonTruthy else {
            error(.missingKey, node["name"].map { "task 'name' is \(describe($0)), which Selinon takes as no name" } ?? "task has no 'name'",
                  at: node["name"] ?? node,
                  hint: node["name"].map(quoteHint) ?? "every task needs a name")
            return nil
        }
        guard let name = validNodeName(nameNode, kind: "task") else { return nil }
        if let reason = PythonNames.unbindableReason(name) {
            error(.workerStartup, "task name '\(name)' \(reason); Selinon's workers cannot import a task class under it",
                  at: nameNode, hint: "rename the task")
        }
        if let first = existing[name] {
            error(.duplicateName, "task '\(name)' is defined twice", at: nameNode,
                  hint: "the first definition is at \(first); rename or remove one")
        }
        let what = "task '\(name)'"
        let known = ["name", "import", "classname", "storage", "storage_readonly", "storage_task_name", "output_schema",
                     "max_retry", "retry_countdown", "queue", "throttling", "selective_run_function"]
        checkKeys(pairs, known: known, in: what)

        var task = TaskDefinition(name: name, importPath: "", location: location(node))
        if let importNode = node["import"], !importNode.isNull, let text = nonEmptyString(importNode, "'import' of \(what)") {
            task.importPath = text
            checkPythonName(text, module: true, at: importNode, "'import' of \(what)")
        } else if node["import"].map({ $0.isNull }) ?? true {
            error(.missingKey, "\(what) has no 'import'", at: node["import"] ?? node,
                  hint: "name the Python module that defines the task class, e.g. import: myapp.tasks")
        }
        if let classNode = node["classname"], let text = string(classNode, "'classname' of \(what)") {
            task.className = text
            checkPythonName(text, at: classNode, "'classname' of \(what)")
        }
        if let storageNode = node["storage"] {
            if let storage = string(storageNode, "'storage' of \(what)") {
                if storages.contains(where: { PythonNames.same($0, storage) }) {
                    task.storage = storage
                } else {
                    error(.unknownStorage, "\(what) uses storage '\(storage)', which is not defined in 'storages'",
                          at: storageNode, hint: NameSuggestion.hint(for: storage, in: storages))
                }
            }
        }
        if let readOnly = node["storage_readonly"], let value = bool(readOnly, "'storage_readonly' of \(what)") {
            task.storageReadOnly = value
        }
        if let storageTaskName = node["storage_task_name"] {
            if node["storage"] == nil {
                error(.invalidValue, "\(what) sets 'storage_task_name' but has no 'storage'", at: storageTaskName,
                      hint: "add a storage or remove storage_task_name")
            } else if let text = string(storageTaskName, "'storage_task_name' of \(what)") {
                task.storageTaskName = text
                checkQuotedInStartupCode(text, at: storageTaskName, "'storage_task_name' of \(what)")
            }
        }
        // Null, as in Selinon, is no schema.
        if let schema = node["output_schema"], !schema.isNull, let text = string(schema, "'output_schema' of \(what)") {
            task.outputSchema = text
            checkQuotedInStartupCode(text, at: schema, "'output_schema' of \(what)")
        }
        var maxRetryInvalid = false
        if let maxRetry = node["max_retry"] {
            if let value = count(maxRetry, "'max_retry' of \(what)") { task.maxRetry = value } else { maxRetryInvalid = true }
        }
        if let countdown = node["retry_countdown"], let value = count(countdown, "'retry_countdown' of \(what)") {
            task.retryCountdown = value
            // (An invalid max_retry is reported as such, not read as 0.)
            if task.maxRetry == 0 && value != 0 && !maxRetryInvalid {
                warning(.invalidValue, "\(what) sets 'retry_countdown' but 'max_retry' is 0, so it never retries",
                        at: countdown, hint: "set max_retry, or remove retry_countdown")
            }
        }
        task.queue = queueName(node["queue"], owner: node, default: global.defaultTaskQueue, what: what) ?? task.queue
        if let throttling = node["throttling"] { task.throttling = self.throttling(throttling, what) }
        if let function = node["selective_run_function"], function.mapping?.isEmpty == false,
           let first = mappingsChangedInPlace.updateValue(what, forKey: function.identity) {
            // The first use took 'name' and 'import' out of it: the empty rest is the default.
            warning(.selinonQuirk, "'selective_run_function' of \(what) is the very mapping of \(first) (an alias or a merge key shares "
                        + "it): Selinon's loader takes 'name' and 'import' out of it when it reads \(first), so \(what) gets the default "
                        + "function (always_run from selinon.routines)",
                    at: node, hint: "give each task its own mapping: write it out, or copy it with selective_run_function: {<<: *anchor}")
        } else if let function = node["selective_run_function"], !function.isNull, function.mapping?.isEmpty != true {
            if let pairs = mapping(function, "'selective_run_function' of \(what)") {
                checkKeys(pairs, known: ["name", "import"], in: "'selective_run_function' of \(what)",
                          extraHint: ["function": "Selinon's documentation says 'function', but it only accepts 'name'"])
                if let nameNode = function["name"], let text = string(nameNode, "selective run function 'name'") {
                    task.selectiveRunFunction.name = text
                    checkPythonName(text, at: nameNode, "selective run function 'name'")
                }
                if let module = function["import"], let text = string(module, "selective run function 'import'") {
                    task.selectiveRunFunction.importPath = text
                    checkPythonName(text, module: true, at: module, "selective run function 'import'")
                }
                // Selinon's own module has one: any other name fails the workers' start-up import.
                if task.selectiveRunFunction.importPath == "selinon.routines" && task.selectiveRunFunction.name != "always_run" {
                    error(.invalidValue, "selinon.routines has no function '\(task.selectiveRunFunction.name)' (only always_run): "
                            + "Selinon's workers fail to start (ImportError)",
                          at: function["name"] ?? function, hint: "give the module of your function with 'import', or use always_run")
                }
            }
        }
        return task
    }

    /// A `queue` value: null or empty means the default; `{VAR}` placeholders are expanded. As in
    /// Selinon, a default coming from `global` is expanded a second time.
    mutating func queueName(_ node: YAMLNode?, owner: YAMLNode, default defaultQueue: String, what: String) -> String? {
        if let node, !node.isNull {
            guard let text = string(node, "'queue' of \(what)") else { return nil }
            if !text.isEmpty {
                let expanded = expandEnvironment(text, at: node, "'queue' of \(what)")
                if let expanded { checkQuotedInStartupCode(expanded, at: node, "'queue' of \(what)") }
                return expanded
            }
        }
        switch EnvironmentExpansion.expand(defaultQueue, environment: environment) {
        case .success(let value):
            return value
        case .failure(let failure):
            error(.environmentVariable,
                  "Selinon expands the default queue '\(defaultQueue)' again for \(what), which fails: \(failure.message)",
                  at: node ?? owner, hint: "avoid '{{' and '}}' in the global default queue, or give \(what) its own 'queue'")
            return nil
        }
    }

    /// A task or flow name: a string matching Selinon's pattern.
    mutating func validNodeName(_ node: YAMLNode, kind: String) -> String? {
        guard let name = string(node, "the \(kind) name") else { return nil }
        guard PythonNames.isValidNodeName(name) else {
            error(.invalidName, "invalid \(kind) name '\(name)'", at: node,
                  hint: "names start with a letter or '_' and contain only letters, digits and '_'")
            return nil
        }
        return name
    }

    // MARK: - Flows

    private mutating func readFlowListing(_ node: YAMLNode, into contents: inout NodesFileContents) {
        guard let name = validNodeName(node, kind: "flow") else {
            // Reported; later "not listed" or "not a flow" errors would only echo it.
            contents.namesAreComplete = false
            return
        }
        if let first = contents.firstFlowLocations[name] {
            error(.duplicateName, "flow '\(name)' is listed twice in 'flows'", at: node,
                  hint: "the first entry is at \(first); remove one")
            return
        }
        if contents.firstTaskLocations[name] != nil {
            error(.duplicateName, "'\(name)' is both a task and a flow", at: node,
                  hint: "tasks and flows share one name space; rename one of them")
            return
        }
        contents.flows.append((name, location(node)))
        contents.firstFlowLocations[name] = location(node)
    }

    /// The adapters of Selinon 1.4's `selinon.storages` by module: the class, the keyword
    /// arguments it requires, and those it also takes.
    static let builtinStorages: [String: (className: String, required: [String], optional: [String])] = [
        "selinon.storages.filesystem": ("Filesystem", [], ["path"]),
        "selinon.storages.memory": ("InMemoryStorage", [], ["echo", "json"]),
        "selinon.storages.mongodb": ("MongoDB", ["db_name", "collection_name"], ["host", "port"]),
        "selinon.storages.postgresql": ("PostgreSQL", ["connection_string"], ["encoding", "echo"]),
        "selinon.storages.postgresql.adapter": ("PostgreSQL", ["connection_string"], ["encoding", "echo"]),
        "selinon.storages.redis": ("Redis", [], ["host", "port", "db", "password", "socket_timeout", "connection_pool", "charset",
                                                 "errors", "unix_socket_path"]),
        "selinon.storages.s3": ("S3", ["bucket"], ["location", "endpoint_url", "use_ssl", "aws_access_key_id",
                                                   "aws_secret_access_key", "region_name", "serialize_json"]),
    ]

    /// The methods every adapter of ``builtinStorages`` has (none takes a trace event).
    static let builtinStorageMethods: Set = ["connect", "delete", "disconnect", "is_connected", "retrieve", "store", "store_error"]

    /// A storage of Selinon's own adapters: the start-up code imports the class from the module
    /// and calls it with the configuration as keyword arguments, so a module or class that is not
    /// there (ImportError) or an argument the adapter does not take (TypeError) stops every worker.
    private mutating func checkBuiltinStorage(_ module: String, className: String, configuration: ConfigValue?, node: YAMLNode,
                                              what: String) {
        guard let adapter = Self.builtinStorages[module] else {
            let modules = Self.builtinStorages.keys.filter { $0.split(separator: ".").count == 3 }.sorted()
            error(.invalidValue, "Selinon 1.4 has no storage module '\(module)' (its adapters: \(modules.joined(separator: ", "))): "
                    + "its workers fail to start (ImportError)",
                  at: node["import"] ?? node, hint: NameSuggestion.hint(for: module, in: modules))
            return
        }
        guard className == adapter.className else {
            error(.invalidValue, "\(module) has no class '\(className)' (its adapter is \(adapter.className)): Selinon's workers fail to "
                    + "start (ImportError)",
                  at: node["classname"] ?? node["name"] ?? node, hint: "classname: \(adapter.className)")
            return
        }
        guard case .mapping(let entries)? = configuration else { return }
        let given = entries.map(\.key)
        let missing = adapter.required.filter { !given.contains($0) }
        let unexpected = given.filter { !adapter.required.contains($0) && !adapter.optional.contains($0) }
        guard !missing.isEmpty || !unexpected.isEmpty else {
            checkBuiltinStorageValues(entries, module: module, className: className, node: node)
            return
        }
        error(.invalidValue, "\(adapter.className) of \(module) "
                + (missing.isEmpty ? "" : "needs \(missing.map { "'\($0)'" }.joined(separator: ", "))")
                + (missing.isEmpty || unexpected.isEmpty ? "" : " and ")
                + (unexpected.isEmpty ? "" : "takes no \(unexpected.map { "'\($0)'" }.joined(separator: ", "))")
                + " in its 'configuration': Selinon's workers fail to start (TypeError)",
              at: node["configuration"] ?? node,
              hint: "it takes " + (adapter.required + adapter.optional).joined(separator: ", ")
                + (adapter.required.isEmpty ? "" : " (\(adapter.required.joined(separator: ", ")) required)"))
    }

    /// How the constructor of an adapter of ``builtinStorages`` uses an argument as workers start.
    enum AdapterArgumentUse {
        /// `value.format(**os.environ)`: a string.
        case text
        /// `value.format(**os.environ) if value else default`: a string, or false.
        case textIfTrue
        /// `int(value.format(**os.environ) if isinstance(value, str) else value)`: a number, or a string of one.
        case integer
        /// `int(value.format(**os.environ)) if isinstance(value, str) else value`: a string must hold a number.
        case integerIfText
    }

    /// The arguments of Selinon 1.4's adapters that their constructors convert, by module (what
    /// the others take is only used later, by the database client).
    static let builtinStorageArgumentUses: [String: [String: AdapterArgumentUse]] = [
        "selinon.storages.filesystem": ["path": .textIfTrue],
        "selinon.storages.mongodb": ["db_name": .text, "collection_name": .text, "host": .textIfTrue, "port": .integer],
        "selinon.storages.postgresql": ["connection_string": .text],
        "selinon.storages.postgresql.adapter": ["connection_string": .text],
        "selinon.storages.redis": ["host": .textIfTrue, "password": .textIfTrue, "port": .integerIfText, "db": .integer],
        "selinon.storages.s3": ["bucket": .text, "location": .textIfTrue, "endpoint_url": .textIfTrue, "aws_access_key_id": .textIfTrue,
                                "aws_secret_access_key": .textIfTrue, "region_name": .textIfTrue],
    ]

    /// The values of a Selinon adapter's arguments that its constructor cannot take as workers
    /// start: a string method called on another type (AttributeError), `int()` of something that
    /// is no number (TypeError, ValueError). A string with a `{VARIABLE}` is formatted with the
    /// workers' environment first, which this check cannot know: it passes.
    private mutating func checkBuiltinStorageValues(_ entries: [ConfigValue.MappingEntry], module: String, className: String,
                                                    node: YAMLNode) {
        let uses = Self.builtinStorageArgumentUses[module] ?? [:]
        for entry in entries {
            guard let use = uses[entry.key] else { continue }
            let failure: String?
            switch (use, entry.value) {
            case (.text, .string), (.textIfTrue, .string), (.integer, .bool), (.integer, .integer):
                failure = nil
            case (.textIfTrue, let value):
                failure = value.isTruthy ? "AttributeError: it calls format() on it" : nil
            case (.text, _):
                failure = "AttributeError: it calls format() on it"
            case (.integer, .float(let value)):
                failure = value.isFinite ? nil : "\(value.isNaN ? "ValueError" : "OverflowError"): it calls int() on it"
            case (.integer, .string(let text)), (.integerIfText, .string(let text)):
                failure = text.contains("{") || Self.isPythonIntegerLiteral(text) ? nil : "ValueError: it calls int() on it"
            case (.integerIfText, _):
                failure = nil
            case (.integer, _):
                failure = "TypeError: it calls int() on it"
            }
            guard let failure else { continue }
            let valueNode = node["configuration"]?[entry.key]
            error(.invalidValue, "'\(entry.key)' of \(className) (\(module)) is \(valueNode.map(describe) ?? entry.value.displayText): "
                    + "Selinon's workers fail to start (\(failure))",
                  at: valueNode ?? node,
                  hint: use == .text || use == .textIfTrue ? "give a string (quote it)" : "give a whole number, such as 6379")
        }
    }

    /// Whether Python's `int()` reads `text`: an optional sign and decimal digits — of any script,
    /// as Python reads `６３７９` or `٣` (Unicode's decimal digits) — with single underscores between
    /// them, and white space (Unicode's White_Space) around.
    static func isPythonIntegerLiteral(_ text: String) -> Bool {
        var scalars = Substring(text).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        if scalars.first == "+" || scalars.first == "-" { scalars.removeFirst() }
        func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.numericType == .decimal }
        guard let first = scalars.first, let last = scalars.last, isDigit(first), isDigit(last) else { return false }
        var afterUnderscore = false
        for scalar in scalars {
            if scalar == "_" {
                if afterUnderscore { return false }
                afterUnderscore = true
            } else if isDigit(scalar) {
                afterUnderscore = false
            } else {
                return false
            }
        }
        return true
    }

    /// Selinon's generated start-up code imports each task's class under the task's name
    /// (`from IMPORT import CLASS as TASK`), then each storage's class under its class name, then
    /// `functools` and `datetime`: a later import of the same name replaces the earlier one, and
    /// the task runs the storage class (or the storage is a module).
    private mutating func checkStorageClassNames(_ contents: NodesFileContents) {
        for storage in contents.storages {
            if let task = contents.tasks.first(where: { $0.name == storage.className }) {
                diagnostics.append(ConfigDiagnostic(
                    .error, .workerStartup,
                    "storage '\(storage.name)' has the class name '\(storage.className)', the name task '\(task.name)' is imported "
                        + "under in Selinon's generated start-up code: the storage class replaces the task's, and workers run it for the task",
                    at: storage.location, hint: "set a different 'classname' for the storage (with a module that has it), or rename the task"))
            }
        }
        for (storage, first) in StartupImports.importedTwice(contents.storages, name: \.className, module: \.importPath) {
            diagnostics.append(ConfigDiagnostic(
                .error, .workerStartup,
                "storage '\(storage.name)' has the class name '\(storage.className)' from \(storage.importPath), and storage "
                    + "'\(first.name)' the same name from \(first.importPath): Selinon's generated start-up code imports both under "
                    + "that name, so both storages are built from the last one's class",
                at: storage.location, hint: "give one of the storage classes another name"))
        }
        for (name, location) in contents.tasks.map({ ($0.name, $0.location) }) + contents.storages.map({ ($0.className, $0.location) })
        where Self.startupModuleNames.contains(name) {
            diagnostics.append(ConfigDiagnostic(
                .error, .workerStartup,
                "'\(name)' is imported by Selinon's generated start-up code as a module after the tasks and storages, so the class "
                    + "imported under that name is replaced by the module and workers fail",
                at: location, hint: "use another name"))
        }
    }

    /// The modules Selinon's start-up code imports after the tasks, storages and caches.
    static let startupModuleNames: Set<String> = ["functools", "datetime"]
}
